"""RFM: recency, frequency and monetary scores, named segments (with VIPs) and transitions.

Definitions (exact)
-------------------
- Purchases, returns, ``as_of`` and excluded rows follow :mod:`loyalty_lib.retention.cohorts` (a row
  with a negative ``value`` is a return: it is not a purchase but its value is netted).
- **Recency** = days from the customer's last purchase to ``as_of``; **frequency** = number
  of distinct purchase days (several orders on one day are one visit); **monetary** = net
  value (purchases minus returns) up to ``as_of``. Only customers with a purchase count.
- **Quantile scores 1…bins**, higher is better: a customer's score is
  ``1 + floor(bins × share of customers strictly worse)``. Tied customers get the same
  score (the one of the lowest position they share), so a value held by many customers,
  such as a frequency of 1, never splits arbitrarily between scores; with heavy ties some
  scores stay empty. Recency is scored in reverse (fewer days is better).
- **Segments**: the first rule in ``segments`` whose score ranges all hold; the default
  rules (:data:`DEFAULT_SEGMENTS`, written for 5 bins) name the top spenders who buy often
  and recently **VIP**. Other numbers of bins need their own rules.
- **Transitions** (:func:`rfm_transitions`): customers are scored at each date of
  ``as_of_dates`` on all their history up to it, each snapshot on its own quantiles (a
  score says where a customer stands among the customers of that moment). Customers who
  had not bought yet at the earlier date come ``from`` "(not yet a customer)".

The per-customer aggregation runs in narwhals in the caller's engine; the per-customer
result (one row per customer, like :func:`loyalty_lib.customer_value`) is collected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import check_scalar, to_pandas
from loyalty_lib.inputs.purchases import (
    DAY,
    IS_PURCHASE,
    VALUE,
    prepare_purchases,
    until,
    warn_excluded,
)

__all__ = [
    "DEFAULT_SEGMENTS",
    "NOT_YET",
    "rfm_scores",
    "rfm_segment_summary",
    "rfm_segments",
    "rfm_transitions",
]

#: Default named segments for 5 bins, checked in order; the first match wins. Each rule
#: gives inclusive (low, high) score ranges for "r", "f" and "m" (missing = any).
DEFAULT_SEGMENTS: tuple[tuple[str, dict[str, tuple[int, int]]], ...] = (
    ("VIP", {"r": (4, 5), "f": (4, 5), "m": (5, 5)}),
    ("Loyal", {"r": (3, 5), "f": (4, 5)}),
    ("New", {"r": (4, 5), "f": (1, 1)}),
    ("Promising", {"r": (4, 5)}),
    ("At risk", {"r": (1, 2), "f": (3, 5)}),
    ("Lost", {"r": (1, 1)}),
    ("Needs attention", {}),
)
NOT_YET = "(not yet a customer)"
#: Net values are ranked (and lists sorted) rounded to this many decimals: sums of the same
#: amounts differ in their last bits between engines (summation order), and such noise
#: must not split tied customers differently on DuckDB, Spark and pandas.
MONEY_DIGITS = 6


def _check_bins(bins: Any) -> int:
    """:func:`check_scalar` with this module's wording, ValueError for either fault."""
    try:
        return int(check_scalar(bins, "bins", int, ge=2, le=20))
    except (TypeError, ValueError):
        raise ValueError(f"bins: expected a whole number from 2 to 20, got {bins!r}") from None


