"""Lapse alerts: customers with a regular buying rhythm who are now overdue, and a backtest.

Definitions (exact)
-------------------
- Purchases, returns, ``as_of`` and excluded rows follow :mod:`loyalty_lib.retention.cohorts` (a
  row with a negative ``value`` is a return, not a purchase). Purchases are counted per
  **distinct purchase day**; the **gaps** are the days between consecutive purchase days.
- A customer has a **rhythm** with at least ``min_purchases`` purchase days up to
  ``as_of`` (default 3: two gaps). Their **usual interval** is the median gap; the
  **regularity** is the coefficient of variation of the gaps (sample standard deviation /
  mean; 0 = clockwork). With ``max_cv`` only customers at or below it count as regular.
- **Expected next purchase** = last purchase day + usual interval. **Overdue ratio** =
  days since the last purchase / usual interval. A customer is **overdue** when the days
  since the last purchase exceed ``k`` × the usual interval (strictly).
- **Backtest** (:func:`lapse_backtest`): flags are computed with the data up to
  ``cutoff`` only; a customer **did not come back** without a purchase in the
  ``follow_days`` days after ``cutoff`` (``cutoff`` < day ≤ ``cutoff`` + follow_days).
  The data must cover the whole follow-up window. Flagged and unflagged regular
  customers are compared: shares with Wilson intervals, the difference with Newcombe's
  interval and the two-proportion z-test (:mod:`loyalty_lib.stats.proportions`).

Gaps are computed in narwhals with an explicit order (``diff().over(customer,
order_by=day)``); only the per-customer summary is collected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import check_scalar, to_pandas
from loyalty_lib.engines import count_true
from loyalty_lib.inputs.purchases import (
    DAY,
    IS_PURCHASE,
    day_number,
    prepare_purchases,
    until,
    warn_excluded,
)
from loyalty_lib.stats.proportions import compare_proportions, wilson_interval

__all__ = ["lapse_backtest", "purchase_rhythm", "reminder_list", "rhythm_summary"]

_EPOCH = pd.Timestamp("1970-01-01")


def _check(min_purchases: Any, k: Any, max_cv: Any) -> None:
    """The rhythm parameters, via :func:`check_scalar`, in this module's (tested) wording."""
    try:
        check_scalar(min_purchases, "min_purchases", int, ge=3)
    except (TypeError, ValueError):
        raise ValueError(
            f"min_purchases: expected a whole number >= 3 (two gaps make a rhythm), "
            f"got {min_purchases!r}"
        ) from None
    try:
        for value in np.atleast_1d(k):
            check_scalar(value, "k", float, gt=0)
    except (TypeError, ValueError):
        raise ValueError(f"k: expected positive numbers of usual intervals, got {k!r}") from None
    # max_cv keeps its own test: inf ("no limit") is accepted, which check_scalar refuses
    if max_cv is not None and (not isinstance(max_cv, (int, float)) or max_cv < 0):
        raise ValueError(f"max_cv: expected a number >= 0 or None, got {max_cv!r}")


