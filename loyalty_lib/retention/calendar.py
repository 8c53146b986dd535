"""Retention over calendar time: of the customers who bought in one period, who bought again
in the next. The chart on which events (a stock-out, a campaign) are marked.

Definitions (exact)
-------------------
- Purchases, returns, ``as_of`` and excluded rows follow :mod:`loyalty_lib.inputs.purchases`;
  periods are calendar days, weeks (from Monday), months or quarters.
- For each calendar period ``t`` after the first: ``customers`` = customers with a purchase
  in ``t − 1``; ``retained`` = those of them with a purchase in ``t``; ``retention`` =
  ``retained / customers`` with its Wilson interval. ``period`` is the first day of ``t``.
- ``complete`` is false for the period holding ``as_of`` when ``as_of`` is not its last day
  (its retention is understated: the period is not over).
"""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import to_pandas
from loyalty_lib.inputs.purchases import (
    IS_PURCHASE,
    PERIOD,
    canonical_freq,
    period_end,
    period_number,
    period_start,
    prepare_purchases,
    warn_excluded,
)
from loyalty_lib.stats.proportions import wilson_interval

__all__ = ["period_retention"]


def period_retention(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str | None = None,
    freq: str = "month",
    as_of: Any = None,
    confidence: float = 0.95,
    min_base: int = 30,
) -> pd.DataFrame:
    """Share of each period's buyers who bought again in the next period, over calendar time.

    Returns
    -------
    pandas.DataFrame
        One row per calendar period from the second: ``period`` (first day), ``customers``
        (bought in the period before: the base), ``retained``, ``retention`` (0–1) with
        ``retention_ci_lower``, ``retention_ci_upper`` (Wilson), ``complete``,
        ``small_base`` (base below ``min_base``).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...     "order_date": pd.to_datetime(["2024-01-05", "2024-02-03", "2024-01-10",
    ...                                   "2024-03-01", "2024-02-20"])})
    >>> out = period_retention(log, customer="customer_id", date="order_date", min_base=1)
    >>> out[["customers", "retained", "retention"]].values.tolist()
    [[2.0, 1.0, 0.5], [2.0, 0.0, 0.0]]
    """
    unit = canonical_freq(freq)
    p = prepare_purchases(data, customer=customer, date=date, value=value, as_of=as_of, freq=unit)
    warn_excluded(p.excluded, as_of=p.as_of)
    active = (
        p.rows.filter(nw.col(IS_PURCHASE))
        .group_by(customer, PERIOD)
        .agg(nw.len().alias("__n"))
        .drop("__n")
    )
    # a customer's row in period t - 1 is "retained" when the same customer has a row in t
    later = active.with_columns((nw.col(PERIOD) - 1).alias(PERIOD), nw.lit(1).alias("__again"))
    joined = active.join(later, on=[customer, PERIOD], how="left")
    counts = to_pandas(
        joined.with_columns(nw.col("__again").fill_null(0))
        .group_by(PERIOD)
        .agg(nw.len().alias("customers"), nw.col("__again").sum().alias("retained"))
        .sort(PERIOD)
    )
    last = period_number(p.as_of, unit)
    counts["__next"] = counts[PERIOD].astype("int64") + 1
    counts = counts[counts["__next"] <= last].sort_values("__next", ignore_index=True)
    n = counts["customers"].to_numpy(float)
    x = counts["retained"].to_numpy(float)
    lower, upper = wilson_interval(x, n, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, x / n, np.nan)
    out = pd.DataFrame(
        {
            "period": period_start(counts["__next"], unit).to_numpy(),
            "customers": n,
            "retained": x,
            "retention": share,
            "retention_ci_lower": lower,
            "retention_ci_upper": upper,
            "complete": (period_end(counts["__next"], unit) <= p.as_of.normalize()).to_numpy(),
            "small_base": n < min_base,
        }
    )
    out.attrs.update(freq=unit, as_of=p.as_of, confidence=confidence)
    return out
