"""Say vs do: what customers answered in the NPS survey against what they bought afterwards.

Definitions (exact)
-------------------
- Answers are read and classified as in :func:`loyalty_lib.nps` (declared scale and cut
  points; missing answers are left out and counted; invalid ones raise, or are left out
  with ``errors="exclude"``). An answer is joined to the sales log by the customer id.
- The **follow-up window** of an answer given on day *t* is the days *t* < day ≤ *t* + H,
  H = ``horizon_days``. Only answers whose window is complete (*t* + H ≤ ``as_of``, the last
  sales date by default) are kept; the others are counted in ``attrs["incomplete"]``.
- **Repeat**: at least one purchase in the window. **Retained**: at least one purchase in
  its later part, *t* + R < day ≤ *t* + H, R = ``retained_after_days`` (still buying at the
  end of the window). **Revenue**: net value (purchases minus returns) in the window.
  Purchases and returns follow :mod:`loyalty_lib.retention.cohorts`.
- :func:`say_do` and :func:`say_do_test` keep, with ``one_per_customer=True`` (default),
  one answer per customer and group (the earliest), so each customer counts once in a
  rate and in a test. Rates have Wilson intervals; mean revenue a t interval. Tests compare
  two categories (promoters vs detractors by default): rates by Newcombe's interval and
  the two-proportion z-test, revenue by Welch's t (revenue is skewed; with a few hundred
  customers per group the t interval of a mean is still close to its nominal level).
- :func:`users_referrers` sets spend against the likelihood to recommend per customer.
- **The join is reported, never silent.** Answers without a customer id are counted and
  kept out of the join (they are not customers who bought nothing). Of the *identified
  respondents* (distinct customer ids with a valid answer), the share found in the sales
  log is the **match rate**; below ``min_match_rate`` (default :data:`MIN_MATCH_RATE`, a
  half) the functions raise :class:`~loyalty_lib.DataQualityError` with a plain sentence
  (a join of mismatched ids, e.g. ``17093.0`` against ``17093``, would otherwise compare
  customers who "bought nothing"). ``attrs["match"]`` of every result holds
  ``respondents``, ``found``, ``match_rate``, ``answers_without_id``,
  ``answers_too_recent`` (answers whose follow-up window is not over; 0 where no window
  applies) and ``min_match_rate``; :func:`match_sentence` words it for a page.

The join and the per-answer sums run in narwhals in the caller's engine; the result has
one row per answer (the survey's size, not the sales log's).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
from scipy import stats

from loyalty_lib._checks import LoyaltyWarning, as_frame, check_scalar, require_columns, to_pandas
from loyalty_lib.errors import DataQualityError
from loyalty_lib.i18n import current
from loyalty_lib.inputs.purchases import (
    DAY,
    IS_PURCHASE,
    VALUE,
    day_number_expr,
    prepare_purchases,
    warn_excluded,
)
from loyalty_lib.stats.means import compare_means, mean_interval
from loyalty_lib.stats.multiple import ADJUSTMENTS, adjust_p_values, check_adjust
from loyalty_lib.stats.proportions import compare_proportions, wilson_interval
from loyalty_lib.survey.answers import SIGN, VALID, ScoreSpec, prepare

__all__ = [
    "CATEGORY_ORDER",
    "MIN_MATCH_RATE",
    "answer_behaviour",
    "match_sentence",
    "say_do",
    "say_do_test",
    "score_spend_correlation",
    "users_referrers",
]

CATEGORY_ORDER = ("promoter", "passive", "detractor")
#: Below this share of identified respondents found in the sales log, say-vs-do stops.
MIN_MATCH_RATE = 0.5
_SDAY = "__survey_day"
_MEASURES = {"repeat": "repeat_rate", "retained": "retention", "revenue": "mean_revenue"}


def _days(name: str, value: Any, low: int) -> int:
    """:func:`check_scalar` with this module's wording, ValueError for either fault."""
    try:
        return int(check_scalar(value, name, int, ge=low))
    except (TypeError, ValueError):
        raise ValueError(
            f"{name}: expected a whole number of days >= {low}, got {value!r}"
        ) from None


def _id_shape(value: Any) -> str:
    """An id with its digits shown as 9 and its letters as x: its form, never its value."""
    text = str(value)
    return "".join("9" if c.isdigit() else "x" if c.isalpha() else c for c in text)


