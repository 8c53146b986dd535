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
from loyalty_lib.value.bgnbd import BGNBDFit, fit_bgnbd
from loyalty_lib.value.summary import UNIT_DAYS, customer_summary

__all__ = ["RISK", "lapse_scores", "lapse_signal_ranking", "signal_reminder_list"]

#: Each signal as a lapse risk (higher = more likely to buy nothing), from a scores frame.
RISK = {
    "p_alive": lambda s: 1.0 - s["p_alive"],
    "expected_purchases": lambda s: -s["expected_purchases"],
    "overdue_ratio": lambda s: s["overdue_ratio"],
    "recency": lambda s: s["days_since_last"].astype(float),
}


def _same_calibration(fit: Any, customer: str, end: pd.Timestamp, unit: str, name: str) -> None:
    """Refuse a reused fit whose summary is not the one this call would compute."""
    attrs = getattr(getattr(fit, "summary", None), "attrs", {})
    got = (attrs.get("customer"), attrs.get("end"), getattr(fit, "unit", None))
    if got != (customer, end, unit):
        raise ValueError(
            f"{name}: fitted to the summary of customer column {got[0]!r} up to {got[1]} in "
            f"{got[2]}s, this call needs {customer!r} up to {end} in {unit}s; pass the one "
            "of the same log, end and unit, or leave it out"
        )


