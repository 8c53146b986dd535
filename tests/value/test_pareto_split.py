"""pareto_split and pareto_by_period on hand-worked cases, ties, edge cases and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from loyalty_lib import LoyaltyWarning, SmallBaseWarning
from loyalty_lib.value.pareto import pareto_by_period, pareto_split


def frame(values, ids=None) -> pd.DataFrame:
    ids = ids if ids is not None else [f"c{i:02d}" for i in range(len(values))]
    return pd.DataFrame({"customer_id": ids, "amount": [float(v) for v in values]})


def split(data, **kwargs) -> pd.Series:
    kwargs.setdefault("min_customers", 1)
    out = pareto_split(data, customer="customer_id", value="amount", **kwargs)
    assert len(out) == 1
    return out.iloc[0]


def test_ten_customers_by_hand():
    # values 10, 9, ..., 1: total 55.
    row = split(frame(range(10, 0, -1)))
    assert row["customers"] == 10 and row["total_value"] == 55.0
    # top 20%: ceil(0.2 * 10) = 2 customers bring 10 + 9 = 19 -> 19 / 55.
    assert row["top_customers"] == 2
    assert row["top_value_share"] == pytest.approx(19 / 55)
    # 80% of 55 = 44; running sums 10, 19, 27, 34, 40, 45: reached by 6 customers -> 0.6.
    assert row["target_customers"] == 6
    assert row["customer_share_for_target"] == pytest.approx(0.6)
    # Gini = (n + 1)/n - 2 * sum(rank * x) / (n * total), rank 1 = largest:
    # sum(r * (11 - r)) for r = 1..10 = 11 * 55 - 385 = 220 -> 1.1 - 440 / 550 = 0.3.
    assert row["gini"] == pytest.approx(0.3)


def test_returns_netted_and_zero_customer_counted_out():
    # a 40 + 10 = 50, b 30, c 15, d 5, e 20 - 20 = 0 (returned everything).
    data = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e", "e", "a"],
            "amount": [40.0, 30.0, 15.0, 5.0, 20.0, -20.0, 10.0],
        }
    )
    row = split(data, top=0.25, target=0.8)
    assert row["customers"] == 4 and row["non_positive_customers"] == 1
    assert row["non_positive_value"] == 0.0
    # ceil(0.25 * 4) = 1 customer: 50 / 100.
    assert row["top_customers"] == 1 and row["top_value_share"] == 0.5
    # running sums 50, 80: 80 >= 0.8 * 100 at 2 customers -> 2 / 4.
    assert row["customer_share_for_target"] == 0.5
    # Gini = 5/4 - 2 * (50 + 2*30 + 3*15 + 4*5) / (4 * 100) = 1.25 - 350/400 = 0.375.
    assert row["gini"] == pytest.approx(0.375)


def test_negative_totals_are_excluded_and_reported():
    # x bought 10 and returned 25 (a purchase from before the period): net -15.
    data = pd.DataFrame(
        {"customer_id": ["x", "x", "a", "b", "y"], "amount": [10.0, -25.0, 30.0, 10.0, -4.0]}
    )
    row = split(data, top=0.5)
    assert row["customers"] == 2 and row["non_positive_customers"] == 2
    # -15 (x) + -4 (y) = -19
    assert row["non_positive_value"] == -19.0
    # positive base only: 30 + 10 = 40; top ceil(0.5 * 2) = 1 brings 30 / 40.
    assert row["total_value"] == 40.0 and row["top_value_share"] == 0.75
    # adding non-positive customers changes nothing in the shares
    base = split(frame([30, 10], ids=["a", "b"]), top=0.5)
    for column in ("top_value_share", "customer_share_for_target", "gini"):
        assert row[column] == base[column]


def test_ties_at_the_cut_off_do_not_change_the_share():
    # 5, 5, 5, 1, 1 (total 17); top 40% = ceil(2.0) = 2 customers: any two of the tied
    # fives -> 10 / 17, whichever ids they have.
    shares = set()
    for ids in (["a", "b", "c", "d", "e"], ["e", "d", "c", "b", "a"], ["c", "a", "e", "b", "d"]):
        row = split(frame([5, 5, 5, 1, 1], ids=ids), top=0.4)
        shares.add(row["top_value_share"])
        assert row["top_customers"] == 2
    assert shares == {10 / 17}


def test_all_equal_values():
    # 8 customers with 7 each: top 25% = 2 bring 2/8; 80% needs ceil(6.4) = 7 -> 7/8; Gini 0.
    row = split(frame([7] * 8), top=0.25)
    assert row["top_value_share"] == pytest.approx(0.25)
    assert row["customer_share_for_target"] == pytest.approx(7 / 8)
    assert row["gini"] == 0.0


def test_single_customer():
    row = split(frame([42]))
    # ceil(0.2 * 1) = 1: the one customer is the top and brings everything.
    assert row["customers"] == 1 and row["top_customers"] == 1
    assert row["top_value_share"] == 1.0 and row["customer_share_for_target"] == 1.0
    assert row["gini"] == 0.0


def test_ceil_is_not_moved_by_floating_point():
    # 0.7 * 10 == 7.000000000000001 in binary floating point: still 7 customers.
    assert split(frame(range(1, 11)), top=0.7)["top_customers"] == 7
    # 0.2 * 11 = 2.2 -> 3 customers; 11, 10, 9 of 66 -> 30 / 66.
    row = split(frame(range(1, 12)))
    assert row["top_customers"] == 3 and row["top_value_share"] == pytest.approx(30 / 66)


def test_target_reached_exactly_counts():
    # 4, 3, 2, 1: 4 + 3 = 7 = 0.7 * 10 exactly -> 2 customers, not 3.
    row = split(frame([4, 3, 2, 1]), target=0.7)
    assert row["target_customers"] == 2 and row["customer_share_for_target"] == 0.5
    # with values summed in a different order (0.1 steps) the tolerance keeps it at 7 of 10
    row = split(frame([0.1] * 10), target=0.7)
    assert row["target_customers"] == 7


def test_no_positive_customer_warns_and_gives_nan():
    with pytest.warns(LoyaltyWarning, match=r"amount: 1 group\(s\) without any customer"):
        row = split(frame([0, -3]))
    assert row["customers"] == 0 and row["non_positive_customers"] == 2
    assert np.isnan(row["top_value_share"]) and np.isnan(row["gini"])


def test_small_base_warning():
    with pytest.warns(SmallBaseWarning, match=r"fewer than 30 .*n=3"):
        pareto_split(frame([3, 2, 1]), customer="customer_id", value="amount")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pareto_split(frame(range(1, 31)), customer="customer_id", value="amount")


def test_by_equals_filtering():
    data = frame([9, 8, 7, 6, 5, 4, 3, 2, 1]).assign(seg=list("xxyyyxzyx"))
    grouped = pareto_split(data, customer="customer_id", value="amount", by="seg", min_customers=1)
    assert grouped["seg"].tolist() == ["x", "y", "z"]
    for seg, row in grouped.set_index("seg").iterrows():
        alone = split(data[data["seg"] == seg].drop(columns="seg"))
        pd.testing.assert_series_equal(row, alone, check_names=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"top": 0}, ValueError, r"top: must satisfy 0 < top <= 1, got 0"),
        ({"top": 1.5}, ValueError, r"top: must satisfy"),
        ({"target": 0.0}, ValueError, r"target: must satisfy"),
        ({"top": "0.2"}, TypeError, r"top: expected a number"),
        ({"confidence": 1.0}, ValueError, r"confidence: must satisfy 0 < confidence < 1"),
        ({"n_boot": -1}, ValueError, r"n_boot: expected a whole number >= 0"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        pareto_split(frame([1, 2]), customer="customer_id", value="amount", **kwargs)


def test_by_period_hand_worked():
    data = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "b", "c", "c"],
            "order_date": pd.to_datetime(
                ["2023-02-01", "2023-05-01", "2024-01-10", "2024-03-03", "2024-06-30", "2024-07-01"]
            ),
            "amount": [10.0, 30.0, 70.0, 20.0, 10.0, -10.0],
        }
    )
    yearly = pareto_by_period(
        data, customer="customer_id", value="amount", date="order_date", top=0.5, min_customers=1
    )
    assert yearly["period_label"].tolist() == ["2023", "2024"]
    # 2023: b 30, a 10; ceil(0.5 * 2) = 1 -> 30 / 40.
    # 2024: a 70, b 20, c 10 - 10 = 0 (non-positive): ceil(0.5 * 2) = 1 -> 70 / 90.
    assert yearly["customers"].tolist() == [2, 2]
    assert yearly["non_positive_customers"].tolist() == [0, 1]
    assert yearly["top_value_share"].tolist() == [0.75, pytest.approx(70 / 90)]
    with pytest.warns(LoyaltyWarning, match=r"without any customer .*period=2024-07-01"):
        quarterly = pareto_by_period(
            data,
            customer="customer_id",
            value="amount",
            date="order_date",
            freq="quarter",
            top=0.5,
            min_customers=1,
        )
    assert quarterly["period_label"].tolist() == [
        "2023-Q1",
        "2023-Q2",
        "2024-Q1",
        "2024-Q2",
        "2024-Q3",
    ]
    # 2024-Q2 holds c's purchase only; the return falls in Q3 (a negative-only customer).
    q = quarterly.set_index("period_label")
    assert q.loc["2024-Q2", "customers"] == 1
    assert q.loc["2024-Q3", "customers"] == 0 and q.loc["2024-Q3", "non_positive_value"] == -10


def test_by_period_rejects_bad_freq_and_non_dates():
    data = frame([1, 2]).assign(d=["2024-01-01", "2024-02-01"])
    with pytest.raises(ValueError, match=r"freq: expected one of"):
        pareto_by_period(data, customer="customer_id", value="amount", date="d", freq="week")
    with pytest.raises(ValueError, match=r"d: expected dates"):
        pareto_by_period(data, customer="customer_id", value="amount", date="d")
