"""ABC classes: customers ranked by net value and cut where the cumulative share crosses
the cutoffs (A = the smallest top set reaching the first cutoff), and the summary per class.

Definitions of net value, ranking and the non-positive class are those of
:mod:`loyalty_lib.value.pareto`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import to_pandas
from loyalty_lib.stats.concentration import TOL
from loyalty_lib.value.customers import _finished, _per_customer, _rank_key, customer_value
from loyalty_lib.value.pareto import NON_POSITIVE, _check_share

__all__ = ["abc_classes", "abc_summary", "abc_values"]


#: The class labels of :func:`abc_classes`, in order.
ABC_LABELS = ("A", "B", "C", NON_POSITIVE)


def abc_classes(
    data: Any,
    *,
    customer: str,
    value: str,
    date: str | None = None,
    cutoffs: tuple[float, float] = (0.8, 0.95),
    order: str | None = None,
) -> pd.DataFrame:
    """Each customer's ABC class by cumulative value share.

    Customers are ranked (value descending, then customer id). A customer is in class A
    if the customers ranked before them bring less than ``cutoffs[0]`` of the value, in B
    if less than ``cutoffs[1]``, otherwise in C. So class A is the smallest set of top
    customers that reaches ``cutoffs[0]`` (the same customers as
    ``target_customers`` of :func:`pareto_split` with ``target=cutoffs[0]``) and A + B
    the smallest that reaches ``cutoffs[1]``. Ties at a cut-off are split by customer id.
    Customers with a net value <= 0 get the class ``"non-positive"``. ``order`` names the
    order-id column of a line-level log, so that ``orders`` counts distinct orders (see
    :func:`customer_value`; ``attrs["orders_counted_as"]`` says which).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`customer_value` plus:

        - ``rank``: 1 for the highest-value customer; non-positive customers are ranked
          after the positive ones in the same order;
        - ``cum_value_share``: share of the positive ``total_value`` brought by this
          customer and all ranked before (NaN for non-positive customers);
        - ``abc_class``: ordered categorical ``A`` < ``B`` < ``C`` < ``non-positive``.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
    ...                       "amount": [60.0, 25.0, 10.0, 5.0, -3.0]})
    >>> abc_classes(sales, customer="customer_id", value="amount")[
    ...     ["customer_id", "rank", "cum_value_share", "abc_class"]]
      customer_id  rank  cum_value_share     abc_class
    0           a     1             0.60             A
    1           b     2             0.85             A
    2           c     3             0.95             B
    3           d     4             1.00             C
    4           e     5              NaN  non-positive
    """
    first, second = _check_cutoffs(cutoffs)
    out = customer_value(data, customer=customer, value=value, date=date, order=order)
    return _classified(out, first, second)


def _check_cutoffs(cutoffs: Any) -> tuple[float, float]:
    if not (isinstance(cutoffs, (tuple, list)) and len(cutoffs) == 2):
        raise ValueError(f"cutoffs: expected two shares (A, A+B), got {cutoffs!r}")
    first = _check_share("cutoffs[0]", cutoffs[0])
    second = _check_share("cutoffs[1]", cutoffs[1])
    if not first < second:
        raise ValueError(f"cutoffs: expected cutoffs[0] < cutoffs[1], got {cutoffs!r}")
    return first, second


def _classified(out: pd.DataFrame, first: float, second: float) -> pd.DataFrame:
    """``rank``, ``cum_value_share`` and ``abc_class`` added to ranked customers (in place)."""
    values = out["value"].to_numpy(dtype="float64")
    positive = values > 0  # ranked order: positives come first
    total = values[positive].sum()
    cum = np.cumsum(np.where(positive, values, 0.0))
    before = cum - np.where(positive, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(positive, cum / total, np.nan)
    # class codes 0..3 in the order of ABC_LABELS (no array of label strings)
    codes = np.where(
        before < first * total * (1 - TOL),
        0,
        np.where(before < second * total * (1 - TOL), 1, 2),
    )
    codes = np.where(positive, codes, 3).astype("int8")
    if positive.any():
        last = np.flatnonzero(positive)[-1]
        share[last] = 1.0
    out["rank"] = np.arange(1, len(out) + 1)
    out["cum_value_share"] = share
    out["abc_class"] = pd.Categorical.from_codes(codes, categories=list(ABC_LABELS), ordered=True)
    return out


def abc_values(
    data: Any,
    *,
    customer: str,
    value: str,
    date: str | None = None,
    cutoffs: tuple[float, float] = (0.8, 0.95),
    order: str | None = None,
    ids: Iterable[Any] | None = None,
) -> pd.DataFrame:
    """:func:`abc_classes` without the customer ids: what a page needs for its aggregates.

    The same customers in the same order with the same classes, ranks and shares, but
    only the numbers: ``value``, ``orders``, ``returns``, with ``date`` also
    ``tenure_days``, then ``rank``, ``cum_value_share`` and ``abc_class`` (``attrs``:
    ``orders_counted_as``). :func:`abc_summary` takes it as it takes :func:`abc_classes`.

    On an engine the ids never reach pandas: the engine sorts the per-customer aggregate
    by customer id and hands over the numbers in that order, so a row's position is its
    id's rank, which breaks ties of value as :func:`abc_classes` does (an integer sort,
    no sort or factorisation of millions of text ids in pandas).

    ``ids``: customer ids to carry along (e.g. survey respondents, to link their answers
    to a class): with it the result has a ``customer`` column (named as in ``data``)
    holding the id of every customer listed in ``ids`` and missing for all the others.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
    ...                       "amount": [60.0, 25.0, 10.0, 5.0, -3.0]})
    >>> abc_values(sales, customer="customer_id", value="amount")[
    ...     ["value", "rank", "cum_value_share", "abc_class"]]
       value  rank  cum_value_share     abc_class
    0   60.0     1             0.60             A
    1   25.0     2             0.85             A
    2   10.0     3             0.95             B
    3    5.0     4             1.00             C
    4   -3.0     5              NaN  non-positive
    >>> abc_values(sales, customer="customer_id", value="amount", ids=["c"])[
    ...     ["customer_id", "abc_class"]].dropna()
      customer_id abc_class
    2           c         B
    """
    first, second = _check_cutoffs(cutoffs)
    grouped = _per_customer(data, customer=customer, value=value, date=date, by=[], order=order)
    columns = ["value", "orders", "returns"]
    if date is not None:
        columns += ["first_purchase", "last_purchase"]
    carried = []
    if ids is not None:
        listed = [i for i in dict.fromkeys(ids) if not pd.isna(i)]
        carried = [nw.when(nw.col(customer).is_in(listed)).then(nw.col(customer)).alias(customer)]
    # in customer-id order, collected without the ids (but those listed in ``ids``)
    by_id = _finished(to_pandas(grouped.sort(customer).select(*carried, *columns)), date)
    if date is not None:
        by_id = by_id.drop(columns=["first_purchase", "last_purchase"])
    # ranked as customer_value ranks: net value (rounded) descending, then customer id
    # ascending, which is the position here (a stable sort keeps it within ties)
    ranking = np.argsort(-_rank_key(by_id["value"]).to_numpy(), kind="stable")
    out = by_id.take(ranking).reset_index(drop=True)
    del by_id
    out.attrs["orders_counted_as"] = "lines" if order is None else "order_id"
    return _classified(out, first, second)


def abc_summary(classes: pd.DataFrame) -> pd.DataFrame:
    """Per-class counts and value from the result of :func:`abc_classes` (or :func:`abc_values`).

    Returns
    -------
    pandas.DataFrame
        One row per class ``A``, ``B``, ``C``, ``non-positive`` (all four, even empty):

        - ``customers``: number of customers in the class;
        - ``customer_share``: share of the positive-value customers (NaN for
          ``non-positive``, which is outside that base);
        - ``value``: summed net value; ``value_share``: its share of the positive total
          value (NaN for ``non-positive``);
        - ``mean_value``, ``median_value``, ``min_value``, ``max_value``: per-customer net
          value in the class (NaN when empty);
        - ``mean_orders``: mean number of orders per customer in the class (purchase
          lines when ``classes.attrs["orders_counted_as"]`` is ``"lines"``; copied to the
          result's ``attrs``).

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
    ...                       "amount": [60.0, 25.0, 10.0, 5.0, -3.0]})
    >>> classes = abc_classes(sales, customer="customer_id", value="amount")
    >>> abc_summary(classes)[["abc_class", "customers", "customer_share", "value",
    ...                       "value_share"]]
          abc_class  customers  customer_share  value  value_share
    0             A          2            0.50   85.0         0.85
    1             B          1            0.25   10.0         0.10
    2             C          1            0.25    5.0         0.05
    3  non-positive          1             NaN   -3.0          NaN
    """
    required = {"abc_class", "value", "orders"}
    missing = sorted(required - set(classes.columns))
    if missing:
        raise ValueError(f"classes: columns {missing} not found; pass the result of abc_classes()")
    grouped = classes.groupby("abc_class", observed=False)["value"]
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "value": grouped.sum(),
            "mean_value": grouped.mean(),
            "median_value": grouped.median(),
            "min_value": grouped.min(),
            "max_value": grouped.max(),
            "mean_orders": classes.groupby("abc_class", observed=False)["orders"].mean(),
        }
    ).reindex(
        pd.CategoricalIndex(
            list(ABC_LABELS), categories=list(ABC_LABELS), ordered=True, name="abc_class"
        )
    )
    out["customers"] = out["customers"].fillna(0).astype("int64")
    out["value"] = out["value"].fillna(0.0).astype("float64")
    positive = out.index != NON_POSITIVE
    base_customers = out.loc[positive, "customers"].sum()
    base_value = out.loc[positive, "value"].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["customer_share"] = np.where(positive, out["customers"] / base_customers, np.nan)
        out["value_share"] = np.where(positive, out["value"] / base_value, np.nan)
    columns = [
        "customers",
        "customer_share",
        "value",
        "value_share",
        "mean_value",
        "median_value",
        "min_value",
        "max_value",
        "mean_orders",
    ]
    result = out[columns].reset_index()
    result.attrs["orders_counted_as"] = classes.attrs.get("orders_counted_as", "lines")
    return result
