"""The one date parser of the library: every column is read one way, or refused with a reason.

Real exports write dates in many ways: ``2024-02-01``, ``20240201`` (text or integer),
``01.02.2024`` (the norm in the markets of our source articles), ``01/02/2024`` (day-first in
Europe, month-first in the USA), ``12/1/2022 8:01`` (UCI Online Retail), Excel cells that
arrive as datetimes. :func:`infer_date_format` looks at the distinct values of a column and
chooses **one** reading for the whole column:

- ISO (``YYYY-MM-DD``, with an optional time, ``T`` or space) and compact ``YYYYMMDD``
  (text or integer) are unambiguous.
- For ``a/b/yyyy``, ``a.b.yyyy`` and ``a-b-yyyy`` (optionally with a time), the order of day
  and month is decided by the values: a first number over 12 somewhere means day-first, a
  second number over 12 means month-first. When no value has a number over 12 in either
  position and no order is declared, the column is **refused** with examples and both
  readings (``01/02/2024`` is 1 February day-first, 2 January month-first); when both occur,
  the column mixes two orders and is refused too. A declared ``dayfirst`` or ``format``
  decides instead, and every value must then fit it.
- A column never mixes families (ISO and day-first in one column is refused), and a value
  that does not fit the chosen reading (``31/02/2024``) is an error naming it, never a
  silent ``NaT``.

:func:`parse_dates` applies the reading to a pandas Series; :func:`to_datetime_expr` gives the
narwhals expression for engines (one strptime format per column). Errors are
:class:`~loyalty_lib.errors.DataQualityError` with a plain sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyalty_lib.errors import DataQualityError

__all__ = [
    "DateReading",
    "infer_date_format",
    "parse_dates",
    "read_date_column",
    "single_format",
    "to_datetime_expr",
]

_TIME = (
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"(?:\s?(?P<P>[AaPp]\.?[Mm]\.?))?)?"  # 10/26/2023 11:43:45 AM (SurveyMonkey)
)
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<a>\d{1,2})-(?P<b>\d{1,2})" + _TIME + r"$")
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<a>\d{2})(?P<b>\d{2})$")
_ABY = re.compile(
    r"^(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})" + _TIME + r"$"
)
_ZONED = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class DateReading:
    """How a column's dates are read: ``order`` is ``"iso"``, ``"compact"``, ``"day-first"``
    or ``"month-first"``; ``separator`` the one between the numbers; ``reason`` says what
    decided it (for the data-quality table)."""

    column: str
    order: str
    separator: str = "-"
    with_time: bool = False
    reason: str = ""
    meridiem: bool = False  # times written with AM/PM

    @property
    def formats(self) -> tuple[str, ...]:
        """The strptime formats of the reading: with a time first, then the date alone."""
        if self.order == "compact":
            return ("%Y%m%d",)
        s = self.separator
        date = {
            "iso": f"%Y{s}%m{s}%d",
            "day-first": f"%d{s}%m{s}%Y",
            "month-first": f"%m{s}%d{s}%Y",
        }[self.order]
        if self.meridiem:
            return (f"{date} %I:%M:%S %p", f"{date} %I:%M %p", date)
        return (f"{date} %H:%M:%S", f"{date} %H:%M", date) if self.with_time else (date,)

    @property
    def label(self) -> str:
        """A reader's name for the reading, e.g. ``day-first (dd/mm/yyyy)``."""
        s = self.separator
        return {
            "iso": "ISO (yyyy-mm-dd)",
            "compact": "yyyymmdd",
            "day-first": f"day-first (dd{s}mm{s}yyyy)",
            "month-first": f"month-first (mm{s}dd{s}yyyy)",
        }[self.order]


def _show(values: Sequence[Any], limit: int = 3) -> str:
    return ", ".join(repr(v) for v in list(values)[:limit]) + (", …" if len(values) > limit else "")


def _spoken(day: int, month: int, year: int) -> str:
    return f"{day} {_MONTHS[month - 1]} {year}" if 1 <= month <= 12 else "no date"


def _texts(values: Iterable[Any]) -> list[str]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            continue
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            out.append(str(int(v)))
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            out.append(str(int(v)))  # 20240201.0 from a float export
        else:
            text = str(v).strip()
            if text:
                out.append(text)
    return out


