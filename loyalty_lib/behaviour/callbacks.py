"""Whom to call back: detractors with their low touchpoints, overdue VIPs, open complaints.

These are customer lists for the analyst (written with
:func:`loyalty_lib.reporting.analyst_files.analyst_file`), never for a stakeholder page: a page
says how many rows each list has.

Definitions (exact)
-------------------
- :func:`detractor_callbacks`: each customer's **latest valid answer** (by ``date``, ties by
  row order); the customer is listed when that answer is a detractor's (below the declared
  cut points, as :func:`loyalty_lib.nps`). ``low_touchpoints`` names the touchpoints that
  answer rated at most ``low_max`` (default 2 on a 1–5 scale), in the order given.
- :func:`unresolved_complaints`: answers with ``complained`` true and no resolution time
  (missing ``resolution_days``); one row per customer, their latest such answer, with how
  many of their answers are open complaints and the days since it (``as_of``: the latest
  answer date of the survey unless given).
- :func:`overdue_vips`: customers in the ``VIP`` segment of :func:`loyalty_lib.rfm_scores`
  who are ``overdue`` in :func:`loyalty_lib.purchase_rhythm` (both computed on the same log
  and reference date), largest net value first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import pandas as pd

from loyalty_lib._checks import as_frame, as_list, examples, require_columns, to_pandas
from loyalty_lib.inputs.privacy import mask_identifier
from loyalty_lib.survey.answers import SIGN, VALID, ScoreSpec, prepare

__all__ = ["detractor_callbacks", "overdue_vip_list", "overdue_vips", "unresolved_complaints"]


def _dates(frame: pd.DataFrame, date: str) -> pd.Series:
    values = frame[date]
    if not pd.api.types.is_datetime64_any_dtype(values):
        raise ValueError(
            f"{date}: expected dates, got {values.dtype}; read the survey with load_survey "
            "or parse the column with loyalty_lib.inputs.dates"
        )
    return values


def detractor_callbacks(
    survey: Any,
    score: str,
    touchpoints: str | Sequence[str],
    *,
    customer: str = "customer_id",
    date: str = "response_date",
    low_max: float = 2,
    scale: tuple[float, float] = (0, 10),
    cut_points: tuple[float, float] | None = None,
    errors: str = "raise",
) -> pd.DataFrame:
    """Detractors to call back, each with the touchpoints their latest answer rated low.

    Returns
    -------
    pandas.DataFrame
        One row per customer whose latest valid answer is a detractor's, most low
        touchpoints first, then the most recent: ``customer`` (named as the input column),
        ``date``, ``score``, ``n_low`` (touchpoints rated at most ``low_max``) and
        ``low_touchpoints`` (their names, comma-separated; empty when none was rated low).

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "response_date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-01",
    ...                                      "2024-02-02"]),
    ...     "score": [3, 9, 2, 6], "delivery": [1, 5, 2, 2], "support": [2, 4, 1, 5]})
    >>> detractor_callbacks(answers, "score", ["delivery", "support"])
      customer_id response_date  score  n_low    low_touchpoints
    0           b    2024-02-01    2.0      2  delivery, support
    1           c    2024-02-02    6.0      1           delivery
    """
    names = as_list(touchpoints, "touchpoints")
    spec = ScoreSpec.declare(scale, cut_points)
    frame = prepare(survey, score, spec, extra=[customer, date, *names], errors=errors)
    require_columns(frame, [customer, date], argument="survey")
    answers = to_pandas(frame.select(customer, date, score, *names, VALID, SIGN))
    answers = answers[answers[VALID] == 1]
    _dates(answers, date)
    answers = answers[answers[customer].notna() & answers[date].notna()]
    latest = answers.sort_values(date, kind="stable").groupby(customer, sort=False).tail(1)
    out = latest[latest[SIGN] == -1].copy()
    low = pd.DataFrame({n: pd.to_numeric(out[n], errors="coerce") <= low_max for n in names})
    out["n_low"] = low.sum(axis=1).astype("int64") if names else 0
    out["low_touchpoints"] = (
        [", ".join(n for n in names if flags[n]) for _, flags in low.iterrows()] if names else ""
    )
    out[score] = out[score].astype(float)
    out = out.sort_values(["n_low", date], ascending=[False, False], kind="stable")
    return out[[customer, date, score, "n_low", "low_touchpoints"]].reset_index(drop=True)


def _flags(frame: pd.DataFrame, column: str) -> pd.Series:
    """A true/false column read strictly: bools, 0/1, or the words true/false/yes/no."""
    values = frame[column]
    if pd.api.types.is_bool_dtype(values):
        return values.astype(bool)
    words = {
        "true": True,
        "yes": True,
        "1": True,
        "1.0": True,
        "false": False,
        "no": False,
        "0": False,
        "0.0": False,
    }
    text = values.map(lambda v: None if pd.isna(v) else str(v).strip().lower())
    read = text.map(words)
    bad = values[text.notna() & read.isna()]
    if len(bad):
        shown = examples([mask_identifier(v) for v in bad.unique()])
        raise ValueError(
            f"{column}: {len(bad)} values are not true/false (masked examples: {shown}); "
            "expected True/False, 1/0 or yes/no"
        )
    return read.fillna(False).astype(bool)


def unresolved_complaints(
    survey: Any,
    *,
    customer: str = "customer_id",
    date: str = "response_date",
    complained: str = "complained",
    resolution_days: str = "resolution_days",
    as_of: Any = None,
) -> pd.DataFrame:
    """Customers whose complaint has no resolution time: whom to call back first.

    Returns
    -------
    pandas.DataFrame
        One row per customer with an open complaint, longest open first: ``customer``,
        ``date`` (of their latest open complaint), ``days_open`` (``as_of`` − ``date``,
        whole days) and ``open_complaints`` (their answers with an open complaint).

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "response_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-20",
    ...                                      "2024-03-01"]),
    ...     "complained": [True, True, True, False],
    ...     "resolution_days": [None, None, 3.0, None]})
    >>> unresolved_complaints(answers)
      customer_id response_date  days_open  open_complaints
    0           a    2024-02-01         29                2
    """
    frame = as_frame(survey)
    require_columns(frame, [customer, date, complained, resolution_days], argument="survey")
    answers = to_pandas(frame.select(customer, date, complained, resolution_days))
    dates = _dates(answers, date)
    end = dates.max() if as_of is None else pd.Timestamp(as_of)
    days = pd.to_numeric(answers[resolution_days], errors="coerce")
    bad = answers[resolution_days][days.isna() & answers[resolution_days].notna()]
    if len(bad):
        raise ValueError(
            f"{resolution_days}: {len(bad)} values are not numbers of days (masked examples: "
            f"{examples([mask_identifier(v) for v in bad.unique()])})"
        )
    open_ = answers[_flags(answers, complained) & days.isna() & answers[customer].notna()]
    if open_.empty:
        return pd.DataFrame(
            {
                customer: pd.Series(dtype=object),
                date: pd.Series(dtype="datetime64[ns]"),
                "days_open": pd.Series(dtype="int64"),
                "open_complaints": pd.Series(dtype="int64"),
            }
        )
    counts = open_.groupby(customer).size().rename("open_complaints")
    latest = open_.sort_values(date, kind="stable").groupby(customer).tail(1)
    out = latest[[customer, date]].join(counts, on=customer)
    out["days_open"] = (end - out[date]).dt.days.astype("int64")
    out = out.sort_values(["days_open", customer], ascending=[False, True], kind="stable")
    return out[[customer, date, "days_open", "open_complaints"]].reset_index(drop=True)


def overdue_vips(
    scores: pd.DataFrame,
    rhythm: pd.DataFrame,
    *,
    customer: str = "customer_id",
    segment: str = "VIP",
) -> pd.DataFrame:
    """VIP customers (RFM) who are overdue by their own buying rhythm.

    Parameters
    ----------
    scores
        The result of :func:`loyalty_lib.rfm_scores`.
    rhythm
        The result of :func:`loyalty_lib.purchase_rhythm` on the same log.

    Returns
    -------
    pandas.DataFrame
        One row per overdue VIP, largest ``monetary`` first: ``customer``,
        ``last_purchase``, ``frequency``, ``monetary``, ``usual_interval_days``,
        ``days_since_last``, ``overdue_ratio``.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["VIP", "VIP", "Lost"],
    ...     "last_purchase": pd.to_datetime(["2024-01-01", "2024-03-01", "2023-01-01"]),
    ...     "frequency": [9, 8, 2], "monetary": [900.0, 800.0, 50.0]})
    >>> rhythm = pd.DataFrame({"customer_id": ["a", "b", "c"], "overdue": [True, False, True],
    ...     "usual_interval_days": [20.0, 25.0, 90.0], "days_since_last": [90, 30, 455],
    ...     "overdue_ratio": [4.5, 1.2, 5.1]})
    >>> overdue_vips(scores, rhythm)[["customer_id", "monetary", "overdue_ratio"]]
      customer_id  monetary  overdue_ratio
    0           a     900.0            4.5
    """
    need_s = [customer, "segment", "last_purchase", "frequency", "monetary"]
    need_r = [customer, "overdue", "usual_interval_days", "days_since_last", "overdue_ratio"]
    for frame, need, producer in (
        (scores, need_s, "rfm_scores"),
        (rhythm, need_r, "purchase_rhythm"),
    ):
        missing = [c for c in need if c not in frame.columns]
        if missing:
            raise ValueError(f"columns {missing} not found; pass the result of {producer}()")
    vips = scores.loc[scores["segment"] == segment, need_s[:1] + need_s[2:]]
    late = rhythm.loc[rhythm["overdue"].astype(bool), [c for c in need_r if c != "overdue"]]
    out = vips.merge(late, on=customer, how="inner")
    return _largest_first(out, customer)


def _largest_first(out: pd.DataFrame, customer: str) -> pd.DataFrame:
    """Largest net value first (at micro-units: engines' sums differ in the last bits), then
    by customer id."""
    from loyalty_lib.behaviour.rfm import MONEY_DIGITS

    key = out.assign(__m=out["monetary"].round(MONEY_DIGITS))
    order = key.sort_values(["__m", customer], ascending=[False, True], kind="stable").index
    return out.loc[order].reset_index(drop=True)


def overdue_vip_list(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str,
    as_of: Any = None,
    bins: int = 5,
    segments: Sequence[tuple[str, dict]] | None = None,
    min_purchases: int = 3,
    k: float = 2.0,
    max_cv: float | None = None,
    segment: str = "VIP",
) -> pd.DataFrame:
    """:func:`overdue_vips` straight from the log, computed on the engine.

    The same list as ``overdue_vips(rfm_scores(...), purchase_rhythm(...))``; on a lazy
    engine the scores and rhythms stay there and only the overdue VIPs are collected (the
    list the analyst's file holds), so it runs on logs whose customers do not fit in
    memory.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a"] * 4 + ["b"] * 3,
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-21",
    ...                                   "2024-01-31", "2024-01-01", "2024-02-01",
    ...                                   "2024-03-01"]),
    ...     "amount": [50.0, 50.0, 50.0, 50.0, 10.0, 10.0, 10.0]})
    >>> rules = [("VIP", {"m": (2, 2)}), ("other", {})]
    >>> overdue_vip_list(log, customer="customer_id", date="order_date", value="amount",
    ...                  as_of="2024-03-31", bins=2, segments=rules)[
    ...     ["customer_id", "monetary", "overdue_ratio"]]
      customer_id  monetary  overdue_ratio
    0           a     200.0            6.0
    """
    from loyalty_lib.behaviour import lapse, rfm
    from loyalty_lib.inputs.purchases import prepare_purchases, warn_excluded

    nbins = rfm._check_bins(bins)
    rules = rfm._check_segments(segments, nbins)
    lapse._check(min_purchases, k, max_cv)
    p = prepare_purchases(data, customer=customer, date=date, value=value, as_of=as_of)
    warn_excluded(p.excluded, as_of=p.as_of)
    if not isinstance(p.rows, nw.LazyFrame):
        scores = rfm._scores(p, customer, nbins, rules)
        rhythm = lapse._rhythm(p, customer, min_purchases, float(k), max_cv)
        return overdue_vips(scores, rhythm, customer=customer, segment=segment)
    scored = rfm._score_frame(p, customer, nbins, rules)
    vips = scored.filter(nw.col("segment") == segment).select(
        customer, "last_day", "frequency", "monetary"
    )
    rhythm = lapse._rhythm_frame(p, customer, min_purchases, max_cv)
    late = rhythm.filter(
        nw.col("__regular") & (nw.col("__since") > float(k) * nw.col("__usual"))
    ).select(customer, "__usual", "__since")
    got = to_pandas(vips.join(late, on=customer, how="inner"))
    out = pd.DataFrame(
        {
            customer: got[customer].array,
            "last_purchase": pd.Timestamp("1970-01-01")
            + pd.to_timedelta(got["last_day"].astype("int64"), unit="D"),
            "frequency": got["frequency"].astype("int64"),
            "monetary": got["monetary"].astype("float64"),
            "usual_interval_days": got["__usual"].astype("float64"),
            "days_since_last": got["__since"].astype("int64"),
        }
    )
    out["overdue_ratio"] = out["days_since_last"] / out["usual_interval_days"]
    return _largest_first(out, customer)