def _match(
    answer_ids: Any,
    sales_ids: Any,
    *,
    customer: str,
    without_id: int,
    too_recent: int,
    min_match_rate: float,
    sales_examples: Any = None,
) -> dict[str, Any]:
    """Count the identified respondents found in the sales log; raise below the threshold.

    ``answer_ids`` and ``sales_ids`` are narwhals frames of distinct non-null ids;
    ``sales_examples`` (default ``sales_ids``) gives the sales ids the error shows.
    """
    known = sales_ids.with_columns(nw.lit(1, nw.Int64).alias("__found"))
    joined = answer_ids.join(known, on=customer, how="left")
    counts = to_pandas(
        joined.select(nw.len().alias("n"), nw.col("__found").fill_null(0).sum().alias("found"))
    )
    respondents, found = int(counts["n"][0]), int(counts["found"][0])
    rate = found / respondents if respondents else math.nan
    match = {
        "respondents": respondents,
        "found": found,
        "match_rate": rate,
        "answers_without_id": int(without_id),
        "answers_too_recent": int(too_recent),
        "min_match_rate": float(min_match_rate),
    }
    if respondents == 0:
        raise DataQualityError(
            f"{customer}: no valid answer carries a customer id ({without_id:,} answers "
            "without one), so answers cannot be set against purchases; the survey must "
            "record the customer id used in the sales log."
        )
    if rate < min_match_rate:
        missing = joined.filter(nw.col("__found").is_null()).select(customer).head(3)
        survey_forms = sorted({_id_shape(v) for v in to_pandas(missing)[customer]})
        shown = sales_ids if sales_examples is None else sales_examples
        sales_forms = sorted({_id_shape(v) for v in to_pandas(shown.head(3))[customer]})
        raise DataQualityError(
            f"{customer}: only {found:,} of {respondents:,} identified respondents "
            f"({rate:.1%}) appear in the sales log, below the {min_match_rate:.0%} needed to "
            "compare what customers say with what they do. Unmatched survey ids look like "
            f"{survey_forms}, sales ids like {sales_forms} (9 = digit, x = letter); check "
            "that both files use the same ids (e.g. 12345.0 against 12345) and the same period."
        )
    return match


def _respondents_only(frame: Any, answers: Any, customer: str) -> Any:
    """The respondents' rows of a log the engine computes, or None when no engine is involved.

    On the duckdb or spark engine the sales log is a lazy frame and the survey a small
    pandas one: the survey's distinct ids go to the engine as a list, and only aggregates of
    those customers' rows come back (one row per customer, or per customer and day).
    """
    if not isinstance(frame, nw.LazyFrame) or isinstance(answers, nw.LazyFrame):
        return None
    ids = to_pandas(answers.select(customer).unique())[customer].dropna().tolist()
    return frame.filter(nw.col(customer).is_in(ids))


def _collected(frame: Any, like: Any) -> Any:
    """A lazy aggregate collected into the eager backend of ``like`` (the survey's)."""
    return frame.collect(backend=like.implementation) if isinstance(frame, nw.LazyFrame) else frame


def _check_rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name}: expected a share between 0 and 1, got {value!r}")
    return float(value)


def match_sentence(result: pd.DataFrame) -> str:
    """The join of a say-vs-do result in one plain sentence, for the page beside its figure.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame()
    >>> r.attrs["match"] = {"respondents": 40, "found": 38, "match_rate": 0.95,
    ...     "answers_without_id": 3, "answers_too_recent": 5, "min_match_rate": 0.5}
    >>> print(*match_sentence(r).split("; "), sep=";\\n")
    Survey-to-sales join: 38 of 40 identified respondents (95.0%) found in the sales log;
    3 answers without a customer id and 5 answers too recent to follow up are left out.
    """
    tr = current()
    _, num = tr.gettext, tr.number
    m = result.attrs.get("match")
    if not m:
        return _("Survey-to-sales join: not recorded (the result was not built from a survey).")
    left = []
    if m.get("answers_without_id"):
        n = int(m["answers_without_id"])
        left.append(
            tr.ngettext(
                "{n} answer without a customer id", "{n} answers without a customer id", n
            ).format(n=num(n))
        )
    if m.get("answers_too_recent"):
        n = int(m["answers_too_recent"])
        left.append(
            tr.ngettext(
                "{n} answer too recent to follow up", "{n} answers too recent to follow up", n
            ).format(n=num(n))
        )
    joined = _(
        "Survey-to-sales join: {found} of {respondents} identified respondents "
        "({rate}) found in the sales log"
    ).format(
        found=num(int(m["found"])),
        respondents=num(int(m["respondents"])),
        rate=tr.percent(m["match_rate"]),
    )
    if not left:
        return joined + "."
    total = int(m.get("answers_without_id") or 0) + int(m.get("answers_too_recent") or 0)
    return (
        joined
        + "; "
        + tr.ngettext("{left} is left out.", "{left} are left out.", total).format(
            left=(" " + _("and") + " ").join(left)
        )
    )


