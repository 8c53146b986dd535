"""Which lapse signal predicts "no purchase in the holdout" best: BG/NBD, rhythm or recency.

Note: BG/NBD sets P(alive) = 1 for a customer who never bought again (dropout happens only
after a purchase), so 1 − P(alive) ranks one-time buyers as the least lapsed; the model's
expected holdout purchases E[Y(t)] (lower = more likely lapsed) is its ranking signal for
everyone, P(alive) is shown beside it.

Each signal is scored on the customers it can score (P(alive) and recency: everyone with a
calibration purchase; the rhythm's overdue ratio: customers with a rhythm, see
:func:`~loyalty_lib.behaviour.lapse.purchase_rhythm`). The event is "no purchase day in
(end, holdout_end]"; higher scores must mean "more likely lapsed" (1 − P(alive), the overdue
ratio, days since the last purchase). AUC with DeLong's interval, and the base.
"""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib.behaviour.lapse import purchase_rhythm
from loyalty_lib.engines import compute_frame
from loyalty_lib.stats.auc import auc_delong
from loyalty_lib.value.backtest import bgnbd_backtest

__all__ = ["lapse_signal_ranking"]


def lapse_signal_ranking(
    data: Any,
    *,
    customer: str,
    date: str,
    end: Any,
    holdout_end: Any,
    unit: str = "week",
    confidence: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank P(alive), the rhythm's overdue ratio and recency by AUC for "no holdout purchase".

    Returns
    -------
    (ranking, scores)
        ``ranking``: one row per signal, best AUC first: ``signal``, ``auc``,
        ``auc_ci_lower``, ``auc_ci_upper``, ``n`` (customers scored), ``n_lapsed`` (of
        them, no holdout purchase), ``coverage`` (share of calibration customers scored),
        ``best`` (True on the first row). ``scores``: per customer ``customer``,
        ``lapsed``, ``p_alive``, ``expected_purchases``, ``overdue_ratio`` (NaN without a rhythm),
        ``days_since_last``. ``attrs``: ``best`` (the signal's name).

    Examples
    --------
    >>> from loyalty_lib.inputs.datasets import load_cdnow_sample
    >>> ranking, _ = lapse_signal_ranking(load_cdnow_sample(), customer="customer_id",
    ...     date="order_date", end="1997-09-30", holdout_end="1998-06-30")
    >>> sorted(ranking["signal"])
    ['expected_purchases', 'overdue_ratio', 'p_alive', 'recency']
    """
    _, per = bgnbd_backtest(
        data, customer=customer, date=date, end=end, holdout_end=holdout_end, unit=unit
    )
    end_ts = pd.Timestamp(end)
    # The rhythm sees the calibration rows only (the holdout is not "excluded" data).
    calibration = compute_frame(data).filter(nw.col(date) < nw.lit(end_ts + pd.Timedelta(days=1)))
    rhythm = purchase_rhythm(nw.to_native(calibration), customer=customer, date=date, as_of=end_ts)
    scores = pd.DataFrame(
        {
            "customer": per["customer"].to_numpy(),
            "lapsed": (per["holdout_purchases"] == 0).to_numpy(),
            "p_alive": per["p_alive"].to_numpy(),
            "expected_purchases": per["expected_purchases"].to_numpy(),
        }
    )
    last = per.attrs["fit"].summary["last_purchase"]
    scores["days_since_last"] = (end_ts - pd.to_datetime(last)).dt.days.to_numpy()
    ratio = rhythm.set_index(rhythm.columns[0])["overdue_ratio"]
    scores["overdue_ratio"] = scores["customer"].map(ratio).astype("float64")
    n_all = len(scores)
    rows = []
    for name, score in (
        ("p_alive", 1.0 - scores["p_alive"]),
        ("expected_purchases", -scores["expected_purchases"]),
        ("overdue_ratio", scores["overdue_ratio"]),
        ("recency", scores["days_since_last"].astype(float)),
    ):
        ok = np.isfinite(score.to_numpy(dtype=float))
        res = auc_delong(score[ok], scores.loc[ok, "lapsed"], confidence)
        rows.append(
            {
                "signal": name,
                "auc": res["auc"],
                "auc_ci_lower": res["auc_ci_lower"],
                "auc_ci_upper": res["auc_ci_upper"],
                "n": res["n"],
                "n_lapsed": res["n_events"],
                "coverage": res["n"] / n_all,
            }
        )
    ranking = pd.DataFrame(rows).sort_values("auc", ascending=False, ignore_index=True)
    ranking["best"] = ranking.index == 0
    ranking.attrs["best"] = scores.attrs["best"] = str(ranking.loc[0, "signal"])
    return ranking, scores