def _check_segments(segments: Any, bins: int) -> list[tuple[str, dict[str, tuple[int, int]]]]:
    if segments is None:
        if bins != 5:
            raise ValueError(
                f"segments: the default segment rules are written for 5 bins, got bins={bins}; "
                "pass segments=[(name, {'r': (low, high), ...}), ...] for your scale"
            )
        return list(DEFAULT_SEGMENTS)
    rules = []
    for item in segments:
        if not (
            isinstance(item, Sequence)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], dict)
        ):
            raise ValueError(f"segments: expected (name, {{'r': (low, high)}}) pairs, got {item!r}")
        name, rule = item
        for key, bounds in rule.items():
            if key not in ("r", "f", "m"):
                raise ValueError(f"segments: {name!r} uses {key!r}; score keys are 'r', 'f', 'm'")
            if not (
                isinstance(bounds, Sequence)
                and len(bounds) == 2
                and 1 <= bounds[0] <= bounds[1] <= bins
            ):
                raise ValueError(
                    f"segments: {name!r} range {key}={bounds!r} must be (low, high) within 1–{bins}"
                )
        rules.append((name, dict(rule)))
    if not rules:
        raise ValueError("segments: give at least one rule")
    return rules


def quantile_score(values: Any, bins: int, *, higher_is_better: bool = True) -> np.ndarray:
    """``1 + floor(bins × share of values strictly worse)`` for each value (ties share a score).

    Examples
    --------
    >>> quantile_score([1, 1, 1, 2, 5], 5).tolist()
    [1, 1, 1, 4, 5]
    >>> quantile_score([10, 20, 30, 40], 2, higher_is_better=False).tolist()
    [2, 2, 1, 1]
    """
    x = np.asarray(values, dtype="float64")
    if x.size == 0:
        return np.zeros(0, dtype="int64")
    key = x if higher_is_better else -x
    below = np.searchsorted(np.sort(key), key, side="left")
    return (1 + np.floor(bins * below / x.size)).astype("int64").clip(1, bins)


def _assign(r: np.ndarray, f: np.ndarray, m: np.ndarray, rules: list) -> np.ndarray:
    out = np.full(r.size, None, dtype=object)
    scores = {"r": r, "f": f, "m": m}
    for name, rule in rules:
        hit = np.array([o is None for o in out], dtype=bool)
        for key, (low, high) in rule.items():
            hit &= (scores[key] >= low) & (scores[key] <= high)
        out[hit] = name
    return np.where(pd.isna(out), "(no rule)", out).astype(object)


