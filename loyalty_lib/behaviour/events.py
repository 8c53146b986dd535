"""Did an event change NPS, buying or revenue? Before and after, against a control.

Definitions (exact)
-------------------
- **Cells**: the treated scope (a segment value, several, or the customers an event lists)
  and the control (segments the event did not touch; by default every other value of the
  segment column), each in a **pre** and a **post** window (inclusive dates).
- **Metrics**: ``"nps"`` reads survey answers (one row per valid answer: +100 promoter,
  −100 detractor, 0 passive, so a cell mean is its NPS); ``"purchase"`` and ``"revenue"``
  read a sales log and follow every customer whose first purchase came before the pre
  window: per window, 1 if they bought (an order with a positive amount) or their net
  revenue (0 when they did not buy).
- **Estimate**: the difference-in-differences ``(treated_post − treated_pre) −
  (control_post − control_pre)``, the interaction coefficient of the ordinary least squares
  fit ``y ~ treated + post + treated·post``. Its standard error is **cluster-robust by
  customer** (the sandwich with the small-sample factor G/(G−1)·(N−1)/(N−K), as Stata and
  statsmodels' ``cov_type="cluster"``): the same customer's answers or windows are not
  independent. Interval and p-value use the normal distribution (the delta method).
- **Pre-trend check**: the same estimate between the first and second half of the pre
  window. Under parallel trends it is near 0; a clear pre-trend difference means the
  control does not show what the treated would have done.

Assumptions (stated in ``attrs["assumptions"]`` of the result): parallel trends (without
the event the treated would have changed like the control), no spill-over to the control,
no other change that hit only the treated in the post window, a stable composition of the
cells. :class:`~loyalty_lib.errors.NoControlError` refuses the comparison when the event
touched every segment or a cell has fewer than ``min_base`` observations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
from scipy import stats

from loyalty_lib._checks import require_columns, to_pandas
from loyalty_lib.engines import as_frame
from loyalty_lib.errors import DataQualityError, NoControlError
from loyalty_lib.inputs.ids import normalise_ids

__all__ = ["ASSUMPTIONS", "METRICS", "cluster_did", "event_effect"]


def N_(message: str) -> str:
    """Marks a message for the catalogue: the assumptions stay English in ``attrs`` and are
    translated where a page shows them (``_(assumption)``)."""
    return message


METRICS = ("nps", "purchase", "revenue")
ASSUMPTIONS = (
    N_(
        "parallel trends: without the event the treated cells would have changed as the "
        "control did (checked, not proven, by the pre-trend difference)"
    ),
    N_("no spill-over: the event did not change the control"),
    N_("no other change hit only the treated scope between the windows"),
    N_("the cells keep their composition (the same kind of customers answer or buy)"),
)
_CELLS = ("treated_pre", "treated_post", "control_pre", "control_post")


def cluster_did(
    y: np.ndarray, treated: np.ndarray, post: np.ndarray, cluster: np.ndarray
) -> dict[str, float]:
    """OLS of ``y ~ treated + post + treated·post`` with a cluster-robust (CR1) variance:
    the interaction (the DiD), its standard error and the number of clusters.

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 1.0, 4.0, 0.0, 1.0, 1.0, 1.0])
    >>> t = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    >>> p = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    >>> out = cluster_did(y, t, p, np.array([1, 1, 2, 2, 3, 3, 4, 4]))
    >>> out["estimate"]
    1.5
    """
    y = np.asarray(y, dtype="float64")
    t = np.asarray(treated, dtype="float64")
    p = np.asarray(post, dtype="float64")
    x = np.column_stack([np.ones_like(y), t, p, t * p])
    cells = [((t == a) & (p == b)).sum() for a in (0, 1) for b in (0, 1)]
    if min(cells) == 0:  # a cell without observations: no estimate
        return {"estimate": math.nan, "se": math.nan, "clusters": len(set(cluster))}
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    resid = y - x @ beta
    codes, groups = pd.factorize(pd.Series(cluster), sort=False)
    g = len(groups)
    scores = np.zeros((g, x.shape[1]))
    np.add.at(scores, codes, x * resid[:, None])
    meat = scores.T @ scores
    n, k = x.shape
    factor = g / (g - 1) * (n - 1) / (n - k) if g > 1 else math.nan
    cov = factor * xtx_inv @ meat @ xtx_inv
    return {"estimate": float(beta[3]), "se": float(math.sqrt(cov[3, 3])), "clusters": g}


def _window(value: Any, name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    try:
        start, end = (pd.Timestamp(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected (first day, last day), got {value!r}") from exc
    if end < start:
        raise ValueError(f"{name}: the window ends ({end:%Y-%m-%d}) before it starts")
    return start.normalize(), end.normalize()


def _units(
    frame: pd.DataFrame,
    metric: str,
    *,
    customer: str,
    date: str,
    score: str,
    value: str,
    windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]],
) -> tuple[pd.DataFrame, int]:
    """Rows ``customer``, ``window`` (pre/post/pre1/pre2), ``y``; and the rows excluded."""
    day = frame[date].dt.normalize()
    if metric == "nps":
        s = pd.to_numeric(frame[score], errors="coerce")
        valid = s.between(0, 10)
        y = np.where(s >= 9, 100.0, np.where(s <= 6, -100.0, 0.0))
        parts = []
        for name, (lo, hi) in windows.items():
            inside = valid & day.between(lo, hi)
            parts.append(
                pd.DataFrame(
                    {"customer": frame.loc[inside, customer], "window": name, "y": y[inside]}
                )
            )
        excluded = int((~valid & day.between(windows["pre"][0], windows["post"][1])).sum())
        return pd.concat(parts, ignore_index=True), excluded
    amount = pd.to_numeric(frame[value], errors="coerce")
    first = frame.loc[amount > 0].groupby(customer)[date].min()
    followed = first.index[first < windows["pre"][0]]
    parts = []
    for name, (lo, hi) in windows.items():
        inside = day.between(lo, hi)
        per = frame.loc[inside].assign(_amount=amount[inside]).groupby(customer)["_amount"]
        if metric == "purchase":
            got = per.max().reindex(followed).fillna(0).gt(0).astype("float64")
        else:
            got = per.sum().reindex(followed).fillna(0.0)
        parts.append(pd.DataFrame({"customer": followed, "window": name, "y": got.to_numpy()}))
    return pd.concat(parts, ignore_index=True), 0


def event_effect(
    data: Any,
    *,
    metric: str,
    segment: str | None = None,
    treated: Any = None,
    pre: Sequence[Any] | None = None,
    post: Sequence[Any] | None = None,
    control: Any = None,
    event: Mapping[str, Any] | pd.Series | None = None,
    customer: str = "customer_id",
    date: str | None = None,
    score: str = "score",
    value: str = "amount",
    min_base: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Difference-in-differences of an event on NPS, purchase rate or revenue per customer.

    Parameters
    ----------
    data
        Survey answers (``metric="nps"``) or a sales log (``"purchase"``, ``"revenue"``)
        with ``customer``, ``date`` and the ``segment`` column.
    metric
        ``"nps"`` (points), ``"purchase"`` (share of followed customers who bought in the
        window, 0–1) or ``"revenue"`` (net revenue per followed customer in the window).
    segment, treated, control
        The segment column, the treated value(s) and the control value(s) (default: every
        other value).
    pre, post
        ``(first day, last day)`` of each window. With ``event``, ``post`` defaults to the
        event's start to end and ``pre`` to as many days just before its start.
    event
        A row of :func:`loyalty_lib.inputs.events.read_events`: its scope sets ``segment``
        and ``treated`` (a customer list: the listed customers against the others).
    date
        Default ``response_date`` for NPS, ``order_date`` for sales.
    min_base
        Smallest base of a cell (answers, or followed customers) to compare at all.

    Returns
    -------
    pandas.DataFrame
        One row: ``metric``, ``treated``, ``control`` (the values compared), the four cell
        values ``treated_pre``, ``treated_post``, ``control_pre``, ``control_post`` and
        their bases ``n_treated_pre``... ``n_control_post``, ``customers`` (clusters),
        ``difference`` (the DiD) with ``difference_ci_lower``, ``difference_ci_upper``,
        ``p_value``, ``significant``; ``pre_trend_difference`` with
        ``pre_trend_ci_lower``, ``pre_trend_ci_upper``, ``pre_trend_p_value``;
        ``excluded`` (answers outside 0–10 in the windows). ``attrs`` holds
        ``assumptions``, ``method`` and the ``windows``.

    Examples
    --------
    >>> answers = pd.DataFrame({
    ...     "customer_id": [f"c{i}" for i in range(8)] * 2,
    ...     "response_date": pd.to_datetime(["2024-01-10"] * 8 + ["2024-03-10"] * 8),
    ...     "region": ["E", "E", "E", "E", "W", "W", "W", "W"] * 2,
    ...     "score": [9, 9, 7, 3, 9, 7, 7, 3] + [3, 3, 7, 9, 9, 7, 7, 3],
    ... })
    >>> out = event_effect(answers, metric="nps", segment="region", treated="E",
    ...                    pre=("2024-01-01", "2024-01-31"), post=("2024-03-01", "2024-03-31"),
    ...                    min_base=1)
    >>> cells = ["treated_pre", "treated_post", "control_pre", "control_post", "difference"]
    >>> out[cells].iloc[0].tolist()
    [25.0, -25.0, 0.0, 0.0, -50.0]
    """
    if metric not in METRICS:
        raise ValueError(f"metric: {metric!r} is not one of {list(METRICS)}")
    date = date or ("response_date" if metric == "nps" else "order_date")
    members = None
    if event is not None:
        scope = event["scope_type"]
        label = event.get("label", event.get("event_id", "the event"))
        if scope == "all":
            raise NoControlError(
                f"{label!r} touched every customer (scope all): no segment is left as a "
                "control, so its effect cannot be told from what changed for everyone."
            )
        if scope == "segment":
            segment, treated = event["scope_column"], event["scope_value"]
        else:
            members = set(event["customers"] or ())
        start, end = pd.Timestamp(event["start"]), pd.Timestamp(event["end"])
        if post is None:
            post = (start, end)
        if pre is None:
            days = (end - start).days + 1
            pre = (start - pd.Timedelta(days=days), start - pd.Timedelta(days=1))
    if pre is None or post is None:
        raise ValueError("pre and post: give both windows (or an event)")
    if members is None and (segment is None or treated is None):
        raise ValueError("segment and treated: name the segment column and its treated value")
    pre_w, post_w = _window(pre, "pre"), _window(post, "post")
    if post_w[0] <= pre_w[1]:
        raise ValueError("post: the post window must start after the pre window ends")
    half = pre_w[0] + (pre_w[1] - pre_w[0]) / 2
    windows = {
        "pre": pre_w,
        "post": post_w,
        "pre1": (pre_w[0], half.normalize()),
        "pre2": (half.normalize() + pd.Timedelta(days=1), pre_w[1]),
    }
    needed = [customer, date, score if metric == "nps" else value]
    if members is None:
        needed.append(segment)
    native = as_frame(data)
    require_columns(native, needed)
    frame = to_pandas(native.select(*[nw.col(c) for c in dict.fromkeys(needed)]))
    frame[customer] = normalise_ids(frame[customer])
    if not pd.api.types.is_datetime64_any_dtype(frame[date]):
        raise DataQualityError(
            f"{date}: expected dates, found {frame[date].dtype}; load the data with "
            "load_sales or load_survey, which read dates with the one date parser"
        )
    frame = frame[frame[customer].notna()]
    if members is None:
        treated_values = [str(v) for v in np.atleast_1d(np.asarray(treated, dtype=object))]
        values = frame[segment].astype("str")
        present = sorted(set(values.dropna()))
        missing = [v for v in treated_values if v not in present]
        if missing:
            raise DataQualityError(
                f"{segment}: no row has the treated value(s) {missing}; the values are "
                f"{present[:10]}"
            )
        if control is None:
            control_values = [v for v in present if v not in treated_values]
        else:
            control_values = [str(v) for v in np.atleast_1d(np.asarray(control, dtype=object))]
            overlap = sorted(set(control_values) & set(treated_values))
            if overlap:
                raise ValueError(f"control: {overlap} is also treated")
        if not control_values:
            raise NoControlError(
                f"{segment}: the event touched every segment ({present}); no untouched "
                "segment is left as a control."
            )
        group = frame.groupby(customer)[segment].first().astype("str")
        arm = pd.Series(
            np.where(
                group.isin(treated_values),
                "treated",
                np.where(group.isin(control_values), "control", ""),
            ),
            index=group.index,
        )
        treated_text, control_text = ", ".join(treated_values), ", ".join(control_values)
    else:
        ids = frame[customer].drop_duplicates()
        arm = pd.Series(np.where(ids.isin(members), "treated", "control"), index=ids.to_numpy())
        treated_text, control_text = "listed customers", "the other customers"
        if (arm == "control").sum() == 0:
            raise NoControlError("the event lists every customer: no one is left as a control.")
    units, excluded = _units(
        frame, metric, customer=customer, date=date, score=score, value=value, windows=windows
    )
    units["arm"] = units["customer"].map(arm).fillna("")
    units = units[units["arm"] != ""]

    def cell(arm_name: str, window: str) -> pd.Series:
        return units.loc[(units["arm"] == arm_name) & (units["window"] == window), "y"]

    bases = {f"{a}_{w}": len(cell(a, w)) for a in ("treated", "control") for w in ("pre", "post")}
    small = {k: v for k, v in bases.items() if v < min_base}
    if small:
        shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in small.items())
        raise NoControlError(
            f"event_effect: {len(small)} of the four cells hold fewer than {min_base} "
            f"{'answers' if metric == 'nps' else 'customers'} ({shown}); widen the windows, "
            "pool segments or lower min_base knowingly."
        )
    z = float(stats.norm.ppf(0.5 + confidence / 2))

    def did(first: str, second: str) -> dict[str, float]:
        rows = units[units["window"].isin([first, second])]
        out = cluster_did(
            rows["y"].to_numpy(),
            (rows["arm"] == "treated").to_numpy(),
            (rows["window"] == second).to_numpy(),
            rows["customer"].to_numpy(),
        )
        est, se = out["estimate"], out["se"]
        p = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else math.nan  # NaN se: NaN
        return {**out, "lower": est - z * se, "upper": est + z * se, "p": p}

    main = did("pre", "post")
    trend = did("pre1", "pre2")
    result = pd.DataFrame(
        [
            {
                "metric": metric,
                "treated": treated_text,
                "control": control_text,
                **{k: float(cell(*k.split("_")).mean()) for k in _CELLS},
                **{f"n_{k}": int(v) for k, v in bases.items()},
                "customers": int(main["clusters"]),
                "difference": main["estimate"],
                "difference_ci_lower": main["lower"],
                "difference_ci_upper": main["upper"],
                "p_value": main["p"],
                "significant": bool(main["p"] < 1 - confidence),
                "pre_trend_difference": trend["estimate"],
                "pre_trend_ci_lower": trend["lower"],
                "pre_trend_ci_upper": trend["upper"],
                "pre_trend_p_value": trend["p"],
                "excluded": excluded,
            }
        ]
    )
    result.attrs["assumptions"] = list(ASSUMPTIONS)
    result.attrs["method"] = (
        "difference-in-differences: OLS y ~ treated + post + treated:post, cluster-robust "
        f"(by customer, CR1) standard error, normal {confidence:.0%} interval"
    )
    result.attrs["windows"] = {
        k: (f"{a:%Y-%m-%d}", f"{b:%Y-%m-%d}") for k, (a, b) in windows.items()
    }
    return result
