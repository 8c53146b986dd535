"""Touchpoints where detractors are made, and what a quickly resolved complaint goes with.

Definitions (exact)
-------------------
- Answers are read as in :func:`loyalty_lib.nps` (declared scale and cut points; missing
  answers left out; invalid ones raise or, with ``errors="exclude"``, are left out with a
  warning).
- :func:`detractor_touchpoints`: per touchpoint rating, a **low rating** is at most
  ``low_max`` (default 2 on a 1–5 scale). Among valid answers that rated the touchpoint:
  the detractor rate of low raters and of the others (Wilson intervals), their difference
  (Newcombe interval, z-test), and ``share_of_detractors``, the share of detractors who
  rated that touchpoint low. The point-biserial correlations of
  :func:`loyalty_lib.nps_drivers` are joined on.
- Complaint groups (:func:`complaint_recovery`): **resolved quickly** = complained and
  resolved within ``quick_days`` days; **resolved slowly** = resolved later;
  **unresolved** = complained, no resolution time; **no complaint**. NPS per group comes
  from every valid answer; repeat buying and retention from
  :func:`loyalty_lib.behaviour.say_do.answer_behaviour` (answers with a complete follow-up window,
  one per customer and group). :func:`compare_recovery` tests *resolved quickly* against
  the other complainers. These are associations in observational data: customers whose
  complaint was fixed fast may differ in other ways (in the demo shop they do, by design).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import pandas as pd

from loyalty_lib._checks import as_frame, as_list, require_columns, to_pandas
from loyalty_lib.stats.multiple import ADJUSTMENTS, adjust_p_values
from loyalty_lib.stats.proportions import compare_proportions, wilson_interval
from loyalty_lib.survey.answers import SIGN, VALID, ScoreSpec, prepare
from loyalty_lib.survey.score import compare_nps, nps, nps_drivers

__all__ = ["GROUPS", "compare_recovery", "complaint_recovery", "detractor_touchpoints"]

GROUPS = ("resolved quickly", "resolved slowly", "unresolved", "no complaint")
_GROUP = "complaint_group"


def detractor_touchpoints(
    survey: Any,
    score: str,
    touchpoints: str | Sequence[str],
    *,
    low_max: float = 2,
    scale: tuple[float, float] = (0, 10),
    cut_points: tuple[float, float] | None = None,
    confidence: float = 0.95,
    min_base: int = 30,
    errors: str = "raise",
) -> pd.DataFrame:
    """Where detractors are made: detractor rates of customers who rated a touchpoint low.

    Returns
    -------
    pandas.DataFrame
        One row per touchpoint, largest ``difference`` first: ``touchpoint``; ``n``
        (valid answers that rated it); ``n_low`` (rated ≤ ``low_max``);
        ``detractor_rate_low`` and ``detractor_rate_rest`` with ``_ci_lower`` /
        ``_ci_upper``; ``difference`` (low − rest) with ``difference_ci_lower`` /
        ``difference_ci_upper`` and ``p_value``; ``p_value_adjusted`` (Holm over the
        touchpoints, ``attrs["adjustment"]``); ``share_of_detractors``; ``r_pb``,
        ``r_ci_lower``, ``r_ci_upper`` (from :func:`loyalty_lib.nps_drivers`);
        ``small_base`` (fewer than ``min_base`` low raters).

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({"score": [2, 3, 9, 10, 5, 9],
    ...                         "delivery": [1, 2, 5, 4, 4, 2]})
    >>> out = detractor_touchpoints(answers, "score", "delivery", min_base=2)
    >>> out[["touchpoint", "n", "n_low", "detractor_rate_low", "share_of_detractors"]]
      touchpoint  n  n_low  detractor_rate_low  share_of_detractors
    0   delivery  6      3            0.666667             0.666667
    """
    names = as_list(touchpoints, "touchpoints")
    if not names:
        raise ValueError("touchpoints: name at least one rating column")
    spec = ScoreSpec.declare(scale, cut_points)
    frame = prepare(survey, score, spec, extra=names, errors=errors)
    aggs, derived = [], []
    for i, name in enumerate(names):
        rated = ~nw.col(name).is_null()
        if frame.collect_schema()[name].is_float():
            rated = rated & ~nw.col(name).is_nan()
        low = rated & (nw.col(name) <= low_max)
        det = nw.col(SIGN) == -1
        for flag, expr in (
            ("n", rated),
            ("low", low),
            ("dlow", low & det),
            ("drest", rated & ~low & det),
        ):
            derived.append(
                nw.when(expr)
                .then(nw.lit(1, nw.Int64))
                .otherwise(nw.lit(0, nw.Int64))
                .alias(f"_{flag}{i}")
            )
            aggs.append(nw.col(f"_{flag}{i}").sum())
    sums = to_pandas(frame.filter(nw.col(VALID) == 1).with_columns(*derived).select(*aggs))
    sums = sums.iloc[0]
    drivers = nps_drivers(
        survey,
        score,
        names,
        scale=scale,
        cut_points=cut_points,
        confidence=confidence,
        errors="exclude" if errors == "exclude" else "raise",
    ).set_index("driver")
    rows = []
    for i, name in enumerate(names):
        n, n_low = int(sums[f"_n{i}"]), int(sums[f"_low{i}"])
        d_low, d_rest = int(sums[f"_dlow{i}"]), int(sums[f"_drest{i}"])
        row = {"touchpoint": name, "n": n, "n_low": n_low}
        for label, x, m in (("low", d_low, n_low), ("rest", d_rest, n - n_low)):
            lower, upper = wilson_interval(x, m, confidence)
            row[f"detractor_rate_{label}"] = x / m if m else math.nan
            row[f"detractor_rate_{label}_ci_lower"] = float(lower)
            row[f"detractor_rate_{label}_ci_upper"] = float(upper)
        row.update(compare_proportions(d_low, n_low, d_rest, n - n_low, confidence))
        detractors = d_low + d_rest
        row["share_of_detractors"] = d_low / detractors if detractors else math.nan
        for column in ("r_pb", "r_ci_lower", "r_ci_upper"):
            row[column] = float(drivers.at[name, column])
        row["small_base"] = n_low < min_base
        rows.append(row)
    out = pd.DataFrame(rows)
    # every touchpoint shown is one test of one family: Holm across them
    out["p_value_adjusted"] = adjust_p_values(out["p_value"].to_numpy(float), "holm")
    out = out.sort_values(
        "difference", ascending=False, na_position="last", kind="stable", ignore_index=True
    )
    out.attrs.update(
        adjust="holm",
        adjustment=ADJUSTMENTS["holm"],
        family_size=int(out["p_value"].notna().sum()),
    )
    return out


def _group_expr(complained: str, resolution_days: str, quick_days: float) -> nw.Expr:
    days = nw.col(resolution_days)
    return (
        nw.when(~nw.col(complained))
        .then(nw.lit(GROUPS[3]))
        .when(days.is_null() | days.is_nan())
        .then(nw.lit(GROUPS[2]))
        .when(days <= quick_days)
        .then(nw.lit(GROUPS[0]))
        .otherwise(nw.lit(GROUPS[1]))
    )


def _grouped(
    data: Any, complained: str, resolution_days: str, quick_days: float, argument: str
) -> Any:
    frame = as_frame(data, argument=argument)
    require_columns(frame, [complained, resolution_days], argument=argument)
    schema = frame.collect_schema()
    if schema[complained] != nw.Boolean:
        raise ValueError(f"{complained}: expected True/False, got dtype {schema[complained]}")
    missing = int(to_pandas(frame.select(nw.col(complained).is_null().sum().alias("n")))["n"][0])
    if missing:
        raise ValueError(f"{complained}: {missing} rows are missing; say True or False")
    if not schema[resolution_days].is_numeric():
        raise ValueError(
            f"{resolution_days}: expected numbers of days, got {schema[resolution_days]}"
        )
    return frame.with_columns(_group_expr(complained, resolution_days, quick_days).alias(_GROUP))


def _followed(
    behaviour: pd.DataFrame,
    complained: str,
    resolution_days: str,
    quick_days: float,
) -> pd.DataFrame:
    """Follow-up rows, one per customer (their first answer) in each complaint group."""
    followed = to_pandas(_grouped(behaviour, complained, resolution_days, quick_days, "behaviour"))
    customer = behaviour.attrs.get("customer")
    if customer in followed.columns:
        order = behaviour.attrs.get("survey_date")
        if order in followed.columns:
            followed = followed.sort_values(order, kind="stable")
        followed = followed.drop_duplicates([_GROUP, customer])
    return followed


def complaint_recovery(
    survey: Any,
    behaviour: pd.DataFrame,
    *,
    score: str,
    complained: str = "complained",
    resolution_days: str = "resolution_days",
    quick_days: float = 2,
    confidence: float = 0.95,
    min_base: int = 30,
    errors: str = "raise",
) -> pd.DataFrame:
    """NPS, repeat buying and retention of complainers by how their complaint was handled.

    Parameters
    ----------
    survey
        Survey answers with ``score``, ``complained`` (bool) and ``resolution_days``.
    behaviour
        :func:`loyalty_lib.behaviour.say_do.answer_behaviour` of the same survey, called with
        ``keep=[complained, resolution_days]``.
    quick_days
        A complaint resolved within this many days counts as resolved quickly.

    Returns
    -------
    pandas.DataFrame
        One row per group of :data:`GROUPS`: ``complaint_group``; ``n`` (valid answers),
        ``nps``, ``nps_ci_lower``, ``nps_ci_upper`` (adjusted Wald); ``followed``
        (customers with a complete follow-up window); ``repeat_count`` and
        ``retained_count`` (of them, who bought again / were still buying);
        ``repeat_rate`` and ``retention`` with Wilson ``_ci_lower`` / ``_ci_upper``;
        ``small_base`` (``followed`` or ``n`` below ``min_base``). ``attrs["match"]``: the
        survey-to-sales join report of ``behaviour`` (see :mod:`loyalty_lib.behaviour.say_do`).

    Examples
    --------
    >>> import pandas as pd
    >>> survey = pd.DataFrame({"customer_id": list("abcdef"),
    ...     "score": [10, 9, 3, 2, 8, 9],
    ...     "complained": [True, True, True, True, False, False],
    ...     "resolution_days": [1.0, 0.5, 9.0, None, None, None]})
    >>> behaviour = survey.assign(repeat=[True, True, False, False, True, False],
    ...                           retained=[True, False, False, False, True, False])
    >>> out = complaint_recovery(survey, behaviour, score="score", min_base=1)
    >>> out[["complaint_group", "n", "nps", "followed", "repeat_rate"]]
        complaint_group  n    nps  followed  repeat_rate
    0  resolved quickly  2  100.0         2          1.0
    1   resolved slowly  1 -100.0         1          0.0
    2        unresolved  1 -100.0         1          0.0
    3      no complaint  2   50.0         2          0.5
    """
    grouped = _grouped(survey, complained, resolution_days, quick_days, "survey")
    scores = nps(
        grouped, score, by=_GROUP, confidence=confidence, min_base=min_base, errors=errors
    ).set_index(_GROUP)
    need = ["repeat", "retained", complained, resolution_days]
    missing = [c for c in need if c not in behaviour.columns]
    if missing:
        raise ValueError(
            f"behaviour: columns {missing} missing; call answer_behaviour with "
            f"keep=[{complained!r}, {resolution_days!r}]"
        )
    followed = _followed(behaviour, complained, resolution_days, quick_days)
    rows = []
    for group in GROUPS:
        row = {_GROUP: group}
        if group in scores.index:
            s = scores.loc[group]
            row.update(
                n=int(s["n"]),
                nps=s["nps"],
                nps_ci_lower=s["nps_ci_lower"],
                nps_ci_upper=s["nps_ci_upper"],
            )
        else:
            row.update(n=0, nps=math.nan, nps_ci_lower=math.nan, nps_ci_upper=math.nan)
        part = followed[followed[_GROUP] == group]
        row["followed"] = len(part)
        for flag, name in (("repeat", "repeat_rate"), ("retained", "retention")):
            x = int(part[flag].sum())
            lower, upper = wilson_interval(x, len(part), confidence)
            row[f"{flag}_count"] = x
            row[name] = x / len(part) if len(part) else math.nan
            row[f"{name}_ci_lower"], row[f"{name}_ci_upper"] = float(lower), float(upper)
        row["small_base"] = min(row["n"], row["followed"]) < min_base
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["quick_days"] = quick_days
    out.attrs["match"] = dict(behaviour.attrs.get("match") or {})  # the say-vs-do join report
    return out


def compare_recovery(
    survey: Any,
    behaviour: pd.DataFrame,
    *,
    score: str,
    complained: str = "complained",
    resolution_days: str = "resolution_days",
    quick_days: float = 2,
    confidence: float = 0.95,
    errors: str = "raise",
    customer: str | None = None,
) -> pd.DataFrame:
    """Resolved quickly against every other complainer: NPS, repeat rate and retention.

    ``customer`` (the survey's customer column) makes the NPS difference cluster-robust by
    customer (:func:`loyalty_lib.compare_nps`, ``repeated="cluster"``): a customer who
    complained and answered several times is one cluster, not several independent answers.

    Returns
    -------
    pandas.DataFrame
        One row per measure (``nps``, ``repeat_rate``, ``retention``): ``n_quick``,
        ``n_rest``, ``value_quick``, ``value_rest``, ``difference`` (quick − rest) with
        ``difference_ci_lower`` / ``difference_ci_upper``, ``p_value`` (unadjusted),
        ``p_value_adjusted`` (Holm over the three measures, named in ``attrs``) and
        ``significant`` (adjusted p-value below 1 − confidence).
        NPS by :func:`loyalty_lib.compare_nps` (adjusted Wald, points); rates by
        Newcombe's interval and the z-test. Rates count each customer once per group
        (their first answer) and once in the pooled comparison group, even when they
        complained both slowly resolved and unresolved.
    """
    groups = complaint_recovery(
        survey,
        behaviour,
        score=score,
        complained=complained,
        resolution_days=resolution_days,
        quick_days=quick_days,
        confidence=confidence,
        min_base=0,
        errors=errors,
    )
    grouped = to_pandas(
        _grouped(survey, complained, resolution_days, quick_days, "survey").select(
            score, _GROUP, *([customer] if customer else [])
        )
    )
    quick = grouped[grouped[_GROUP] == GROUPS[0]]
    rest = grouped[grouped[_GROUP].isin(GROUPS[1:3])]
    test = compare_nps(
        quick, rest, score, confidence=confidence, errors=errors, customer=customer
    ).iloc[0]
    rows = [
        {
            "measure": "nps",
            "n_quick": int(test["n_a"]),
            "n_rest": int(test["n_b"]),
            "value_quick": test["nps_a"],
            "value_rest": test["nps_b"],
            "difference": test["difference"],
            "difference_ci_lower": test["difference_ci_lower"],
            "difference_ci_upper": test["difference_ci_upper"],
            "p_value": test["p_value"],
        }
    ]
    g = groups.set_index(_GROUP)
    # the comparison group pools "resolved slowly" and "unresolved": a customer with
    # complaints in both counts once (their first answer), not once per group
    rest_rows = _followed(behaviour, complained, resolution_days, quick_days)
    rest_rows = rest_rows[rest_rows[_GROUP].isin(GROUPS[1:3])]
    customer = behaviour.attrs.get("customer")
    if customer in rest_rows.columns:
        rest_rows = rest_rows.drop_duplicates(customer)
    for name in ("repeat_rate", "retention"):
        flag = "repeat" if name == "repeat_rate" else "retained"
        count = f"{flag}_count"
        n1, x1 = int(g.at[GROUPS[0], "followed"]), int(g.at[GROUPS[0], count])
        n2, x2 = len(rest_rows), int(rest_rows[flag].sum())
        cmp = compare_proportions(x1, n1, x2, n2, confidence)
        rows.append(
            {
                "measure": name,
                "n_quick": n1,
                "n_rest": n2,
                "value_quick": x1 / n1 if n1 else math.nan,
                "value_rest": x2 / n2 if n2 else math.nan,
                **cmp,
            }
        )
    out = pd.DataFrame(rows)
    # the three measures are one family on the page: Holm across them
    out["p_value_adjusted"] = adjust_p_values(out["p_value"].to_numpy(float), "holm")
    out["significant"] = out["p_value_adjusted"] < 1 - confidence
    out.attrs.update(adjust="holm", adjustment=ADJUSTMENTS["holm"], family_size=len(out))
    return out