def rfm_scores(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str,
    as_of: Any = None,
    bins: int = 5,
    segments: Sequence[tuple[str, dict]] | None = None,
) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer, quantile scores and segment.

    Parameters
    ----------
    data, customer, date, value, as_of
        The transaction log (negative ``value`` = return) and its columns, as in
        :func:`loyalty_lib.retention.cohorts.cohort_retention`; excluded rows are counted in an
        ``ExcludedRowsWarning``.
    bins
        Number of quantile scores per dimension (5: quintiles).
    segments
        Ordered ``(name, {"r": (low, high), "f": ..., "m": ...})`` rules; default
        :data:`DEFAULT_SEGMENTS` (5 bins only). Customers matching no rule get
        ``"(no rule)"``.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase, best first (by r, f, m scores, then net
        value): ``customer``; ``last_purchase`` (date); ``recency_days``; ``frequency``
        (distinct purchase days); ``monetary`` (net value); ``r_score``, ``f_score``,
        ``m_score`` (1…bins, higher is better); ``rfm`` (the three digits, e.g. "545");
        ``segment``. ``attrs``: ``as_of``, ``bins``, ``excluded``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b", "c", "c", "d"],
    ...     "order_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-01",
    ...                                   "2024-01-10", "2024-02-20", "2024-03-02",
    ...                                   "2023-06-01"]),
    ...     "amount": [50.0, 60.0, 70.0, 20.0, 30.0, -10.0, 15.0]})
    >>> out = rfm_scores(log, customer="customer_id", date="order_date", value="amount",
    ...                  as_of="2024-03-31", bins=2, segments=[("best", {"r": (2, 2),
    ...                  "f": (2, 2)}), ("other", {})])
    >>> out[["customer_id", "recency_days", "frequency", "monetary", "rfm", "segment"]]
      customer_id  recency_days  frequency  monetary  rfm segment
    0           a            30          3     180.0  222    best
    1           c            40          1      20.0  211   other
    2           b            81          1      20.0  111   other
    3           d           304          1      15.0  111   other
    """
    nbins = _check_bins(bins)
    rules = _check_segments(segments, nbins)
    p = prepare_purchases(data, customer=customer, date=date, value=value, as_of=as_of)
    warn_excluded(p.excluded, as_of=p.as_of)
    return _scores(p, customer, nbins, rules)


def _scores(p: Any, customer: str, nbins: int, rules: list) -> pd.DataFrame:
    per = _per_customer(p, customer)
    per = per[per["frequency"] > 0].reset_index(drop=True)
    out = pd.DataFrame(
        {
            customer: per[customer].array,
            "last_purchase": pd.Timestamp("1970-01-01")
            + pd.to_timedelta(per["last_day"].astype("int64"), unit="D"),
            "recency_days": (p.as_of_day - per["last_day"]).astype("int64"),
            "frequency": per["frequency"].astype("int64"),
            "monetary": per["monetary"].astype("float64"),
        }
    )
    out["r_score"] = quantile_score(out["recency_days"], nbins, higher_is_better=False)
    out["f_score"] = quantile_score(out["frequency"], nbins)
    out["m_score"] = quantile_score(out["monetary"].round(MONEY_DIGITS), nbins)
    out["rfm"] = (
        (out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str))
        if nbins < 10
        else (
            out["r_score"].astype(str)
            + "-"
            + out["f_score"].astype(str)
            + "-"
            + out["m_score"].astype(str)
        )
    )
    out["segment"] = _assign(
        out["r_score"].to_numpy(), out["f_score"].to_numpy(), out["m_score"].to_numpy(), rules
    )
    out = out.sort_values(
        ["r_score", "f_score", "m_score", "monetary", customer],
        ascending=[False, False, False, False, True],
        ignore_index=True,
    )
    out.attrs.update(
        as_of=p.as_of,
        bins=nbins,
        excluded=dict(p.excluded),
        segment_order=[name for name, _ in rules],
    )
    return out


def _per_customer_frame(p: Any, customer: str) -> Any:
    """Last purchase day, distinct purchase days and net value per customer (engine frame)."""
    purchase_days = (
        p.rows.filter(nw.col(IS_PURCHASE))
        .select(customer, DAY)
        .unique()
        .group_by(customer)
        .agg(nw.col(DAY).max().alias("last_day"), nw.len().alias("frequency"))
    )
    value = p.rows.group_by(customer).agg(nw.col(VALUE).sum().alias("monetary"))
    return value.join(purchase_days, on=customer, how="left").with_columns(
        nw.col("frequency").fill_null(0)
    )


def _per_customer(p: Any, customer: str) -> pd.DataFrame:
    """Last purchase day, distinct purchase days and net value per customer (collected)."""
    return to_pandas(_per_customer_frame(p, customer)).sort_values(customer, ignore_index=True)


def _score_expr(column: str, n: nw.Expr, nbins: int, *, higher_is_better: bool = True) -> nw.Expr:
    """:func:`quantile_score` as an engine expression: the customers strictly worse are the
    rank (ties: lowest) minus one, and the floor is an integer division."""
    below = nw.col(column).rank(method="min", descending=not higher_is_better) - 1
    return (1 + (nbins * below) // n).cast(nw.Int64)


def _segment_expr(rules: list) -> nw.Expr:
    """The first matching rule's name, as :func:`_assign` gives it."""
    expr: nw.Expr = nw.lit("(no rule)")
    for name, rule in reversed(rules):
        hit = nw.lit(True)
        for key, (low, high) in rule.items():
            score = nw.col(f"{key}_score")
            hit = hit & (score >= low) & (score <= high)
        expr = nw.when(hit).then(nw.lit(name)).otherwise(expr)
    return expr


