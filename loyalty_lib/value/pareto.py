"""The 80/20 split: how concentrated customer value is, and who the top customers are.

"80% of profit comes from 20% of customers" is a claim to test, not a constant. This
module measures it on a transaction log:

- :func:`~loyalty_lib.value.customers.customer_value` (re-exported here): one row per
  customer, returns netted.
- :func:`pareto_split`: the share of value from the top customers, the share of
  customers that makes the target share of value, and the Gini coefficient.
- :func:`pareto_by_period`: the same per year, quarter or month.
- :func:`lorenz_curve`: the curve behind the Gini coefficient.
- :func:`abc_classes` and :func:`abc_summary`: customers in classes A/B/C by cumulative
  value share.

Definitions shared by every function
------------------------------------
- **Net value** of a customer is the sum of ``value`` over all their rows, so returns and
  refunds (negative rows) are netted against purchases.
- **Ranking** is deterministic: net value descending, then customer id ascending. Ties in
  value therefore never change a share (tied customers bring the same value), only which
  customer id is listed first.
- **Customers with net value <= 0** (everything returned, or zero-value rows only) cannot
  be part of a share of positive revenue. They are counted in ``non_positive_customers``
  (and their net value in ``non_positive_value``) and left out of every concentration
  measure: ``customers``, ``total_value``, the shares, the Lorenz curve and the Gini
  coefficient all refer to the customers with a positive net value.
- ``top_customers = ceil(top * customers)`` with ``customers`` the number of
  positive-value customers (the product is taken with a relative tolerance of 1e-12, so
  that ``0.7 * 10`` counts as 7, not 8).
- ``customer_share_for_target`` is ``k / customers`` for the smallest ``k`` such that the
  ``k`` highest-value customers bring at least ``target`` of ``total_value`` (compared
  with a relative tolerance of 1e-12).
- ``gini`` is the sample Gini coefficient of the positive net values without small-sample
  correction, ``1 - 2 * area under the Lorenz curve`` (trapezoids between the ``n + 1``
  points of :func:`lorenz_curve`): 0 when every customer brings the same value, at most
  ``(n - 1) / n``.

Bad input raises (see :mod:`loyalty_lib.value.customers`): non-numeric or infinite values,
missing values, missing customer ids, non-date dates and missing group keys all raise
``ValueError`` naming the column, the count and the first examples. Nothing is excluded
silently; the only exclusion, of non-positive customers, is counted in the result.

The heavy step (the group-by to one row per customer) runs in the caller's engine through
narwhals; only the per-customer aggregate is collected and finished in NumPy
(``docs/decisions/0001-dataframe-engine.md``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import (
    LoyaltyWarning,
    SmallBaseWarning,
    as_list,
    check_scalar,
    examples,
    to_pandas,
)
from loyalty_lib.engines import compute_frame, local_datetimes
from loyalty_lib.inputs.purchases import period_complete
from loyalty_lib.stats.concentration import (
    concentration,
    concentration_asymptotic,
    concentration_bootstrap,
)
from loyalty_lib.stats.nps_intervals import MIN_BOOT
from loyalty_lib.value.customers import _validate, customer_value, net_values

__all__ = [
    "ASYMPTOTIC_FROM",
    "NON_POSITIVE",
    "customer_value",
    "lorenz_curve",
    "pareto_by_period",
    "pareto_split",
]

#: From this many positive-value customers on, ``interval="auto"`` gives the normal
#: approximation instead of the bootstrap: 2,000 resamples of 1M customers take about 40 s
#: (of 9.4M, about 25 minutes), and at 100,000 the two intervals already agree to 4e-4
#: (tests/value/test_pareto_asymptotic.py).
ASYMPTOTIC_FROM = 1_000_000

#: Label of the customers whose net value is zero or negative in :func:`abc_classes`.
NON_POSITIVE = "non-positive"
_FREQUENCIES = {"year": "1y", "quarter": "1q", "month": "1mo"}


def _check_share(name: str, x: float, *, upper_open: bool = False) -> float:
    """:func:`check_scalar` for a share in (0, 1] (or (0, 1)), in this module's tested wording."""
    upper = {"lt": 1} if upper_open else {"le": 1}
    try:
        return float(check_scalar(x, name, float, gt=0, **upper))
    except TypeError:
        raise TypeError(f"{name}: expected a number between 0 and 1, got {x!r}") from None
    except ValueError:
        bound = f"0 < {name} < 1" if upper_open else f"0 < {name} <= 1"
        raise ValueError(f"{name}: must satisfy {bound}, got {float(x)!r}") from None