# long: one engine query (answers joined to later purchases), then its pandas finish
def answer_behaviour(
    survey: Any,
    sales: Any,
    *,
    customer: str,
    score: str,
    survey_date: str,
    date: str,
    value: str,
    wave: str | None = None,
    keep: Sequence[str] = (),
    horizon_days: int = 180,
    retained_after_days: int = 90,
    as_of: Any = None,
    scale: tuple[float, float] = (0, 10),
    cut_points: tuple[float, float] | None = None,
    errors: str = "raise",
    min_match_rate: float = MIN_MATCH_RATE,
) -> pd.DataFrame:
    """Each valid answer with what the customer bought in the window after answering.

    Parameters
    ----------
    survey
        Survey answers, one row per response (any dataframe narwhals supports).
    sales
        Transaction log, one row per order (negative ``value`` = return).
    customer
        Customer id column, in both frames.
    score
        The 0–10 answer column of ``survey``; ``scale``, ``cut_points`` and ``errors`` as
        in :func:`loyalty_lib.nps`.
    survey_date
        Date of each answer (datetime) in ``survey``; the window starts the day after.
    date, value
        Purchase date and value columns of ``sales``.
    wave
        Optional survey wave column, kept in the result for per-wave analyses.
    keep
        Other survey columns to carry into the result (e.g. complaint fields).
    horizon_days, retained_after_days
        H and R of the module docstring (0 ≤ R < H).
    as_of
        Last day the sales data are complete (default: the last sales date).
    min_match_rate
        Share of identified respondents that must appear in ``sales`` (default a half);
        below it a :class:`~loyalty_lib.DataQualityError` says so (module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per valid answer with a complete window, in survey order: ``customer``,
        ``wave`` (if given), ``survey_date``, the ``keep`` columns, ``score``,
        ``category`` ("promoter", "passive", "detractor"), ``purchases_after`` (distinct
        purchase days in the window), ``repeat`` (bool), ``retained`` (bool),
        ``revenue_after`` (net value). ``attrs``: ``horizon_days``,
        ``retained_after_days``, ``as_of``, ``incomplete`` (answers too recent),
        ``unmatched`` (answers whose customer never appears in ``sales``; kept, as buying
        nothing, with a warning), ``without_id`` (answers without a customer id: left
        out), ``excluded`` and ``match`` (the join report of the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> survey = pd.DataFrame({"customer_id": ["a", "b", "c"], "score": [10, 3, 8],
    ...     "answered": pd.to_datetime(["2024-01-10", "2024-01-10", "2024-03-01"])})
    >>> sales = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...     "order_date": pd.to_datetime(["2024-01-05", "2024-02-20", "2024-01-05",
    ...                                   "2024-03-05"]),
    ...     "amount": [20.0, 30.0, 15.0, 40.0]})
    >>> out = answer_behaviour(survey, sales, customer="customer_id", score="score",
    ...     survey_date="answered", date="order_date", value="amount", horizon_days=60,
    ...     retained_after_days=30, as_of="2024-03-31")
    >>> out[["customer_id", "category", "repeat", "retained", "revenue_after"]]
      customer_id   category  repeat  retained  revenue_after
    0           a   promoter    True      True           30.0
    1           b  detractor   False     False            0.0
    >>> out.attrs["incomplete"]
    1
    >>> out.attrs["match"]["match_rate"]
    1.0
    """
    floor = _check_rate("min_match_rate", min_match_rate)
    horizon = _days("horizon_days", horizon_days, 1)
    later = _days("retained_after_days", retained_after_days, 0)
    if later >= horizon:
        raise ValueError(f"retained_after_days: {later} must be below horizon_days ({horizon})")
    spec = ScoreSpec.declare(scale, cut_points)
    keep = list(keep)
    columns = list(dict.fromkeys([customer, survey_date, *([wave] if wave else []), *keep]))
    answers = prepare(survey, score, spec, extra=columns, errors=errors)
    dtype = answers.collect_schema()[survey_date]
    if not dtype.is_temporal():
        raise ValueError(f"{survey_date}: expected dates (datetime), got {dtype}")
    n_missing_date = int(
        to_pandas(
            answers.select((nw.col(survey_date).is_null() & (nw.col(VALID) == 1)).sum().alias("n"))
        )["n"][0]
    )
    if n_missing_date:
        raise ValueError(f"{survey_date}: {n_missing_date} valid answers have no date")
    answers = answers.filter(nw.col(VALID) == 1)
    without_id = int(to_pandas(answers.select(nw.col(customer).is_null().sum().alias("n")))["n"][0])
    answers = answers.filter(~nw.col(customer).is_null()).with_columns(
        day_number_expr(survey_date).alias(_SDAY)
    )
    p = prepare_purchases(sales, customer=customer, date=date, value=value, as_of=as_of)
    warn_excluded(p.excluded, as_of=p.as_of)
    keys = answers.select(customer, _SDAY).unique()
    in_window = (nw.col(DAY) > nw.col(_SDAY)) & (nw.col(DAY) <= nw.col(_SDAY) + horizon)
    rows = p.rows.select(customer, DAY, IS_PURCHASE, VALUE)
    sales_ids, sales_examples = p.rows.select(customer).unique(), None
    mine = _respondents_only(rows, answers, customer)
    if mine is not None:  # lazy log, pandas survey: the respondents' days come back
        span = to_pandas(
            keys.select(nw.col(_SDAY).min().alias("a"), nw.col(_SDAY).max().alias("b"))
        )
        first, last = span["a"][0], span["b"][0]
        if pd.isna(first):
            first, last = 0, -1
        sales_examples = sales_ids
        sales_ids = _collected(mine.select(customer).unique(), answers)
        rows = _collected(
            mine.filter((nw.col(DAY) > int(first)) & (nw.col(DAY) <= int(last) + horizon))
            .group_by(customer, DAY)
            .agg(nw.col(IS_PURCHASE).any(), nw.col(VALUE).sum()),
            answers,
        )
    window = keys.join(rows, on=customer, how="inner").filter(in_window)
    revenue = window.group_by(customer, _SDAY).agg(nw.col(VALUE).sum().alias("revenue_after"))
    days = (
        window.filter(nw.col(IS_PURCHASE))
        .select(customer, _SDAY, DAY)
        .unique()
        .with_columns(
            nw.when(nw.col(DAY) > nw.col(_SDAY) + later)
            .then(nw.lit(1, nw.Int64))
            .otherwise(nw.lit(0, nw.Int64))
            .alias("__late")
        )
        .group_by(customer, _SDAY)
        .agg(nw.len().alias("__days"), nw.col("__late").sum().alias("__n_late"))
    )
    known = sales_ids.with_columns(nw.lit(True).alias("__known"))
    joined = (
        answers.join(revenue, on=[customer, _SDAY], how="left")
        .join(days, on=[customer, _SDAY], how="left")
        .join(known, on=customer, how="left")
    )
    table = to_pandas(
        joined.select(
            *columns, score, SIGN, _SDAY, "__days", "__n_late", "revenue_after", "__known"
        )
    )
    complete = (table[_SDAY] + horizon) <= p.as_of_day
    incomplete = int((~complete).sum())
    unmatched = int(table["__known"].isna().sum())
    match = _match(
        answers.select(customer).unique(),
        sales_ids,
        customer=customer,
        without_id=without_id,
        too_recent=incomplete,
        min_match_rate=floor,
        sales_examples=sales_examples,
    )
    table = table[complete.to_numpy()].reset_index(drop=True)
    distinct = table["__days"].fillna(0)
    out = table[columns].copy()
    out[score] = table[score].astype("float64")
    out["category"] = pd.Categorical.from_codes(
        (1 - table[SIGN].astype("int64")).to_numpy(), categories=list(CATEGORY_ORDER)
    )
    out["category"] = out["category"].astype(str)
    out["purchases_after"] = distinct.astype("int64").to_numpy()
    out["repeat"] = out["purchases_after"] > 0
    out["retained"] = table["__n_late"].fillna(0).to_numpy() > 0
    out["revenue_after"] = table["revenue_after"].fillna(0.0).astype("float64").to_numpy()
    if unmatched:
        warnings.warn(
            f"{customer}: {unmatched} answers come from customers who never appear in the "
            "sales log (counted as buying nothing); check that both use the same ids",
            LoyaltyWarning,
            stacklevel=2,
        )
    out.attrs.update(
        horizon_days=horizon,
        retained_after_days=later,
        as_of=p.as_of,
        incomplete=incomplete,
        unmatched=unmatched,
        without_id=without_id,
        excluded=dict(p.excluded),
        match=match,
        customer=customer,
        survey_date=survey_date,
        wave=wave,
        score=score,
    )
    return out