def infer_date_format(
    values: Iterable[Any],
    *,
    column: str,
    dayfirst: bool | None = None,
    format: str | None = None,  # noqa: A002 - the name users know from pandas
) -> DateReading:
    """Choose the one reading of a column from its (distinct) non-missing text values.

    Examples
    --------
    >>> infer_date_format(["13/02/2023", "05/02/2023"], column="d").label
    'day-first (dd/mm/yyyy)'
    >>> infer_date_format(["12/1/2022 8:01", "12/13/2022 9:30"], column="d").order
    'month-first'
    >>> infer_date_format(["01/02/2024", "03/04/2024"], column="d")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyalty_lib.errors.DataQualityError: The date column 'd' cannot be read safely: ...
    """
    texts = sorted(set(_texts(values)))
    if format is not None:
        return _declared(texts, column, format)
    families: dict[str, list[re.Match]] = {"iso": [], "compact": [], "aby": []}
    bad, zoned = [], []
    for text in texts:
        if _ZONED.search(text):
            zoned.append(text)
            text = _ZONED.sub("", text)
        for family, pattern in (("iso", _ISO), ("compact", _COMPACT), ("aby", _ABY)):
            match = pattern.match(text)
            if match:
                families[family].append(match)
                break
        else:
            bad.append(text)
    where = f"The date column {column!r}"
    if bad:
        raise DataQualityError(
            f"{where} has {len(bad):,} distinct values that are not dates in any format the "
            f"workspace reads (e.g. {_show(bad)}). Dates may be written yyyy-mm-dd, yyyymmdd, "
            "dd.mm.yyyy, dd/mm/yyyy or mm/dd/yyyy (optionally with a time), or declare a "
            "date_format in the source."
        )
    used = [f for f, m in families.items() if m]
    if len(used) > 1:
        shown = "; ".join(f"{len(families[f]):,} like {families[f][0].string!r}" for f in used)
        raise DataQualityError(
            f"{where} mixes date formats ({shown}); a column is read one way only. Export the "
            "column in one format, or declare a date_format in the source."
        )
    if not used:
        return DateReading(column, "iso", reason="no dates")
    family = used[0]
    matches = families[family]
    with_time = any(m.groupdict().get("H") for m in matches)
    meridiem = any(m.groupdict().get("P") for m in matches)
    if family in ("iso", "compact"):
        return DateReading(
            column, family, with_time=with_time, reason="unambiguous format", meridiem=meridiem
        )
    separators = {m.group("sep") for m in matches}
    if len(separators) > 1:
        raise DataQualityError(
            f"{where} mixes separators ({', '.join(sorted(separators))}); a column is read one "
            "way only. Declare a date_format in the source."
        )
    sep = separators.pop()
    first_big = [m.string for m in matches if int(m.group("a")) > 12]
    second_big = [m.string for m in matches if int(m.group("b")) > 12]
    if first_big and second_big:
        raise DataQualityError(
            f"{where} reads two ways: some values have a day first ({_show(first_big)}), "
            f"others a month first ({_show(second_big)}). Fix the export, or declare "
            "dayfirst: true (or false) in the source to read every value one way."
        )
    if dayfirst is not None:
        order = "day-first" if dayfirst else "month-first"
        contradicting = second_big if dayfirst else first_big
        if contradicting:
            raise DataQualityError(
                f"{where}: the source declares {order} dates but {len(contradicting):,} values "
                f"cannot be read so (e.g. {_show(contradicting)})."
            )
        return DateReading(
            column, order, sep, with_time, reason="declared in the source", meridiem=meridiem
        )
    if first_big:
        return DateReading(
            column,
            "day-first",
            sep,
            with_time,
            reason=f"a first number over 12 (e.g. {first_big[0]!r})",
            meridiem=meridiem,
        )
    if second_big:
        return DateReading(
            column,
            "month-first",
            sep,
            with_time,
            reason=f"a second number over 12 (e.g. {second_big[0]!r})",
            meridiem=meridiem,
        )
    example = next((m for m in matches if m.group("a") != m.group("b")), matches[0])
    a, b, y = int(example.group("a")), int(example.group("b")), _year(example.group("y"))
    raise DataQualityError(
        f"{where} cannot be read safely: the day and the month cannot be told apart (no value "
        f"has a number over 12 in either position, e.g. {_show([m.string for m in matches], 2)})."
        f" {example.string!r} is {_spoken(a, b, y)} read day-first but {_spoken(b, a, y)} read "
        "month-first. Declare the order in the source: dayfirst: true (or false), or a "
        f'date_format such as "%d{sep}%m{sep}%Y".'
    )


def _year(text: str) -> int:
    year = int(text)
    return year + (2000 if year < 69 else 1900) if len(text) == 2 else year