def _split_row(values: np.ndarray, top: float, target: float) -> dict[str, float | int]:
    positive = values[values > 0]
    stats = concentration(np.sort(positive)[::-1], top=top, target=target)
    return {
        "customers": int(positive.size),
        "non_positive_customers": int((values <= 0).sum()),
        "total_value": float(positive.sum()),
        "non_positive_value": float(values[values <= 0].sum()),
        "top": top,
        **{k: stats[k] for k in ("top_customers", "top_value_share")},
        "target": target,
        **{k: stats[k] for k in ("target_customers", "customer_share_for_target", "gini")},
    }


def pareto_split(
    data: Any,
    *,
    customer: str,
    value: str,
    top: float = 0.2,
    target: float = 0.8,
    by: str | Sequence[str] | None = None,
    n_boot: int = 0,
    confidence: float = 0.95,
    seed: int | None = 0,
    min_customers: int = 30,
    interval: str = "auto",
) -> pd.DataFrame:
    """How much of the value the top customers bring, and how few bring the target share.

    Parameters
    ----------
    data
        Transactions (several rows per customer allowed; they are netted per customer).
    customer, value
        Customer-id column and numeric value column (see :func:`customer_value`).
    top
        Share of customers called "top" (``0 < top <= 1``); 0.2 for the 80/20 rule.
    target
        Share of value to reach (``0 < target <= 1``); 0.8 for the 80/20 rule.
    by
        Optional grouping column(s): one row per group, each computed exactly as if the
        data were filtered to that group.
    n_boot
        Number of bootstrap resamples for the intervals (0, the default, for none). The
        customers (including the non-positive ones) are resampled with replacement, as the
        customer base is one sample of the customers the business could have had; each
        statistic is recomputed on the resample; the interval is the percentile interval.
    confidence
        Confidence level of the bootstrap intervals.
    seed
        Seed of the bootstrap random generator (an int gives reproducible intervals).
    min_customers
        Groups with fewer positive-value customers trigger a
        :class:`~loyalty_lib.SmallBaseWarning` (shares on a handful of customers are
        mostly noise).
    interval
        How the intervals asked for with ``n_boot`` are computed: ``"bootstrap"``,
        ``"asymptotic"`` (normal approximation from influence functions,
        :func:`~loyalty_lib.stats.concentration.concentration_asymptotic`) or ``"auto"``:
        the bootstrap below :data:`ASYMPTOTIC_FROM` positive-value customers, the normal
        approximation from there up, where the two agree and the bootstrap takes minutes.

    Returns
    -------
    pandas.DataFrame
        One row (per group) with:

        - the ``by`` columns;
        - ``customers``: customers with a positive net value (the base of every share);
        - ``non_positive_customers``: customers with net value <= 0, left out of the
          shares; ``non_positive_value``: their summed net value (<= 0);
        - ``total_value``: summed net value of the positive-value customers;
        - ``top``: the ``top`` argument; ``top_customers``: ``ceil(top * customers)``;
        - ``top_value_share``: share of ``total_value`` brought by the ``top_customers``
          highest-value customers;
        - ``target``: the ``target`` argument; ``target_customers``: the smallest number
          of highest-value customers whose value reaches ``target`` of ``total_value``;
        - ``customer_share_for_target``: ``target_customers / customers``;
        - ``gini``: Gini coefficient of the positive net values (see the module notes);
        - with ``n_boot > 0``: ``top_value_share_ci_lower``/``_ci_upper``,
          ``customer_share_for_target_ci_lower``/``_ci_upper``, ``gini_ci_lower``/
          ``_ci_upper``, ``n_boot``, ``confidence`` and ``interval`` (``"bootstrap"`` or
          ``"asymptotic"``: how that row's intervals were computed).

        Shares are NaN for a group without any positive-value customer (with a
        :class:`~loyalty_lib.LoyaltyWarning`).

    Examples
    --------
    Five customers; ``e`` returned everything. Ranked: a 50, b 30, c 15, d 5 (total 100).

    >>> import pandas as pd
    >>> sales = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c", "d", "e", "e", "a"],
    ...     "amount": [40.0, 30.0, 15.0, 5.0, 20.0, -20.0, 10.0],
    ... })
    >>> split = pareto_split(sales, customer="customer_id", value="amount", top=0.25,
    ...                      min_customers=1)
    >>> split[["customers", "non_positive_customers", "top_customers", "top_value_share"]]
       customers  non_positive_customers  top_customers  top_value_share
    0          4                       1              1              0.5
    >>> split[["target_customers", "customer_share_for_target", "gini"]]
       target_customers  customer_share_for_target   gini
    0                 2                        0.5  0.375
    """
    top = _check_share("top", top)
    target = _check_share("target", target)
    confidence = _check_share("confidence", confidence, upper_open=True)
    try:
        check_scalar(n_boot, "n_boot", int, ge=0)
    except (TypeError, ValueError):
        raise ValueError(f"n_boot: expected a whole number >= 0, got {n_boot!r}") from None
    if 0 < n_boot < MIN_BOOT:
        warnings.warn(
            f"n_boot: {n_boot} resamples make percentile limits move between seeds; use at "
            f"least {MIN_BOOT} (or 0 for no interval)",
            LoyaltyWarning,
            stacklevel=2,
        )
    if interval not in ("auto", "bootstrap", "asymptotic"):
        raise ValueError(
            f"interval: expected 'auto', 'bootstrap' or 'asymptotic', got {interval!r}"
        )
    by_cols = as_list(by)
    per_customer = net_values(data, customer=customer, value=value, by=by_cols)
    groups = per_customer.groupby(by_cols, sort=True) if by_cols else [((), per_customer)]
    rng = np.random.default_rng(seed)
    rows = []
    for key, group in groups:
        # descending, as customers are ranked: the bootstrap draws by position
        values = -np.sort(-group["value"].to_numpy(dtype="float64"))
        row: dict[str, Any] = dict(
            zip(by_cols, key if isinstance(key, tuple) else (key,), strict=True)
        )
        row.update(_split_row(values, top, target))
        if n_boot:
            method = interval
            if method == "auto":
                method = "asymptotic" if row["customers"] >= ASYMPTOTIC_FROM else "bootstrap"
            if method == "asymptotic":
                positive = values[: row["customers"]]  # descending: the positive ones first
                row.update(
                    concentration_asymptotic(
                        positive, top=top, target=target, confidence=confidence
                    )
                )
            else:
                row.update(
                    concentration_bootstrap(
                        values,
                        top=top,
                        target=target,
                        n_boot=n_boot,
                        confidence=confidence,
                        rng=rng,
                    )
                )
            row.update(n_boot=int(n_boot), confidence=confidence, interval=method)
        rows.append(row)
    out = pd.DataFrame(rows)

    def label(r: pd.Series) -> str:
        if not by_cols:
            return "all customers"
        keys = [r[b].date() if isinstance(r[b], pd.Timestamp) else r[b] for b in by_cols]
        return ", ".join(f"{b}={k}" for b, k in zip(by_cols, keys, strict=True))

    empty = out[out["customers"] == 0]
    if len(empty):
        warnings.warn(
            f"{value}: {len(empty)} group(s) without any customer of positive net value "
            f"({examples([label(r) for _, r in empty.iterrows()])}); their shares are NaN.",
            LoyaltyWarning,
            stacklevel=2,
        )
    small = out[(out["customers"] > 0) & (out["customers"] < min_customers)]
    if len(small):
        warnings.warn(
            f"{len(small)} group(s) with fewer than {min_customers} positive-value customers "
            f"({examples([f'{label(r)}: n={r.customers}' for _, r in small.iterrows()])}); "
            "concentration shares on so few customers are mostly noise.",
            SmallBaseWarning,
            stacklevel=2,
        )
    return out


