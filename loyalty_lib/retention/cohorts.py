"""Cohort retention: the classic triangle, trustworthy retention curves, revenue retention.

Definitions (exact)
-------------------
- A **purchase** is a row of the log; with ``value`` given, a row whose value is ``>= 0``.
  Rows with a negative value are **returns**: they are not activity (a customer who only
  returns something in a period is not active in it) but their value is booked, negative,
  in the revenue of the period they fall in (revenue is net of returns).
- A customer's **cohort** is the calendar period (day, week, month or quarter) of their
  first purchase; ``cohort`` holds the first day of that period. Weeks start on Monday
  (ISO 8601); quarters are calendar quarters.
- **Period k** of a cohort is the k-th calendar period after the cohort's own (period 0 is
  the acquisition period itself), not "k × 30 days after the first purchase".
- A customer is **active** in period k with at least one purchase in it: several purchases
  in one period count once. ``mode="on"`` counts customers active *in* period k;
  ``mode="on_or_after"`` counts those active in period k *or any later period up to*
  ``as_of`` (so it can only fall with k; for recent periods it is a lower bound that grows
  as data arrive).
- **Completeness**: a period is complete when its last day is on or before ``as_of``
  (default: the last date in the data; the data are assumed complete through that day).
  Periods a cohort has begun but not completed are kept with ``complete=False``: their
  ``active`` and ``revenue`` are counts *so far*, and their ``retention`` and
  ``revenue_retention`` are NaN, so a partial period is never shown as a (low or zero)
  rate. Periods that have not begun are absent. A cohort whose period 0 is incomplete
  may still gain customers: its ``cohort_size`` is provisional.

Bad input: unparseable date strings raise ``ValueError``; rows with a missing customer id,
date or value, rows dated after ``as_of`` and returns dated before the customer's first
purchase are excluded and counted in one :class:`~loyalty_lib.errors.ExcludedRowsWarning`
(the counts are also in ``result.attrs["excluded"]``).

The heavy steps (first purchase per customer, join, period arithmetic, distinct active
customers per cohort × period) run in narwhals, in the caller's engine; only the
cohort × period aggregate is collected.
"""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import to_pandas
from loyalty_lib.engines import count_true
from loyalty_lib.inputs.purchases import (
    PERIOD,
    VALUE,
    active_periods,
    canonical_freq,
    first_purchase_frame,
    period_end,
    period_number,
    period_start,
    prepare_purchases,
    warn_excluded,
)

__all__ = [
    "cohort_retention",
    "cohort_start",
]

_MODES = ("on", "on_or_after")
_RESULT_COLUMNS = ("cohort", "period", "cohort_size", "active", "retention", "complete")


def cohort_start(day: Any, freq: str = "M") -> pd.Timestamp:
    """First day of the calendar period (as used for cohorts) that contains ``day``.

    Weeks start on Monday; quarters are calendar quarters.

    Examples
    --------
    >>> cohort_start("2024-05-17", "quarter").date(), cohort_start("2024-05-17", "W").date()
    (datetime.date(2024, 4, 1), datetime.date(2024, 5, 13))
    """
    freq_name = canonical_freq(freq)
    stamp = pd.Timestamp(day).normalize()
    return pd.Timestamp(period_start([period_number(stamp, freq_name)], freq_name)[0])


