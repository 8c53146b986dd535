"""Repeated respondents in compare_nps and nps_trend, and repeated="first" in all three.

Cluster-robust tests are pinned to statsmodels: OLS of the +1/0/−1 indicator on a constant
and a group dummy, ``cov_type="cluster"`` with the customer as group (default small-sample
factor G/(G−1)·(N−1)/(N−2), which the library uses); "first" is pinned to plain pandas
(sort, drop_duplicates, then nps without a customer column)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from loyalty_lib import LoyaltyWarning, compare_nps, nps, nps_trend
from loyalty_lib.inputs.datasets import load_survey
from loyalty_lib.stats.nps_intervals import z_value

ORDER = ["response_date", "response_id"]


@pytest.fixture(scope="module")
def demo():
    survey = load_survey("demo")
    return survey[survey["score"].isin(range(11))].reset_index(drop=True)


def indicator(frame):
    return np.where(frame["score"] >= 9, 1.0, np.where(frame["score"] <= 6, -1.0, 0.0))


def statsmodels_difference(a, b, cov_type="cluster"):
    """(difference, SE, p) of nps_a − nps_b in points from the dummy regression."""
    both = pd.concat([a, b], ignore_index=True)
    dummy = np.r_[np.ones(len(a)), np.zeros(len(b))]
    groups = both["customer_id"].astype("category").cat.codes
    kwds = {"groups": groups} if cov_type == "cluster" else None
    fit = sm.OLS(indicator(both), sm.add_constant(dummy)).fit(cov_type=cov_type, cov_kwds=kwds)
    return 100 * float(fit.params[1]), 100 * float(fit.bse[1]), float(fit.pvalues[1])


def half_width(lower, upper):
    return (upper - lower) / 2 / z_value(0.95)


def test_compare_nps_cluster_matches_statsmodels_with_shared_customers(demo):
    # two half-years: 258 customers answered in both, so the covariance of their answers counts
    a = demo[demo["wave"] < "2024-01-01"]
    b = demo[demo["wave"] >= "2024-01-01"]
    shared = set(a["customer_id"]) & set(b["customer_id"])
    assert len(shared) == 258
    out = compare_nps(a, b, "score", method="wald", customer="customer_id").iloc[0]
    diff, se, p = statsmodels_difference(a, b)
    assert out["difference"] == pytest.approx(diff, abs=1e-9)
    assert half_width(out["difference_ci_lower"], out["difference_ci_upper"]) == pytest.approx(
        se, rel=1e-9
    )
    assert out["p_value"] == pytest.approx(p, rel=1e-9)
    # the design effect is cluster over independent (HC0 of the dummy = v_a/n_a + v_b/n_b)
    _, hc0, _ = statsmodels_difference(a, b, cov_type="HC0")
    assert out["design_effect"] == pytest.approx((se / hc0) ** 2, rel=1e-9)
    assert out["customers_a"] == a["customer_id"].nunique()
    assert compare_nps(a, b, "score", customer="customer_id").attrs["repeated"] == "cluster"


def test_compare_nps_adjusted_wald_widens_by_the_design_effect(demo):
    a, b = demo[demo["region"] == "East"], demo[demo["region"] == "West"]
    cluster = compare_nps(a, b, "score", customer="customer_id").iloc[0]
    ignore = compare_nps(a, b, "score", customer="customer_id", repeated="ignore").iloc[0]
    plain = compare_nps(a, b, "score").iloc[0]
    assert ignore["p_value"] == plain["p_value"]
    ratio = half_width(cluster["difference_ci_lower"], cluster["difference_ci_upper"]) / half_width(
        plain["difference_ci_lower"], plain["difference_ci_upper"]
    )
    assert ratio == pytest.approx(np.sqrt(cluster["design_effect"]), rel=1e-9)
    assert cluster["design_effect"] > 1.3  # demo customers answer about 1.6 times each
    assert cluster["p_value"] > plain["p_value"]


def test_nps_trend_every_change_matches_statsmodels(demo):
    trend = nps_trend(demo, "score", "wave", method="wald", customer="customer_id")
    month = demo["wave"].dt.to_period("M").dt.to_timestamp()
    tested = trend[trend["p_value"].notna()]
    assert len(tested) == 22
    for i, row in tested.iterrows():
        before = trend.at[i - 1, "period"]
        a, b = demo[month == row["period"]], demo[month == before]
        diff, se, p = statsmodels_difference(a, b)
        assert row["difference"] == pytest.approx(diff, abs=1e-9)
        assert half_width(row["difference_ci_lower"], row["difference_ci_upper"]) == (
            pytest.approx(se, rel=1e-9)
        )
        assert row["p_value"] == pytest.approx(p, rel=1e-9)
    # the level interval of a month: statsmodels on that month alone (constant only)
    row = trend.iloc[10]
    part = demo[month == row["period"]]
    fit = sm.OLS(indicator(part), np.ones(len(part))).fit(
        cov_type="cluster", cov_kwds={"groups": part["customer_id"].astype("category").cat.codes}
    )
    assert half_width(row["nps_ci_lower"], row["nps_ci_upper"]) == pytest.approx(
        100 * float(fit.bse[0]), rel=1e-9
    )


def test_nps_trend_by_segment_and_baseline(demo):
    trend = nps_trend(
        demo,
        "score",
        "wave",
        by="region",
        baseline="2024-01",
        method="wald",
        customer="customer_id",
    )
    row = trend[(trend["region"] == "East") & (trend["period"] == "2024-08-01")].iloc[0]
    month = demo["wave"].dt.to_period("M").dt.to_timestamp()
    east = demo[demo["region"] == "East"]
    a = east[month[east.index] == "2024-08-01"]
    b = east[month[east.index] == "2024-01-01"]
    diff, se, p = statsmodels_difference(a, b)
    assert row["difference"] == pytest.approx(diff, abs=1e-9)
    assert row["p_value"] == pytest.approx(p, rel=1e-9)
    assert trend.attrs["repeated"] == "cluster"


def first_by_pandas(frame, keys):
    ordered = frame.sort_values(ORDER, kind="stable")
    return ordered.drop_duplicates([*keys, "customer_id"], keep="first")


def test_nps_first_equals_pandas_drop_duplicates(demo):
    out = nps(demo, "score", by="region", customer="customer_id", repeated="first", order=ORDER)
    expected = nps(first_by_pandas(demo, ["region"]), "score", by="region")
    for col in ("n", "promoters", "detractors", "nps", "nps_ci_lower", "nps_ci_upper"):
        assert out[col].tolist() == pytest.approx(expected[col].tolist())
    dropped = (
        demo.groupby("region").size() - first_by_pandas(demo, ["region"]).groupby("region").size()
    )
    assert out["dropped_repeats"].tolist() == dropped.tolist()
    assert out.attrs["dropped_repeats"] == len(demo) - len(first_by_pandas(demo, ["region"]))
    assert f"{out.attrs['dropped_repeats']:,} later answers" in out.attrs["repeated_note"]


def test_first_works_with_the_bootstrap_and_on_duckdb(demo):
    import duckdb

    part = demo.head(600)
    expected = nps(first_by_pandas(part, []), "score", method="bootstrap", random_state=1)
    got = nps(
        part,
        "score",
        method="bootstrap",
        random_state=1,
        customer="customer_id",
        repeated="first",
        order=ORDER,
    )
    assert got["nps_ci_lower"].iloc[0] == expected["nps_ci_lower"].iloc[0]
    relation = duckdb.from_df(part)
    on_duckdb = nps(relation, "score", customer="customer_id", repeated="first", order=ORDER)
    assert on_duckdb["n"].iloc[0] == expected["n"].iloc[0]


def test_compare_and_trend_first_equal_pandas(demo):
    a = demo[demo["wave"] < "2024-01-01"]
    b = demo[demo["wave"] >= "2024-01-01"]
    out = compare_nps(a, b, "score", customer="customer_id", repeated="first", order=ORDER)
    expected = compare_nps(first_by_pandas(a, []), first_by_pandas(b, []), "score")
    for col in ("n_a", "n_b", "difference", "difference_ci_lower", "p_value"):
        assert out[col].iloc[0] == pytest.approx(expected[col].iloc[0])
    assert out["dropped_repeats_a"].iloc[0] == len(a) - len(first_by_pandas(a, []))
    month = demo.assign(_m=demo["wave"].dt.to_period("M"))
    trend = nps_trend(demo, "score", "wave", customer="customer_id", repeated="first", order=ORDER)
    plain = nps_trend(first_by_pandas(month, ["_m"]).drop(columns="_m"), "score", "wave")
    assert trend["n"].tolist() == plain["n"].tolist()
    assert trend["p_value"].tolist() == pytest.approx(plain["p_value"].tolist(), nan_ok=True)
    assert trend["dropped_repeats"].sum() == len(demo) - len(first_by_pandas(month, ["_m"]))


def test_first_errors_name_the_column_and_the_fix(demo):
    # 8 customers answered twice in one wave: the wave cannot tell which answer came first
    with pytest.raises(ValueError, match=r"customer_id: 8 customers .* wave .*'C0\d\*\*\*'"):
        nps_trend(demo, "score", "wave", customer="customer_id", repeated="first")
    with pytest.raises(ValueError, match="needs order="):
        nps(demo, "score", customer="customer_id", repeated="first")
    holes = demo.assign(response_date=demo["response_date"].mask(demo.index < 3))
    with pytest.raises(ValueError, match="response_date: 3 answers have no value"):
        nps(holes, "score", customer="customer_id", repeated="first", order=ORDER)
    with pytest.raises(ValueError, match="repeated: expected one of"):
        compare_nps(demo, demo, "score", customer="customer_id", repeated="once")
    with pytest.raises(ValueError, match="repeated='first'"), warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltyWarning)
        nps_trend(demo, "score", "wave", customer="customer_id", method="bootstrap")


def test_answers_without_a_customer_id_are_their_own_cluster(demo):
    part = demo.head(400).copy()
    part.loc[part.index[:50], "customer_id"] = None
    out = compare_nps(
        part.iloc[:200], part.iloc[200:], "score", method="wald", customer="customer_id"
    ).iloc[0]
    filled = part.assign(
        customer_id=part["customer_id"].fillna(
            pd.Series([f"none{k}" for k in range(len(part))], index=part.index)
        )
    )
    _, se, _ = statsmodels_difference(filled.iloc[:200], filled.iloc[200:])
    assert half_width(out["difference_ci_lower"], out["difference_ci_upper"]) == (
        pytest.approx(se, rel=1e-9)
    )
    first = nps(part, "score", customer="customer_id", repeated="first", order=ORDER)
    assert first["n"].iloc[0] == 50 + part["customer_id"].dropna().nunique()