def _first_answers(behaviour: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    customer = behaviour.attrs.get("customer", "customer_id")
    survey_date = behaviour.attrs.get("survey_date")
    order = [survey_date] if survey_date in behaviour.columns else []
    ranked = behaviour.sort_values(order, kind="stable") if order else behaviour
    return ranked.drop_duplicates([*by, customer], keep="first").sort_index()


def _groups(behaviour: pd.DataFrame, by: Any, one_per_customer: bool) -> tuple[list, Any]:
    need = ["category", "repeat", "retained", "revenue_after"]
    by_list = [by] if isinstance(by, str) else list(by or [])
    missing = [c for c in [*need, *by_list] if c not in behaviour.columns]
    if missing:
        raise ValueError(
            f"behaviour: columns {missing} missing; pass the result of "
            "answer_behaviour (and name a column it has in by)"
        )
    data = _first_answers(behaviour, by_list) if one_per_customer else behaviour
    groups = data.groupby(by_list, sort=True) if by_list else [((), data)]
    return by_list, groups


def say_do(
    behaviour: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    one_per_customer: bool = True,
    confidence: float = 0.95,
    min_base: int = 30,
) -> pd.DataFrame:
    """Repeat rate, retention and revenue after answering, per NPS category.

    Parameters
    ----------
    behaviour
        The result of :func:`answer_behaviour`.
    by
        Optional grouping column(s), e.g. the wave.
    one_per_customer
        Keep each customer's earliest answer per group (see the module docstring).
    confidence, min_base
        Interval level; rows with fewer answers are flagged ``small_base``.

    Returns
    -------
    pandas.DataFrame
        One row per group and category (promoter, passive, detractor): the ``by`` columns;
        ``category``; ``n`` (answers = customers with ``one_per_customer``);
        ``repeat_rate``, ``retention`` with ``_ci_lower`` / ``_ci_upper`` (Wilson);
        ``mean_revenue`` with ``_ci_lower`` / ``_ci_upper`` (t); ``median_revenue``;
        ``small_base``. ``attrs["match"]``: the join report of ``behaviour``.

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"customer_id": list("abcde"),
    ...     "category": ["promoter", "promoter", "passive", "detractor", "detractor"],
    ...     "repeat": [True, True, False, True, False],
    ...     "retained": [True, False, False, False, False],
    ...     "revenue_after": [50.0, 30.0, 0.0, 10.0, 0.0]})
    >>> say_do(b, min_base=2)[["category", "n", "repeat_rate", "retention", "mean_revenue"]]
        category  n  repeat_rate  retention  mean_revenue
    0   promoter  2          1.0        0.5          40.0
    1    passive  1          0.0        0.0           0.0
    2  detractor  2          0.5        0.0           5.0
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: {confidence} is not between 0 and 1")
    by_list, groups = _groups(behaviour, by, one_per_customer)
    rows = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for category in CATEGORY_ORDER:
            part = group[group["category"] == category]
            n = len(part)
            row = dict(zip(by_list, key, strict=True))
            row.update(category=category, n=n)
            for flag, name in (("repeat", "repeat_rate"), ("retained", "retention")):
                x = int(part[flag].sum())
                lower, upper = wilson_interval(x, n, confidence)
                row[name] = x / n if n else math.nan
                row[f"{name}_ci_lower"], row[f"{name}_ci_upper"] = float(lower), float(upper)
            mean, lower, upper = mean_interval(part["revenue_after"].to_numpy(), confidence)
            row.update(
                mean_revenue=mean,
                mean_revenue_ci_lower=lower,
                mean_revenue_ci_upper=upper,
                median_revenue=float(part["revenue_after"].median()) if n else math.nan,
                small_base=n < min_base,
            )
            rows.append(row)
    out = pd.DataFrame(rows)
    out["n"] = out["n"].astype("int64")
    out.attrs["match"] = dict(behaviour.attrs.get("match") or {})
    return out


def say_do_test(
    behaviour: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    groups: tuple[str, str] = ("promoter", "detractor"),
    one_per_customer: bool = True,
    confidence: float = 0.95,
    adjust: str = "holm",
) -> pd.DataFrame:
    """Is the difference in behaviour between two NPS categories real or noise?

    Every row of the result (each measure, in each group of ``by``) is one test of one
    family: the p-values are adjusted together (``adjust``: ``"holm"`` or ``"fdr_bh"``) and
    ``significant`` comes from the adjusted value. A page that shows only some of the rows
    adjusts those it shows (:func:`loyalty_lib.stats.multiple.adjust_p_values`).

    Returns
    -------
    pandas.DataFrame
        One row per group and measure (``repeat_rate``, ``retention``, ``mean_revenue``):
        the ``by`` columns; ``measure``; ``n_1``, ``n_2`` (bases of ``groups[0]`` and
        ``groups[1]``); ``value_1``, ``value_2``; ``difference`` (1 − 2) with
        ``difference_ci_lower`` / ``difference_ci_upper``; ``p_value`` (unadjusted);
        ``p_value_adjusted`` (over all rows); ``significant`` (adjusted p < 1 − confidence).
        Rates: Newcombe interval and z-test; revenue: Welch. ``attrs``: ``match`` (the join
        report of ``behaviour``), ``adjust``, ``adjustment`` (its wording), ``family_size``.

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"customer_id": [f"c{i}" for i in range(150)],
    ...     "category": ["promoter"] * 70 + ["detractor"] * 80,
    ...     "repeat": [True] * 56 + [False] * 14 + [True] * 48 + [False] * 32,
    ...     "retained": [True] * 150, "revenue_after": [1.0, 2.0] * 75})
    >>> t = say_do_test(b)
    >>> t[["measure", "n_1", "n_2", "difference"]].round(3)
            measure  n_1  n_2  difference
    0   repeat_rate   70   80         0.2
    1     retention   70   80         0.0
    2  mean_revenue   70   80         0.0
    >>> round(float(t.loc[0, "p_value"]), 4)  # Pearson chi-square on [[56, 14], [48, 32]]
    0.008
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: {confidence} is not between 0 and 1")
    check_adjust(adjust)
    unknown = [g for g in groups if g not in CATEGORY_ORDER]
    if len(groups) != 2 or unknown or groups[0] == groups[1]:
        raise ValueError(f"groups: expected two of {CATEGORY_ORDER}, got {groups!r}")
    by_list, grouped = _groups(behaviour, by, one_per_customer)
    rows = []
    for key, group in grouped:
        key = key if isinstance(key, tuple) else (key,)
        a = group[group["category"] == groups[0]]
        b = group[group["category"] == groups[1]]
        for flag, name in (
            ("repeat", "repeat_rate"),
            ("retained", "retention"),
            ("revenue_after", "mean_revenue"),
        ):
            row = dict(zip(by_list, key, strict=True))
            row.update(measure=name, n_1=len(a), n_2=len(b))
            if flag == "revenue_after":
                row.update(
                    value_1=a[flag].mean() if len(a) else math.nan,
                    value_2=b[flag].mean() if len(b) else math.nan,
                )
                row.update(compare_means(a[flag].to_numpy(), b[flag].to_numpy(), confidence))
            else:
                x1, x2 = int(a[flag].sum()), int(b[flag].sum())
                row.update(
                    value_1=x1 / len(a) if len(a) else math.nan,
                    value_2=x2 / len(b) if len(b) else math.nan,
                )
                row.update(compare_proportions(x1, len(a), x2, len(b), confidence))
            rows.append(row)
    out = pd.DataFrame(rows)
    raw = out["p_value"].to_numpy(float)
    out["p_value_adjusted"] = adjust_p_values(raw, adjust)
    out["significant"] = np.nan_to_num(out["p_value_adjusted"].to_numpy(), nan=1.0) < 1 - confidence
    out.attrs.update(
        adjust=adjust, adjustment=ADJUSTMENTS[adjust], family_size=int(np.isfinite(raw).sum())
    )
    out.attrs["groups"] = tuple(groups)
    out.attrs["match"] = dict(behaviour.attrs.get("match") or {})
    return out


