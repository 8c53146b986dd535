"""The column checks :mod:`loyalty_lib.inputs.validate` runs on both tables.

Each takes the :class:`~loyalty_lib.inputs._quality._Report` being filled and a column
collected into pandas, records the checks it ran and the problems it found, and returns what
the next check needs (parsed dates, numbers as floats) or whether the table can go on.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import as_frame, column_names
from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs._quality import _counted, _n, _Report, _rows, _show
from loyalty_lib.inputs.dates import read_date_column

_OFFSET = re.compile(r"(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_TIME = re.compile(r"\d[T ]\d{1,2}:\d{2}")


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


def _date_text(v: Any) -> str:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))  # 20240201.0 from a float column
    return str(v)


# long: zone, parse, missing and future checks share one parsed series
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
        texts = present.map(_date_text)
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
        try:  # the one date parser, as the analyses use it (loyalty_lib.inputs.dates)
            result = read_date_column(stripped, column=column)
        except DataQualityError as exc:  # the column cannot be read one way at all
            report.add(
                "date_unparseable",
                "fatal",
                column,
                len(present),
                _show(present.tolist(), 3),
                "stop",
                str(exc),
            )
            return pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
        parsed = result.parsed
        failed = set(result.not_dates) | set(result.not_real)
        bad = present[stripped.isin(failed)]
        how = f" read {result.reading.label}" if result.reading and len(bad) else ""
        report.add(
            "date_unparseable",
            "fatal",
            column,
            len(bad),
            _counted(bad.astype(str)),
            "stop",
            f"{column}: {_n(len(bad), rows)} are not dates{how} (e.g. "
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
    report.check("too_large")
    huge = ~infinite & (values.abs() >= TOO_LARGE)
    report.add(
        "too_large",
        "fatal",
        column,
        int(huge.sum()),
        _counted(values[huge]),
        "stop",
        f"{column}: {_n(int(huge.sum()), report.rows)} are {TOO_LARGE:,.0f} or more in size "
        f"(e.g. {_show(values[huge].tolist(), 3)}); no {role} is that large (a unit or "
        "export error), and sums of such numbers lose their cents or overflow to infinity.",
    )
    return values


#: Numbers of this size or more are an export error, not an amount: above 2**53 (about 9.0e15)
#: a float64 cannot even hold every whole unit, and sums of a few 1e308 overflow to infinity.
TOO_LARGE = 1e15


def _sum_overflows(report: _Report, values: pd.Series, column: str) -> None:
    """A fatal problem when the column's total cannot be computed as a finite number."""
    report.check("sum_overflow")
    finite = values[np.isfinite(values)]
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(finite.to_numpy().sum()) if len(finite) else 0.0
        largest = float(finite.abs().to_numpy().max()) if len(finite) else 0.0
    if largest >= TOO_LARGE or (np.isfinite(total) and abs(total) < 2**53):
        return  # (numbers too large are reported one by one by _numbers)
    report.add(
        "sum_overflow",
        "fatal",
        column,
        len(finite),
        f"sum {total:g}",
        "stop",
        f"{column}: the {len(finite):,} amounts add up to {total:g}, beyond what can be "
        "summed to the cent; totals such as net sales would be wrong or infinite.",
    )


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
