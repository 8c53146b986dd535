"""Repeated respondents: the policies of :func:`loyalty_lib.nps` and its relatives.

A customer who answers several times gives alike answers, so treating every answer as an
independent respondent makes intervals too narrow and tests too eager. The policies
(``repeated=``, with ``customer=`` the customer id column):

``"cluster"`` (the default when a customer column is given)
    Keep every answer; the variance is the cluster-robust one by customer
    (:mod:`loyalty_lib.stats.cluster`). A level (one group) uses statsmodels' small-sample
    factor G/(G − 1); a difference of two groups (:func:`loyalty_lib.compare_nps`, the
    changes of :func:`loyalty_lib.nps_trend`) is the coefficient of a group dummy in an OLS
    of the +1/0/−1 indicator with cluster-robust errors, factor G/(G − 1)·(N − 1)/(N − 2),
    and a customer who answered in both groups counts as one cluster there.
``"first"``
    Keep the first valid answer of each customer per group (per period in a trend), in the
    order of the ``order`` column(s); the answers dropped are counted (``dropped_repeats``
    and ``attrs``) and said in ``attrs["repeated_note"]``.
``"ignore"``
    Every answer treated as independent (the design effect is still reported).

Answers without a customer id cannot be linked: each counts as its own customer.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import as_list, examples, to_pandas
from loyalty_lib.inputs.ids import mask_id
from loyalty_lib.stats.cluster import cluster_difference_variance, design_effect
from loyalty_lib.survey.answers import SIGN, VALID, Group, ScoreSpec, prepare

__all__ = [
    "POLICIES",
    "check_policy",
    "customer_sums",
    "design_effects",
    "difference_design",
    "dropped_per_row",
    "first_answers",
    "repeated_note",
    "shrink",
]

POLICIES = ("cluster", "first", "ignore")
#: the key of one cluster in :func:`customer_sums` (the id, or a unique key for no id)
CLUSTER = "_nps_cluster"


def check_policy(
    customer: str | None,
    repeated: str | None,
    *,
    weight: str | None,
    method: str,
    order: str | Sequence[str] | None,
) -> tuple[str | None, list[str]]:
    """The policy (``None`` without ``customer``) and the order columns of ``"first"``."""
    if customer is None:
        if repeated is not None:
            raise ValueError(f"repeated={repeated!r} needs customer=, the customer id column")
        return None, []
    if not isinstance(customer, str):
        raise ValueError(f"customer: expected a column name, got {customer!r}")
    policy = "cluster" if repeated is None else repeated
    if policy not in POLICIES:
        raise ValueError(f"repeated: expected one of {list(POLICIES)}, got {repeated!r}")
    if policy == "cluster" and (weight is not None or method not in ("wald", "adjusted_wald")):
        raise ValueError(
            "repeated='cluster' works with method='wald' or 'adjusted_wald' and no weight; "
            "pass repeated='first' (first answer per customer) or repeated='ignore' to "
            "treat answers as independent"
        )
    columns = as_list(order, "order")
    if policy == "first" and not columns:
        raise ValueError(
            "repeated='first' needs order=, the column(s) that say which answer came first "
            "(e.g. order=['response_date', 'response_id'])"
        )
    return policy, columns


def first_answers(
    frame: nw.DataFrame | nw.LazyFrame,
    keys: Sequence[str],
    customer: str,
    order: Sequence[str],
) -> tuple[nw.DataFrame | nw.LazyFrame, pd.DataFrame]:
    """Drop every valid answer but a customer's first one per group of ``keys``.

    ``frame`` is a prepared frame (:func:`~loyalty_lib.survey.answers.prepare`). Missing
    and invalid answers stay (they are counted in ``excluded``); answers without a customer
    id all stay. Returns the frame and the dropped answers per group (``keys`` and
    ``dropped_repeats``). Two first answers of one customer at the same ``order`` values
    cannot be told apart: ``ValueError`` asks for a tie-breaking column.
    """
    keys = list(keys)
    valid = nw.col(VALID) == 1
    linked = ~nw.col(customer).is_null()
    kept = frame.with_columns(nw.lit(0).alias("_nps_drop"))
    for column in order:
        blank = to_pandas(
            frame.filter(valid & linked & nw.col(column).is_null()).select(nw.len().alias("k"))
        )["k"].iloc[0]
        if blank:
            raise ValueError(
                f"{column}: {int(blank)} answers have no value, so the first answer of their "
                "customer is not known; fill it or choose another order= column"
            )
        first = nw.when(valid).then(nw.col(column)).min().over(*keys, customer)
        late = valid & linked & (nw.col(column) != first)
        kept = kept.with_columns(
            nw.when(late).then(1).otherwise(nw.col("_nps_drop")).alias("_nps_drop")
        )
        kept = kept.with_columns(
            # rows already dropped must not decide the next column's minimum
            nw.when(nw.col("_nps_drop") == 1).then(0).otherwise(nw.col(VALID)).alias(VALID)
        )
        valid = nw.col(VALID) == 1
    ties = kept.with_columns(
        nw.when(valid & linked).then(1).otherwise(0).sum().over(*keys, customer).alias("_nps_k")
    ).filter(nw.col("_nps_k") > 1)
    tied = to_pandas(ties.select(customer).unique())
    if len(tied):
        shown = [mask_id(v) for v in tied[customer].head(5)]
        raise ValueError(
            f"{customer}: {len(tied)} customers have several answers at the same "
            f"{', '.join(order)} in one group (e.g. {examples(shown)}), so their first answer "
            "is not known; add a tie-breaking column to order= (e.g. a response id)"
        )
    dropped = kept.filter(nw.col("_nps_drop") == 1)
    if keys:
        counts = to_pandas(dropped.group_by(*keys).agg(nw.len().alias("dropped_repeats")))
    else:
        counts = to_pandas(dropped.select(nw.len().alias("dropped_repeats")))
    return kept.filter(nw.col("_nps_drop") == 0).drop("_nps_drop"), counts


def dropped_per_row(counts: pd.DataFrame, table: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """The ``dropped_repeats`` of :func:`first_answers` in the row order of ``table``."""
    keys = list(keys)
    if not keys:
        total = int(counts["dropped_repeats"].sum()) if len(counts) else 0
        return np.full(len(table), total, dtype="int64")
    found = {
        _key(r[:-1]): int(r[-1])
        for r in counts[[*keys, "dropped_repeats"]].itertuples(index=False, name=None)
    }
    rows = table[keys].itertuples(index=False, name=None)
    return np.array([found.get(_key(r), 0) for r in rows], dtype="int64")


def repeated_note(dropped: int) -> str:
    """The sentence a page shows for the ``"first"`` policy."""
    if dropped == 0:
        return "Every customer answered once per group: no answer was dropped."
    return (
        f"{dropped:,} later answers of customers who answered more than once in the same "
        "group were left out: each customer counts once, with their first answer."
    )


def _key(values: Sequence[Any]) -> tuple:
    return tuple(None if (not isinstance(v, str) and pd.isna(v)) else v for v in values)


def customer_sums(
    data: Any,
    score: str,
    spec: ScoreSpec,
    keys: Sequence[str],
    customer: str,
    errors: str,
    *,
    frame: nw.DataFrame | nw.LazyFrame | None = None,
) -> pd.DataFrame:
    """Per group of ``keys`` and customer: ``_sum`` (Σ ±1/0), ``_n`` answers, ``_sq``.

    Built from ``frame`` (a prepared frame) or by preparing ``data`` again (its warnings
    were given by the caller already). Answers without a customer id become one row each,
    with a unique :data:`CLUSTER` key; the other rows' key is the id.
    """
    keys = list(keys)
    if frame is None:
        with warnings.catch_warnings():  # the same answers were checked (and warned) above
            warnings.simplefilter("ignore")
            frame = prepare(data, score, spec, by=keys, extra=[customer], errors=errors)
    # derive the squared sign first: group-by aggregations stay simple sums (every engine)
    per = to_pandas(
        frame.filter(nw.col(VALID) == 1)
        .with_columns((nw.col(SIGN) * nw.col(SIGN)).alias("_sq"))
        .group_by(*keys, customer)
        .agg(nw.col(SIGN).sum().alias("_sum"), nw.len().alias("_n"), nw.col("_sq").sum())
    )
    per[CLUSTER] = per[customer].astype(object)
    unknown = per[customer].isna()
    if unknown.any():
        singles = []
        for row in per[unknown].to_dict("records"):
            pro, det = (row["_sum"] + row["_sq"]) / 2, (row["_sq"] - row["_sum"]) / 2
            zero = row["_n"] - row["_sq"]
            for sign, k in ((1, pro), (-1, det), (0, zero)):
                singles += [{**row, "_sum": sign, "_n": 1, "_sq": sign * sign}] * int(k)
        singles_frame = pd.DataFrame(singles, columns=per.columns)
        singles_frame[CLUSTER] = [("no id", k) for k in range(len(singles_frame))]
        per = pd.concat([per[~unknown], singles_frame], ignore_index=True)
    return per


def _parts(per: pd.DataFrame, keys: list[str]) -> dict[tuple, pd.DataFrame]:
    if not keys:
        return {(): per}
    out = {}
    for key, part in per.groupby(keys, dropna=False, sort=False):
        out[_key(key if isinstance(key, tuple) else (key,))] = part
    return out


def design_effects(per: pd.DataFrame, keys: Sequence[str], table: pd.DataFrame) -> pd.DataFrame:
    """``customers`` and ``design_effect`` per row of ``table`` (in its order)."""
    keys = list(keys)
    parts = _parts(per, keys)
    rows = []
    for row in table[keys].itertuples(index=False, name=None) if keys else [()] * len(table):
        part = parts.get(_key(row))
        if part is None:
            rows.append({"customers": 0, "design_effect": math.nan})
            continue
        sums, counts = part["_sum"].to_numpy(float), part["_n"].to_numpy(float)
        d = design_effect(sums, counts, float(part["_sq"].sum()))
        rows.append({"customers": len(part), "design_effect": d})
    return pd.DataFrame(rows)


class Clusters:
    """Per-customer sums of every group of a result, for the tests of differences."""

    def __init__(self, per: pd.DataFrame, keys: Sequence[str]):
        self.keys = list(keys)
        self.parts = {
            k: p.groupby(CLUSTER, sort=False)[["_sum", "_n", "_sq"]].sum()
            for k, p in _parts(per, self.keys).items()
        }

    def of(self, row: Sequence[Any]) -> pd.DataFrame | None:
        """The per-customer table of the group with key values ``row``."""
        return self.parts.get(_key(row))


def difference_design(a: pd.DataFrame | None, b: pd.DataFrame | None) -> float:
    """Design effect of the difference a − b: cluster-robust over independent variance.

    ``a`` and ``b`` are per-customer tables (``_sum``, ``_n``, ``_sq``, indexed by the
    cluster key); a customer in both is one cluster. NaN when it cannot be computed (an
    empty group, fewer than three clusters, no variance), and the caller keeps the
    independent variance then.
    """
    if a is None or b is None or a.empty or b.empty:
        return math.nan
    both = a[["_sum", "_n"]].add_suffix("_a").join(b[["_sum", "_n"]].add_suffix("_b"), how="outer")
    both = both.fillna(0.0)
    _, var = cluster_difference_variance(
        both["_sum_a"].to_numpy(float),
        both["_n_a"].to_numpy(float),
        both["_sum_b"].to_numpy(float),
        both["_n_b"].to_numpy(float),
    )
    independent = 0.0
    for part in (a, b):
        n = float(part["_n"].sum())
        d = float(part["_sum"].sum()) / n
        independent += (float(part["_sq"].sum()) / n - d * d) / n
    if not (independent > 0) or math.isnan(var):
        return math.nan
    return var / independent


def shrink(group: Group, deff: float) -> Group:
    """The group with effective counts n / design effect (unchanged when it is not known)."""
    if not (deff > 0) or math.isnan(deff):
        return group
    return dataclasses.replace(
        group,
        n_effective=group.n_effective / deff,
        effective=tuple(c / deff for c in group.effective),
    )
