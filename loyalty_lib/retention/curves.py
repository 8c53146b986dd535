"""Retention curves and the cohort triangle from a
:func:`~loyalty_lib.retention.cohorts.cohort_retention` result:
the wide matrix, and the pooled curve over cohorts with its interval.

Definitions are those of :mod:`loyalty_lib.retention.cohorts`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from loyalty_lib.retention.cohorts import _segments, cohort_retention  # noqa: F401 - doctests
from loyalty_lib.stats.proportions import wilson_interval

__all__ = ["retention_matrix", "retention_curve"]


def retention_matrix(
    result: pd.DataFrame, values: str = "retention", *, include_incomplete: bool = False
) -> pd.DataFrame:
    """The wide cohort × period triangle of a :func:`cohort_retention` result.

    Parameters
    ----------
    result
        The frame returned by :func:`cohort_retention`.
    values
        The column to spread: ``"retention"``, ``"active"``, ``"revenue"``,
        ``"revenue_retention"``...
    include_incomplete
        Keep cells of incomplete periods (only meaningful for counts such as ``active``;
        rates are NaN there anyway). By default they are NaN, as are periods not begun.

    Returns
    -------
    pandas.DataFrame
        Index: the segment columns (if any) and ``cohort``; columns: ``period`` 0, 1, ...

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "order_date": pd.to_datetime(
    ...         ["2024-01-05", "2024-02-10", "2024-01-20", "2024-02-03"]),
    ... })
    >>> result = cohort_retention(log, customer="customer_id", date="order_date",
    ...                           as_of="2024-02-29")
    >>> retention_matrix(result)  # doctest: +NORMALIZE_WHITESPACE
    period        0    1
    cohort
    2024-01-01  1.0  0.5
    2024-02-01  1.0  NaN
    """
    by = _segments(result)
    if values not in result.columns:
        raise ValueError(f"values: column {values!r} not in result: {list(result.columns)}")
    frame = result if include_incomplete else result[result["complete"]]
    matrix = frame.pivot(index=[*by, "cohort"], columns="period", values=values)
    full = sorted(result["period"].unique())
    index = result.drop_duplicates([*by, "cohort"]).set_index([*by, "cohort"]).index
    return matrix.reindex(index=index, columns=full)


# long: argument checks, then one groupby finished by two interval methods
def retention_curve(
    result: pd.DataFrame,
    *,
    values: str = "retention",
    interval: str | None = None,
    confidence: float = 0.95,
    min_base: int = 30,
) -> pd.DataFrame:
    """Average retention per period over the cohorts that completed it, with an interval.

    Only ``complete`` rows are used, so a late point rests on the older cohorts alone
    (``cohorts`` and ``customers`` say how many).

    Parameters
    ----------
    result
        The frame returned by :func:`cohort_retention` (segments are kept apart).
    values
        ``"retention"``: the cohort-size-weighted mean of the cohorts' retention, which
        equals the pooled rate ``sum(active) / sum(cohort_size)``.
        ``"revenue_retention"``: the pooled ratio ``sum(revenue_k) / sum(revenue_0)``,
        i.e. cohorts weighted by their period-0 revenue.
    interval
        ``"wilson"`` (default for retention): Wilson score interval on the pooled counts.
        It treats every customer as an independent draw from one rate: right when cohorts
        differ only by sampling noise, too narrow when they differ systematically
        (seasonality, campaigns). ``"cluster"`` (the only choice for revenue): cohorts
        as clusters, the ratio estimator's linearised (sandwich) variance
        ``m/(m-1) · Σ(a_i − R·n_i)² / (Σn_i)²`` with a Student t quantile on m − 1
        degrees of freedom; it captures between-cohort variation but needs m ≥ 2 cohorts
        (NaN otherwise) and is very wide with few cohorts. ``cohort_min``/``cohort_max``
        always show the spread between cohorts.
    confidence
        Confidence level of the interval.
    min_base
        Points resting on fewer customers are flagged in ``small_base``.

    Returns
    -------
    pandas.DataFrame
        One row per (segment,) period: the segment columns; ``period``; ``cohorts``
        (number of cohorts that completed it); ``customers`` (their total size);
        ``active`` (retention) or ``revenue`` and ``revenue_base`` (revenue); the estimate
        (``retention`` or ``revenue_retention``) with ``<values>_ci_lower`` /
        ``<values>_ci_upper``; ``cohort_min`` / ``cohort_max`` (lowest and highest cohort
        value); ``small_base`` (``customers < min_base``).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c", "c"],
    ...     "order_date": pd.to_datetime(
    ...         ["2024-01-05", "2024-02-10", "2024-01-20", "2024-02-03", "2024-03-01"]),
    ... })
    >>> result = cohort_retention(log, customer="customer_id", date="order_date",
    ...                           as_of="2024-03-31")
    >>> curve = retention_curve(result)
    >>> curve[["period", "cohorts", "customers", "active", "retention"]]
       period  cohorts  customers  active  retention
    0       0        2          3       3   1.000000
    1       1        2          3       2   0.666667
    2       2        1          2       0   0.000000
    """
    by = _segments(result)
    if values not in ("retention", "revenue_retention"):
        raise ValueError(f"values: {values!r}; use 'retention' or 'revenue_retention'")
    if values not in result.columns:
        raise ValueError(f"values: {values!r} not in result; call cohort_retention with value=")
    interval = interval or ("wilson" if values == "retention" else "cluster")
    if interval not in ("wilson", "cluster"):
        raise ValueError(f"interval: {interval!r}; use 'wilson' or 'cluster'")
    if values == "revenue_retention" and interval == "wilson":
        raise ValueError("interval: 'wilson' needs counts; use 'cluster' for revenue_retention")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: {confidence} is not between 0 and 1")

    done = result[result["complete"]].copy()
    if values == "retention":
        done["__num"] = done["active"].astype("float64")
        done["__den"] = done["cohort_size"].astype("float64")
    else:
        base = done[done["period"] == 0][[*by, "cohort", "revenue"]]
        done = done.merge(base.rename(columns={"revenue": "__den"}), on=[*by, "cohort"])
        done = done[done["__den"] > 0]
        done["__num"] = done["revenue"]
    done["__ratio"] = done["__num"] / done["__den"]
    groups = done.groupby([*by, "period"], sort=True)
    curve = groups.agg(
        cohorts=("cohort", "size"),
        customers=("cohort_size", "sum"),
        __num=("__num", "sum"),
        __den=("__den", "sum"),
        cohort_min=("__ratio", "min"),
        cohort_max=("__ratio", "max"),
    ).reset_index()
    estimate = curve["__num"] / curve["__den"]
    if interval == "wilson":
        lower, upper = wilson_interval(curve["__num"], curve["__den"], confidence)
    else:
        done = done.merge(curve[[*by, "period"]].assign(__r=estimate), on=[*by, "period"])
        done["__sq"] = (done["__num"] - done["__r"] * done["__den"]) ** 2
        ss = done.groupby([*by, "period"], sort=True)["__sq"].sum().to_numpy()
        m = curve["cohorts"].to_numpy(dtype="float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(m / (m - 1) * ss) / curve["__den"].to_numpy()
            t = stats.t.ppf(0.5 + confidence / 2, m - 1)
        lower = np.where(m >= 2, estimate - t * se, np.nan)
        upper = np.where(m >= 2, estimate + t * se, np.nan)
        if values == "retention":
            lower, upper = np.clip(lower, 0, 1), np.clip(upper, 0, 1)
    if values == "retention":
        curve["active"] = curve["__num"].astype("int64")
    else:
        curve["revenue"] = curve["__num"]
        curve["revenue_base"] = curve["__den"]
    curve[values] = estimate
    curve[f"{values}_ci_lower"] = lower
    curve[f"{values}_ci_upper"] = upper
    curve["small_base"] = curve["customers"] < min_base
    order = [*by, "period", "cohorts", "customers"]
    order += ["active"] if values == "retention" else ["revenue", "revenue_base"]
    order += [
        values,
        f"{values}_ci_lower",
        f"{values}_ci_upper",
        "cohort_min",
        "cohort_max",
        "small_base",
    ]
    return curve[order]
