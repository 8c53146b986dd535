"""Repeat purchases: the repeat-purchase rate and the time to a customer's second purchase.

Definitions (exact)
-------------------
- Purchases, returns, ``as_of`` and the excluded rows follow
  :mod:`loyalty_lib.retention.cohorts` (a return, a row with a negative ``value``, is not a
  purchase; rows with a missing id/date/value or dated after ``as_of`` are excluded and
  counted in an :class:`~loyalty_lib.errors.ExcludedRowsWarning`).
- A customer's **first purchase** is their earliest purchase day; their **second
  purchase** is the earliest purchase on a *later calendar day* (a second order on the
  same day is part of the first visit: CDNOW records days only).
- **Days to second purchase** = second purchase day − first purchase day (≥ 1).
- **Follow-up** of a customer = ``as_of`` − first purchase day: how long we could watch.

The heavy steps (first and second purchase day per customer) run in narwhals in the
caller's engine; only counts per segment and per day are collected.
"""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
from scipy import stats

from loyalty_lib._checks import to_pandas
from loyalty_lib.inputs.purchases import (
    DAY,
    IS_PURCHASE,
    day_number,
    first_purchase_frame,
    prepare_purchases,
    warn_excluded,
)
from loyalty_lib.stats.proportions import wilson_interval

__all__ = ["repeat_purchase_rate", "time_to_second_purchase"]


def _customer_gaps(
    data: Any, customer: str, date: str, value: str | None, as_of: Any, by: Any, since: Any
) -> tuple[Any, list[str]]:
    """Per customer: ``__gap`` (days to second purchase, null if none) and ``__followup``."""
    p = prepare_purchases(data, customer=customer, date=date, value=value, as_of=as_of, by=by)
    first = first_purchase_frame(p, customer)
    if since is not None:
        first = first.filter(nw.col("__first_day") >= day_number(pd.Timestamp(since)))
    second = (
        p.rows.filter(nw.col(IS_PURCHASE))
        .select(customer, DAY)
        .join(first.select(customer, "__first_day"), on=customer, how="inner")
        .filter(nw.col(DAY) > nw.col("__first_day"))
        .group_by(customer)
        .agg(nw.col(DAY).min().alias("__second_day"))
    )
    customers = first.join(second, on=customer, how="left").with_columns(
        (nw.col("__second_day") - nw.col("__first_day")).alias("__gap"),
        (p.as_of_day - nw.col("__first_day")).alias("__followup"),
    )
    excluded = dict(p.excluded)
    warn_excluded(excluded, as_of=p.as_of, stacklevel=4)
    return customers, p.by


