"""say_do: window boundaries (hand-worked), tests against scipy, the demo's planted
say-and-do effect re-computed with plain pandas, users vs referrers, bad input."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyalty_lib import (
    ExcludedRowsWarning,
    LoyaltyWarning,
    answer_behaviour,
    say_do,
    say_do_test,
    score_spend_correlation,
    users_referrers,
)
from loyalty_lib.inputs.datasets import load_sales, load_survey

matplotlib.use("Agg")
KEYS = {"customer": "c", "score": "s", "survey_date": "t", "date": "d", "value": "v"}


def _data():
    survey = pd.DataFrame(
        {
            "c": ["a", "b", "c", "a"],
            "s": [10, 4, 8, 9],
            "t": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-20"]),
        }
    )
    sales = pd.DataFrame(
        {
            "c": ["a", "a", "a", "a", "b", "b", "c", "z"],
            "d": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-31",
                    "2024-01-31",
                    "2024-03-01",
                    "2024-01-15",
                    "2024-01-20",
                    "2024-03-02",
                    "2024-06-30",
                ]
            ),
            "v": [100.0, 10.0, 20.0, 30.0, 40.0, -40.0, 50.0, 1.0],
        }
    )
    return survey, sales


def test_window_boundaries_hand_worked():
    survey, sales = _data()
    out = answer_behaviour(survey, sales, **KEYS, horizon_days=60, retained_after_days=30)
    a1 = out.iloc[0]
    # a answered 01-01: the same-day order is not "after"; 01-31 (two orders, one day) and
    # 03-01 (day 60, the last day of the window, included): 2 purchase days, revenue 60;
    # day 60 > 30 → retained
    assert (a1["purchases_after"], a1["repeat"], a1["retained"]) == (2, True, True)
    assert a1["revenue_after"] == 60.0 and a1["category"] == "promoter"
    b = out.iloc[1]
    # b: a purchase on day 14 and its return on day 19: bought again, not retained, net 0
    assert (b["purchases_after"], b["repeat"], b["retained"], b["revenue_after"]) == (
        1,
        True,
        False,
        0.0,
    )
    c = out.iloc[2]
    # c: the purchase on 03-02 is day 61, outside the window
    assert (c["repeat"], c["revenue_after"], c["category"]) == (False, 0.0, "passive")
    a2 = out.iloc[3]
    # a's second answer (01-20): 01-31 is day 11, 03-01 is day 41 → retained
    assert (a2["purchases_after"], a2["retained"]) == (2, True)
    assert out.attrs["incomplete"] == 0 and len(survey) == 4


def test_incomplete_windows_are_left_out_and_counted():
    survey, sales = _data()
    with pytest.warns(ExcludedRowsWarning, match="1 dated after as_of 2024-03-05"):
        out = answer_behaviour(
            survey, sales, **KEYS, horizon_days=60, retained_after_days=30, as_of="2024-03-05"
        )
    # 01-01 + 60 = 03-01 <= 03-05 kept; 01-20 + 60 = 03-20 > 03-05 left out
    assert len(out) == 3 and out.attrs["incomplete"] == 1


def test_one_per_customer_and_tests_match_scipy():
    rng = np.random.default_rng(3)
    n = 400
    b = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "category": rng.choice(["promoter", "passive", "detractor"], n),
            "repeat": rng.random(n) < 0.6,
            "retained": rng.random(n) < 0.4,
            "revenue_after": rng.lognormal(3, 1, n),
        }
    )
    test = say_do_test(b).set_index("measure")
    pro, det = b[b["category"] == "promoter"], b[b["category"] == "detractor"]
    table = [
        [pro["retained"].sum(), (~pro["retained"]).sum()],
        [det["retained"].sum(), (~det["retained"]).sum()],
    ]
    assert test.loc["retention", "p_value"] == pytest.approx(
        stats.chi2_contingency(table, correction=False)[1]
    )
    welch = stats.ttest_ind(pro["revenue_after"], det["revenue_after"], equal_var=False)
    assert test.loc["mean_revenue", "p_value"] == pytest.approx(welch.pvalue)
    ci = welch.confidence_interval(0.95)
    assert test.loc["mean_revenue", "difference_ci_lower"] == pytest.approx(ci.low)
    assert test.loc["mean_revenue", "difference_ci_upper"] == pytest.approx(ci.high)
    # a customer answering twice counts once with one_per_customer (the earliest answer)
    twice = pd.concat([b.iloc[:1], b.iloc[:1].assign(repeat=not b.iloc[0]["repeat"])])
    twice.attrs["customer"] = "customer_id"
    assert say_do(twice)["n"].sum() == 1
    assert say_do(twice, one_per_customer=False)["n"].sum() == 2


def test_demo_promoters_keep_buying_recomputed_with_pandas():
    survey, sales = load_survey("demo"), load_sales("demo")
    with pytest.warns(LoyaltyWarning, match="values outside 0–10"):
        out = answer_behaviour(
            survey,
            sales,
            customer="customer_id",
            score="score",
            survey_date="response_date",
            date="order_date",
            value="amount",
            wave="wave",
            errors="exclude",
        )
    summary = say_do(out).set_index("category")
    # independent: first valid answer per customer with a complete 180-day window; still
    # buying = a purchase (amount >= 0) 91..180 days after the answer
    valid = survey[survey["score"].between(0, 10)]
    valid = valid[valid["response_date"] + pd.Timedelta(days=180) <= pd.Timestamp("2024-12-31")]
    first = valid.sort_values("response_date", kind="stable").drop_duplicates("customer_id")
    buys = sales[sales["amount"] >= 0][["customer_id", "order_date"]]
    pairs = first.merge(buys, on="customer_id")
    lag = (pairs["order_date"] - pairs["response_date"]).dt.days
    late = set(pairs.loc[(lag > 90) & (lag <= 180), "customer_id"])
    first = first.assign(retained=first["customer_id"].isin(late))
    for name, mask in (("promoter", first["score"] >= 9), ("detractor", first["score"] <= 6)):
        assert summary.loc[name, "n"] == mask.sum()
        assert summary.loc[name, "retention"] == pytest.approx(first.loc[mask, "retained"].mean())
    # the planted effect: measured 57.7% (570 promoters) vs 23.9% (301 detractors)
    test = say_do_test(out).set_index("measure")
    assert test.loc["retention", "difference_ci_lower"] > 0.2
    assert test["significant"].all()
    # the three measures are one family: statsmodels multipletests(p, method="holm")
    from statsmodels.stats.multitest import multipletests

    holm = multipletests(test["p_value"].to_numpy(), method="holm")[1]
    assert test["p_value_adjusted"].to_numpy() == pytest.approx(holm)
    assert test.attrs["family_size"] == 3
    # per wave: every wave x measure row is the family; fdr_bh as statsmodels' "fdr_bh"
    waves = say_do_test(out, by="wave", adjust="fdr_bh")
    finite = waves["p_value"].notna()
    bh = multipletests(waves.loc[finite, "p_value"].to_numpy(), method="fdr_bh")[1]
    assert waves.loc[finite, "p_value_adjusted"].to_numpy() == pytest.approx(bh)
    assert (waves["significant"] == (waves["p_value_adjusted"] < 0.05)).all()
    with pytest.raises(ValueError, match="adjust"):
        say_do_test(out, adjust="bonferroni")


def test_users_referrers_and_correlation():
    survey = pd.DataFrame(
        {
            "c": ["a", "b", "c", "d", "e"],
            "s": [10, 9, 2, 7, 9],
            "t": pd.to_datetime(["2024-01-01"] * 5),
        }
    )
    sales = pd.DataFrame({"c": ["a", "b", "c", "d", "d"], "v": [500.0, 20.0, 300.0, 10.0, 5.0]})
    with pytest.warns(LoyaltyWarning, match="1 respondents"):
        out = users_referrers(survey, sales, customer="c", score="s", survey_date="t", value="v")
    # spends 500, 20, 300, 15, 0 (e is not in sales); median 20 → big: a, b, c
    assert out.attrs["spend_threshold"] == 20.0 and out.attrs["unmatched"] == 1
    assert out["quadrant"].tolist() == ["champion", "champion", "user", "neither", "referrer"]
    rho = score_spend_correlation(out).iloc[0]
    assert rho["rho"] == pytest.approx(stats.spearmanr(out["score"], out["spend"]).statistic)
    assert rho["rho_ci_lower"] < rho["rho"] < rho["rho_ci_upper"]


def test_bad_input():
    survey, sales = _data()
    with pytest.raises(ValueError, match="retained_after_days: 60 must be below"):
        answer_behaviour(survey, sales, **KEYS, horizon_days=60, retained_after_days=60)
    with pytest.raises(ValueError, match="t: expected dates"):
        answer_behaviour(survey.assign(t="2024-01-01"), sales, **KEYS)
    with pytest.raises(ValueError, match="s: 1 values outside 0–10"):
        answer_behaviour(survey.assign(s=[10, 4, 8, 99]), sales, **KEYS)
    with pytest.raises(ValueError, match="column 'scor' not found"):
        answer_behaviour(survey, sales, **{**KEYS, "score": "scor"})
    with pytest.warns(LoyaltyWarning, match="never appear in the sales log"):
        answer_behaviour(survey.assign(c=["q", "b", "c", "a"]), sales, **KEYS)
    with pytest.raises(ValueError, match="groups"):
        say_do_test(
            pd.DataFrame({"category": [], "repeat": [], "retained": [], "revenue_after": []}),
            groups=("promoter", "fan"),
        )
    with pytest.raises(ValueError, match="answer_behaviour"):
        say_do(pd.DataFrame({"category": ["promoter"]}))


def test_plots():
    import matplotlib.pyplot as plt

    from loyalty_lib.behaviour.plots import plot_say_do, plot_users_referrers

    survey, sales = _data()
    out = answer_behaviour(survey, sales, **KEYS, horizon_days=60, retained_after_days=30)
    ax = plot_say_do(say_do(out, min_base=1))
    assert ax.get_ylabel() == "customers (%)" and "n = " in ax.get_xticklabels()[0].get_text()
    with pytest.raises(ValueError, match="several groups"):
        plot_say_do(say_do(out.assign(g=[1, 2, 1, 2]), by="g"))
    per = users_referrers(survey, sales, customer="c", score="s", survey_date="t", value="v")
    ax = plot_users_referrers(per)  # every respondent of _data() is in sales: no warning
    assert "log scale" in ax.get_ylabel()
    plt.close("all")