# long: the 'on'/'by' modes and the value grid share one prepared log and its exclusions
def cohort_retention(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str | None = None,
    freq: str = "M",
    mode: str = "on",
    as_of: Any = None,
    by: str | list[str] | None = None,
    since: Any = None,
) -> pd.DataFrame:
    """Cohort × period retention of a transaction log, as a tidy long frame.

    See the module docstring for the exact definitions of cohort, period, activity,
    returns and completeness.

    Parameters
    ----------
    data
        Transaction log, one row per order (pandas or any narwhals-supported frame).
    customer, date
        Column names of the customer id and the order date (datetime, date, or ISO
        date strings).
    value
        Optional amount column: enables ``revenue``/``revenue_retention`` and makes
        negative rows returns (not activity).
    freq
        ``"day"``/``"D"``, ``"week"``/``"W"`` (Monday start), ``"month"``/``"M"`` or
        ``"quarter"``/``"Q"``.
    mode
        ``"on"`` (active in period k) or ``"on_or_after"`` (active in k or later).
    as_of
        The last day the data cover (default: the last date in the data).
    by
        Optional segment column(s), constant per customer (e.g. ``"region"``); one set of
        cohorts per segment. A segment that varies within a customer raises ``ValueError``.
    since
        Keep only the cohorts whose first day is on or after this date (earlier purchases
        still decide who is a new customer: a customer who first bought before ``since``
        is in no cohort, not a new one). Default: every cohort.

    Returns
    -------
    pandas.DataFrame
        One row per (segment,) cohort and period that has begun by ``as_of``, sorted by
        them:

        - the ``by`` columns, if any;
        - ``cohort`` (datetime64): first day of the acquisition period;
        - ``period`` (int): k = 0, 1, 2, ... periods after the cohort's period;
        - ``cohort_size`` (int): customers whose first purchase falls in the cohort;
        - ``active`` (int): customers active in period k (``mode="on"``) or in k or later
          (``mode="on_or_after"``);
        - ``retention`` (float): ``active / cohort_size``; NaN when not ``complete``;
        - ``revenue`` (float, with ``value``): net value booked by the cohort in period k;
        - ``revenue_retention`` (float, with ``value``): ``revenue`` / the cohort's period-0
          ``revenue``; NaN when not ``complete`` or when period-0 revenue is not positive;
        - ``complete`` (bool): the period's last day is on or before ``as_of``.

        ``attrs`` holds ``freq``, ``mode``, ``as_of`` and the ``excluded`` row counts.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "b", "c"],
    ...     "order_date": pd.to_datetime(
    ...         ["2024-01-05", "2024-02-10", "2024-01-20", "2024-01-25", "2024-02-03"]),
    ...     "amount": [10.0, 5.0, 20.0, 8.0, 12.0],
    ... })
    >>> result = cohort_retention(log, customer="customer_id", date="order_date",
    ...                           value="amount", as_of="2024-03-31")
    >>> print(result.to_string())
          cohort  period  cohort_size  active  retention  revenue  revenue_retention  complete
    0 2024-01-01       0            2       2        1.0     38.0           1.000000      True
    1 2024-01-01       1            2       1        0.5      5.0           0.131579      True
    2 2024-01-01       2            2       0        0.0      0.0           0.000000      True
    3 2024-02-01       0            1       1        1.0     12.0           1.000000      True
    4 2024-02-01       1            1       0        0.0      0.0           0.000000      True
    """
    freq_name = canonical_freq(freq)
    if mode not in _MODES:
        raise ValueError(f"mode: {mode!r} is not supported; use 'on' or 'on_or_after'")
    p = prepare_purchases(
        data, customer=customer, date=date, value=value, as_of=as_of, by=by, freq=freq_name
    )
    keys = [*p.by, "__cohort"]
    # Distinct (customer, period) rows first: every later step works on this smaller
    # frame, and active customers are a plain count of its rows (no count-distinct).
    active_rows = active_periods(p, customer)
    first_all = first_purchase_frame(p, customer, active=active_rows)
    first = first_all
    if since is not None:
        since_ts = pd.Timestamp(since).normalize()
        first_cohort = period_number(since_ts, freq_name)
        if period_start([first_cohort], freq_name)[0] < since_ts:
            first_cohort += 1  # the period containing `since` began earlier: skip it
        first = first_all.filter(nw.col("__cohort") >= first_cohort)

    excluded = dict(p.excluded)
    excluded["before_first_purchase"] = 0
    if value is not None:
        rows = p.rows.drop(p.by) if p.by else p.rows
        joined = rows.join(first_all.select(customer, *keys), on=customer, how="left")
        joined = joined.with_columns((nw.col(PERIOD) - nw.col("__cohort")).alias("__k"))
        orphan = nw.col("__cohort").is_null() | (nw.col("__k") < 0)
        excluded["before_first_purchase"] = int(
            to_pandas(joined.select(count_true(orphan).alias("n")))["n"][0]
        )
        revenue = to_pandas(
            joined.filter(~orphan).group_by(*keys, "__k").agg(nw.col(VALUE).sum().alias("revenue"))
        )
        if since is not None:
            revenue = revenue[revenue["__cohort"] >= first_cohort]

    if mode == "on":
        # Every customer is active in their cohort's own period: sizes = active at k = 0.
        counted = active_rows.drop(p.by) if p.by else active_rows
        active = to_pandas(
            counted.join(first.select(customer, *keys), on=customer, how="inner")
            .with_columns((nw.col(PERIOD) - nw.col("__cohort")).alias("__k"))
            .group_by(*keys, "__k")
            .agg(nw.len().alias("active"))
        )
        sizes = active[active["__k"] == 0].rename(columns={"active": "__n"})
        grid = _grid(sizes, keys, period_number(p.as_of, freq_name))
        grid = grid.merge(active, on=[*keys, "__k"], how="left")
        grid["active"] = grid["active"].fillna(0).astype("int64")
    else:
        # Customers per cohort by the period of their last purchase: gives cohort sizes
        # and, by a reverse cumulative sum, the "on or after" counts.
        last = to_pandas(
            first.with_columns((nw.col("__last_period") - nw.col("__cohort")).alias("__k"))
            .group_by(*keys, "__k")
            .agg(nw.len().alias("__n"))
        )
        grid = _grid(last, keys, period_number(p.as_of, freq_name))
        grid = grid.merge(last, on=[*keys, "__k"], how="left")
        grid["__n"] = grid["__n"].fillna(0).astype("int64")
        grid = grid.sort_values([*keys, "__k"], ascending=[*[True] * len(keys), False])
        grid["active"] = grid.groupby(keys, sort=False)["__n"].cumsum().astype("int64")
        grid = grid.drop(columns="__n").sort_values([*keys, "__k"])

    absolute = grid["__cohort"] + grid["__k"]
    ends = period_end(absolute, freq_name)
    complete = (ends <= p.as_of).to_numpy()
    out = pd.DataFrame({b: grid[b].to_numpy() for b in p.by})
    out["cohort"] = period_start(grid["__cohort"], freq_name).to_numpy()
    out["period"] = grid["__k"].to_numpy(dtype="int64")
    out["cohort_size"] = grid["cohort_size"].to_numpy(dtype="int64")
    out["active"] = grid["active"].to_numpy(dtype="int64")
    out["retention"] = np.where(complete, out["active"] / out["cohort_size"], np.nan)
    if value is not None:
        grid = grid.merge(revenue, on=[*keys, "__k"], how="left")
        out["revenue"] = grid["revenue"].fillna(0.0).to_numpy(dtype="float64")
        base = out.groupby([*p.by, "cohort"])["revenue"].transform("first")
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = out["revenue"] / base
        out["revenue_retention"] = np.where(complete & (base > 0).to_numpy(), ratio, np.nan)
    out["complete"] = complete
    warn_excluded(excluded, as_of=p.as_of)
    out.attrs = {"freq": freq_name, "mode": mode, "as_of": p.as_of, "excluded": excluded}
    return out


