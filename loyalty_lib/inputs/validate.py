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

The checked columns are collected into pandas (any narwhals-supported frame is accepted,
including lazy ones); nothing is modified.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import as_frame, column_names
from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.privacy import mask_contacts

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

REPORT_COLUMNS = [
    "check",
    "severity",
    "column",
    "count",
    "rows",
    "share",
    "examples",
    "action",
    "message",
]
_OFFSET = re.compile(r"(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_TIME = re.compile(r"\d[T ]\d{1,2}:\d{2}")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y%m%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d.%m.%Y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S.%f",
)


class _Report:
    """Collects problems and excluded row positions while the checks run."""

    def __init__(self, table: str, rows: int) -> None:
        self.table, self.rows = table, rows
        self.found: list[dict[str, Any]] = []
        self.checks: list[str] = []
        self.excluded: set[int] = set()

    def check(self, name: str) -> None:
        if name not in self.checks:
            self.checks.append(name)

    def add(
        self,
        check: str,
        severity: str,
        column: str,
        count: int,
        examples: str,
        action: str,
        message: str,
        positions: Any = (),
    ) -> None:
        self.check(check)
        if count <= 0:
            return
        self.found.append(
            {
                "check": check,
                "severity": severity,
                "column": column,
                "count": int(count),
                "rows": self.rows,
                "share": count / self.rows if self.rows else np.nan,
                "examples": examples,
                "action": action,
                "message": message,
            }
        )
        if action == "excluded":
            self.excluded.update(int(p) for p in positions)

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame(self.found, columns=REPORT_COLUMNS)
        out["count"] = out["count"].astype("int64")
        out["rows"] = out["rows"].astype("int64")
        out["share"] = out["share"].astype("float64")
        out.attrs = {
            "table": self.table,
            "rows": self.rows,
            "checks": list(self.checks),
            "excluded": sorted(self.excluded),
        }
        return out


def _show(values: Sequence[Any], limit: int = 5) -> str:
    """The first offending values as text: quoted, shortened, contacts masked."""
    shown = []
    for v in list(values)[:limit]:
        v = v.item() if isinstance(v, np.generic) else v
        if isinstance(v, float):
            shown.append(f"{v:g}")
        elif isinstance(v, (int, pd.Timestamp, dt.date)):
            shown.append(str(v))
        else:
            text = mask_contacts(str(v))
            shown.append(repr(text[:40] + ("…" if len(text) > 40 else "")))
    return ", ".join(shown) + (", …" if len(values) > limit else "")


def _counted(values: pd.Series, limit: int = 5) -> str:
    """Distinct offending values, most frequent first, with their counts when repeated."""
    counts = values.value_counts(sort=True, dropna=True)
    parts = [_show([v]) + (f" ({n:,}×)" if n > 1 else "") for v, n in counts.head(limit).items()]
    return ", ".join(parts) + (", …" if len(counts) > limit else "")


def _rows(positions: Sequence[int], limit: int = 5) -> str:
    shown = [f"{p + 1}" for p in list(positions)[:limit]]
    return (
        ("row " if len(positions) == 1 else "rows ")
        + ", ".join(shown)
        + (", …" if len(positions) > limit else "")
    )


def _n(count: int, rows: int) -> str:
    return f"{count:,} of {rows:,} rows"


