"""Turn a transaction log into clean purchase rows with calendar-period numbers.

Shared by :mod:`loyalty_lib.retention.cohorts` and :mod:`loyalty_lib.retention.repeat`. Everything
here is expressed in narwhals so that it runs in the caller's engine; only counts and
the distinct values of a string date column are ever collected.

Definitions used by both modules
--------------------------------
- **Day number**: days since 1970-01-01 of the row's calendar date (the time of day, if
  any, is ignored), computed from year and day-of-year with integer arithmetic.
- **Period number**: ``day`` = day number; ``week`` = weeks starting on **Monday**
  (ISO 8601), counted from Monday 1969-12-29; ``month`` = ``12 * year + month - 1``;
  ``quarter`` = ``4 * year + (month - 1) // 3`` (calendar quarters Jan–Mar, ...).
- **Purchase**: with ``value=None`` every row is a purchase. With ``value`` a row is a
  purchase when its value is ``>= 0`` (zero-value orders, e.g. free items, are purchases:
  CDNOW has 80 such $0 orders of one CD); a row with a negative value is a *return*: it
  is not activity, but its (negative) value is booked as revenue of its period.
- **as_of**: a calendar day; the data are taken to be complete up to and including it.
  Default: the last date in the data.

Rows that cannot be used are excluded and counted, and one :class:`ExcludedRowsWarning`
names each count: missing customer id, missing date, missing value, dated after
``as_of``, and returns dated before the customer's first purchase (or of a customer
with no purchase at all). Each row is counted under its first reason in that order.
Dates stored as strings must be ISO-like; an unparseable
string raises ``ValueError`` (a typo is not a missing value).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import narwhals.stable.v2 as nw
import pandas as pd

from loyalty_lib._checks import examples, require_columns, to_pandas
from loyalty_lib.engines import compute_frame, count_true, local_datetimes, reuse
from loyalty_lib.errors import DataQualityError, ExcludedRowsWarning
from loyalty_lib.inputs.dates import parse_dates, read_date_column, single_format
from loyalty_lib.inputs.privacy import id_examples

__all__ = [
    "ExcludedRowsWarning",
    "FREQS",
    "Purchases",
    "active_periods",
    "period_complete",
    "period_start",
    "prepare_purchases",
]


#: Accepted spellings of ``freq`` and the canonical name each maps to.
FREQS = {
    "D": "day",
    "day": "day",
    "W": "week",
    "week": "week",
    "M": "month",
    "MS": "month",
    "month": "month",
    "Q": "quarter",
    "QS": "quarter",
    "quarter": "quarter",
}

_EPOCH = pd.Timestamp("1970-01-01")
# Monday 1969-12-29 is day -3: week number = (day + 3) // 7.
_WEEK_OFFSET = 3
# Internal column names (prefixed so they never clash with the user's columns).
DAY = "__day"
PERIOD = "__period"
IS_PURCHASE = "__purchase"
VALUE = "__value"


def canonical_freq(freq: str) -> str:
    """Map ``freq`` to "day", "week", "month" or "quarter", or raise ``ValueError``."""
    if freq not in FREQS:
        raise ValueError(
            f"freq: {freq!r} is not supported; use one of 'day', 'week', 'month', 'quarter' "
            f"(or 'D', 'W', 'M', 'Q')"
        )
    return FREQS[freq]


def _leap_days_before(year: Any) -> Any:
    """Leap days in years 1..year (works on ints and integer narwhals expressions)."""
    return year // 4 - year // 100 + year // 400


def day_number_expr(column: str) -> nw.Expr:
    """Days since 1970-01-01 of a date/datetime column, as an integer expression."""
    year = nw.col(column).dt.year().cast(nw.Int64)
    ordinal = nw.col(column).dt.ordinal_day().cast(nw.Int64)
    return (year - 1970) * 365 + _leap_days_before(year - 1) - _leap_days_before(1969) + ordinal - 1


def period_number_expr(column: str, freq: str) -> nw.Expr:
    """The calendar-period number of a date column (see the module docstring)."""
    if freq == "day":
        return day_number_expr(column)
    if freq == "week":
        return (day_number_expr(column) + _WEEK_OFFSET) // 7
    year = nw.col(column).dt.year().cast(nw.Int64)
    month = nw.col(column).dt.month().cast(nw.Int64)
    if freq == "month":
        return year * 12 + month - 1
    return year * 4 + (month - 1) // 3


def day_number(day: pd.Timestamp) -> int:
    """Day number of a pandas timestamp (same convention as :func:`day_number_expr`)."""
    return int((day.normalize() - _EPOCH).days)


def period_number(day: pd.Timestamp, freq: str) -> int:
    """Period number of a pandas timestamp (same convention as :func:`period_number_expr`)."""
    if freq == "day":
        return day_number(day)
    if freq == "week":
        return (day_number(day) + _WEEK_OFFSET) // 7
    if freq == "month":
        return day.year * 12 + day.month - 1
    return day.year * 4 + (day.month - 1) // 3


def period_start(number: Any, freq: str) -> pd.Series:
    """First calendar day of period number(s) ``number`` (a pandas Series of datetimes)."""
    numbers = pd.Series(number, dtype="int64")
    if freq == "day":
        return _EPOCH + pd.to_timedelta(numbers, unit="D")
    if freq == "week":
        return _EPOCH + pd.to_timedelta(numbers * 7 - _WEEK_OFFSET, unit="D")
    months = numbers if freq == "month" else numbers * 3
    years, month0 = months // 12, months % 12
    return pd.to_datetime(pd.DataFrame({"year": years, "month": month0 + 1, "day": 1}))


def period_end(number: Any, freq: str) -> pd.Series:
    """Last calendar day of period number(s) ``number``."""
    numbers = pd.Series(number, dtype="int64")
    return period_start(numbers + 1, freq) - pd.Timedelta(days=1)


_PERIOD_LENGTH = {
    "day": pd.DateOffset(days=1),
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
    "quarter": pd.DateOffset(months=3),
    "year": pd.DateOffset(years=1),
}


def period_complete(starts: Any, freq: str, first: Any, last: Any) -> pd.Series:
    """Whether the data cover each calendar period from its first to its last day.

    A period is **complete** when the log's first date is on or before the period's first
    day and its last date on or after the period's last day; a first year holding only
    December, or a last month of 9 days, is **partial**. Per-period rates, "lowest" or
    "highest period" sentences and yearly value inputs must leave partial periods out
    (or prorate them and say so).

    Parameters
    ----------
    starts
        First days of the periods (datetimes).
    freq
        ``"day"``, ``"week"``, ``"month"``, ``"quarter"`` or ``"year"``.
    first, last
        First and last dates of the data (times of day are ignored).

    Examples
    --------
    >>> import pandas as pd
    >>> starts = pd.Series(pd.to_datetime(["2022-01-01", "2023-01-01", "2024-01-01"]))
    >>> period_complete(starts, "year", "2022-12-01", "2024-12-31").tolist()
    [False, True, True]
    >>> period_complete(pd.Series(pd.to_datetime(["2024-06-01"])), "month",
    ...                 "2024-01-01", "2024-06-09").tolist()
    [False]
    """
    if freq not in _PERIOD_LENGTH:
        raise ValueError(f"freq: expected one of {sorted(_PERIOD_LENGTH)}, got {freq!r}")
    begin = pd.Series(pd.to_datetime(starts)).reset_index(drop=True)
    end = begin + _PERIOD_LENGTH[freq] - pd.Timedelta(days=1)
    first_day = pd.Timestamp(first).normalize()
    last_day = pd.Timestamp(last).normalize()
    return ((begin >= first_day) & (end <= last_day)).astype(bool)


@dataclass
class Purchases:
    """Clean rows of a transaction log, ready for grouping (all frames are narwhals)."""

    rows: Any  # valid rows with DAY, IS_PURCHASE and VALUE (if value given) columns
    as_of: pd.Timestamp
    as_of_day: int
    by: list[str]
    excluded: dict[str, int] = field(default_factory=dict)


def _parse_string_dates(frame: Any, date: str) -> Any:
    """Parse a text date column with the one date parser, or raise naming the bad values.

    The reading is chosen from the distinct values (:mod:`loyalty_lib.inputs.dates`), as in
    :func:`~loyalty_lib.inputs.validate.validate_sales`, so both read a column the same way.
    When every value fits one strptime format the engine parses the column; otherwise (times
    with and without seconds, two-digit years) a pandas frame is parsed by pandas.
    """
    distinct = to_pandas(frame.select(nw.col(date)).unique())[date].dropna().astype(str)
    result = read_date_column(distinct.reset_index(drop=True), column=date)
    bad_values = sorted(result.not_dates + result.not_real)
    if bad_values:
        how = f" read {result.reading.label}" if result.reading is not None else ""
        raise DataQualityError(
            f"{date}: {len(bad_values)} distinct date strings are not dates{how}: "
            f"{examples(bad_values)}. Fix or drop them, or parse the column yourself (e.g. "
            "pandas.to_datetime) before calling."
        )
    if result.reading is None:
        return frame
    fmt = single_format(distinct.str.strip().unique().tolist(), result.reading)
    if fmt is not None:
        return frame.with_columns(nw.col(date).str.to_datetime(format=fmt))
    if frame.implementation.is_pandas_like():
        native = frame.to_native().copy()
        native[date] = parse_dates(native[date], column=date)
        return nw.from_native(native, eager_only=True)
    raise DataQualityError(
        f"{date}: the dates are read {result.reading.label} but are written in several "
        "layouts (with and without seconds, or two-digit years); export them in one layout "
        "or parse the column before calling."
    )


def _check_date_dtype(frame: Any, date: str) -> Any:
    dtype = frame.collect_schema()[date]
    if isinstance(dtype, (nw.Datetime, nw.Date)) or dtype == nw.Datetime or dtype == nw.Date:
        return local_datetimes(frame, [date])
    if dtype == nw.String:
        return _parse_string_dates(frame, date)
    if dtype.is_integer():  # 20240201: yyyymmdd written as a number
        bounds = to_pandas(frame.select(lo=nw.col(date).min(), hi=nw.col(date).max()))
        lo, hi = bounds["lo"].iloc[0], bounds["hi"].iloc[0]
        if not pd.isna(lo) and 10_000_101 <= lo and hi <= 99_991_231:
            return _parse_string_dates(frame.with_columns(nw.col(date).cast(nw.String)), date)
    raise TypeError(
        f"{date}: expected a date or datetime column (or date strings, or whole numbers "
        f"written yyyymmdd), got dtype {dtype}"
    )


def _as_of_timestamp(as_of: Any) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"as_of: {as_of!r} is not a date") from exc
    if pd.isna(stamp):
        raise ValueError(f"as_of: {as_of!r} is not a date")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def prepare_purchases(
    data: Any,
    *,
    customer: str,
    date: str,
    value: str | None = None,
    as_of: Any = None,
    by: str | list[str] | None = None,
    freq: str | None = None,
) -> Purchases:
    """Validate a transaction log and return its usable rows (see the module docstring).

    Emits one :class:`ExcludedRowsWarning` with the counts when rows are left out.
    """
    frame = compute_frame(data)
    by_list = [by] if isinstance(by, str) else list(by or [])
    for name in by_list:
        if name in (customer, date, value):
            raise ValueError(f"by: {name!r} is also the customer, date or value column")
    require_columns(frame, [customer, date, value, *by_list])
    frame = frame.select(
        list(dict.fromkeys([customer, date, *([value] if value else []), *by_list]))
    )
    frame = _check_date_dtype(frame, date)
    if value is not None:
        dtype = frame.collect_schema()[value]
        if not dtype.is_numeric():
            raise TypeError(f"{value}: expected a numeric column of amounts, got dtype {dtype}")

    # Exclusion reasons are counted in order, each row under its first reason only.
    no_id = nw.col(customer).is_null()
    no_date = ~no_id & nw.col(date).is_null()
    valid = ~nw.col(customer).is_null() & ~nw.col(date).is_null()
    counts = {
        "rows": nw.len(),
        "missing_customer": count_true(no_id),
        "missing_date": count_true(no_date),
        "last_date": nw.col(date).max(),
    }
    if value is not None:
        counts["missing_value"] = count_true(valid & nw.col(value).is_null())
        valid = valid & ~nw.col(value).is_null()
    counts["valid"] = count_true(valid)
    summary = to_pandas(frame.select(**counts)).iloc[0]
    if int(summary["rows"]) == 0 or pd.isna(summary["last_date"]):
        raise ValueError(f"{date}: no rows with a date; nothing to analyse")
    last_day = day_number(pd.Timestamp(summary["last_date"]))
    as_of_ts = _EPOCH + pd.Timedelta(days=last_day) if as_of is None else _as_of_timestamp(as_of)
    as_of_day = day_number(as_of_ts)

    rows = frame.filter(valid).with_columns(day_number_expr(date).alias(DAY))
    if freq is not None:
        rows = rows.with_columns(period_number_expr(date, freq).alias(PERIOD))
    after = 0
    if last_day > as_of_day:
        after = int(to_pandas(rows.select(count_true(nw.col(DAY) > as_of_day).alias("n")))["n"][0])
        rows = rows.filter(nw.col(DAY) <= as_of_day)
    if after and after == int(summary["valid"]):
        raise ValueError(f"as_of: every dated row is after {as_of_ts.date()}; nothing to analyse")
    purchase = nw.lit(True) if value is None else nw.col(value) >= 0
    rows = rows.with_columns(purchase.alias(IS_PURCHASE))
    if value is not None:
        rows = rows.with_columns(nw.col(value).cast(nw.Float64).alias(VALUE))

    excluded = {
        "missing_customer": int(summary["missing_customer"]),
        "missing_date": int(summary["missing_date"]),
        "missing_value": int(summary["missing_value"]) if value is not None else 0,
        "after_as_of": after,
    }
    return Purchases(rows=rows, as_of=as_of_ts, as_of_day=as_of_day, by=by_list, excluded=excluded)


def until(p: Purchases, as_of: Any) -> Purchases:
    """The clean rows of ``p`` up to an earlier calendar day, on the same engine frame.

    Two snapshots of one log that are joined (RFM transitions, the lapse backtest) must
    come from one frame: DuckDB cannot join relations of two connections, which two
    :func:`prepare_purchases` calls on a large pandas frame would give.
    """
    ts = _as_of_timestamp(as_of)
    day = day_number(ts)
    if day > p.as_of_day:
        raise ValueError(f"as_of: {ts.date()} is after {p.as_of.date()}")
    return Purchases(
        rows=p.rows.filter(nw.col(DAY) <= day),
        as_of=ts,
        as_of_day=day,
        by=list(p.by),
        excluded=dict(p.excluded),
    )


_LABELS = {
    "missing_customer": "missing customer id",
    "missing_date": "missing date",
    "missing_value": "missing value",
    "after_as_of": "dated after as_of",
    "before_first_purchase": "returns before the customer's first purchase "
    "(or of customers with no purchase)",
}


def warn_excluded(excluded: dict[str, int], *, as_of: pd.Timestamp, stacklevel: int = 3) -> None:
    """One :class:`ExcludedRowsWarning` listing every non-zero exclusion count."""
    parts = [
        f"{n:,} {_LABELS[key]}" + (f" {as_of.date()}" if key == "after_as_of" else "")
        for key, n in excluded.items()
        if n
    ]
    if parts:
        warnings.warn(
            "excluded rows: " + "; ".join(parts) + ".",
            ExcludedRowsWarning,
            stacklevel=stacklevel,
        )


def active_periods(p: Purchases, customer: str, *, once: bool = True) -> Any:
    """The distinct (customer, period, segments) rows with a purchase: who is active when.

    Several purchases of a customer in one period collapse into one row, so the frame
    is smaller than the log and "active customers" become a plain count of its rows.
    With ``once`` the frame is computed once (:func:`~loyalty_lib.engines.reuse`); without,
    each query that reads it recomputes it, which spills: a materialized DuckDB relation
    stays in memory past the limit (10M rows, 300MB limit: 1.25 GB peak against 0.54 GB).
    """
    # A group-by rather than .unique(): narwhals runs unique() on lazy backends as a
    # row_number() window, several times slower than a hash aggregation.
    active = (
        p.rows.filter(nw.col(IS_PURCHASE))
        .group_by(customer, PERIOD, *p.by)
        .agg(nw.len().alias("__orders"))
        .drop("__orders")
    )
    # Computed once (reuse): the first purchase and the counts both read it.
    return reuse(active) if once else active


def first_purchase_frame(
    p: Purchases, customer: str, *, periods: bool = False, active: Any = None
) -> Any:
    """One row per customer with a purchase: first purchase day (and period), segments.

    Columns: ``customer``, ``__first_day``, ``__last_day`` (last purchase day) and, with
    ``periods``, ``__cohort`` / ``__last_period``; plus the ``by`` columns. Raises
    ``ValueError`` when a ``by`` column varies within a customer. Given ``active`` (the
    frame of :func:`active_periods`), only the period columns are computed, from it.
    """
    purchases = p.rows.filter(nw.col(IS_PURCHASE)) if active is None else active
    aggs = []
    if active is None:
        aggs += [nw.col(DAY).min().alias("__first_day"), nw.col(DAY).max().alias("__last_day")]
    if periods or active is not None:
        aggs += [
            nw.col(PERIOD).min().alias("__cohort"),
            nw.col(PERIOD).max().alias("__last_period"),
        ]
    if p.by:
        aggs += [nw.col(b).n_unique().alias(f"__n_{b}") for b in p.by]
        aggs += [nw.col(b).min() for b in p.by]
    first = purchases.group_by(customer).agg(*aggs)
    if p.by:
        varying = to_pandas(
            first.select(*[count_true(nw.col(f"__n_{b}") > 1).alias(b) for b in p.by])
        ).iloc[0]
        for b in p.by:
            if int(varying[b]):
                bad = to_pandas(first.filter(nw.col(f"__n_{b}") > 1).select(customer).head(5))[
                    customer
                ].tolist()
                raise ValueError(
                    f"{b}: {int(varying[b])} customers have more than one value, e.g. "
                    f"{id_examples(bad)}; a segment must be constant per customer (use the "
                    "value at the first purchase, for example)"
                )
        first = first.drop([f"__n_{b}" for b in p.by])
    return first