def users_referrers(
    survey: Any,
    sales: Any,
    *,
    customer: str,
    score: str,
    survey_date: str,
    value: str,
    spend_quantile: float = 0.5,
    scale: tuple[float, float] = (0, 10),
    cut_points: tuple[float, float] | None = None,
    errors: str = "raise",
    min_match_rate: float = MIN_MATCH_RATE,
) -> pd.DataFrame:
    """Spend against likelihood to recommend, per customer, with the four quadrants.

    Each customer who gave a valid answer is placed by their **latest** answer (promoter
    or not) and their **net spend** over the whole sales log (purchases minus returns):
    a big spender spends at least the ``spend_quantile`` quantile of the respondents'
    spend. Quadrants: ``champion`` (big spender, promoter), ``referrer`` (smaller spender
    who recommends: "loyalty 3.0" says they may be worth more than their spend),
    ``user`` (big spender, not a promoter), ``neither``.

    Returns
    -------
    pandas.DataFrame
        One row per respondent, by customer id: ``customer``; ``score`` (latest valid
        answer); ``category``; ``spend``; ``big_spender``; ``promoter``; ``quadrant``.
        ``attrs``: ``spend_threshold``, ``unmatched`` (respondents not in ``sales``,
        spend 0, with a :class:`~loyalty_lib.LoyaltyWarning`), ``match`` (the join report
        of the module docstring; below ``min_match_rate`` a
        :class:`~loyalty_lib.DataQualityError`). Answers without a customer id and sales
        rows without one (guests) are left out of the join and counted.

    Examples
    --------
    >>> import pandas as pd
    >>> survey = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "a"],
    ...     "score": [10, 9, 2, 7, 6],
    ...     "answered": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01",
    ...                                 "2024-01-01", "2024-02-01"])})
    >>> sales = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
    ...                       "amount": [500.0, 20.0, 300.0, 10.0]})
    >>> out = users_referrers(survey, sales, customer="customer_id", score="score",
    ...                       survey_date="answered", value="amount")
    >>> out[["customer_id", "score", "spend", "quadrant"]]
      customer_id  score  spend  quadrant
    0           a    6.0  500.0      user
    1           b    9.0   20.0  referrer
    2           c    2.0  300.0      user
    3           d    7.0   10.0   neither
    """
    if not 0 <= spend_quantile <= 1:
        raise ValueError(f"spend_quantile: {spend_quantile} is not between 0 and 1")
    floor = _check_rate("min_match_rate", min_match_rate)
    spec = ScoreSpec.declare(scale, cut_points)
    answers = prepare(survey, score, spec, extra=[customer, survey_date], errors=errors)
    answers = answers.filter(nw.col(VALID) == 1)
    without_id = int(to_pandas(answers.select(nw.col(customer).is_null().sum().alias("n")))["n"][0])
    answers = answers.filter(~nw.col(customer).is_null())
    latest = answers.with_columns(
        nw.col(survey_date).max().over(customer).alias("__latest")
    ).filter(nw.col(survey_date) == nw.col("__latest"))
    frame = as_frame(sales, argument="sales")
    require_columns(frame, [customer, value], argument="sales")
    identified = frame.filter(~nw.col(customer).is_null())  # guests join no answer
    sales_ids, sales_examples = identified.select(customer).unique(), None
    mine = _respondents_only(identified, answers, customer)
    if mine is not None:  # lazy log, pandas survey: one row per respondent comes back
        identified, sales_examples = mine, sales_ids
        sales_ids = _collected(mine.select(customer).unique(), answers)
    spend = _collected(
        identified.group_by(customer).agg(nw.col(value).sum().alias("spend")), answers
    )
    match = _match(
        answers.select(customer).unique(),
        sales_ids,
        customer=customer,
        without_id=without_id,
        too_recent=0,
        min_match_rate=floor,
        sales_examples=sales_examples,
    )
    table = to_pandas(
        latest.group_by(customer)
        .agg(nw.col(score).max().alias("__score"), nw.col(SIGN).max().alias("__sign"))
        .join(spend, on=customer, how="left")
    )
    table = table.sort_values(customer, ignore_index=True)
    unmatched = int(table["spend"].isna().sum())
    if unmatched:
        warnings.warn(
            f"{customer}: {unmatched} respondents never appear in the sales log (spend 0); "
            "check that both use the same ids",
            LoyaltyWarning,
            stacklevel=2,
        )
    out = pd.DataFrame(
        {
            customer: table[customer].array,
            "score": table["__score"].astype("float64").to_numpy(),
        }
    )
    out["category"] = [CATEGORY_ORDER[1 - int(s)] for s in table["__sign"]]
    out["spend"] = table["spend"].fillna(0.0).astype("float64").to_numpy()
    threshold = float(np.quantile(out["spend"], spend_quantile)) if len(out) else math.nan
    out["big_spender"] = out["spend"] >= threshold
    out["promoter"] = out["category"] == "promoter"
    out["quadrant"] = np.select(
        [out["big_spender"] & out["promoter"], out["promoter"], out["big_spender"]],
        ["champion", "referrer", "user"],
        "neither",
    )
    out.attrs.update(
        spend_threshold=threshold,
        unmatched=unmatched,
        spend_quantile=spend_quantile,
        match=match,
    )
    return out