def lapse_signal_ranking(
    data: Any,
    *,
    customer: str,
    date: str,
    end: Any,
    holdout_end: Any,
    unit: str = "week",
    confidence: float = 0.95,
    backtest: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank P(alive), the rhythm's overdue ratio and recency by AUC for "no holdout purchase".

    ``backtest``: the ``customers`` frame of
    :func:`~loyalty_lib.value.backtest.bgnbd_backtest` on the same log, ``end``,
    ``holdout_end`` and ``unit``, when the caller has it already (a report shows the
    backtest's table too): the calibration summary, the fit and the holdout query are then
    not computed a second time.

    Returns
    -------
    (ranking, scores)
        ``ranking``: one row per signal, best AUC first: ``signal``, ``auc``,
        ``auc_ci_lower``, ``auc_ci_upper``, ``n`` (customers scored), ``n_lapsed`` (of
        them, no holdout purchase), ``coverage`` (share of calibration customers scored),
        ``best`` (True on the first row). ``scores``: per customer ``customer``,
        ``frequency``, ``lapsed``, ``p_alive``, ``expected_purchases``, ``overdue_ratio`` (NaN
        without a rhythm), ``days_since_last``. ``attrs``: ``best`` (the signal's name),
        ``best_for_everyone`` (the best of the signals that score every customer, for
        :func:`signal_reminder_list`), ``holdout_length`` (in ``unit``, ranking only).

    Examples
    --------
    >>> from loyalty_lib.inputs.datasets import load_cdnow_sample
    >>> ranking, _ = lapse_signal_ranking(load_cdnow_sample(), customer="customer_id",
    ...     date="order_date", end="1997-09-30", holdout_end="1998-06-30")
    >>> sorted(ranking["signal"])
    ['expected_purchases', 'overdue_ratio', 'p_alive', 'recency']
    """
    end_ts = pd.Timestamp(end)
    if backtest is None:
        _, per = bgnbd_backtest(
            data, customer=customer, date=date, end=end, holdout_end=holdout_end, unit=unit
        )
    else:
        per = backtest
        _same_calibration(per.attrs.get("fit"), customer, end_ts, unit, "backtest")
        length = (pd.Timestamp(holdout_end) - end_ts).days / UNIT_DAYS[unit]
        if per.attrs.get("holdout_length") != length:
            raise ValueError(
                f"backtest: its holdout is {per.attrs.get('holdout_length')!r} {unit}s long, "
                f"end {end!r} to holdout_end {holdout_end!r} is {length!r}; pass the "
                "backtest of the same end and holdout_end"
            )
    # The rhythm sees the calibration rows only (the holdout is not "excluded" data).
    calibration = compute_frame(data).filter(nw.col(date) < nw.lit(end_ts + pd.Timedelta(days=1)))
    rhythm = purchase_rhythm(nw.to_native(calibration), customer=customer, date=date, as_of=end_ts)
    scores = pd.DataFrame(
        {
            "customer": per["customer"].array,
            "frequency": per["frequency"].to_numpy(),
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
    for name, risk in RISK.items():
        score = risk(scores)
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
    everyone = ranking[ranking["coverage"] >= 1.0]
    ranking.attrs["best_for_everyone"] = scores.attrs["best_for_everyone"] = str(
        everyone["signal"].iloc[0]
    )
    ranking.attrs["holdout_length"] = per.attrs["holdout_length"]
    return ranking, scores


def lapse_scores(
    data: Any,
    *,
    customer: str,
    date: str,
    as_of: Any,
    horizon: float,
    unit: str = "week",
    min_purchases: int = 3,
    fit: BGNBDFit | None = None,
) -> tuple[pd.DataFrame, BGNBDFit]:
    """Every lapse signal per customer on ``as_of``, from the data up to that day.

    BG/NBD is fitted to the summary up to ``as_of`` (inclusive); ``expected_purchases`` is
    for the next ``horizon`` units (use the holdout length the signals were ranked on).
    ``fit``: a BG/NBD fit to :func:`~loyalty_lib.value.summary.customer_summary` of the
    same log up to ``as_of`` in ``unit`` (with or without ``value``), when the caller has
    it already: the summary is then not computed and the model not fitted a second time.

    Returns
    -------
    (scores, fit)
        ``scores``: per customer ``customer``, ``frequency`` (repeat purchase days),
        ``p_alive``, ``expected_purchases``, ``overdue_ratio`` (NaN without a rhythm of
        ``min_purchases`` purchase days), ``days_since_last``; ``fit``: the BG/NBD fit.
    """
    as_of_ts = pd.Timestamp(as_of).normalize()
    if fit is None:
        summary = customer_summary(data, customer=customer, date=date, end=as_of_ts, unit=unit)
        fit = fit_bgnbd(summary)
    else:
        _same_calibration(fit, customer, as_of_ts, unit, "fit")
        summary = fit.summary
    pred = fit.predict(horizon)
    rows = compute_frame(data).filter(nw.col(date) < nw.lit(as_of_ts + pd.Timedelta(days=1)))
    rhythm = purchase_rhythm(
        nw.to_native(rows),
        customer=customer,
        date=date,
        as_of=as_of_ts,
        min_purchases=min_purchases,
    )
    ratio = rhythm.set_index(rhythm.columns[0])["overdue_ratio"]
    scores = pd.DataFrame(
        {
            "customer": pred["customer"].array,
            "frequency": pred["frequency"].to_numpy(),
            "p_alive": pred["p_alive"].to_numpy(),
            "expected_purchases": pred["expected_purchases"].to_numpy(),
        }
    )
    scores["overdue_ratio"] = scores["customer"].map(ratio).astype("float64")
    scores["days_since_last"] = (as_of_ts - pd.to_datetime(summary["last_purchase"])).dt.days
    scores.attrs.update(as_of=as_of_ts, horizon=float(horizon), unit=unit)
    return scores, fit


def signal_reminder_list(
    scores: pd.DataFrame, *, signal: str, share: float = 0.2, min_p_alive: float = 0.5
) -> pd.DataFrame:
    """Customers to remind: the ``share`` most at risk by ``signal``, among the not-yet-lost.

    The candidates are the customers the signal can score whose P(alive) is at least
    ``min_p_alive`` (below it the model counts them as likely lost: a reminder comes too
    late); they are ranked by the signal's lapse risk (:data:`RISK`: low expected purchases,
    long recency, high overdue ratio, low P(alive)) and the top ``share`` of them is kept
    (rounded up), most at risk first. Customers with one or two purchase days are covered
    by every signal except the rhythm's overdue ratio.

    Parameters
    ----------
    scores
        From :func:`lapse_scores` (or the ``scores`` of :func:`lapse_signal_ranking`).
    signal
        ``"expected_purchases"``, ``"recency"``, ``"p_alive"`` or ``"overdue_ratio"``;
        usually ``ranking.attrs["best_for_everyone"]``.

    Returns
    -------
    pandas.DataFrame
        The listed rows of ``scores`` with ``lapse_risk`` (the signal as a risk: higher =
        more likely to buy nothing) and ``risk_rank`` (1 = most at risk). ``attrs``:
        ``signal``, ``share``, ``candidates``, ``unscored`` (customers the signal cannot
        score), ``likely_lost`` (left out for P(alive) < ``min_p_alive``).

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"customer": list("abcde"), "frequency": [0, 1, 4, 2, 0],
    ...     "p_alive": [1.0, 0.9, 0.2, 0.7, 1.0],
    ...     "expected_purchases": [0.3, 0.1, 0.0, 2.0, 0.5],
    ...     "overdue_ratio": [None, None, 5.0, None, None],
    ...     "days_since_last": [90, 120, 300, 10, 40]})
    >>> signal_reminder_list(scores, signal="expected_purchases", share=0.5)["customer"].tolist()
    ['b', 'a']
    """
    if signal not in RISK:
        raise ValueError(f"signal: expected one of {sorted(RISK)}, got {signal!r}")
    if not 0 < share <= 1:
        raise ValueError(f"share: {share!r} is outside (0, 1]")
    if not 0 <= min_p_alive <= 1:
        raise ValueError(f"min_p_alive: {min_p_alive!r} is outside [0, 1]")
    missing = [c for c in ("p_alive", "expected_purchases", "days_since_last") if c not in scores]
    if missing:
        raise ValueError(f"scores: columns {missing} missing; pass the result of lapse_scores")
    risk = RISK[signal](scores).astype(float)
    scored = np.isfinite(risk.to_numpy())
    alive = scores["p_alive"].to_numpy(dtype=float) >= min_p_alive
    candidates = scores[scored & alive].assign(lapse_risk=risk[scored & alive])
    size = int(np.ceil(share * len(candidates) - 1e-9))
    out = candidates.sort_values("lapse_risk", ascending=False, kind="stable").head(size)
    out = out.reset_index(drop=True)
    out["risk_rank"] = np.arange(1, len(out) + 1)
    out.attrs.update(
        signal=signal,
        share=float(share),
        candidates=len(candidates),
        unscored=int((~scored).sum()),
        likely_lost=int((scored & ~alive).sum()),
    )
    return out