def _declared(texts: list[str], column: str, fmt: str) -> DateReading:
    parsed = pd.to_datetime(pd.Series(texts, dtype="object"), format=fmt, errors="coerce")
    bad = [t for t, p in zip(texts, parsed, strict=True) if pd.isna(p)]
    if bad:
        raise DataQualityError(
            f"The date column {column!r}: {len(bad):,} distinct values do not fit the declared "
            f"date_format {fmt!r} (e.g. {_show(bad)})."
        )
    return _Declared(column, "declared", reason=f"declared date_format {fmt!r}", fmt=fmt)


@dataclass(frozen=True)
class _Declared(DateReading):
    fmt: str = ""

    @property
    def formats(self) -> tuple[str, ...]:
        return (self.fmt,)

    @property
    def label(self) -> str:
        return f"declared format {self.fmt}"


def _parse_texts(texts: pd.Series, reading: DateReading) -> pd.Series:
    """Parse distinct texts with the reading; NaT where a value does not fit."""
    if isinstance(reading, _Declared):
        return pd.to_datetime(texts, format=reading.fmt, errors="coerce")
    stripped = texts.str.replace(_ZONED, "", regex=True)
    pattern = {"iso": _ISO, "compact": _COMPACT}.get(reading.order, _ABY)
    parts = stripped.str.extract(pattern.pattern)
    first, second = pd.to_numeric(parts["a"]), pd.to_numeric(parts["b"])
    day, month = (first, second) if reading.order == "day-first" else (second, first)
    if reading.order in ("iso", "compact"):
        day, month = second, first
    year = pd.to_numeric(parts["y"])
    if "y" in parts and parts["y"].str.len().eq(2).any():
        year = year.where(parts["y"].str.len() != 2, year + np.where(year < 69, 2000, 1900))
    fields = pd.DataFrame({"year": year, "month": month, "day": day})
    for name, key in (("hour", "H"), ("minute", "M"), ("second", "S")):
        fields[name] = pd.to_numeric(parts[key]).fillna(0) if key in parts else 0
    if "P" in parts and parts["P"].notna().any():
        pm = parts["P"].str.lower().str.startswith("p").fillna(False).astype(bool)
        hour = fields["hour"]
        bad_hour = parts["P"].notna() & ((hour < 1) | (hour > 12))
        fields["hour"] = hour.where(parts["P"].isna(), hour % 12 + np.where(pm, 12, 0))
        fields.loc[bad_hour, "hour"] = np.nan  # 13:00 PM is not a time
    return pd.to_datetime(fields, errors="coerce")


@dataclass(frozen=True)
class DateColumn:
    """A column read one way: the parsed dates, the reading, and the values that failed.

    ``not_dates`` are distinct present values that fit no format the workspace reads (or
    not the declared one); ``not_real`` fit the reading's shape but are no calendar day
    (``31/02/2024``). Both are empty when every present value was read.
    """

    parsed: pd.Series
    reading: DateReading | None
    not_dates: list[str]
    not_real: list[str]


def _shape(text: str) -> bool:
    stripped = _ZONED.sub("", text)
    return any(p.match(stripped) for p in (_ISO, _COMPACT, _ABY))


# long: native datetimes, numbers, texts and the lookup share one pass over the column
def read_date_column(
    values: pd.Series,
    *,
    column: str | None = None,
    dayfirst: bool | None = None,
    format: str | None = None,  # noqa: A002 - the name users know from pandas
) -> DateColumn:
    """Read a column one way and say which values failed, instead of raising on them.

    The validator counts failing rows with this; :func:`parse_dates` raises on them. A column
    that cannot be read one way at all (day and month cannot be told apart, two orders, two
    formats) still raises :class:`DataQualityError`: no value of it can be trusted.
    """
    name = column or str(values.name)
    if pd.api.types.is_datetime64_any_dtype(values):
        return DateColumn(_naive(values, name), None, [], [])
    if pd.api.types.is_bool_dtype(values):
        raise DataQualityError(f"The date column {name!r} holds true/false values, not dates.")
    present = values[values.notna()]
    if pd.api.types.is_string_dtype(values) and present.map(type).eq(str).all():
        native = pd.Series(False, index=present.index)  # text only: the fast path
        keys = present.str.strip()
        keys = keys.where(keys != "")
    else:
        native = present.map(lambda v: isinstance(v, (dt.date, pd.Timestamp)))
        if len(present) and native.all():
            parsed = _naive(pd.to_datetime(values, errors="coerce"), name)
            return DateColumn(parsed, None, [], [])
        keys = present[~native].map(lambda v: (_texts([v]) or [None])[0])
    texts = sorted(set(keys.dropna()))
    if pd.api.types.is_numeric_dtype(values):
        not_dates = [t for t in texts if not re.fullmatch(r"\d{8}", t)]
    elif format is not None:
        fits = pd.to_datetime(pd.Series(texts, dtype="object"), format=format, errors="coerce")
        not_dates = [t for t, p in zip(texts, fits, strict=True) if pd.isna(p)]
    else:
        not_dates = [t for t in texts if not _shape(t)]
    shaped = [t for t in texts if t not in set(not_dates)]
    reading = infer_date_format(shaped, column=name, dayfirst=dayfirst, format=format)
    distinct = pd.Series(shaped, dtype="object")
    parsed = _parse_texts(distinct, reading) if len(distinct) else pd.Series([], dtype="M8[ns]")
    not_real = distinct[parsed.isna().to_numpy()].tolist()
    lookup = {t: p for t, p in zip(distinct, parsed, strict=True) if not pd.isna(p)}
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if len(keys):
        out.loc[keys.index] = keys.map(lookup).astype("datetime64[ns]")
    if native.any():
        out.loc[native[native].index] = _naive(pd.to_datetime(present[native]), name)
    return DateColumn(out, reading, not_dates, not_real)