def pareto_by_period(
    data: Any,
    *,
    customer: str,
    value: str,
    date: str,
    freq: str = "year",
    top: float = 0.2,
    target: float = 0.8,
    **kwargs: Any,
) -> pd.DataFrame:
    """:func:`pareto_split` per calendar period: is the concentration growing?

    Each period is computed on the rows dated in it only (a customer's value in a period
    is their net value in that period), so ``customers`` is the number of customers with
    a positive net value in the period.

    Parameters
    ----------
    data, customer, value, top, target
        As in :func:`pareto_split`.
    date
        Datetime column that places each row in a period.
    freq
        ``"year"``, ``"quarter"`` or ``"month"``.
    **kwargs
        Passed to :func:`pareto_split` (``n_boot``, ``confidence``, ``seed``,
        ``min_customers``, ``interval``).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`pareto_split`, one row per period in time order, preceded by
        ``period`` (datetime of the first day of the period) and ``period_label``
        (``"2024"``, ``"2024-Q3"`` or ``"2024-07"``), and followed by ``complete``
        (bool): the data cover the period from its first to its last day (see
        :func:`~loyalty_lib.inputs.purchases.period_complete`). A partial first or last
        period holds fewer customers and must not be compared as if it were whole:
        compare complete periods only. ``attrs``: ``first_date``, ``last_date``.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({
    ...     "customer_id": ["a", "b", "a", "b", "c"],
    ...     "order_date": pd.to_datetime(["2023-02-01", "2023-05-01", "2024-01-10",
    ...                                   "2024-03-03", "2024-06-30"]),
    ...     "amount": [10.0, 10.0, 70.0, 20.0, 10.0],
    ... })
    >>> by_year = pareto_by_period(sales, customer="customer_id", value="amount",
    ...                            date="order_date", top=0.5, min_customers=1)
    >>> by_year[["period_label", "customers", "top_customers", "top_value_share", "complete"]]
      period_label  customers  top_customers  top_value_share  complete
    0         2023          2              1              0.5     False
    1         2024          3              2              0.9     False
    """
    if freq not in _FREQUENCIES:
        raise ValueError(f"freq: expected one of {sorted(_FREQUENCIES)}, got {freq!r}")
    frame = compute_frame(data)
    _validate(frame, customer=customer, value=value, date=date, by=[])
    if "period" in frame.collect_schema().names():
        raise ValueError(
            "data: has a column named 'period', which pareto_by_period creates; rename it first"
        )
    frame = local_datetimes(frame, [date])
    span = to_pandas(frame.select(nw.col(date).min().alias("a"), nw.col(date).max().alias("b")))
    first, last = pd.Timestamp(span["a"][0]), pd.Timestamp(span["b"][0])
    with_period = frame.with_columns(nw.col(date).dt.truncate(_FREQUENCIES[freq]).alias("period"))
    # Spark's date_trunc returns a zoned timestamp even for a naive input
    with_period = local_datetimes(with_period, ["period"])
    out = pareto_split(
        with_period, customer=customer, value=value, top=top, target=target, by="period", **kwargs
    )
    period = pd.to_datetime(out["period"])
    if freq == "year":
        labels = period.dt.strftime("%Y")
    elif freq == "quarter":
        labels = period.dt.year.astype(str) + "-Q" + period.dt.quarter.astype(str)
    else:
        labels = period.dt.strftime("%Y-%m")
    out.insert(1, "period_label", labels.astype(str))
    out["complete"] = period_complete(period, freq, first, last).to_numpy()
    out.attrs.update(first_date=first, last_date=last)
    return out