def _grid(counts: pd.DataFrame, keys: list[str], as_of_period: int) -> pd.DataFrame:
    """Every (cohort, k) with k = 0 .. the period containing ``as_of``, with cohort sizes.

    ``counts`` holds customers (``__n``) per cohort (and k); they sum to cohort sizes.
    """
    sizes = counts.groupby(keys, as_index=False, dropna=False)["__n"].sum()
    sizes = sizes.rename(columns={"__n": "cohort_size"}).sort_values(keys, ignore_index=True)
    reach = (as_of_period - sizes["__cohort"]).to_numpy(dtype="int64") + 1
    grid = sizes.loc[np.repeat(sizes.index.to_numpy(), reach)].reset_index(drop=True)
    starts = np.repeat(np.cumsum(reach) - reach, reach)
    grid["__k"] = np.arange(len(grid), dtype="int64") - starts
    return grid


def _segments(result: pd.DataFrame) -> list[str]:
    """The ``by`` columns of a :func:`cohort_retention` result (those before ``cohort``)."""
    missing = [c for c in _RESULT_COLUMNS if c not in result.columns]
    if missing:
        raise ValueError(
            f"result: columns {missing} missing; pass the frame returned by cohort_retention"
        )
    return list(result.columns[: list(result.columns).index("cohort")])
