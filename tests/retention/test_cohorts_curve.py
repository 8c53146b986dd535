"""retention_curve and retention_matrix: pooled averages and their intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyalty_lib.inputs.datasets import load_cdnow
from loyalty_lib.retention.cohorts import cohort_retention
from loyalty_lib.retention.curves import retention_curve, retention_matrix
from loyalty_lib.stats.proportions import wilson_interval

KW = {"customer": "customer_id", "date": "order_date"}

# Jan cohort {a, b, c, d}: Feb active a, b; Mar active a.   Feb cohort {e, f}: Mar active e.
# as_of 2024-03-31: every period up to March is complete.
LOG = pd.DataFrame(
    {
        "customer_id": list("abcd") + ["a", "b", "a"] + ["e", "f", "e"],
        "order_date": pd.to_datetime(
            ["2024-01-03", "2024-01-09", "2024-01-15", "2024-01-30"]
            + ["2024-02-02", "2024-02-20", "2024-03-05"]
            + ["2024-02-10", "2024-02-11", "2024-03-12"]
        ),
        "amount": [10.0, 10, 10, 10, 4, 6, 5, 20, 20, 8],
    }
)


def wilson_by_hand(k: int, n: int, z: float) -> tuple[float, float]:
    # The other textbook form: (k + z²/2)/(n + z²) ± z/(n + z²)·sqrt(k(n−k)/n + z²/4)
    centre = (k + z**2 / 2) / (n + z**2)
    half = z / (n + z**2) * math.sqrt(k * (n - k) / n + z**2 / 4)
    return centre - half, centre + half


def test_wilson_interval_matches_the_other_textbook_form():
    z = stats.norm.ppf(0.975)
    for k, n in [(3, 6), (1, 9), (0, 5), (5, 5), (1157, 7846)]:
        lower, upper = wilson_interval(k, n)
        expected = wilson_by_hand(k, n, z)
        assert float(lower) == pytest.approx(max(expected[0], 0), abs=1e-12)
        assert float(upper) == pytest.approx(min(expected[1], 1), abs=1e-12)
    assert np.isnan(wilson_interval(0, 0)[0])


def test_curve_pools_counts_over_complete_cohorts():
    result = cohort_retention(LOG, **KW, as_of="2024-03-31")
    curve = retention_curve(result).set_index("period")
    # k=1: Jan 2/4 and Feb 1/2 -> pooled (2 + 1) / (4 + 2) = 0.5, 2 cohorts, 6 customers
    # k=2: only Jan has reached it -> 1/4
    assert curve.loc[1, ["cohorts", "customers", "active"]].tolist() == [2, 6, 3]
    assert curve.loc[1, "retention"] == pytest.approx(3 / 6)
    assert curve.loc[2, ["cohorts", "customers", "active"]].tolist() == [1, 4, 1]
    assert curve.loc[2, "retention"] == pytest.approx(1 / 4)
    z = stats.norm.ppf(0.975)
    lower, upper = wilson_by_hand(3, 6, z)
    assert curve.loc[1, "retention_ci_lower"] == pytest.approx(lower)
    assert curve.loc[1, "retention_ci_upper"] == pytest.approx(upper)
    # cohort spread: Jan 0.5, Feb 0.5 at k=1
    assert curve.loc[1, ["cohort_min", "cohort_max"]].tolist() == [0.5, 0.5]
    assert curve["small_base"].all()  # 6 customers < 30


def test_incomplete_periods_stay_out_of_the_curve():
    result = cohort_retention(LOG, **KW, as_of="2024-03-20")  # March is incomplete
    curve = retention_curve(result).set_index("period")
    # k=1 is complete only for the Jan cohort (February); Feb's k=1 is March.
    assert curve.loc[1, ["cohorts", "customers", "active"]].tolist() == [1, 4, 2]
    assert 2 not in curve.index  # nobody has completed k=2
    matrix = retention_matrix(result)
    assert np.isnan(matrix.loc["2024-02-01", 1])
    counts = retention_matrix(result, "active", include_incomplete=True)
    assert counts.loc["2024-02-01", 1] == 1  # e has bought in March so far


def test_cluster_interval_by_hand():
    result = cohort_retention(LOG, **KW, as_of="2024-03-31")
    curve = retention_curve(result, interval="cluster").set_index("period")
    # k=1: R = 3/6; residuals a_i - R n_i: 2 - 0.5*4 = 0, 1 - 0.5*2 = 0 -> se 0 -> [0.5, 0.5]
    assert curve.loc[1, ["retention_ci_lower", "retention_ci_upper"]].tolist() == [0.5, 0.5]
    # k=2: one cohort -> no between-cohort variance to estimate -> NaN
    assert np.isnan(curve.loc[2, "retention_ci_lower"])


def test_cluster_interval_on_cdnow_by_hand():
    result = cohort_retention(load_cdnow(), **KW, value="amount")
    curve = retention_curve(result, interval="cluster").set_index("period")
    # Month 1 of the three cohorts (the sqlite-pinned triangle): 1157/7846, 1312/8476,
    # 1032/7248.
    a = np.array([1157, 1312, 1032])
    n = np.array([7846, 8476, 7248])
    r = a.sum() / n.sum()
    se = math.sqrt(3 / 2 * ((a - r * n) ** 2).sum()) / n.sum()
    t = stats.t.ppf(0.975, 2)
    assert curve.loc[1, "active"] == 3501
    assert curve.loc[1, "retention_ci_lower"] == pytest.approx(r - t * se)
    assert curve.loc[1, "retention_ci_upper"] == pytest.approx(r + t * se)


def test_revenue_retention_curve_is_the_pooled_ratio():
    result = cohort_retention(LOG, **KW, value="amount", as_of="2024-03-31")
    curve = retention_curve(result, values="revenue_retention").set_index("period")
    # period-0 revenue: Jan 40, Feb 40. k=1: Jan 4 + 6 = 10, Feb 8 -> 18 / 80.
    assert curve.loc[1, "revenue"] == 18
    assert curve.loc[1, "revenue_base"] == 80
    assert curve.loc[1, "revenue_retention"] == pytest.approx(18 / 80)
    # cluster: residuals 10 - 0.225*40 = 1, 8 - 0.225*40 = -1 -> se = sqrt(2/1 * 2)/80
    t = stats.t.ppf(0.975, 1)
    half = t * math.sqrt(2 * 2) / 80
    assert curve.loc[1, "revenue_retention_ci_lower"] == pytest.approx(18 / 80 - half)
    with pytest.raises(ValueError, match="'wilson' needs counts"):
        retention_curve(result, values="revenue_retention", interval="wilson")


def test_curve_keeps_segments_apart():
    log = LOG.assign(region=LOG["customer_id"].map(lambda c: "N" if c in "ace" else "S"))
    result = cohort_retention(log, **KW, by="region", as_of="2024-03-31")
    curve = retention_curve(result)
    assert list(curve.columns[:2]) == ["region", "period"]
    north = curve[curve["region"] == "N"].set_index("period")
    # N: Jan {a, c}, Feb {e}; k=1: a (Feb) + e (Mar) = 2 of 3
    assert north.loc[1, "retention"] == pytest.approx(2 / 3)
    matrix = retention_matrix(result)
    assert matrix.index.names == ["region", "cohort"]