def repeat_purchase_rate(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str | None = None,
    within: int | None = None,
    by: str | list[str] | None = None,
    as_of: Any = None,
    since: Any = None,
    confidence: float = 0.95,
    min_base: int = 30,
) -> pd.DataFrame:
    """Share of customers who made a second purchase (within ``within`` days), with a CI.

    Parameters
    ----------
    data, customer, date, value, as_of
        The transaction log and its columns, as in
        :func:`~loyalty_lib.retention.cohorts.cohort_retention`.
    within
        Count a second purchase only if it came at most ``within`` days after the first.
        The base is then the customers whose first purchase is at least ``within`` days
        before ``as_of`` (everyone else could not yet have been observed for the full
        window; they are counted in ``too_recent``). ``None``: any second purchase up to
        ``as_of``, over all customers (recent customers had less time: the rate is biased
        low when acquisition is recent; prefer a window).
    by
        Optional segment column(s), constant per customer.
    since
        Only customers whose first purchase is on or after this date (default: all).
    confidence
        Confidence level of the Wilson score interval.
    min_base
        Rows whose base is smaller are flagged in ``small_base``.

    Returns
    -------
    pandas.DataFrame
        One row (per segment): the ``by`` columns; ``customers`` (the base n);
        ``repeaters``; ``repeat_rate`` = repeaters / customers; ``repeat_rate_ci_lower``
        and ``repeat_rate_ci_upper`` (Wilson); ``too_recent`` (customers left out of the
        base); ``small_base`` (``customers < min_base``).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "b", "c"],
    ...     "order_date": pd.to_datetime(
    ...         ["2024-01-01", "2024-01-20", "2024-01-05", "2024-01-05", "2024-03-30"]),
    ... })
    >>> rate = repeat_purchase_rate(log, customer="customer_id", date="order_date",
    ...                             within=30, as_of="2024-03-31")
    >>> rate[["customers", "repeaters", "repeat_rate", "too_recent"]]
       customers  repeaters  repeat_rate  too_recent
    0          2          1          0.5           1
    """
    if within is not None and (not isinstance(within, (int, np.integer)) or within < 1):
        raise ValueError(f"within: {within!r} must be a whole number of days >= 1, or None")
    customers, by_list = _customer_gaps(data, customer, date, value, as_of, by, since)
    has_second = ~nw.col("__gap").is_null()
    if within is None:
        eligible = nw.col("__followup") >= 0  # everyone (follow-up is never negative)
        repeated = has_second
    else:
        eligible = nw.col("__followup") >= within
        repeated = has_second & (nw.col("__gap") <= within)
    one = nw.lit(1, nw.Int64)
    zero = nw.lit(0, nw.Int64)
    # Flags as columns first: group-by aggregations stay simple sums on every backend.
    flags = customers.with_columns(
        nw.when(eligible).then(one).otherwise(zero).alias("customers"),
        nw.when(eligible & repeated).then(one).otherwise(zero).alias("repeaters"),
        nw.when(~eligible).then(one).otherwise(zero).alias("too_recent"),
    )
    sums = [nw.col(c).sum() for c in ("customers", "repeaters", "too_recent")]
    if by_list:
        counts = to_pandas(flags.group_by(*by_list).agg(*sums)).sort_values(
            by_list, ignore_index=True
        )
    else:
        counts = to_pandas(flags.select(*sums))
    out = counts[by_list].copy()
    out["customers"] = counts["customers"].astype("int64")
    out["repeaters"] = counts["repeaters"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["repeat_rate"] = out["repeaters"] / out["customers"].where(out["customers"] > 0)
    lower, upper = wilson_interval(out["repeaters"], out["customers"], confidence)
    out["repeat_rate_ci_lower"] = lower
    out["repeat_rate_ci_upper"] = upper
    out["too_recent"] = counts["too_recent"].astype("int64")
    out["small_base"] = out["customers"] < min_base
    return out


def time_to_second_purchase(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str | None = None,
    by: str | list[str] | None = None,
    as_of: Any = None,
    since: Any = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Distribution of the days from first to second purchase, censoring-aware.

    Customers who have not bought again by ``as_of`` are right-censored at their
    follow-up; the share who made a second purchase within ``days`` is the Kaplan–Meier
    estimate ``1 − S(days)``, so recent customers neither count as "never" nor bias the
    distribution towards short gaps. The interval is Greenwood's variance on the
    log(−log S) scale (the default of survival packages such as lifelines).

    Parameters
    ----------
    data, customer, date, value, as_of, by, since
        As in :func:`repeat_purchase_rate`.
    confidence
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per (segment and) day on which a second purchase or a censoring happens:
        the ``by`` columns; ``customers`` (the segment's base n); ``days`` (days since the
        first purchase); ``at_risk`` (customers still without a second purchase and
        observed at least that long); ``second_purchases`` (customers whose gap is exactly
        ``days``: the histogram of the gap among repeaters); ``censored`` (customers
        without a second purchase whose follow-up ends at ``days``); ``share_repeated``
        (Kaplan–Meier share with a second purchase within ``days``) with
        ``share_repeated_ci_lower`` / ``share_repeated_ci_upper``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "b", "c"],
    ...     "order_date": pd.to_datetime(
    ...         ["2024-01-01", "2024-01-11", "2024-01-01", "2024-01-21", "2024-01-16"]),
    ... })
    >>> km = time_to_second_purchase(log, customer="customer_id", date="order_date",
    ...                              as_of="2024-01-31")
    >>> km[["days", "at_risk", "second_purchases", "censored", "share_repeated"]]
       days  at_risk  second_purchases  censored  share_repeated
    0    10        3                 1         0        0.333333
    1    15        2                 0         1        0.333333
    2    20        1                 1         0        1.000000
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: {confidence} is not between 0 and 1")
    customers, by_list = _customer_gaps(data, customer, date, value, as_of, by, since)
    has_second = ~nw.col("__gap").is_null()
    one, zero = nw.lit(1, nw.Int64), nw.lit(0, nw.Int64)
    # One query: a customer's day is their gap (a second purchase) or their follow-up
    # (censored); per day, the two kinds are counted by summing 0/1 columns.
    table = to_pandas(
        customers.with_columns(
            nw.when(has_second)
            .then(nw.col("__gap"))
            .otherwise(nw.col("__followup"))
            .cast(nw.Int64)
            .alias("days"),
            nw.when(has_second).then(one).otherwise(zero).alias("second_purchases"),
            nw.when(has_second).then(zero).otherwise(one).alias("censored"),
        )
        .group_by(*by_list, "days")
        .agg(nw.col("second_purchases").sum(), nw.col("censored").sum())
    )
    table["second_purchases"] = table["second_purchases"].astype("int64")
    table["censored"] = table["censored"].astype("int64")
    table["days"] = table["days"].astype("int64")
    table = table.sort_values([*by_list, "days"], ignore_index=True)
    parts = [table] if not by_list else [g for _, g in table.groupby(by_list, sort=True)]
    return pd.concat([_kaplan_meier(g, confidence) for g in parts], ignore_index=True)[
        [
            *by_list,
            "customers",
            "days",
            "at_risk",
            "second_purchases",
            "censored",
            "share_repeated",
            "share_repeated_ci_lower",
            "share_repeated_ci_upper",
        ]
    ]


