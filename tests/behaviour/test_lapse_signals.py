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
