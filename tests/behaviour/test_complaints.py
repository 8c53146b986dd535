"""complaints: detractor touchpoints (hand-worked counts), complaint recovery on the demo
re-computed with plain pandas, the quick-vs-rest tests against scipy, bad input."""

import matplotlib
import pandas as pd
import pytest
from scipy import stats

from loyalty_lib import (
    LoyaltyWarning,
    answer_behaviour,
    compare_recovery,
    complaint_recovery,
    detractor_touchpoints,
)
from loyalty_lib.inputs.datasets import load_sales, load_survey

matplotlib.use("Agg")


def test_detractor_touchpoints_hand_worked():
    answers = pd.DataFrame(
        {
            "score": [2, 3, 9, 10, 5, 9, 8, None],
            "delivery": [1, 2, 5, 4, 4, 2, None, 1],
            "website": [3, 3, 3, 3, 3, 3, 3, 3],
        }
    )
    out = detractor_touchpoints(answers, "score", ["website", "delivery"], min_base=2)
    d = out.set_index("touchpoint").loc["delivery"]
    # rated delivery and answered: rows 0-5 (row 6 not rated, row 7 no score) → n 6
    # rated 1-2: rows 0, 1, 5 → detractors 2 of 3; the rest: rows 2, 3, 4 → 1 of 3
    assert (d["n"], d["n_low"]) == (6, 3)
    assert d["detractor_rate_low"] == pytest.approx(2 / 3)
    assert d["detractor_rate_rest"] == pytest.approx(1 / 3)
    assert d["share_of_detractors"] == pytest.approx(2 / 3)
    w = out.set_index("touchpoint").loc["website"]
    assert w["n_low"] == 0 and pd.isna(w["detractor_rate_low"])
    assert out["touchpoint"].iloc[0] == "delivery"  # largest difference first


def test_detractor_touchpoints_adjusts_over_the_touchpoints(demo):
    survey, _ = demo
    names = ["advertising", "website", "product", "support", "delivery"]
    with pytest.warns(LoyaltyWarning):
        out = detractor_touchpoints(survey, "score", names, errors="exclude")
    # statsmodels multipletests(p, method="holm") over the five touchpoints
    from statsmodels.stats.multitest import multipletests

    assert out["p_value_adjusted"].to_numpy() == pytest.approx(
        multipletests(out["p_value"].to_numpy(), method="holm")[1]
    )
    assert out.attrs["family_size"] == 5


@pytest.fixture(scope="module")
def demo():
    survey, sales = load_survey("demo"), load_sales("demo")
    with pytest.warns(LoyaltyWarning):
        behaviour = answer_behaviour(
            survey,
            sales,
            customer="customer_id",
            score="score",
            survey_date="response_date",
            date="order_date",
            value="amount",
            keep=["complained", "resolution_days"],
            errors="exclude",
        )
    return survey, behaviour


def _nps(scores):
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


def test_recovery_on_demo_matches_plain_pandas(demo):
    survey, behaviour = demo
    with pytest.warns(LoyaltyWarning, match="values outside 0–10"):
        out = complaint_recovery(survey, behaviour, score="score", errors="exclude")
    g = out.set_index("complaint_group")
    valid = survey[survey["score"].between(0, 10)]
    quick = valid["complained"] & (valid["resolution_days"] <= 2)
    slow = valid["complained"] & (valid["resolution_days"] > 2)
    unresolved = valid["complained"] & valid["resolution_days"].isna()
    for name, mask in (
        ("resolved quickly", quick),
        ("resolved slowly", slow),
        ("unresolved", unresolved),
        ("no complaint", ~valid["complained"]),
    ):
        assert g.loc[name, "n"] == mask.sum()
        assert g.loc[name, "nps"] == pytest.approx(_nps(valid.loc[mask, "score"]))
    # the planted effect (tests/test_demo.py): measured NPS +46 (148) vs the rest
    assert g.loc["resolved quickly", "nps_ci_lower"] > g.loc["resolved slowly", "nps_ci_upper"]
    assert g.loc["resolved quickly", "retention"] > g.loc["unresolved", "retention"]