def _collect(data: Any, wanted: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The wanted columns that exist, as a fresh pandas frame with a 0..n-1 index."""
    frame = as_frame(data)
    available = column_names(frame)
    present = [c for c in dict.fromkeys(wanted) if c in available]
    picked = frame.select(present) if present else frame.select([])
    if isinstance(picked, nw.LazyFrame):
        picked = picked.collect()
    out = picked.to_pandas() if present else pd.DataFrame(index=range(len(picked)))
    return out.reset_index(drop=True), available


def _missing_columns(report: _Report, needed: dict[str, str], available: list[str]) -> bool:
    import difflib

    report.check("missing_column")
    missing = False
    for role, column in needed.items():
        if column in available:
            continue
        missing = True
        close = difflib.get_close_matches(column, [str(a) for a in available], n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        report.add(
            "missing_column",
            "fatal",
            column,
            max(report.rows, 1),
            _show(available, limit=8) if available else "(no columns)",
            "stop",
            f"The {role} column {column!r} is missing (columns found: "
            f"{', '.join(map(str, available[:8])) or 'none'}).{hint}",
        )
    return missing


def _check_dates(
    report: _Report,
    series: pd.Series,
    column: str,
    *,
    role: str,
    as_of: pd.Timestamp,
    exclude_future: bool = True,
) -> pd.Series:
    """Unparseable, mixed-zone, missing and future dates; returns naive parsed dates."""
    rows = report.rows
    for name in ("date_unparseable", "date_mixed_timezones", "date_missing", "date_future"):
        report.check(name)
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
    else:
        present = series[series.notna()]
        texts = present.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))
        zones = {
            (v.tzinfo.utcoffset(v.replace(tzinfo=None)) if v.tzinfo else None)
            if isinstance(v, dt.datetime)
            else (
                _OFFSET.search(t).group(0).upper()
                if _TIME.search(t) and _OFFSET.search(t)
                else None
            )
            for v, t in zip(present, texts, strict=True)
        }
        if len(zones) > 1:
            shown = sorted("no zone" if z is None else str(z) for z in zones)
            report.add(
                "date_mixed_timezones",
                "fatal",
                column,
                len(present),
                _show(shown),
                "stop",
                f"{column}: the {role} dates are written in {len(zones)} different time "
                f"zones ({', '.join(shown[:4])}), so a date cannot be placed on one "
                "calendar; convert them to one time zone first.",
            )
            return pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
        stripped = texts.map(lambda t: (_OFFSET.sub("", t) if _TIME.search(t) else t).strip())
        parsed = pd.Series(pd.NaT, index=stripped.index, dtype="datetime64[ns]")
        for fmt in _DATE_FORMATS:  # the formats the analyses accept for text dates
            todo = parsed.isna()
            if not todo.any():
                break
            parsed[todo] = pd.to_datetime(stripped[todo], errors="coerce", format=fmt)
        bad = present[parsed.isna()]
        report.add(
            "date_unparseable",
            "fatal",
            column,
            len(bad),
            _counted(bad.astype(str)),
            "stop",
            f"{column}: {_n(len(bad), rows)} are not dates (e.g. "
            f"{_show(bad.tolist(), 3)}); fix or remove them in the source file.",
        )
        parsed = parsed.reindex(series.index)
    missing = series.isna()
    report.add(
        "date_missing",
        "warning",
        column,
        int(missing.sum()),
        _rows(np.flatnonzero(missing)),
        "excluded",
        f"{column}: {_n(int(missing.sum()), rows)} have no {role} date; they are left "
        "out of the analysis.",
        np.flatnonzero(missing),
    )
    future = parsed.notna() & (parsed.dt.normalize() > as_of)
    if exclude_future:
        report.add(
            "date_future",
            "warning",
            column,
            int(future.sum()),
            _counted(parsed[future].dt.strftime("%Y-%m-%d")),
            "excluded",
            f"{column}: {_n(int(future.sum()), rows)} are dated after "
            f"{as_of:%d %b %Y}; a {role} cannot be in the future, so they are left out.",
            np.flatnonzero(future),
        )
    return parsed


def _numbers(report: _Report, series: pd.Series, column: str, *, role: str) -> pd.Series | None:
    """The column as floats, or None after a fatal non-numeric problem."""
    report.check("not_numeric")
    report.check("not_finite")
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        present = series[series.notna()]
        as_num = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
        bad = present[as_num.isna()]
        detail = (
            f"{_n(len(bad), report.rows)} are not numbers (e.g. {_show(bad.tolist(), 3)})"
            if len(bad)
            else "the numbers are stored as text"
        )
        report.add(
            "not_numeric",
            "fatal",
            column,
            len(bad) or len(present),
            _show(bad.tolist() if len(bad) else present.tolist()),
            "stop",
            f"{column}: the {role} column must hold numbers, but {detail}; fix the source "
            "file or convert the column.",
        )
        return None
    values = series.astype("float64")
    infinite = np.isinf(values)
    report.add(
        "not_finite",
        "fatal",
        column,
        int(infinite.sum()),
        _counted(values[infinite]),
        "stop",
        f"{column}: {_n(int(infinite.sum()), report.rows)} are infinite; an amount or "
        "score must be a finite number.",
    )
    return values


def _today(as_of: Any) -> pd.Timestamp:
    if as_of is None:
        return pd.Timestamp(dt.datetime.now(dt.UTC).date())
    stamp = pd.Timestamp(as_of)
    return (stamp.tz_localize(None) if stamp.tzinfo else stamp).normalize()


def _empty(report: _Report, what: str) -> pd.DataFrame | None:
    report.check("empty")
    if report.rows == 0:
        report.add(
            "empty",
            "fatal",
            "",
            1,
            "",
            "stop",
            f"The {what} has no rows: there is nothing to analyse (is the file empty, "
            "or does it hold only a header line?).",
        )
        return report.frame()
    return None


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
        Optional order-id column. With it, a row that repeats another in order id, customer,
        date and amount is a duplicate record and is excluded; without it, identical rows
        may be genuine repeat purchases on the same day and are kept (with a warning).
    as_of
        The day the data cannot be later than (default: today, UTC).

    Returns
    -------
    pandas.DataFrame
        The report described in the module docstring. Checks: ``empty``,
        ``missing_column``, ``date_unparseable``, ``date_mixed_timezones`` (fatal),
        ``date_missing``, ``date_future`` (excluded), ``customer_missing`` (excluded),
        ``not_numeric``, ``not_finite`` (fatal), ``value_missing`` (excluded),
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
    dupes = frame.duplicated(keep="first")
    positions = np.flatnonzero(dupes)
    if order_id:
        report.add(
            "duplicate_rows",
            "warning",
            "",
            len(positions),
            _rows(positions),
            "excluded",
            f"{_n(len(positions), rows)} repeat an earlier row with the same order id, "
            "customer, date and amount; the copies are left out.",
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
            f"{_n(len(positions), rows)} repeat an earlier row in every checked column; "
            "without an order id they may be genuine repeat purchases, so they are kept.",
        )
    return report.frame()


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
        ``missing_column``, date checks per date column, ``not_numeric``, ``not_finite``
        (fatal), ``score_missing`` (kept: skipped questions), ``score_out_of_range``,
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


def stop_on_fatal(report: pd.DataFrame, *, source: str | None = None) -> None:
    """Raise :class:`DataQualityError` with a plain message when the report has a fatal row.

    >>> import pandas as pd
    >>> stop_on_fatal(validate_sales(pd.DataFrame({"customer_id": ["a"]})), source="x.csv")
    Traceback (most recent call last):
    ...
    loyalty_lib.errors.DataQualityError: The sales data (x.csv) cannot be analysed: The order date column 'order_date' is missing (columns found: customer_id). The amount column 'amount' is missing (columns found: customer_id).
    """  # noqa: E501
    fatal = report[report["severity"] == "fatal"]
    if fatal.empty:
        return
    what = f"The {report.attrs.get('table', 'input')} data" + (f" ({source})" if source else "")
    reasons = " ".join(m if m.endswith(".") else m + "." for m in fatal["message"])
    raise DataQualityError(f"{what} cannot be analysed: {reasons}")


def drop_excluded(data: Any, report: pd.DataFrame) -> Any:
    """The data without the rows the report excludes (a new frame of the same kind).

    >>> import pandas as pd
    >>> sales = pd.DataFrame({"customer_id": ["a", None], "order_date": ["2024-01-01"] * 2,
    ...                       "amount": [1.0, 2.0]})
    >>> drop_excluded(sales, validate_sales(sales, as_of="2024-12-31"))
      customer_id  order_date  amount
    0           a  2024-01-01     1.0
    """
    positions = list(report.attrs.get("excluded", []))
    if isinstance(data, pd.DataFrame):
        keep = np.ones(len(data), dtype=bool)
        keep[positions] = False
        return data.iloc[keep].copy()
    frame = as_frame(data)
    if not positions:
        return data
    if isinstance(frame, nw.LazyFrame):
        raise TypeError(
            "drop_excluded: collect the lazy frame first (rows of a lazy frame "
            "have no fixed order to exclude by position)"
        )
    keep = frame.with_row_index("__row").filter(~nw.col("__row").is_in(positions))
    return keep.drop("__row").to_native()


_LABELS = {
    "empty": "empty table",
    "missing_column": "column missing",
    "date_unparseable": "not a date",
    "date_mixed_timezones": "mixed time zones",
    "date_missing": "date missing",
    "date_future": "date in the future",
    "customer_missing": "customer id missing",
    "not_numeric": "not a number",
    "not_finite": "infinite number",
    "value_missing": "amount missing",
    "value_negative": "negative amount (return)",
    "duplicate_rows": "duplicate rows",
    "score_missing": "score skipped",
    "score_out_of_range": "score outside the scale",
    "score_fractional": "score not a whole number",
    "no_valid_score": "no usable score",
    "duplicate_response": "answered the same wave twice",
    "rating_out_of_range": "rating outside the scale",
}
_ACTIONS = {"stop": "report stops", "excluded": "left out", "kept": "kept"}
# Rows these checks keep in the data are still left out of every NPS (and counted there):
# say so where a reader sees the action, so "kept" never reads as "scored".
_KEPT_UNSCORED = {"score_missing", "score_out_of_range", "score_fractional"}


def quality_table(report: pd.DataFrame) -> pd.DataFrame:
    """The report as a table for readers: problem, column, rows (n and %), examples, action.

    >>> import pandas as pd
    >>> sales = pd.DataFrame({"customer_id": ["a", "b"], "order_date": ["2024-01-01"] * 2,
    ...                       "amount": [1.0, -1.0]})
    >>> print(quality_table(validate_sales(sales, as_of="2024-12-31")).T.to_string())
                                              0
    severity                            warning
    problem            negative amount (return)
    column                               amount
    rows affected (n)                         1
    of 2 rows (%)                          50.0
    examples                                 -1
    what happens                           kept
    """
    rows = report.attrs.get("rows", 0)
    return pd.DataFrame(
        {
            "severity": report["severity"],
            "problem": report["check"].map(lambda c: _LABELS.get(c, c)),
            "column": report["column"],
            "rows affected (n)": report["count"],
            f"of {rows:,} rows (%)": (100 * report["share"]).round(1),
            "examples": report["examples"],
            "what happens": [
                "kept, left out of NPS"
                if check in _KEPT_UNSCORED and action == "kept"
                else _ACTIONS.get(action, action)
                for check, action in zip(report["check"], report["action"], strict=True)
            ],
        }
    ).reset_index(drop=True)


def describe_quality(report: pd.DataFrame) -> str:
    """One Markdown sentence: rows checked, problems found, rows left out, stop or go.

    >>> import pandas as pd
    >>> sales = pd.DataFrame({"customer_id": ["a", None], "order_date": ["2024-01-01"] * 2,
    ...                       "amount": [1.0, 2.0]})
    >>> describe_quality(validate_sales(sales, as_of="2024-12-31"))
    '**2 sales rows checked**: 1 problem found; 1 row (50.0%) is left out of the analysis.'
    """
    table, rows = report.attrs.get("table", "input"), report.attrs.get("rows", 0)
    checked = f"**{rows:,} {table} rows checked**"
    if report.empty:
        labels = ", ".join(_LABELS.get(c, c) for c in report.attrs.get("checks", []))
        return f"{checked}: no problem found (checked: {labels})."
    fatal = int((report["severity"] == "fatal").sum())
    text = f"{checked}: {len(report)} problem{'s' if len(report) != 1 else ''} found"
    if fatal:
        return text + f", {fatal} of them fatal: **the report stops here**."
    excluded = len(report.attrs.get("excluded", []))
    if excluded:
        verb = "is" if excluded == 1 else "are"
        return (
            text + f"; {excluded:,} row{'s' if excluded != 1 else ''} "
            f"({100 * excluded / rows:.1f}%) {verb} left out of the analysis."
        )
    return text + "; no row is left out (see what happens to each below)."