def score_spend_correlation(
    per_customer: pd.DataFrame, *, confidence: float = 0.95
) -> pd.DataFrame:
    """Spearman rank correlation between score and spend, with a Fisher-z interval.

    The interval uses the standard error 1.03 / √(n − 3) for Spearman's ρ (Fieller,
    Hartley & Pearson 1957); the p-value is scipy's (t approximation).

    Returns
    -------
    pandas.DataFrame
        One row: ``n``, ``rho``, ``rho_ci_lower``, ``rho_ci_upper``, ``p_value``.
        ``attrs["match"]``: the join report of ``per_customer`` (from
        :func:`users_referrers`); a match rate below its threshold raises
        :class:`~loyalty_lib.DataQualityError` (a frame built by hand has no report).

    Examples
    --------
    >>> import pandas as pd
    >>> pc = pd.DataFrame({"score": [1, 2, 3, 4, 5], "spend": [10.0, 30.0, 20.0, 50.0, 40.0]})
    >>> score_spend_correlation(pc)[["n", "rho"]]
       n  rho
    0  5  0.8
    """
    match = dict(per_customer.attrs.get("match") or {})
    if match and match["match_rate"] < match["min_match_rate"]:
        raise DataQualityError(
            f"only {match['found']:,} of {match['respondents']:,} identified respondents "
            f"({match['match_rate']:.1%}) appear in the sales log; a score-spend correlation "
            "on them would rank unmatched customers as spending nothing."
        )
    out = _correlation(per_customer, confidence)
    out.attrs["match"] = match
    return out


def _correlation(per_customer: pd.DataFrame, confidence: float) -> pd.DataFrame:
    n = len(per_customer)
    if n < 4:
        return pd.DataFrame(
            [
                {
                    "n": n,
                    "rho": math.nan,
                    "rho_ci_lower": math.nan,
                    "rho_ci_upper": math.nan,
                    "p_value": math.nan,
                }
            ]
        )
    result = stats.spearmanr(per_customer["score"], per_customer["spend"])
    rho = float(result.statistic)
    z = stats.norm.ppf(0.5 + confidence / 2)
    if abs(rho) < 1:
        half = z * 1.03 / math.sqrt(n - 3)
        lower, upper = math.tanh(math.atanh(rho) - half), math.tanh(math.atanh(rho) + half)
    else:
        lower = upper = rho
    return pd.DataFrame(
        [
            {
                "n": n,
                "rho": rho,
                "rho_ci_lower": lower,
                "rho_ci_upper": upper,
                "p_value": float(result.pvalue),
            }
        ]
    )
