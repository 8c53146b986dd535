"""Per-customer value from a transaction log: net value, orders, purchase dates.

Orders are distinct order ids when the log names its order-id column (``order=``); a
line-level log without one is counted in purchase lines, and the result says which in
``attrs["orders_counted_as"]``.

:func:`customer_value` is the first step of every customer-base analysis (the 80/20
split in :mod:`loyalty_lib.value.pareto`, and later retention or lifetime value): it nets
returns and refunds (negative rows) against purchases, one row per customer.

Bad input raises ``ValueError`` naming the column, the count and the first examples:
non-numeric or infinite values, missing values, missing customer ids, non-date dates and
missing group keys. Nothing is excluded silently.

The group-by runs in the caller's engine through narwhals; only the per-customer
aggregate is collected into pandas (``docs/decisions/0001-dataframe-engine.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import as_list, examples, require_columns, to_pandas
from loyalty_lib.engines import compute_frame, count_true, local_datetimes
from loyalty_lib.inputs.privacy import id_examples

__all__ = ["customer_value"]


def _non_numeric_error(frame: nw.DataFrame | nw.LazyFrame, value: str, dtype: Any) -> ValueError:
    # Error path only: count the rows whose text does not parse as a number, via the
    # distinct values and their counts (an aggregate, never the raw rows).
    counts = to_pandas(frame.group_by(value, drop_null_keys=True).agg(nw.len().alias("_n")))
    bad, bad_rows = [], 0
    for text, n in zip(counts[value].tolist(), counts["_n"].tolist(), strict=True):
        try:
            float(text)
        except (TypeError, ValueError):
            bad.append(text)
            bad_rows += int(n)
    if bad:
        detail = f"{bad_rows} non-numeric values: {examples(bad)}"
    else:
        detail = f"numbers stored as text such as {examples(counts[value].tolist())}"
    return ValueError(
        f"{value}: expected a numeric column, got {dtype} with {detail}. "
        f"Convert it first, e.g. pd.to_numeric(df[{value!r}], errors='coerce'), and decide "
        "what to do with the values that do not parse."
    )


def _validate(
    frame: nw.DataFrame | nw.LazyFrame,
    *,
    customer: str,
    value: str,
    date: str | None,
    by: list[str],
) -> None:
    """Raise ``ValueError`` naming the column, count and examples of any bad input."""
    require_columns(frame, [customer, value, date, *by])
    schema = frame.collect_schema()
    if not schema[value].is_numeric():
        raise _non_numeric_error(frame, value, schema[value])
    if date is not None and not schema[date].is_temporal():
        sample = to_pandas(frame.select(nw.col(date)).head(3))[date].tolist()
        raise ValueError(
            f"{date}: expected dates (datetime64), got {schema[date]} such as "
            f"{examples(sample)}. Convert it first, e.g. pd.to_datetime(df[{date!r}])."
        )
    checks = [
        count_true(nw.col(customer).is_null()).alias("customer"),
        count_true(nw.col(value).is_null()).alias("value"),
        count_true(~nw.col(value).is_finite() & ~nw.col(value).is_null()).alias("infinite"),
    ]
    if date is not None:
        checks.append(count_true(nw.col(date).is_null()).alias("date"))
    checks += [count_true(nw.col(b).is_null()).alias(f"by_{i}") for i, b in enumerate(by)]
    counts = to_pandas(frame.select(*checks)).iloc[0]

    def rows(mask: nw.Expr, column: str) -> list[Any]:
        return to_pandas(frame.filter(mask).select(nw.col(column)).head(5))[column].tolist()

    if counts["customer"]:
        raise ValueError(
            f"{customer}: {counts['customer']} rows with a missing customer id "
            f"({value} on those rows: {examples(rows(nw.col(customer).is_null(), value))}). "
            "Drop or fill them before computing customer value."
        )
    if counts["value"]:
        raise ValueError(
            f"{value}: {counts['value']} missing values (customers "
            f"{id_examples(rows(nw.col(value).is_null(), customer))}). Drop them or fill them "
            "(e.g. with 0) explicitly before computing customer value."
        )
    if counts["infinite"]:
        mask = ~nw.col(value).is_finite() & ~nw.col(value).is_null()
        raise ValueError(
            f"{value}: {counts['infinite']} infinite values: {examples(rows(mask, value))} "
            f"(customers {id_examples(rows(mask, customer))})."
        )
    if date is not None and counts["date"]:
        raise ValueError(
            f"{date}: {counts['date']} missing dates (customers "
            f"{id_examples(rows(nw.col(date).is_null(), customer))})."
        )
    for i, b in enumerate(by):
        if counts[f"by_{i}"]:
            raise ValueError(
                f"{b}: {counts[f'by_{i}']} missing values in a grouping column (customers "
                f"{id_examples(rows(nw.col(b).is_null(), customer))}). Fill them, e.g. with "
                "'unknown', or filter them out first."
            )


def _rank_key(values: pd.Series) -> pd.Series:
    """Net values rounded to 12 significant digits of the largest one, for ranking.

    Engines add floats in different orders (pandas uses compensated summation, DuckDB
    and Spark add per thread or partition), so two customers with the same net value can
    differ in the last bit on one engine and not on another. Ranking on the rounded value
    keeps such ties ties, so every engine lists customers in the same order.
    """
    largest = float(values.abs().max()) if len(values) else 0.0
    if not np.isfinite(largest) or largest == 0.0:
        return values
    decimals = 12 - int(np.ceil(np.log10(largest)))
    return values.round(decimals)


def _snap_zero(values: pd.Series) -> pd.Series:
    """Net values that are zero at 12 significant digits of the largest one, as exactly 0.

    Purchases and returns that cancel (10.10 + 5.20 - 15.30) add up to a float residue of
    either sign (2.8e-17, -7.1e-15) that depends on the engine's summation order; left as
    it is, such a customer would count as positive on one engine and as non-positive on
    another (and print as "-$0"). The same precision as :func:`_rank_key`.
    """
    rounded = _rank_key(values)
    return values.where(rounded != 0, 0.0)


def _ranked(per_customer: pd.DataFrame, customer: str, by: list[str]) -> pd.DataFrame:
    """Sort by group, net value descending, then customer id ascending (stable)."""
    keyed = per_customer.assign(__rank_value=_rank_key(per_customer["value"]))
    keys = [*by, "__rank_value", customer]
    ascending = [True] * len(by) + [False, True]
    ranked = keyed.sort_values(keys, ascending=ascending, kind="mergesort")
    return ranked.drop(columns="__rank_value").reset_index(drop=True)


def customer_value(
    data: Any,
    *,
    customer: str,
    value: str,
    date: str | None = None,
    by: str | Sequence[str] | None = None,
    order: str | None = None,
) -> pd.DataFrame:
    """Net value, orders and purchase dates per customer.

    Parameters
    ----------
    data
        Transactions, one row per order (or order line); any dataframe narwhals supports.
        Return or refund rows carry a negative ``value``.
    customer
        Column with the customer id (no missing ids).
    value
        Numeric column with the revenue (or margin) of the row (no missing values).
    date
        Optional datetime column of the purchase; adds the purchase-date columns.
    by
        Optional grouping column(s), e.g. a segment or a period: one row per group and
        customer.
    order
        Optional order-id column of a line-level log (several product lines per order,
        e.g. the UCI Online Retail export). With it ``orders`` and ``returns`` count
        distinct order ids, not lines; without it every row counts as one purchase line.

    Returns
    -------
    pandas.DataFrame
        One row per customer (per group), ranked by ``value`` descending then by customer
        id (see the module notes):

        - the ``by`` columns, then ``customer`` (same name as in ``data``);
        - ``value``: net value, the sum of ``value`` over all rows (returns netted);
        - ``gross_value``: sum of the positive rows (purchases before returns);
        - ``orders``: number of rows with a positive value; with ``order``, the number of
          distinct order ids with a positive line;
        - ``returns``: number of rows with a negative value; with ``order``, distinct
          order ids with a negative line (a cancellation invoice of the customer);
        - ``first_purchase``, ``last_purchase``: dates of the first and last row with a
          positive value (NaT if none), only with ``date``;
        - ``tenure_days``: days from the first to the last purchase (0 for a single
          purchase day), only with ``date``.

        ``attrs["orders_counted_as"]`` is ``"order_id"`` (distinct orders) or ``"lines"``
        (purchase lines: a page must then say "purchase lines", not "orders").

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c", "c"],
    ...     "order_date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10",
    ...                                   "2024-01-20", "2024-01-25"]),
    ...     "amount": [50.0, 30.0, 20.0, 40.0, -40.0],
    ... })
    >>> cv = customer_value(sales, customer="customer_id", value="amount", date="order_date")
    >>> cv[["customer_id", "value", "orders", "returns", "tenure_days"]]
      customer_id  value  orders  returns  tenure_days
    0           a   80.0       2        0         56.0
    1           b   20.0       1        0          0.0
    2           c    0.0       1        1          0.0
    >>> cv.attrs["orders_counted_as"]
    'lines'
    >>> lines = sales.assign(order_id=["o1", "o1", "o2", "o3", "o4"])  # a's two lines: one order
    >>> customer_value(lines, customer="customer_id", value="amount", order="order_id")[
    ...     ["customer_id", "orders"]]
      customer_id  orders
    0           a       1
    1           b       1
    2           c       1
    """
    by_cols = as_list(by)
    grouped = _per_customer(
        data, customer=customer, value=value, date=date, by=by_cols, order=order
    )
    out = _finished(to_pandas(grouped), date)
    ranked = _ranked(out, customer, by_cols)
    ranked.attrs["orders_counted_as"] = "lines" if order is None else "order_id"
    return ranked


def _per_customer(
    data: Any,
    *,
    customer: str,
    value: str,
    date: str | None,
    by: list[str],
    order: str | None,
) -> nw.DataFrame | nw.LazyFrame:
    """The validated per-customer aggregate of :func:`customer_value`, on the engine, not
    collected: ``by``, ``customer``, ``value``, ``gross_value``, ``orders``, ``returns``
    and, with ``date``, ``first_purchase`` and ``last_purchase`` (counts as Int64: DuckDB's
    sum of integers is a 128-bit integer, which would reach pandas as Python objects)."""
    frame = compute_frame(data)
    _validate(frame, customer=customer, value=value, date=date, by=by)
    if order is not None:
        require_columns(frame, [order])
        if order in (customer, value, date, *by):
            raise ValueError(f"order: {order!r} is also the customer, value, date or by column")
    frame = local_datetimes(frame, [date])
    v = nw.col(value)
    derived = [
        nw.when(v > 0).then(v).otherwise(0).alias("_gross"),
        nw.when(v > 0).then(1).otherwise(0).alias("_order"),
        nw.when(v < 0).then(1).otherwise(0).alias("_return"),
    ]
    if date is not None:
        derived.append(nw.when(v > 0).then(nw.col(date)).alias("_purchase_date"))
    aggs = [
        v.sum().alias("value"),
        nw.col("_gross").sum().alias("gross_value"),
        nw.col("_order").sum().alias("orders"),
        nw.col("_return").sum().alias("returns"),
    ]
    if date is not None:
        aggs += [
            nw.col("_purchase_date").min().alias("first_purchase"),
            nw.col("_purchase_date").max().alias("last_purchase"),
        ]
    flagged = frame.with_columns(*derived)
    if order is not None:
        # one row per order first: an order is a purchase when it has a positive line
        per_order = [
            v.sum().alias(value),
            nw.col("_gross").sum().alias("_gross"),
            nw.col("_order").max().alias("_order"),
            nw.col("_return").max().alias("_return"),
        ]
        if date is not None:
            per_order += [
                nw.col("_purchase_date").min().alias("_purchase_date"),
                nw.col("_purchase_date").max().alias("_last_date"),
            ]
            aggs[-1] = nw.col("_last_date").max().alias("last_purchase")
        flagged = flagged.group_by(*by, customer, order).agg(*per_order)
    grouped = flagged.group_by(*by, customer).agg(*aggs)
    # after the group-by: a cast inside agg() is a slow path on pandas
    return grouped.with_columns(nw.col("orders", "returns").cast(nw.Int64))


def _finished(out: pd.DataFrame, date: str | None) -> pd.DataFrame:
    """The collected aggregate of :func:`_per_customer` with :func:`customer_value`'s dtypes,
    net-zero values snapped to 0 and, with ``date``, ``tenure_days`` (in place)."""
    out["value"] = _snap_zero(out["value"].astype("float64"))
    if "gross_value" in out:
        out["gross_value"] = out["gross_value"].astype("float64")
    out["orders"] = out["orders"].astype("int64")
    out["returns"] = out["returns"].astype("int64")
    if date is not None:
        span = out["last_purchase"] - out["first_purchase"]
        out["tenure_days"] = span.dt.total_seconds() / 86400.0
    return out


def net_values(data: Any, *, customer: str, value: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Net value per customer (per group), unranked: the ``by`` columns and ``value``.

    The lean aggregate behind the concentration measures, which need the values only
    (one sum per customer, no customer ids collected); validated like
    :func:`customer_value`.
    """
    by_cols = list(by)
    frame = compute_frame(data)
    _validate(frame, customer=customer, value=value, date=None, by=by_cols)
    grouped = frame.group_by(*by_cols, customer).agg(nw.col(value).sum().alias("value"))
    out = to_pandas(grouped.select(*by_cols, "value"))
    out["value"] = _snap_zero(out["value"].astype("float64"))
    return out
