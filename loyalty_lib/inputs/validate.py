"""Data-quality checks run before any analysis: what is wrong with the input, how often, where.

:func:`validate_sales` and :func:`validate_survey` look at the columns an analysis will use and
return a tidy report, one row per problem found (an empty frame when the data are clean):

- ``check``: the problem's id, e.g. ``"date_unparseable"``;
- ``severity``: ``"fatal"`` (no trustworthy number can be computed: the report must stop) or
  ``"warning"`` (the analysis can go on; the rows are either kept as they are or excluded);
- ``column``: the column concerned (``""`` for the whole table);
- ``count``: rows affected; ``rows``: rows checked (the base); ``share``: count / rows;
- ``examples``: the first offending values, or row numbers (1-based positions in the data)
  where showing the value would reveal a customer id;
- ``action``: ``"stop"`` (fatal), ``"excluded"`` (:func:`drop_excluded` removes the rows) or
  ``"kept"`` (the rows stay; the message says how the analyses treat them);
- ``message``: one plain-English sentence for the reader of the report.

The report's ``attrs`` hold ``table`` ("sales" or "survey"), ``rows``, ``checks`` (every check
run, found or not) and ``excluded`` (positions of the rows to exclude). Fatal problems are
turned into a :class:`DataQualityError` by :func:`stop_on_fatal`, whose message is plain
English (the report runner shows it instead of a traceback). Examples never show customer ids,
and e-mail addresses or phone numbers typed into a checked column are masked.

On a pandas (or other eager) frame the checked columns are examined in memory. On a lazy
frame (a DuckDB relation, a Spark DataFrame, a path) :func:`validate_sales` runs the same
checks as aggregate queries on the engine (:mod:`loyalty_lib.inputs.on_engine`): examples are
the dates or amounts of a few offending rows and the exclusions are filters
(``attrs["filters"]``) that :func:`drop_excluded` applies. Nothing is modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import as_frame
from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs._column_checks import (
    _check_dates,
    _collect,
    _empty,
    _missing_columns,
    _numbers,
    _sum_overflows,
    _today,
)
from loyalty_lib.inputs._quality import (
    REPORT_COLUMNS,
    _counted,
    _n,
    _Report,
    _rows,
    describe_quality,
    drop_excluded,
    quality_table,
    stop_on_fatal,
)

__all__ = [
    "DataQualityError",
    "REPORT_COLUMNS",
    "describe_quality",
    "drop_excluded",
    "quality_table",
    "stop_on_fatal",
    "validate_sales",
    "validate_survey",
]


# long: one report.add per check, in the order the report lists them
def validate_sales(
    data: Any,
    *,
    customer: str = "customer_id",
    date: str = "order_date",
    value: str | None = "amount",
    order_id: str | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """Check a transaction log before analysis; one row per problem found.

    Parameters
    ----------
    data
        The transaction log (any dataframe narwhals supports). Never modified.
    customer, date, value
        The customer-id, order-date and amount columns (``value=None``: no amounts).
    order_id
        Optional order-id column. With it, a row that repeats another in every column (order
        id, customer, date, amount and every other column, e.g. the product code) is a
        duplicate record and is excluded; two lines of one order with the same amount but a
        different product are not duplicates. Without it, identical rows may be genuine
        repeat purchases on the same day and are kept (with a warning).
    as_of
        The day the data cannot be later than (default: today, UTC).

    Returns
    -------
    pandas.DataFrame
        The report described in the module docstring. Checks: ``empty``,
        ``missing_column``, ``date_unparseable``, ``date_mixed_timezones`` (fatal),
        ``date_missing``, ``date_future`` (excluded), ``customer_missing`` (excluded),
        ``not_numeric``, ``not_finite``, ``too_large`` (at least 1e15), ``sum_overflow``
        (the total cannot be summed to the cent) (fatal), ``value_missing`` (excluded),
        ``value_negative`` (kept: returns), ``duplicate_rows``.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({
    ...     "customer_id": ["a", "b", None, "c", "c"],
    ...     "order_date": ["2024-01-05", "2024-13-45", "2024-02-01", "2024-02-03", "2024-02-03"],
    ...     "amount": [10.0, 5.0, 8.0, -4.0, -4.0],
    ... })
    >>> report = validate_sales(sales, as_of="2024-12-31")
    >>> report[["check", "severity", "column", "count", "examples", "action"]]
                  check severity       column  count      examples    action
    0  date_unparseable    fatal   order_date      1  '2024-13-45'      stop
    1  customer_missing  warning  customer_id      1         row 3  excluded
    2    value_negative  warning       amount      2       -4 (2×)      kept
    3    duplicate_rows  warning                   1         row 5      kept
    """
    lazy = as_frame(data)
    if isinstance(lazy, nw.LazyFrame):  # DuckDB, Spark, a path: aggregate queries
        from loyalty_lib.inputs.on_engine import validate_sales_lazy

        return validate_sales_lazy(
            lazy, customer=customer, date=date, value=value, order_id=order_id, as_of=as_of
        )
    wanted = [c for c in (order_id, customer, date, value) if c]
    frame, available = _collect(data, wanted)
    report = _Report("sales", len(frame))
    needed = {"customer id": customer, "order date": date}
    if value:
        needed["amount"] = value
    if order_id:
        needed["order id"] = order_id
    if _missing_columns(report, needed, available):
        return report.frame()
    done = _empty(report, "sales log")
    if done is not None:
        return done
    rows = report.rows
    _check_dates(report, frame[date], date, role="order", as_of=_today(as_of))
    no_id = frame[customer].isna() | (frame[customer].astype(str).str.strip() == "")
    report.add(
        "customer_missing",
        "warning",
        customer,
        int(no_id.sum()),
        _rows(np.flatnonzero(no_id)),
        "excluded",
        f"{customer}: {_n(int(no_id.sum()), rows)} have no customer id; they cannot be "
        "linked to a customer and are left out.",
        np.flatnonzero(no_id),
    )
    if value:
        amounts = _numbers(report, frame[value], value, role="amount")
        if amounts is not None:
            _sum_overflows(report, amounts, value)
            missing = amounts.isna()
            report.add(
                "value_missing",
                "warning",
                value,
                int(missing.sum()),
                _rows(np.flatnonzero(missing)),
                "excluded",
                f"{value}: {_n(int(missing.sum()), rows)} have no amount; they are left out.",
                np.flatnonzero(missing),
            )
            negative = amounts < 0
            report.add(
                "value_negative",
                "warning",
                value,
                int(negative.sum()),
                _counted(amounts[negative]),
                "kept",
                f"{value}: {_n(int(negative.sum()), rows)} have a negative amount; they "
                "are treated as returns or refunds (netted against purchases, not "
                "counted as a purchase).",
            )
    report.check("duplicate_rows")
    # judged on the whole row, never on the checked columns alone: two products with the
    # same line amount in one order are two lines, not a copy
    whole, _ = _collect(data, available)
    dupes = whole.duplicated(keep="first")
    positions = np.flatnonzero(dupes)
    if order_id:
        report.add(
            "duplicate_rows",
            "warning",
            "",
            len(positions),
            _rows(positions),
            "excluded",
            f"{_n(len(positions), rows)} repeat an earlier row in every column (order id, "
            "customer, date, amount and the rest); the copies are left out.",
            positions,
        )
    else:
        report.add(
            "duplicate_rows",
            "warning",
            "",
            len(positions),
            _rows(positions),
            "kept",
            f"{_n(len(positions), rows)} repeat an earlier row in every column; "
            "without an order id they may be genuine repeat purchases, so they are kept.",
        )
    return report.frame()


# long: one report.add per check, in the order the report lists them
def validate_survey(
    data: Any,
    *,
    score: str = "score",
    wave: str | None = "wave",
    customer: str | None = "customer_id",
    date: str | None = None,
    ratings: Sequence[str] = (),
    scale: tuple[float, float] = (0, 10),
    rating_scale: tuple[float, float] = (1, 5),
    as_of: Any = None,
) -> pd.DataFrame:
    """Check NPS survey answers before analysis; one row per problem found.

    Parameters
    ----------
    data
        Survey answers, one row per response (any dataframe narwhals supports).
    score
        The likelihood-to-recommend column, on ``scale`` (0–10 by default).
    wave
        The survey-wave (month) column, or None.
    customer
        The respondent's customer id, or None for anonymous surveys. With ``wave``, a
        customer answering the same wave twice is a duplicate response: the later answers
        (in row order) are excluded.
    date
        Optional response-date column (checked like ``wave``).
    ratings
        Optional touchpoint rating columns on ``rating_scale``.
    as_of
        The day answers cannot be later than (default: today, UTC).

    Returns
    -------
    pandas.DataFrame
        The report described in the module docstring. Checks: ``empty``,
        ``missing_column``, date checks per date column, ``not_numeric``, ``not_finite``,
        ``too_large`` (fatal), ``score_missing`` (kept: skipped questions), ``score_out_of_range``,
        ``score_fractional`` (kept: the NPS functions leave them out and count them),
        ``no_valid_score`` (fatal), ``duplicate_response`` (excluded),
        ``rating_out_of_range`` (kept).

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({
    ...     "customer_id": ["a", "b", "b", "c", "d"],
    ...     "wave": pd.to_datetime(["2024-01-01"] * 5),
    ...     "score": [10, 99, 99, 7.5, None],
    ... })
    >>> report = validate_survey(answers, as_of="2024-12-31")
    >>> report[["check", "severity", "column", "count", "examples", "action"]]
                    check severity column  count examples    action
    0       score_missing  warning  score      1    row 5      kept
    1  score_out_of_range  warning  score      2  99 (2×)      kept
    2    score_fractional  warning  score      1      7.5      kept
    3  duplicate_response  warning             1    row 3  excluded
    """
    ratings = list(ratings)
    wanted = [c for c in (customer, wave, date, score, *ratings) if c]
    frame, available = _collect(data, wanted)
    report = _Report("survey", len(frame))
    needed = {
        "score": score,
        **({"wave": wave} if wave else {}),
        **({"customer id": customer} if customer else {}),
        **({"response date": date} if date else {}),
        **{f"{r} rating": r for r in ratings},
    }
    if _missing_columns(report, needed, available):
        return report.frame()
    done = _empty(report, "survey")
    if done is not None:
        return done
    rows = report.rows
    today = _today(as_of)
    for column, role in ((wave, "survey wave"), (date, "response")):
        if column:
            _check_dates(report, frame[column], column, role=role, as_of=today)
    scores = _numbers(report, frame[score], score, role="score")
    if scores is not None:
        low, high = scale
        missing = scores.isna()
        report.add(
            "score_missing",
            "warning",
            score,
            int(missing.sum()),
            _rows(np.flatnonzero(missing)),
            "kept",
            f"{score}: {_n(int(missing.sum()), rows)} skipped the question; they are "
            "left out of every NPS and counted.",
        )
        outside = scores.notna() & ((scores < low) | (scores > high))
        report.add(
            "score_out_of_range",
            "warning",
            score,
            int(outside.sum()),
            _counted(scores[outside]),
            "kept",
            f"{score}: {_n(int(outside.sum()), rows)} are outside {low:g}–{high:g} "
            "(codes such as 99 'don't know'); they are left out of every NPS and "
            "counted.",
        )
        fractional = scores.notna() & ~outside & (scores != np.round(scores))
        report.add(
            "score_fractional",
            "warning",
            score,
            int(fractional.sum()),
            _counted(scores[fractional]),
            "kept",
            f"{score}: {_n(int(fractional.sum()), rows)} are not whole numbers; they are "
            "left out of every NPS and counted.",
        )
        usable = int((scores.notna() & ~outside & ~fractional).sum())
        report.add(
            "no_valid_score",
            "fatal",
            score,
            rows if usable == 0 else 0,
            "",
            "stop",
            f"{score}: none of the {rows:,} answers is a usable {low:g}–{high:g} score, "
            "so no NPS can be computed.",
        )
    report.check("duplicate_response")
    if customer and wave:
        known = frame[customer].notna() & frame[wave].notna()
        repeated = known & frame.duplicated(subset=[customer, wave], keep="first")
        positions = np.flatnonzero(repeated)
        report.add(
            "duplicate_response",
            "warning",
            "",
            len(positions),
            _rows(positions),
            "excluded",
            f"{_n(len(positions), rows)} are a second answer by the same customer in "
            "the same wave; only the first answer counts.",
            positions,
        )
    for column in ratings:
        values = _numbers(report, frame[column], column, role="rating")
        if values is None:
            continue
        low, high = rating_scale
        bad = values.notna() & ((values < low) | (values > high) | (values != np.round(values)))
        report.add(
            "rating_out_of_range",
            "warning",
            column,
            int(bad.sum()),
            _counted(values[bad]),
            "kept",
            f"{column}: {_n(int(bad.sum()), rows)} ratings are not whole numbers from "
            f"{low:g} to {high:g}; they are left out of the touchpoint analysis.",
        )
    return report.frame()
