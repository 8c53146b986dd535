"""lorenz_curve and the Gini coefficient: shape, and Gini = 1 - 2 * area under the curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.value.pareto import lorenz_curve, pareto_split


def frame(values) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(len(values))],
            "amount": [float(v) for v in values],
        }
    )


def gini_of(values) -> float:
    return pareto_split(frame(values), customer="customer_id", value="amount", min_customers=1)[
        "gini"
    ].iloc[0]


def gini_mean_difference(values) -> float:
    """Independent definition: mean absolute difference over all ordered pairs / (2 mean)."""
    x = np.asarray(values, dtype=float)
    return float(np.abs(x[:, None] - x[None, :]).mean() / (2 * x.mean()))


def test_hand_worked_curve():
    curve = lorenz_curve(frame([40, 10, 30, 20]), customer="customer_id", value="amount")
    # ascending 10, 20, 30, 40 of 100: running shares 0.1, 0.3, 0.6, 1.0
    assert curve["customer_share"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert curve["value_share"].tolist() == pytest.approx([0, 0.1, 0.3, 0.6, 1.0])
    assert curve["customers"].tolist() == [0, 1, 2, 3, 4]
    # read from the top: the top 25% (customer 40) bring 40%.
    assert curve["top_value_share"].iloc[3] == pytest.approx(0.4)
    # trapezoids: 0.25 * (0.05 + 0.2 + 0.45 + 0.8) = 0.375; Gini = 1 - 0.75 = 0.25
    assert np.trapezoid(curve["value_share"], curve["customer_share"]) == pytest.approx(0.375)
    assert gini_of([40, 10, 30, 20]) == pytest.approx(0.25)


def test_curve_runs_from_origin_to_one_and_is_convex():
    rng = np.random.default_rng(1)
    values = rng.lognormal(3, 1.2, size=500)
    curve = lorenz_curve(frame(values), customer="customer_id", value="amount")
    assert curve.iloc[0][["customer_share", "value_share"]].tolist() == [0.0, 0.0]
    assert curve.iloc[-1][["customer_share", "value_share"]].tolist() == [1.0, 1.0]
    steps = np.diff(curve["value_share"])
    assert (steps > 0).all() and (np.diff(steps) >= -1e-15).all()  # increasing, convex
    assert (curve["value_share"] <= curve["customer_share"] + 1e-15).all()


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, 3, 4, 100],
        [5, 5, 5, 5],
        [7],
        [0.01, 1000],
        list(np.random.default_rng(7).pareto(1.5, size=300) + 0.1),
    ],
)
def test_gini_is_one_minus_twice_the_area_and_the_mean_difference(values):
    curve = lorenz_curve(frame(values), customer="customer_id", value="amount")
    area = np.trapezoid(curve["value_share"], curve["customer_share"])
    gini = gini_of(values)
    assert gini == pytest.approx(1 - 2 * area, abs=1e-12)
    assert gini == pytest.approx(gini_mean_difference(values), abs=1e-12)


def test_all_equal_gives_the_diagonal_and_zero():
    curve = lorenz_curve(frame([3] * 6), customer="customer_id", value="amount")
    assert curve["value_share"].to_numpy() == pytest.approx(curve["customer_share"].to_numpy())
    assert gini_of([3] * 6) == 0.0


def test_maximum_gini_is_n_minus_one_over_n():
    # one customer has (almost) everything: Gini -> (n - 1) / n = 0.75 for 4 customers
    assert gini_of([1e-9, 1e-9, 1e-9, 1.0]) == pytest.approx(0.75, abs=1e-8)


def test_non_positive_customers_are_left_out():
    with_zero = lorenz_curve(frame([10, 20, 0, -5]), customer="customer_id", value="amount")
    without = lorenz_curve(frame([10, 20]), customer="customer_id", value="amount")
    pd.testing.assert_frame_equal(with_zero, without)


def test_no_positive_customer_is_an_error():
    with pytest.raises(ValueError, match=r"amount: no customer has a positive net value"):
        lorenz_curve(frame([0, -1]), customer="customer_id", value="amount")