def _kaplan_meier(table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Kaplan–Meier "share repeated" with a log(−log) Greenwood interval, one segment."""
    out = table.reset_index(drop=True).copy()
    events = out["second_purchases"].to_numpy(dtype="float64")
    leaving = events + out["censored"].to_numpy(dtype="float64")
    total = leaving.sum()
    at_risk = total - np.concatenate([[0.0], np.cumsum(leaving)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1 - events / at_risk)
        greenwood = np.cumsum(
            np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0)
        )
        z = stats.norm.ppf(0.5 + confidence / 2)
        log_s = np.log(survival)
        spread = z * np.sqrt(greenwood) / np.abs(log_s)
        s_low = survival ** np.exp(spread)
        s_high = survival ** np.exp(-spread)
    valid = (survival > 0) & (survival < 1)
    out["customers"] = int(total)
    out["at_risk"] = at_risk.astype("int64")
    out["share_repeated"] = 1 - survival
    out["share_repeated_ci_lower"] = np.where(valid, 1 - s_high, np.nan)
    out["share_repeated_ci_upper"] = np.where(valid, 1 - s_low, np.nan)
    return out


#: The two readings of "half bought again within … days", as the pages must name them.
MEDIAN_LABELS = {
    "repeaters": "among those who bought again",
    "kaplan_meier": "all customers, Kaplan-Meier",
}


def repeat_time_medians(km: pd.DataFrame, *, by: str | list[str] | None = None) -> pd.DataFrame:
    """The median time to a second purchase, read two ways, from a Kaplan–Meier table.

    - ``"repeaters"``: the median gap among the customers who already bought again. It
      ignores everyone who has not (yet), so it is shorter and answers "how soon do
      repeaters come back", not "how soon does a customer come back".
    - ``"kaplan_meier"``: the first day on which the Kaplan–Meier share of *all*
      customers with a second purchase reaches 50% (customers without one are censored at
      their follow-up). Missing when the curve never reaches 50% ("not reached").

    Parameters
    ----------
    km
        The result of :func:`time_to_second_purchase` (with the same ``by``).
    by
        The segment columns used there, if any.

    Returns
    -------
    pandas.DataFrame
        Per segment, two rows: ``measure`` (``"repeaters"``, ``"kaplan_meier"``),
        ``label`` (:data:`MEDIAN_LABELS`, for the page), ``base`` (repeaters, or all
        customers), ``median_days``, ``median_days_ci_lower``, ``median_days_ci_upper``.
        The repeaters' interval is the distribution-free order-statistic interval of a
        median; the Kaplan–Meier one is where the pointwise interval band of the curve
        crosses 50% (Brookmeyer–Crowley style; upper limit missing if the band's lower
        edge never reaches 50%).

    Examples
    --------
    >>> import pandas as pd
    >>> km = pd.DataFrame({"customers": 4, "days": [10, 15, 20, 30],
    ...     "at_risk": [4, 3, 2, 1], "second_purchases": [1, 0, 1, 0],
    ...     "censored": [0, 1, 0, 1], "share_repeated": [0.25, 0.25, 0.625, 0.625],
    ...     "share_repeated_ci_lower": float("nan"), "share_repeated_ci_upper": float("nan")})
    >>> repeat_time_medians(km)[["measure", "base", "median_days"]]
            measure  base  median_days
    0     repeaters     2         15.0
    1  kaplan_meier     4         20.0
    """
    by_list = [by] if isinstance(by, str) else list(by or [])
    need = ["customers", "days", "second_purchases", "share_repeated", *by_list]
    missing = [c for c in need if c not in km.columns]
    if missing:
        raise ValueError(
            f"km: columns {missing} missing; pass the result of time_to_second_purchase"
            + (" called with the same by" if by_list else "")
        )
    parts = [((), km)] if not by_list else list(km.groupby(by_list, sort=True))
    rows = []
    for key, part in parts:
        key = key if isinstance(key, tuple) else (key,)
        ids = dict(zip(by_list, key, strict=True))
        gaps = np.repeat(part["days"].to_numpy(), part["second_purchases"].to_numpy())
        median, lower, upper = _sample_median(gaps)
        rows.append(
            {
                **ids,
                "measure": "repeaters",
                "label": MEDIAN_LABELS["repeaters"],
                "base": int(gaps.size),
                "median_days": median,
                "median_days_ci_lower": lower,
                "median_days_ci_upper": upper,
            }
        )
        days = part["days"].to_numpy(dtype=float)
        rows.append(
            {
                **ids,
                "measure": "kaplan_meier",
                "label": MEDIAN_LABELS["kaplan_meier"],
                "base": int(part["customers"].iloc[0]) if len(part) else 0,
                "median_days": _first_reaching(days, part["share_repeated"]),
                "median_days_ci_lower": _first_reaching(days, part["share_repeated_ci_upper"]),
                "median_days_ci_upper": _first_reaching(days, part["share_repeated_ci_lower"]),
            }
        )
    return pd.DataFrame(rows)


def _first_reaching(days: np.ndarray, share: pd.Series) -> float:
    reached = share.to_numpy(dtype=float) >= 0.5
    return float(days[reached.argmax()]) if reached.any() else np.nan


def _sample_median(gaps: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Median and its order-statistic interval (binomial(n, ½) ranks)."""
    n = gaps.size
    if n == 0:
        return np.nan, np.nan, np.nan
    ordered = np.sort(gaps)
    median = float(np.median(ordered))
    k = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))  # ranks k+1 … n−k
    if k < 1:
        return median, np.nan, np.nan
    return median, float(ordered[k - 1]), float(ordered[n - k])