def _gap_stats(p: Any, customer: str) -> Any:
    """Per customer with a purchase day (engine frame): purchases, first and last day, and
    the median, mean and sample standard deviation of the gaps.

    On a lazy engine the median is the mean of the middle one or two gaps by rank, a
    window sort that spills to disk: DuckDB's ``median`` aggregate holds every gap in
    memory and ran out of it at 100M rows (benchmarks/notes.md). Customers with a single
    purchase day have no gap and are left out there; :func:`_buyers` counts them.
    """
    days = p.rows.filter(nw.col(IS_PURCHASE)).select(customer, DAY).unique()
    gaps = days.with_columns(nw.col(DAY).diff().over(customer, order_by=DAY).alias("__gap"))
    if not isinstance(gaps, nw.LazyFrame):
        return gaps.group_by(customer).agg(
            nw.len().alias("purchases"),
            nw.col(DAY).min().alias("__first"),
            nw.col(DAY).max().alias("__last"),
            nw.col("__gap").median().alias("__median"),
            nw.col("__gap").mean().alias("__mean"),
            nw.col("__gap").std().alias("__std"),
        )
    ranked = gaps.filter(~nw.col("__gap").is_null()).with_columns(
        nw.col("__gap").rank(method="ordinal").over(customer).alias("__pos"),
        nw.len().over(customer).alias("__n"),
    )
    pos, n = nw.col("__pos"), nw.col("__n")
    middle = (pos == (n + 1) // 2) | (pos == n // 2 + 1)
    return (
        ranked.group_by(customer)
        .agg(
            nw.len().alias("__gaps"),
            nw.col(DAY).max().alias("__last"),
            nw.col("__gap").sum().alias("__span"),
            nw.when(middle).then(nw.col("__gap")).mean().alias("__median"),
            nw.col("__gap").mean().alias("__mean"),
            nw.col("__gap").std().alias("__std"),
        )
        .select(
            customer,
            (nw.col("__gaps") + 1).cast(nw.Int64).alias("purchases"),
            (nw.col("__last") - nw.col("__span")).cast(nw.Int64).alias("__first"),
            "__last",
            "__median",
            "__mean",
            "__std",
        )
    )


def _buyers(p: Any, customer: str) -> int:
    """Customers with at least one purchase day (one query)."""
    counted = p.rows.filter(nw.col(IS_PURCHASE)).select(nw.col(customer).n_unique().alias("n"))
    return int(to_pandas(counted)["n"].iloc[0])


def _rhythm_frame(p: Any, customer: str, min_purchases: int, max_cv: float | None) -> Any:
    """Customers with a rhythm, on the engine: ``__usual`` (median gap), ``__since`` (days
    since the last purchase day), ``__cv`` and ``__regular``; the overdue flag is left to
    the caller (one ``k`` or several)."""
    per = _gap_stats(p, customer).filter(nw.col("purchases") >= min_purchases)
    per = per.with_columns(
        nw.col("__median").cast(nw.Float64).alias("__usual"),
        (p.as_of_day - nw.col("__last")).cast(nw.Int64).alias("__since"),
        (nw.col("__std").cast(nw.Float64) / nw.col("__mean").cast(nw.Float64)).alias("__cv"),
    )
    regular = nw.lit(True) if max_cv is None else (nw.col("__cv") <= max_cv).fill_null(False)
    return per.with_columns(regular.alias("__regular"))


def _rhythm(
    p: Any, customer: str, min_purchases: int, k: float, max_cv: float | None
) -> pd.DataFrame:
    frame = _gap_stats(p, customer)
    if isinstance(frame, nw.LazyFrame):
        # only the customers with a rhythm are collected; the others are counted
        frame = frame.filter(nw.col("purchases") >= min_purchases)
        per = to_pandas(frame)
        too_few = _buyers(p, customer) - len(per)
    else:
        per = to_pandas(frame)
        too_few = int((per["purchases"] < min_purchases).sum())
        per = per[per["purchases"] >= min_purchases]
    per = per.sort_values(customer, ignore_index=True)
    usual = per["__median"].astype("float64")
    since = (p.as_of_day - per["__last"]).astype("int64")
    out = pd.DataFrame(
        {
            customer: per[customer].array,
            "purchases": per["purchases"].astype("int64"),
            "first_purchase": _EPOCH + pd.to_timedelta(per["__first"].astype("int64"), unit="D"),
            "last_purchase": _EPOCH + pd.to_timedelta(per["__last"].astype("int64"), unit="D"),
            "usual_interval_days": usual,
            "interval_cv": per["__std"].astype("float64") / per["__mean"].astype("float64"),
        }
    )
    out["expected_next"] = out["last_purchase"] + pd.to_timedelta(np.round(usual), unit="D")
    out["days_since_last"] = since
    out["overdue_ratio"] = since / usual
    out["regular"] = True if max_cv is None else (out["interval_cv"] <= max_cv).to_numpy()
    out["overdue"] = (since > k * usual) & out["regular"]
    out.attrs.update(_rhythm_attrs(p, k, min_purchases, max_cv, too_few))
    return out


def _rhythm_attrs(
    p: Any, k: float, min_purchases: int, max_cv: float | None, too_few: int
) -> dict[str, Any]:
    """The ``attrs`` of :func:`purchase_rhythm` and :func:`rhythm_summary`."""
    return {
        "as_of": p.as_of,
        "k": float(k),
        "min_purchases": int(min_purchases),
        "max_cv": max_cv,
        "too_few_purchases": int(too_few),
        "excluded": dict(p.excluded),
    }


def purchase_rhythm(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str | None = None,
    as_of: Any = None,
    min_purchases: int = 3,
    k: float = 2.0,
    max_cv: float | None = None,
) -> pd.DataFrame:
    """Usual interval between purchases, expected next purchase and overdue flag.

    Parameters
    ----------
    data, customer, date, value, as_of
        The transaction log and its columns, as in
        :func:`loyalty_lib.retention.cohorts.cohort_retention`; excluded rows are counted in an
        ``ExcludedRowsWarning``.
    min_purchases
        Purchase days needed for a rhythm (≥ 3).
    k
        Overdue when the days since the last purchase exceed ``k`` × the usual interval.
    max_cv
        Only customers whose gaps vary at most this much (coefficient of variation) are
        regular and can be overdue; ``None``: every customer with a rhythm.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a rhythm, by customer id: ``customer``; ``purchases``
        (distinct days); ``first_purchase``, ``last_purchase``; ``usual_interval_days``
        (median gap); ``interval_cv``; ``expected_next`` (date); ``days_since_last``
        (to ``as_of``); ``overdue_ratio``; ``regular``; ``overdue``. ``attrs``: ``as_of``,
        ``k``, ``min_purchases``, ``max_cv``, ``too_few_purchases`` (customers left out),
        ``excluded``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a"] * 4 + ["b"] * 3 + ["c"],
    ...     "order_date": pd.to_datetime(
    ...         ["2024-01-01", "2024-01-11", "2024-01-21", "2024-01-31",
    ...          "2024-01-01", "2024-02-01", "2024-03-01", "2024-03-20"])})
    >>> out = purchase_rhythm(log, customer="customer_id", date="order_date",
    ...                       as_of="2024-03-31", k=2)
    >>> out[["customer_id", "usual_interval_days", "days_since_last", "overdue"]]
      customer_id  usual_interval_days  days_since_last  overdue
    0           a                 10.0               60     True
    1           b                 30.0               30    False
    """
    _check(min_purchases, k, max_cv)
    p = prepare_purchases(data, customer=customer, date=date, value=value, as_of=as_of)
    warn_excluded(p.excluded, as_of=p.as_of)
    return _rhythm(p, customer, min_purchases, float(k), max_cv)


def reminder_list(rhythm: pd.DataFrame, *, max_ratio: float | None = None) -> pd.DataFrame:
    """The overdue customers of :func:`purchase_rhythm`, most overdue first.

    ``max_ratio`` leaves out customers overdue by more than that many usual intervals (long
    gone: a reminder is unlikely to help); ``None`` keeps all.

    Examples
    --------
    >>> import pandas as pd
    >>> rhythm = pd.DataFrame({"customer_id": ["a", "b", "c"], "overdue": [True, False, True],
    ...                        "overdue_ratio": [6.0, 1.0, 2.5]})
    >>> reminder_list(rhythm)["customer_id"].tolist()
    ['a', 'c']
    >>> reminder_list(rhythm, max_ratio=5)["customer_id"].tolist()
    ['c']
    """
    missing = [c for c in ("overdue", "overdue_ratio") if c not in rhythm.columns]
    if missing:
        raise ValueError(f"rhythm: columns {missing} missing; pass the result of purchase_rhythm")
    keep = rhythm["overdue"].astype(bool)
    if max_ratio is not None:
        keep &= rhythm["overdue_ratio"] <= max_ratio
    return rhythm[keep].sort_values(
        "overdue_ratio", ascending=False, kind="stable", ignore_index=True
    )


def rhythm_summary(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str | None = None,
    as_of: Any = None,
    min_purchases: int = 3,
    k: float = 2.0,
    max_cv: float | None = None,
    max_ratio: float | None = None,
) -> pd.DataFrame:
    """How many customers have a rhythm and how many are overdue, counted on the engine.

    The counts of :func:`purchase_rhythm` and :func:`reminder_list` without collecting a
    row per customer (a page needs the numbers, the analyst's file the list).

    Returns
    -------
    pandas.DataFrame
        One row: ``customers`` (with a rhythm), ``too_few_purchases`` (customers with a
        purchase day but fewer than ``min_purchases``), ``regular``, ``overdue`` and
        ``overdue_within`` (overdue by at most ``max_ratio`` usual intervals; all overdue
        customers when ``max_ratio`` is ``None``). ``attrs`` as in :func:`purchase_rhythm`.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a"] * 4 + ["b"] * 3 + ["c"],
    ...     "order_date": pd.to_datetime(
    ...         ["2024-01-01", "2024-01-11", "2024-01-21", "2024-01-31",
    ...          "2024-01-01", "2024-02-01", "2024-03-01", "2024-03-20"])})
    >>> rhythm_summary(log, customer="customer_id", date="order_date", as_of="2024-03-31",
    ...                max_ratio=5).iloc[0].tolist()
    [2, 1, 2, 1, 0]
    """
    _check(min_purchases, k, max_cv)
    p = prepare_purchases(data, customer=customer, date=date, value=value, as_of=as_of)
    warn_excluded(p.excluded, as_of=p.as_of)
    frame = _rhythm_frame(p, customer, min_purchases, max_cv)
    overdue = nw.col("__regular") & (nw.col("__since") > float(k) * nw.col("__usual"))
    within = overdue
    if max_ratio is not None:
        within = overdue & (nw.col("__since") <= float(max_ratio) * nw.col("__usual"))
    counts = (
        to_pandas(
            frame.select(
                nw.len().alias("customers"),
                count_true(nw.col("__regular")).alias("regular"),
                count_true(overdue).alias("overdue"),
                count_true(within).alias("overdue_within"),
            )
        )
        .iloc[0]
        .fillna(0)
    )
    n = int(counts["customers"])
    out = pd.DataFrame(
        [
            {
                "customers": n,
                "too_few_purchases": _buyers(p, customer) - n,
                "regular": int(counts["regular"]),
                "overdue": int(counts["overdue"]),
                "overdue_within": int(counts["overdue_within"]),
            }
        ]
    )
    out.attrs.update(
        _rhythm_attrs(p, k, min_purchases, max_cv, int(out["too_few_purchases"].iloc[0]))
    )
    return out


def lapse_backtest(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str | None = None,
    cutoff: Any,
    follow_days: int = 180,
    k: float | Sequence[float] = 2.0,
    min_purchases: int = 3,
    max_cv: float | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """How often flagged customers did not come back, against customers not flagged.

    Parameters
    ----------
    data, customer, date, value, min_purchases, max_cv
        As in :func:`purchase_rhythm`.
    cutoff
        The date the alerts would have been computed on (data after it are hidden).
    follow_days
        Days after ``cutoff`` in which a purchase counts as coming back.
    k
        One or several overdue thresholds; one row each.
    confidence
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per ``k``: ``k``; ``customers`` (regular customers with a rhythm at
        ``cutoff``: the base); ``flagged`` and ``flagged_lost`` (of them, no purchase in
        the follow-up), ``flagged_lost_rate`` with ``_ci_lower`` / ``_ci_upper``;
        ``unflagged``, ``unflagged_lost``, ``unflagged_lost_rate`` with interval;
        ``difference`` (flagged − unflagged rate) with ``difference_ci_lower`` /
        ``difference_ci_upper`` and ``p_value``; ``relative_risk`` (flagged / unflagged
        rate). ``attrs``: ``cutoff``, ``follow_days``, ``excluded``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a"] * 4 + ["b"] * 4,
    ...     "order_date": pd.to_datetime(
    ...         ["2024-01-01", "2024-01-11", "2024-01-21", "2024-05-01",
    ...          "2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"])})
    >>> out = lapse_backtest(log, customer="customer_id", date="order_date",
    ...                      cutoff="2024-03-10", follow_days=30, k=2)
    >>> out[["customers", "flagged", "flagged_lost", "unflagged", "unflagged_lost"]]
       customers  flagged  flagged_lost  unflagged  unflagged_lost
    0          2        1             1          1               0
    """
    ks = [float(x) for x in np.atleast_1d(k)]
    _check(min_purchases, ks, max_cv)
    try:
        check_scalar(follow_days, "follow_days", int, ge=1)
    except (TypeError, ValueError):
        raise ValueError(
            f"follow_days: expected a whole number of days >= 1, got {follow_days!r}"
        ) from None
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: {confidence} is not between 0 and 1")
    full = prepare_purchases(data, customer=customer, date=date, value=value)
    cut = pd.Timestamp(cutoff).normalize()
    cut_day = day_number(cut)
    end_day = cut_day + int(follow_days)
    if end_day > full.as_of_day:
        raise ValueError(
            f"cutoff: {cut.date()} + {follow_days} days ends after the last date in the data "
            f"({full.as_of.date()}); choose an earlier cutoff or a shorter follow_days"
        )
    warn_excluded(full.excluded, as_of=full.as_of)
    before = prepare_purchases(data, customer=customer, date=date, value=value, as_of=cut)
    if isinstance(full.rows, nw.LazyFrame):  # the join needs both sides on one frame
        before = until(full, cut)
    # On the engine: the customers with a rhythm at the cut-off, joined to those who bought
    # in the follow-up, counted for every k in one query (no customer list is collected).
    came_back = (
        full.rows.filter(nw.col(IS_PURCHASE) & (nw.col(DAY) > cut_day) & (nw.col(DAY) <= end_day))
        .select(customer)
        .unique()
        .with_columns(nw.lit(1).alias("__back"))
    )
    regular = (
        _rhythm_frame(before, customer, min_purchases, max_cv)
        .filter(nw.col("__regular"))
        .select(customer, "__usual", "__since")
        .join(came_back, on=customer, how="left")
        .with_columns(nw.col("__back").is_null().alias("__lost"))
    )
    lost = nw.col("__lost")
    counts = {"__customers": nw.len(), "__lost_all": count_true(lost)}
    for i, kk in enumerate(ks):
        flag = nw.col("__since") > kk * nw.col("__usual")
        counts[f"__flagged_{i}"] = count_true(flag)
        counts[f"__flagged_lost_{i}"] = count_true(flag & lost)
    totals = to_pandas(regular.select(**counts)).iloc[0].fillna(0)
    rows = []
    for i, kk in enumerate(ks):
        n1, x1 = int(totals[f"__flagged_{i}"]), int(totals[f"__flagged_lost_{i}"])
        n0 = int(totals["__customers"]) - n1
        x0 = int(totals["__lost_all"]) - x1
        row = {
            "k": kk,
            "customers": n1 + n0,
            "flagged": n1,
            "flagged_lost": x1,
            "unflagged": n0,
            "unflagged_lost": x0,
        }
        for name, x, n in (("flagged", x1, n1), ("unflagged", x0, n0)):
            lower, upper = wilson_interval(x, n, confidence)
            row[f"{name}_lost_rate"] = x / n if n else math.nan
            row[f"{name}_lost_rate_ci_lower"] = float(lower)
            row[f"{name}_lost_rate_ci_upper"] = float(upper)
        row.update(compare_proportions(x1, n1, x0, n0, confidence))
        rate0 = row["unflagged_lost_rate"]
        row["relative_risk"] = row["flagged_lost_rate"] / rate0 if rate0 else math.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs.update(cutoff=cut, follow_days=int(follow_days), excluded=dict(full.excluded))
    return out