def parse_dates(
    values: pd.Series,
    *,
    column: str | None = None,
    dayfirst: bool | None = None,
    format: str | None = None,  # noqa: A002 - the name users know from pandas
) -> pd.Series:
    """Read a column of dates one way (see the module docs); naive ``datetime64[ns]``.

    Datetime columns are returned as naive wall-clock times; integers and texts are read
    with :func:`infer_date_format`. Missing values (empty text, NaN, None) stay ``NaT``;
    a present value that does not fit the reading raises :class:`DataQualityError`.

    Examples
    --------
    >>> parse_dates(pd.Series(["01.02.2024", "13.02.2024", ""]), column="d").tolist()
    [Timestamp('2024-02-01 00:00:00'), Timestamp('2024-02-13 00:00:00'), NaT]
    >>> parse_dates(pd.Series([20240201, 20241231]), column="d").dt.strftime("%d %b").tolist()
    ['01 Feb', '31 Dec']
    >>> parse_dates(pd.Series(["10/26/2023 11:43:45 PM"]), column="d").tolist()
    [Timestamp('2023-10-26 23:43:45')]
    """
    name = column or str(values.name)
    result = read_date_column(values, column=name, dayfirst=dayfirst, format=format)
    if result.not_dates and pd.api.types.is_numeric_dtype(values):
        raise DataQualityError(
            f"The date column {name!r} holds numbers that are not dates written yyyymmdd "
            f"(e.g. {_show(result.not_dates)}); export the dates as text or "
            "declare a date_format."
        )
    if result.not_dates and format is not None:
        raise DataQualityError(
            f"The date column {name!r}: {len(result.not_dates):,} distinct values do not fit "
            f"the declared date_format {format!r} (e.g. {_show(result.not_dates)})."
        )
    if result.not_dates:
        raise DataQualityError(
            f"The date column {name!r} has {len(result.not_dates):,} distinct values that are "
            f"not dates in any format the workspace reads (e.g. {_show(result.not_dates)}). "
            "Dates may be written yyyy-mm-dd, yyyymmdd, dd.mm.yyyy, dd/mm/yyyy or mm/dd/yyyy "
            "(optionally with a time), or declare a date_format in the source."
        )
    if result.not_real:
        reading = result.reading
        label = reading.label if reading is not None else "as dates"
        raise DataQualityError(
            f"The date column {name!r} is read {label}, but {len(result.not_real):,} distinct "
            f"values are not real dates that way (e.g. {_show(result.not_real)})."
        )
    return result.parsed


def _naive(parsed: pd.Series, name: str) -> pd.Series:
    tz = getattr(parsed.dt, "tz", None)
    return (parsed.dt.tz_localize(None) if tz is not None else parsed).astype("datetime64[ns]")


def single_format(texts: Sequence[str], reading: DateReading) -> str | None:
    """The one strptime format of the reading that every text fits, if there is one.

    An engine can then parse the column with ``str.to_datetime(format=...)``; ``None`` when
    the texts need two formats (times with and without seconds) or two-digit years.
    """
    series = pd.Series(list(texts), dtype="object")
    for fmt in reading.formats:
        if not len(series) or pd.to_datetime(series, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


def to_datetime_expr(column: str, reading: DateReading) -> Any:
    """The narwhals expression that reads a text column on any engine (one format).

    Only readings with one strptime format (no optional time part) are expressible this way;
    others raise ``ValueError`` (the caller then parses the distinct values with pandas).
    """
    import narwhals.stable.v2 as nw

    formats = reading.formats
    if len(formats) != 1:
        raise ValueError(f"{column}: the reading {reading.label} with times needs pandas")
    return nw.col(column).str.to_datetime(format=formats[0])