def test_compare_recovery_matches_scipy(demo):
    survey, behaviour = demo
    with pytest.warns(LoyaltyWarning):
        groups = complaint_recovery(survey, behaviour, score="score", errors="exclude")
        test = compare_recovery(survey, behaviour, score="score", errors="exclude")
    test = test.set_index("measure")
    g = groups.set_index("complaint_group")
    rest = g.loc[["resolved slowly", "unresolved"]]
    complainers = behaviour[behaviour["complained"] & ~(behaviour["resolution_days"] <= 2)]
    pooled = complainers.sort_values("response_date", kind="stable").drop_duplicates("customer_id")
    table = [
        [
            g.loc["resolved quickly", "retained_count"],
            g.loc["resolved quickly", "followed"] - g.loc["resolved quickly", "retained_count"],
        ],
        # the pooled group counts each customer once (issue 14: 3 customers were counted
        # twice, once as "resolved slowly" and once as "unresolved")
        [pooled["retained"].sum(), (~pooled["retained"]).sum()],
    ]
    assert test.loc["retention", "p_value"] == pytest.approx(
        stats.chi2_contingency(table, correction=False)[1]
    )
    assert test.loc["nps", "n_quick"] == g.loc["resolved quickly", "n"]
    assert test.loc["nps", "n_rest"] == rest["n"].sum()
    assert test["significant"].all()


def test_bad_input():
    survey = pd.DataFrame(
        {"score": [9, 3], "complained": ["yes", "no"], "resolution_days": [1.0, None]}
    )
    with pytest.raises(ValueError, match="complained: expected True/False"):
        complaint_recovery(survey, survey, score="score")
    with pytest.raises(ValueError, match="column 'resolution' not found"):
        complaint_recovery(survey, survey, score="score", resolution_days="resolution")
    ok = survey.assign(complained=[True, False])
    with pytest.raises(ValueError, match="keep="):
        complaint_recovery(ok, ok, score="score")
    with pytest.raises(ValueError, match="touchpoints"):
        detractor_touchpoints(ok, "score", [])


def test_plot(demo):
    import matplotlib.pyplot as plt

    from loyalty_lib.behaviour.plots import plot_complaint_recovery

    survey, behaviour = demo
    with pytest.warns(LoyaltyWarning):
        out = complaint_recovery(survey, behaviour, score="score", errors="exclude")
    ax = plot_complaint_recovery(out)
    assert "Net Promoter Score" in ax.get_xlabel()
    assert len(ax.get_yticklabels()) == 4
    plt.close("all")


def test_compare_recovery_counts_each_customer_once_in_the_comparison_group(demo):
    # plain pandas: complainers not resolved within 2 days, first answer per customer
    survey, behaviour = demo
    complainers = behaviour[behaviour["complained"]]
    rest = complainers[~(complainers["resolution_days"] <= 2)]
    slow = set(rest.loc[rest["resolution_days"].notna(), "customer_id"])
    unresolved = set(rest.loc[rest["resolution_days"].isna(), "customer_id"])
    both = slow & unresolved
    assert len(both) == 3  # the customers the pooled group used to count twice
    first = rest.sort_values("response_date", kind="stable").drop_duplicates("customer_id")
    with pytest.warns(LoyaltyWarning):
        test = compare_recovery(survey, behaviour, score="score", errors="exclude")
        groups = complaint_recovery(survey, behaviour, score="score", errors="exclude")
    test = test.set_index("measure")
    g = groups.set_index("complaint_group")
    assert test.loc["retention", "n_rest"] == len(first) == rest["customer_id"].nunique()
    assert (
        test.loc["retention", "n_rest"]
        == g.loc[["resolved slowly", "unresolved"], "followed"].sum() - 3
    )
    assert test.loc["repeat_rate", "value_rest"] == pytest.approx(first["repeat"].mean())
    assert test.loc["retention", "value_rest"] == pytest.approx(first["retained"].mean())


def test_compare_recovery_nps_is_cluster_robust_by_customer(demo):
    """customer= makes the NPS difference (quick vs every other complainer) cluster-robust:
    pinned to statsmodels OLS of the +1/0/-1 indicator on a group dummy with cluster
    standard errors by customer (its CR1 factor, as compare_nps uses)."""
    import numpy as np
    import statsmodels.api as sm

    survey, behaviour = demo
    with pytest.warns(LoyaltyWarning):
        test = compare_recovery(
            survey, behaviour, score="score", errors="exclude", customer="customer_id"
        ).set_index("measure")
    answers = survey[survey["score"].isin(range(11)) & survey["complained"]]
    quick = answers[answers["resolution_days"] <= 2]
    rest = answers[~(answers["resolution_days"] <= 2)]
    both = pd.concat([quick, rest], ignore_index=True)
    y = np.where(both["score"] >= 9, 1.0, np.where(both["score"] <= 6, -1.0, 0.0))
    dummy = np.r_[np.ones(len(quick)), np.zeros(len(rest))]
    groups = both["customer_id"].astype("category").cat.codes
    fit = sm.OLS(y, sm.add_constant(dummy)).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert test.loc["nps", "n_quick"] == len(quick) and test.loc["nps", "n_rest"] == len(rest)
    assert test.loc["nps", "difference"] == pytest.approx(100 * fit.params[1], abs=1e-9)
    assert test.loc["nps", "p_value"] == pytest.approx(fit.pvalues[1], rel=1e-6)