def _score_frame(p: Any, customer: str, nbins: int, rules: list) -> Any:
    """The scores of :func:`rfm_scores` on a lazy engine (nothing per customer collected):
    ``customer``, ``last_day``, ``recency_days``, ``frequency``, ``monetary``, the three
    scores and ``segment``."""
    per = _per_customer_frame(p, customer).filter(nw.col("frequency") > 0)
    # the number of customers scored, as a window over all of them (a constant partition):
    # counting in a query of its own would compute the per-customer aggregate twice
    per = per.with_columns(
        (p.as_of_day - nw.col("last_day")).cast(nw.Int64).alias("recency_days"),
        nw.col("monetary").round(MONEY_DIGITS).alias("__monetary_rank"),
        nw.lit(0).alias("__all"),
    ).with_columns(nw.col("frequency").count().over("__all").alias("__n"))
    n = nw.col("__n")
    per = per.with_columns(
        _score_expr("recency_days", n, nbins, higher_is_better=False).alias("r_score"),
        _score_expr("frequency", n, nbins).alias("f_score"),
        _score_expr("__monetary_rank", n, nbins).alias("m_score"),
    )
    return per.with_columns(_segment_expr(rules).alias("segment")).drop(
        "__monetary_rank", "__all", "__n"
    )


def _segments_from_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """Per segment: ``customers``, ``median_recency_days``, ``mean_frequency``, ``monetary``
    and ``mean_monetary`` from counts and sums per (segment, recency_days).

    The median of n whole numbers given as counts per value is the value at position
    (n + 1) / 2 of the sorted list when n is odd, and the mean of positions n / 2 and
    n / 2 + 1 when it is even (positions from 1), as ``Series.median`` gives it.
    """
    rows = []
    for segment, part in cells.sort_values(["segment", "recency_days"]).groupby(
        "segment", sort=True
    ):
        counts = part["customers"].to_numpy()
        days = part["recency_days"].to_numpy()
        total = int(counts.sum())
        cumulative = np.cumsum(counts)
        low = days[np.searchsorted(cumulative, (total + 1) // 2)]
        high = days[np.searchsorted(cumulative, total // 2 + 1)]
        monetary = float(part["monetary"].sum())
        rows.append(
            {
                "segment": segment,
                "customers": total,
                "median_recency_days": (float(low) + float(high)) / 2,
                "mean_frequency": float(part["frequency"].sum()) / total,
                "monetary": monetary,
                "mean_monetary": monetary / total,
            }
        )
    return pd.DataFrame(rows)


def _segment_table(grouped: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Shares and column order of :func:`rfm_segments` from per-segment aggregates."""
    grouped = grouped.set_index("segment").reindex(order).reset_index()
    grouped["customer_share"] = grouped["customers"] / grouped["customers"].sum()
    total = grouped["monetary"].sum()
    grouped["monetary_share"] = grouped["monetary"] / total if total else np.nan
    return grouped[
        [
            "segment",
            "customers",
            "customer_share",
            "median_recency_days",
            "mean_frequency",
            "monetary",
            "monetary_share",
            "mean_monetary",
        ]
    ]


def _order(present: set, rule_order: list[str]) -> list[str]:
    return [s for s in rule_order if s in present] + sorted(present - set(rule_order))


def rfm_segments(scores: pd.DataFrame) -> pd.DataFrame:
    """Size and value of each segment of an :func:`rfm_scores` result.

    Returns
    -------
    pandas.DataFrame
        One row per segment in rule order: ``segment``; ``customers`` (n) and
        ``customer_share``; ``median_recency_days``; ``mean_frequency``; ``monetary``
        (net value) and ``monetary_share``; ``mean_monetary``.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"segment": ["VIP", "Lost", "Lost"],
    ...                        "recency_days": [3, 400, 300], "frequency": [9, 1, 2],
    ...                        "monetary": [900.0, 40.0, 60.0]})
    >>> rfm_segments(scores)[["segment", "customers", "monetary_share"]]
      segment  customers  monetary_share
    0    Lost          2             0.1
    1     VIP          1             0.9
    """
    missing = [
        c for c in ("segment", "recency_days", "frequency", "monetary") if c not in scores.columns
    ]
    if missing:
        raise ValueError(f"scores: columns {missing} missing; pass the result of rfm_scores")
    order = _order(
        set(scores["segment"]),
        scores.attrs.get("segment_order") or sorted(scores["segment"].unique()),
    )
    grouped = (
        scores.groupby("segment")
        .agg(
            customers=("segment", "size"),
            median_recency_days=("recency_days", "median"),
            mean_frequency=("frequency", "mean"),
            monetary=("monetary", "sum"),
            mean_monetary=("monetary", "mean"),
        )
        .reset_index()
    )
    return _segment_table(grouped, order)


def rfm_segment_summary(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str,
    as_of: Any = None,
    bins: int = 5,
    segments: Sequence[tuple[str, dict]] | None = None,
) -> pd.DataFrame:
    """:func:`rfm_segments` of :func:`rfm_scores`, computed on the engine.

    The same table, but on a lazy engine (DuckDB, Spark, a Parquet path) the scores stay
    there: ranks, scores and segments are engine expressions and only one row per segment
    is collected, so it runs on logs whose customers do not fit in memory. A pandas log is
    scored by :func:`rfm_scores` itself.

    Returns
    -------
    pandas.DataFrame
        As :func:`rfm_segments`; ``attrs``: ``as_of``, ``bins``, ``customers`` (scored),
        ``excluded``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-15",
    ...                                   "2024-02-20"]),
    ...     "amount": [10.0, 10.0, 10.0, 10.0]})
    >>> rules = [("recent", {"r": (2, 2)}), ("older", {})]
    >>> rfm_segment_summary(log, customer="customer_id", date="order_date", value="amount",
    ...                     as_of="2024-03-31", bins=2, segments=rules)[["segment", "customers"]]
      segment  customers
    0  recent          1
    1   older          2

    Customer a bought 30 days before 31 March, c 40 and b 76 days before: with two bins only
    a has more than half of the customers strictly behind on recency (2 of 3).
    """
    nbins = _check_bins(bins)
    rules = _check_segments(segments, nbins)
    p = prepare_purchases(data, customer=customer, date=date, value=value, as_of=as_of)
    warn_excluded(p.excluded, as_of=p.as_of)
    if not isinstance(p.rows, nw.LazyFrame):
        scores = _scores(p, customer, nbins, rules)
        out = rfm_segments(scores)
        n = len(scores)
    else:
        scored = _score_frame(p, customer, nbins, rules)
        # One query: customers, frequency and value per (segment, days since the last
        # purchase), a few thousand rows. Recency is a whole number of days, so each
        # segment's median is read exactly from those counts, and the scores (three rank
        # windows over the per-customer aggregate) are computed once, not once more for
        # a median query.
        cells = to_pandas(
            scored.group_by("segment", "recency_days").agg(
                nw.len().alias("customers"),
                nw.col("frequency").sum().alias("frequency"),
                nw.col("monetary").sum().alias("monetary"),
            )
        ).astype({"customers": "int64", "recency_days": "int64", "frequency": "float64"})
        grouped = _segments_from_cells(cells)
        n = int(cells["customers"].sum())
        out = _segment_table(grouped, _order(set(grouped["segment"]), [r for r, _ in rules]))
    out.attrs.update(as_of=p.as_of, bins=nbins, customers=int(n), excluded=dict(p.excluded))
    return out


def rfm_transitions(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str,
    as_of_dates: Sequence[Any],
    bins: int = 5,
    segments: Sequence[tuple[str, dict]] | None = None,
) -> pd.DataFrame:
    """How customers move between RFM segments from one date to the next.

    Parameters
    ----------
    data, customer, date, value, bins, segments
        As in :func:`rfm_scores`.
    as_of_dates
        Two or more increasing dates; each snapshot scores all history up to its date.

    Returns
    -------
    pandas.DataFrame
        One row per consecutive pair of dates and (from, to) segment pair that occurs:
        ``from_date``, ``to_date``; ``from_segment`` (:data:`NOT_YET` for customers without
        a purchase by ``from_date``), ``to_segment``; ``customers``; ``from_customers``
        (the base n: customers in ``from_segment`` at ``from_date``); ``share`` =
        customers / from_customers.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-15",
    ...                                   "2024-02-20"]),
    ...     "amount": [10.0, 10.0, 10.0, 10.0]})
    >>> rules = [("recent", {"r": (2, 2)}), ("older", {})]
    >>> moves = rfm_transitions(log, customer="customer_id", date="order_date",
    ...                         value="amount", as_of_dates=["2024-01-31", "2024-03-31"],
    ...                         bins=2, segments=rules)
    >>> moves[["from_segment", "to_segment", "customers", "share"]]
               from_segment to_segment  customers  share
    0  (not yet a customer)      older          1    1.0
    1                 older     recent          1    1.0
    2                recent      older          1    1.0
    """
    dates = [pd.Timestamp(d) for d in as_of_dates]
    if len(dates) < 2 or any(b <= a for a, b in zip(dates, dates[1:], strict=False)):
        raise ValueError(f"as_of_dates: need two or more increasing dates, got {list(as_of_dates)}")
    nbins = _check_bins(bins)
    rules = _check_segments(segments, nbins)
    prepared = [
        prepare_purchases(data, customer=customer, date=date, value=value, as_of=day)
        for day in dates
    ]
    p = prepared[-1]
    snapshots = []
    for day, each in zip(dates, prepared, strict=True):
        if isinstance(p.rows, nw.LazyFrame):  # the segments stay on the engine, one frame
            scored = _score_frame(until(p, day), customer, nbins, rules)
            snapshots.append(scored.select(customer, "segment"))
        else:
            snapshots.append(_scores(each, customer, nbins, rules).set_index(customer)["segment"])
    # Rows after an earlier date are used by the later snapshots: warn about the last only.
    warn_excluded(p.excluded, as_of=p.as_of)
    parts = []
    for i in range(len(dates) - 1):
        a, b, before, after = dates[i], dates[i + 1], snapshots[i], snapshots[i + 1]
        if isinstance(after, pd.Series):
            pairs = pd.DataFrame({"to_segment": after})
            pairs["from_segment"] = before.reindex(pairs.index).fillna(NOT_YET)
            counts = pairs.groupby(["from_segment", "to_segment"]).size().rename("customers")
            counts = counts.reset_index()
        else:  # one row per (from, to) pair is collected
            moved = after.rename({"segment": "to_segment"}).join(
                before.rename({"segment": "from_segment"}), on=customer, how="left"
            )
            counts = to_pandas(
                moved.with_columns(nw.col("from_segment").fill_null(NOT_YET))
                .group_by("from_segment", "to_segment")
                .agg(nw.len().alias("customers"))
            )
            counts = counts.sort_values(["from_segment", "to_segment"], ignore_index=True)
        counts["from_customers"] = counts.groupby("from_segment")["customers"].transform("sum")
        counts["share"] = counts["customers"] / counts["from_customers"]
        counts.insert(0, "to_date", b)
        counts.insert(0, "from_date", a)
        parts.append(counts)
    out = pd.concat(parts, ignore_index=True)
    out["customers"] = out["customers"].astype("int64")
    out["from_customers"] = out["from_customers"].astype("int64")
    return out[
        [
            "from_date",
            "to_date",
            "from_segment",
            "to_segment",
            "customers",
            "from_customers",
            "share",
        ]
    ]
