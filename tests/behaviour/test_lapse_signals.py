"""lapse_signal_ranking on the CDNOW sample, pinned to scipy's Mann-Whitney U on a plain
pandas computation of recency and the holdout outcome."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from loyalty_lib import lapse_signal_ranking
from loyalty_lib.inputs.datasets import load_cdnow_sample


def test_recency_auc_matches_mann_whitney():
    log = load_cdnow_sample()
    ranking, scores = lapse_signal_ranking(
        log, customer="customer_id", date="order_date", end="1997-09-30", holdout_end="1998-06-30"
    )
    cal = log[log["order_date"] <= "1997-09-30"]
    days = (pd.Timestamp("1997-09-30") - cal.groupby("customer_id")["order_date"].max()).dt.days
    hold = log[(log["order_date"] > "1997-09-30") & (log["order_date"] <= "1998-06-30")]
    lapsed = ~days.index.isin(hold["customer_id"].unique())
    u = stats.mannwhitneyu(days[lapsed], days[~lapsed]).statistic
    row = ranking.set_index("signal").loc["recency"]
    assert row["auc"] == pytest.approx(u / (lapsed.sum() * (~lapsed).sum()), rel=1e-12)
    assert row["n"] == 2357 and row["n_lapsed"] == lapsed.sum()
    assert ranking.set_index("signal").loc["p_alive", "n"] == 2357  # P(alive) scores everyone
    assert ranking["best"].sum() == 1 and ranking.attrs["best"] == ranking.loc[0, "signal"]
    assert len(scores) == 2357


def test_reminder_list_by_the_best_signal_covers_one_and_two_purchase_customers():
    from loyalty_lib.behaviour.lapse_signals import lapse_scores, signal_reminder_list

    log = load_cdnow_sample()
    ranking, ranked = lapse_signal_ranking(
        log, customer="customer_id", date="order_date", end="1997-09-30", holdout_end="1998-06-30"
    )
    best = ranking.attrs["best_for_everyone"]
    # the signal chosen scores everyone (the rhythm scores only customers with 3+ days)
    assert ranking.set_index("signal").loc[best, "coverage"] == 1.0
    assert best in {"expected_purchases", "recency"}  # P(alive) ranks backwards (AUC < 0.5)
    assert ranking.set_index("signal").loc["p_alive", "auc"] < 0.5
    # scores on the calibration end reproduce the ranking's scores (same fit, same horizon)
    scores, fit = lapse_scores(
        log, customer="customer_id", date="order_date", as_of="1997-09-30", horizon=39.0
    )
    for c in ("p_alive", "expected_purchases", "days_since_last", "overdue_ratio"):
        pd.testing.assert_series_equal(scores[c], ranked[c], check_names=False)
    # plain pandas: days since the last purchase up to 1998-06-30
    end = pd.Timestamp("1998-06-30")
    scores, fit = lapse_scores(
        log, customer="customer_id", date="order_date", as_of=end, horizon=39.0
    )
    days = (end - log.groupby("customer_id")["order_date"].max()).dt.days
    assert scores.set_index("customer")["days_since_last"].equals(days.rename("days_since_last"))
    listed = signal_reminder_list(scores, signal="recency", share=0.2)
    candidates = scores[scores["p_alive"] >= 0.5]
    assert len(listed) == -(-len(candidates) * 2 // 10)  # ceil(0.2 n), by integer arithmetic
    assert listed.attrs["likely_lost"] == int((scores["p_alive"] < 0.5).sum())
    # every candidate left off waited no longer than every customer listed
    rest = candidates[~candidates["customer"].isin(listed["customer"])]
    assert rest["days_since_last"].max() <= listed["days_since_last"].min()
    assert (listed["frequency"] <= 1).any()  # one or two purchase days are on the list
    assert listed["risk_rank"].tolist() == list(range(1, len(listed) + 1))
    with pytest.raises(ValueError, match="signal: expected one of"):
        signal_reminder_list(scores, signal="rhythm")


def test_a_reused_backtest_and_fit_give_the_same_scores_and_a_mismatch_is_refused():
    """The report computes the backtest and today's fit once and hands them on; the results
    must equal those of the calls that compute everything themselves."""
    from loyalty_lib.behaviour.lapse_signals import lapse_scores
    from loyalty_lib.value.backtest import bgnbd_backtest
    from loyalty_lib.value.bgnbd import fit_bgnbd
    from loyalty_lib.value.summary import customer_summary

    log = load_cdnow_sample()
    keys = {"customer": "customer_id", "date": "order_date"}
    window = {"end": "1997-09-30", "holdout_end": "1998-06-30"}
    ranking, ranked = lapse_signal_ranking(log, **keys, **window)
    _, customers = bgnbd_backtest(log, **keys, **window)
    ranking2, ranked2 = lapse_signal_ranking(log, **keys, **window, backtest=customers)
    pd.testing.assert_frame_equal(ranking, ranking2)
    pd.testing.assert_frame_equal(ranked, ranked2)
    assert ranking.attrs == ranking2.attrs

    end = pd.Timestamp("1998-06-30")
    scores, fit = lapse_scores(log, **keys, as_of=end, horizon=39.0)
    with_value = fit_bgnbd(customer_summary(log, **keys, value="amount", end=end))
    scores2, fit2 = lapse_scores(log, **keys, as_of=end, horizon=39.0, fit=with_value)
    assert fit2 is with_value
    pd.testing.assert_frame_equal(scores, scores2)

    # a backtest or fit of another window is refused with both windows named
    _, other = bgnbd_backtest(log, **keys, end="1997-12-31", holdout_end="1998-06-30")
    with pytest.raises(ValueError, match=r"backtest: fitted to .* up to 1997-12-31"):
        lapse_signal_ranking(log, **keys, **window, backtest=other)
    _, longer = bgnbd_backtest(log, **keys, end="1997-09-30", holdout_end="1998-03-31")
    with pytest.raises(ValueError, match="backtest: its holdout is"):
        lapse_signal_ranking(log, **keys, **window, backtest=longer)
    with pytest.raises(ValueError, match=r"fit: fitted to .* in weeks, this call needs .* in days"):
        lapse_scores(log, **keys, as_of=end, horizon=39.0, unit="day", fit=with_value)