def lorenz_curve(data: Any, *, customer: str, value: str) -> pd.DataFrame:
    """The Lorenz curve of customer value, from (0, 0) to (1, 1).

    Customers with a positive net value are sorted from the lowest to the highest value;
    point ``i`` is the share ``i / n`` of customers against the share of ``total_value``
    they bring. ``1 - 2 *`` the trapezoid area under these ``n + 1`` points is exactly the
    ``gini`` of :func:`pareto_split`. Read from the other end, the point says what the
    ``top_customer_share`` highest-value customers bring (``top_value_share``), the
    reading of the 80/20 rule.

    Returns
    -------
    pandas.DataFrame
        ``n + 1`` rows (``n`` positive-value customers), customer share increasing:

        - ``customers``: number of lowest-value customers included (0..n);
        - ``customer_share``: ``customers / n``;
        - ``value_share``: share of ``total_value`` those customers bring;
        - ``top_customer_share``: ``1 - customer_share``, the share of highest-value
          customers not included;
        - ``top_value_share``: ``1 - value_share``, the share they bring.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
    ...                       "amount": [10.0, 20.0, 30.0, 40.0]})
    >>> lorenz_curve(sales, customer="customer_id", value="amount")[
    ...     ["customer_share", "value_share"]]
       customer_share  value_share
    0            0.00          0.0
    1            0.25          0.1
    2            0.50          0.3
    3            0.75          0.6
    4            1.00          1.0
    """
    per_customer = net_values(data, customer=customer, value=value)
    values = per_customer["value"].to_numpy(dtype="float64")
    ascending = np.sort(values[values > 0])
    n = ascending.size
    if n == 0:
        raise ValueError(
            f"{value}: no customer has a positive net value "
            f"({len(values)} customers, all <= 0); there is no Lorenz curve to draw."
        )
    cum = np.concatenate([[0.0], np.cumsum(ascending)])
    value_share = cum / cum[-1]
    value_share[-1] = 1.0
    counts = np.arange(n + 1)
    return pd.DataFrame(
        {
            "customers": counts,
            "customer_share": counts / n,
            "value_share": value_share,
            "top_customer_share": 1.0 - counts / n,
            "top_value_share": 1.0 - value_share,
        }
    )
