"""Sales logs that stay where they live: opened by the engine, checked by aggregate queries.

A report on the ``duckdb`` or ``spark`` engine never loads the log into pandas:

- :func:`open_sales` hands the engine the files themselves (a Parquet file, folder or glob,
  plain or declared under ``sources:`` with its column mapping): DuckDB's ``read_parquet`` or
  Spark's ``spark.read.parquet`` read them; the mapping (renames, ids as text, amount =
  quantity x price, cancellations) becomes expressions of the query. Bundled data and
  text exports (CSV, Excel: read with the encoding, delimiter and date rules of
  :mod:`loyalty_lib.inputs.reading`) are small; they are read into pandas and handed over.
- :func:`validate_sales` (in :mod:`loyalty_lib.inputs.validate`) runs the same checks on a
  lazy frame as one aggregate query plus a distinct count; its examples are bounded samples
  (the dates of the offending rows, never an id), its exclusions are filters, applied by
  :func:`~loyalty_lib.inputs.validate.drop_excluded`.
- :func:`log_summary` and :func:`between` give the notebooks the counts and the date window
  they print, as queries.

Only aggregates (one row per group, customer or period) are collected; see
``docs/architecture.md`` ("Where the data live").
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import narwhals.stable.v2 as nw
import pandas as pd

from loyalty_lib._checks import as_frame, column_names
from loyalty_lib.engines import ENGINES, count_true, is_path, local_datetimes, to_engine
from loyalty_lib.errors import DataQualityError, ReportConfigError
from loyalty_lib.inputs._column_checks import TOO_LARGE, _today
from loyalty_lib.inputs._quality import _distinct_rows, _n, _Report
from loyalty_lib.inputs.ids import id_expr

__all__ = [
    "between",
    "distinct",
    "first_values",
    "is_lazy",
    "log_summary",
    "open_sales",
    "returning_buyers",
    "where_equal",
]

_PARQUET = (".parquet", ".parq", ".pq")
#: DuckDB's memory limit for a report on the duckdb engine (``SET memory_limit``), from the
#: environment: ``LOYALTY_DUCKDB_MEMORY=3GB loyalty report -p engine=duckdb``. DuckDB spills
#: to its temporary folder beyond it. Unset: DuckDB's default (80 % of the machine's memory).
MEMORY_ENV = "LOYALTY_DUCKDB_MEMORY"
#: The folder DuckDB spills to (``SET temp_directory``), from the environment:
#: ``LOYALTY_DUCKDB_TEMP=/scratch/duckdb``. Unset: DuckDB's default, ``.tmp`` in the
#: kernel's working folder (the project folder in a report run).
TEMP_ENV = "LOYALTY_DUCKDB_TEMP"


def is_lazy(data: Any) -> bool:
    """True for a frame the engine computes (DuckDB relation, Spark DataFrame, a path)."""
    return isinstance(as_frame(data), nw.LazyFrame)


def _parquet_files(path: str | Path) -> bool:
    text = str(path)
    if Path(text).is_dir():
        return any(Path(text).rglob("*.parquet"))
    return text.lower().endswith(_PARQUET)


def _duckdb_connection(connection: Any) -> Any:
    import duckdb

    con = connection if connection is not None else duckdb.default_connection()
    limit = os.environ.get(MEMORY_ENV, "").strip()
    if limit:
        con.execute(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
        con.execute("SET preserve_insertion_order = false")
    temp = os.environ.get(TEMP_ENV, "").strip()
    if temp:
        Path(temp).mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{temp.replace(chr(39), chr(39) * 2)}'")
    return con


def open_sales(
    source: Any = "demo", engine: str = "pandas", *, connection: Any = None, spark: Any = None
) -> tuple[Any, dict[str, Any]]:
    """The sales log on ``engine`` and the description of its source.

    Parameters
    ----------
    source
        As for :func:`~loyalty_lib.inputs.datasets.load_sales`: ``"demo"``, ``"cdnow"``, a
        declared source's name or a path. On ``duckdb`` and ``spark``, Parquet files (a
        file, a folder or a glob; plain in the canonical schema or declared with a
        ``columns:`` mapping) are read by the engine itself; everything else is read into
        pandas first and handed over (:func:`~loyalty_lib.engines.to_engine`).
    engine
        ``"pandas"``, ``"duckdb"`` or ``"spark"``.

    Returns
    -------
    (frame, info)
        ``frame``: a pandas DataFrame, a DuckDB relation or a Spark DataFrame with the
        canonical columns (``customer_id`` as text, ``order_date``, ``amount``, ...);
        ``info``: see :func:`~loyalty_lib.inputs.datasets.source_info`, plus ``engine`` and
        ``read_by`` (``"pandas"`` or the engine that reads the files).

    Examples
    --------
    >>> frame, info = open_sales("demo", "pandas")
    >>> info["title"], info["read_by"], len(frame) == info["rows_read"]
    ('demo shop', 'pandas', True)
    """
    from loyalty_lib.inputs.datasets import _declared, load_sales, source_info
    from loyalty_lib.inputs.sources import SalesSource

    if engine not in ENGINES:
        raise ValueError(f"engine: {engine!r} is not supported; use one of {list(ENGINES)}")
    declared = source if isinstance(source, SalesSource) else None
    if declared is None and isinstance(source, str) and source.lower() not in ("demo", "cdnow"):
        declared = _declared(source, "sales")
    lazy_path = None
    if engine != "pandas":
        if declared is not None and _parquet_files(_declared_path(declared)):
            lazy_path = _declared_path(declared)
        elif declared is None and is_path(source) and _parquet_files(source):
            lazy_path = str(source)
    if lazy_path is None:
        frame = load_sales(declared if declared is not None else source)
        info = {**source_info(frame), "engine": engine, "read_by": "pandas"}
        if engine == "duckdb":
            return _duckdb_connection(connection).from_df(frame), info
        return to_engine(frame, engine, connection=connection, spark=spark), info
    native = (
        to_engine(lazy_path, engine, connection=_duckdb_connection(connection))
        if engine == "duckdb"
        else to_engine(lazy_path, engine, spark=spark)
    )
    frame = as_frame(native)
    if declared is not None:
        frame = _map_declared(frame, declared)
        name, title = declared.key, declared.title or declared.key
        money = {"currency": declared.currency, "symbol": declared.symbol}
    else:
        frame = _canonical(frame, lazy_path)
        name, title, money = Path(lazy_path).name, Path(lazy_path).stem, {}
    names = column_names(frame)
    info = {
        "name": name,
        "title": title,
        "kind": "sales",
        "currency": money.get("currency", "USD"),
        "symbol": money.get("symbol", "$"),
        "locale": getattr(declared, "locale", None),
        "orders": "order_id" if "order_id" in names else "lines",
        "rows_read": None,  # counted by the data-quality query, not here
        "guests": None,
        "cancellations": None,
        "encoding": None,
        "delimiter": None,
        "dates": {"label": "dates stored as dates", "reason": "the Parquet files store dates"},
        "path": lazy_path,
        "engine": engine,
        "read_by": engine,
    }
    return frame.to_native(), info


def _declared_path(source: Any) -> str:
    path = Path(str(source.path))
    return str(path if path.is_absolute() else Path(source.root) / path)


def _canonical(frame: nw.LazyFrame, path: str) -> nw.LazyFrame:
    names = column_names(frame)
    missing = [c for c in ("customer_id", "order_date", "amount") if c not in names]
    if missing:
        raise ValueError(f"{path}: sales data needs columns {missing}; found {names}")
    return _text_ids(frame, [c for c in ("customer_id", "order_id", "line_id") if c in names])


#: a value starting or ending with what ``str.strip_chars()`` removes (Python's
#: ``string.whitespace``), written for RE2 (DuckDB), Java (Spark) and Python alike
_WHITESPACE = r"[ \t\n\r\x0b\x0c]"
_PADDED = f"^{_WHITESPACE}|{_WHITESPACE}$"


def _clean_text_ids(frame: nw.LazyFrame, columns: list[str]) -> set[str]:
    """The text id columns that :func:`~loyalty_lib.inputs.ids.id_expr` would leave as they
    are (no padding, no empty id, nothing like ``17093.0``), from one aggregate query.

    Cleaning is a few string functions and a regular expression per row, and every query
    of a report would repeat it (2 to 5 times the cost of a cohort query on 10M rows);
    most warehouses store clean ids, so it is checked once and skipped where not needed.
    A value that merely might be a whole float (a ``.`` and a final ``0``) counts as
    needing it.
    """
    if not columns:
        return set()
    counts = {}
    for column in columns:
        text = nw.col(column)
        dirty = (
            text.str.contains(_PADDED)  # a regular expression costs less than a trim here
            | (text == "")
            | (text.str.contains(".", literal=True) & text.str.ends_with("0"))
        ).fill_null(False)
        counts[column] = count_true(dirty)
    got = frame.select(**counts).collect().to_pandas().iloc[0]
    return {c for c in columns if not int(got[c] or 0)}


def _text_ids(frame: nw.LazyFrame, columns: list[str]) -> nw.LazyFrame:
    """Id columns as text on the engine: ``17093.0`` -> ``"17093"``; fractions refused."""
    schema = frame.collect_schema()
    clean = _clean_text_ids(frame, [c for c in columns if schema[c] == nw.String])
    casts = []
    for column in columns:
        dtype = schema[column]
        if dtype.is_float():
            bad = frame.select(
                count_true((nw.col(column) % 1 != 0).fill_null(False)).alias("n")
            ).collect()
            n = int(bad.item(0, "n") or 0)
            if n:
                raise DataQualityError(
                    f"{column}: {n:,} ids are numbers with a fraction; an id is a whole "
                    "number or a text. Is the right column declared as the id?"
                )
            casts.append(nw.col(column).cast(nw.Int64).cast(nw.String).alias(column))
        elif dtype.is_numeric():
            casts.append(nw.col(column).cast(nw.String).alias(column))
        elif dtype == nw.String:
            if column not in clean:
                casts.append(id_expr(column))
        else:
            raise DataQualityError(
                f"{column}: ids stored as {dtype}; an id column holds text or whole numbers."
            )
    return frame.with_columns(*casts) if casts else frame


def _map_declared(frame: nw.LazyFrame, source: Any) -> nw.LazyFrame:
    """A declared source's mapping (see :func:`loyalty_lib.inputs.mapping.map_sales`) as
    engine expressions."""
    names = column_names(frame)
    col = {role: str(h) for role, h in source.columns.items() if h}
    absent = [h for h in [*col.values(), *source.keep] if h not in names]
    if absent:
        raise ReportConfigError(
            f"{source.key}: declared column(s) {absent} not in the Parquet files "
            f"(columns found: {names[:12]})"
        )
    schema = frame.collect_schema()
    for role in ("amount", "quantity", "price"):
        if role in col and not schema[col[role]].is_numeric():
            raise DataQualityError(
                f"{col[role]}: the {role} column is stored as {schema[col[role]]} in the "
                "Parquet files; on the duckdb/spark engine amounts must be numbers there "
                "(or read the export with engine=pandas, which parses text numbers)."
            )
    ids = {"customer": "customer_id", "order_id": "order_id", "line_id": "line_id"}
    out = frame.select(
        *(nw.col(col[r]).alias(c) for r, c in ids.items() if r in col),
        nw.col(col["date"]).alias("order_date"),
        *(nw.col(col[r]).alias(f"__{r}") for r in ("amount", "quantity", "price") if r in col),
        *(nw.col(k) for k in source.keep),
    )
    out = _text_ids(out, [c for r, c in ids.items() if r in col])
    if source.date_format and out.collect_schema()["order_date"] == nw.String:
        out = out.with_columns(nw.col("order_date").str.to_datetime(format=source.date_format))
    amount = nw.col("__amount") if "amount" in col else nw.col("__quantity") * nw.col("__price")
    cancel = nw.lit(False)
    if source.negative_quantity and "quantity" in col:
        cancel = cancel | (nw.col("__quantity") < 0).fill_null(False)
    if source.invoice_prefix and "order_id" in col:
        cancel = cancel | nw.col("order_id").str.starts_with(source.invoice_prefix).fill_null(False)
    out = out.with_columns(
        amount=nw.when(cancel).then(-(amount.abs())).otherwise(amount).cast(nw.Float64)
    )
    if "quantity" in col:
        out = out.with_columns(quantity=nw.col("__quantity"))
    ordered = [
        *(c for c in ("order_id", "line_id") if c in column_names(out)),
        "customer_id",
        "order_date",
        *(["quantity"] if "quantity" in col else []),
        "amount",
        *source.keep,
    ]
    return out.select(ordered)


def _date_examples(frame: nw.LazyFrame, condition: nw.Expr, date: str, limit: int = 3) -> str:
    """The order dates of a few offending rows (never their ids), most frequent first."""
    sample = (
        frame.filter(condition)
        .select(nw.col(date).cast(nw.Date).alias("d"))
        .group_by("d")
        .agg(nw.len().alias("n"))
        .sort(["n", "d"], descending=[True, False])  # ties: the earliest first
        .head(limit)
        .collect()
        .to_pandas()
    )
    parts = [
        f"{'no date' if pd.isna(d) else pd.Timestamp(d):%Y-%m-%d}" + (f" ({n:,}×)" if n > 1 else "")
        if not pd.isna(d)
        else "no date"
        for d, n in zip(sample["d"], sample["n"], strict=True)
    ]
    return ("dated " + ", ".join(parts)) if parts else ""


def _value_examples(frame: nw.LazyFrame, condition: nw.Expr, value: str, limit: int = 5) -> str:
    sample = (
        frame.filter(condition)
        .group_by(value)
        .agg(nw.len().alias("n"))
        .sort(["n", value], descending=[True, False])  # ties: the lowest first
        .head(limit)
        .collect()
        .to_pandas()
    )
    return ", ".join(
        f"{float(v):g}" + (f" ({n:,}×)" if n > 1 else "")
        for v, n in zip(sample[value], sample["n"], strict=True)
    )


# long: one aggregate query, then one report.add per check in the order validate_sales lists
def validate_sales_lazy(
    frame: nw.LazyFrame,
    *,
    customer: str,
    date: str,
    value: str | None,
    order_id: str | None,
    as_of: Any,
) -> pd.DataFrame:
    """:func:`~loyalty_lib.inputs.validate.validate_sales` on a frame the engine computes.

    The same checks and report; the counts come from one aggregate query and a distinct
    count, the examples are the dates (or amounts) of a few offending rows, and the
    exclusions are recorded as filters in ``attrs["filters"]`` (rows of a lazy frame have
    no position).
    """
    from loyalty_lib.inputs._column_checks import _missing_columns

    available = column_names(frame)
    needed = {"customer id": customer, "order date": date}
    if value:
        needed["amount"] = value
    if order_id:
        needed["order id"] = order_id
    if [c for c in needed.values() if c not in available]:
        probe = _Report("sales", int(frame.select(nw.len()).collect().item(0, 0)))
        _missing_columns(probe, needed, available)
        return _finish(probe, {}, as_of)
    schema = frame.collect_schema()
    day = _today(as_of)
    dtype = schema[date]
    if not (dtype == nw.Date or isinstance(dtype, nw.Datetime)):
        rows = int(frame.select(nw.len()).collect().item(0, 0))
        report = _Report("sales", rows)
        report.check("empty")
        report.check("date_unparseable")
        report.add(
            "date_unparseable",
            "fatal",
            date,
            max(rows, 1),
            f"stored as {dtype}",
            "stop",
            f"{date}: the order dates are stored as {dtype}, not as dates; on the "
            "duckdb/spark engine the files must store them as DATE or TIMESTAMP (or declare "
            "the source's date_format, or run this report with engine=pandas, which reads "
            "text dates).",
        )
        return _finish(report, {}, as_of)
    frame = local_datetimes(frame, [date])
    numeric = value is not None and schema[value].is_numeric()
    id_blank = nw.col(customer).is_null() | (
        nw.col(customer).cast(nw.String).str.strip_chars() == ""
    )
    future = (
        nw.col(date)
        >= nw.lit(dt.datetime.combine(day.date(), dt.time())) + nw.lit(dt.timedelta(days=1))
    ).fill_null(False)
    counts: dict[str, nw.Expr] = {
        "rows": nw.len(),
        "no_id": count_true(id_blank),
        "no_date": count_true(nw.col(date).is_null()),
        "future": count_true(future),
    }
    if numeric:
        amount = nw.col(value).cast(nw.Float64)
        infinite = (amount.abs() == float("inf")).fill_null(False)
        missing = (amount.is_null() | amount.is_nan()).fill_null(True)
        usable = ~missing & ~infinite
        counts |= {
            "missing": count_true(missing),
            "infinite": count_true(infinite),
            "huge": count_true(usable & (amount.abs() >= TOO_LARGE)),
            "negative": count_true(usable & (amount < 0)),
            "total": nw.when(usable).then(amount).otherwise(0.0).sum(),
        }
    got = frame.select(**counts).collect().to_pandas().iloc[0]
    n = {k: (float(v) if k == "total" else int(v or 0)) for k, v in got.items()}
    report = _Report("sales", n["rows"])
    report.check("empty")
    if report.rows == 0:
        from loyalty_lib.inputs._column_checks import _empty

        _empty(report, "sales log")
        return _finish(report, {}, as_of)
    rows = report.rows
    filters: dict[str, Any] = {"customer": customer, "date": date, "value": value}
    for name in ("date_unparseable", "date_mixed_timezones"):
        report.check(name)
    report.add(
        "date_missing",
        "warning",
        date,
        n["no_date"],
        "",
        "excluded",
        f"{date}: {_n(n['no_date'], rows)} have no order date; they are left out of the analysis.",
    )
    report.add(
        "date_future",
        "warning",
        date,
        n["future"],
        _date_examples(frame, future, date) if n["future"] else "",
        "excluded",
        f"{date}: {_n(n['future'], rows)} are dated after {day:%d %b %Y}; a order cannot be "
        "in the future, so they are left out.",
    )
    report.add(
        "customer_missing",
        "warning",
        customer,
        n["no_id"],
        _date_examples(frame, id_blank, date) if n["no_id"] else "",
        "excluded",
        f"{customer}: {_n(n['no_id'], rows)} have no customer id; they cannot be linked to a "
        "customer and are left out.",
    )
    if value and not numeric:
        report.check("not_numeric")
        report.add(
            "not_numeric",
            "fatal",
            value,
            rows,
            f"stored as {schema[value]}",
            "stop",
            f"{value}: the amount column must hold numbers, but it is stored as "
            f"{schema[value]} in the files; convert the column (or run this report with "
            "engine=pandas, which parses text numbers).",
        )
    elif value:
        for name in ("not_numeric", "not_finite", "too_large", "sum_overflow"):
            report.check(name)
        amount = nw.col(value).cast(nw.Float64)
        report.add(
            "not_finite",
            "fatal",
            value,
            n["infinite"],
            "inf",
            "stop",
            f"{value}: {_n(n['infinite'], rows)} are infinite; an amount or score must be a "
            "finite number.",
        )
        report.add(
            "too_large",
            "fatal",
            value,
            n["huge"],
            _value_examples(frame, (amount.abs() >= TOO_LARGE).fill_null(False), value)
            if n["huge"]
            else "",
            "stop",
            f"{value}: {_n(n['huge'], rows)} are {TOO_LARGE:,.0f} or more in size; no amount "
            "is that large (a unit or export error), and sums of such numbers lose their "
            "cents or overflow to infinity.",
        )
        if not n["huge"] and not abs(n["total"]) < 2**53:
            report.add(
                "sum_overflow",
                "fatal",
                value,
                rows - n["missing"],
                f"sum {n['total']:g}",
                "stop",
                f"{value}: the amounts add up to {n['total']:g}, beyond what can be summed to "
                "the cent; totals such as net sales would be wrong or infinite.",
            )
        report.add(
            "value_missing",
            "warning",
            value,
            n["missing"],
            "",
            "excluded",
            f"{value}: {_n(n['missing'], rows)} have no amount; they are left out.",
        )
        report.add(
            "value_negative",
            "warning",
            value,
            n["negative"],
            _value_examples(frame, (amount < 0).fill_null(False), value) if n["negative"] else "",
            "kept",
            f"{value}: {_n(n['negative'], rows)} have a negative amount; they are treated as "
            "returns or refunds (netted against purchases, not counted as a purchase).",
        )
    report.check("duplicate_rows")
    distinct = int(_distinct_rows(frame).select(nw.len()).collect().item(0, 0))
    copies = rows - distinct
    if order_id:
        report.add(
            "duplicate_rows",
            "warning",
            "",
            copies,
            "",
            "excluded",
            f"{_n(copies, rows)} repeat an earlier row in every column (order id, customer, "
            "date, amount and the rest); the copies are left out.",
        )
    else:
        report.add(
            "duplicate_rows",
            "warning",
            "",
            copies,
            "",
            "kept",
            f"{_n(copies, rows)} repeat an earlier row in every column; without an order id "
            "they may be genuine repeat purchases, so they are kept.",
        )
    return _finish(report, filters, as_of)


def _finish(report: _Report, filters: dict[str, Any], as_of: Any) -> pd.DataFrame:
    out = report.frame()
    excluded = out.loc[out["action"] == "excluded", "check"].tolist()
    out.attrs["filters"] = {**filters, "checks": excluded, "as_of": _today(as_of)}
    out.attrs["lazy"] = True
    return out


def log_summary(
    data: Any, *, date: str, value: str | None = None, customer: str | None = None
) -> dict[str, Any]:
    """Rows, first and last date, return rows and customers of a log, as one query.

    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["a", "b", "a"], "order_date": pd.to_datetime(
    ...     ["2024-01-05", "2024-02-01", "2024-03-01"]), "amount": [10.0, -2.0, 5.0]})
    >>> s = log_summary(log, date="order_date", value="amount", customer="customer_id")
    >>> s["rows"], s["returns"], s["customers"], str(s["first"].date()), str(s["last"].date())
    (3, 1, 2, '2024-01-05', '2024-03-01')
    """
    frame = local_datetimes(as_frame(data), [date])
    exprs: dict[str, nw.Expr] = {
        "rows": nw.len(),
        "first": nw.col(date).min(),
        "last": nw.col(date).max(),
    }
    if value:
        exprs["returns"] = count_true((nw.col(value) < 0).fill_null(False))
    if customer:
        exprs["customers"] = nw.col(customer).n_unique()
    got = frame.select(**exprs)
    if isinstance(got, nw.LazyFrame):
        got = got.collect()
    row = got.to_pandas().iloc[0]
    out: dict[str, Any] = {
        "rows": int(row["rows"]),
        "first": pd.Timestamp(row["first"]) if not pd.isna(row["first"]) else pd.NaT,
        "last": pd.Timestamp(row["last"]) if not pd.isna(row["last"]) else pd.NaT,
    }
    for key in ("returns", "customers"):
        if key in row:
            # n_unique counts a missing id as one value (pandas, DuckDB); not a customer
            out[key] = int(row[key])
    if customer:
        has_null = frame.select(count_true(nw.col(customer).is_null()).alias("n"))
        has_null = has_null.collect() if isinstance(has_null, nw.LazyFrame) else has_null
        nulls = int(has_null.to_pandas()["n"].iloc[0])
        if nulls and _counts_null(frame, customer):
            out["customers"] -= 1
    return out


def _counts_null(frame: Any, column: str) -> bool:
    """Whether this backend's n_unique counts a missing value as a distinct value."""
    return frame.implementation.name not in ("PYSPARK", "PYSPARK_CONNECT", "SQLFRAME")


def between(data: Any, date: str, *, start: Any = None, end: Any = None) -> Any:
    """Rows whose ``date`` lies in [start, end + 1 day): the same kind of frame back.

    ``end`` is a day: every time on it is in. ``None`` leaves that side open.

    >>> import pandas as pd
    >>> log = pd.DataFrame({"order_date": pd.to_datetime(["2024-01-05 00:00", "2024-01-31 18:00",
    ...                                                   "2024-02-01 00:00"])})
    >>> len(between(log, "order_date", end="2024-01-31"))
    2
    """
    frame = local_datetimes(as_frame(data), [date])
    keep = nw.lit(True)
    if start is not None:
        keep = keep & (nw.col(date) >= nw.lit(pd.Timestamp(start).to_pydatetime()))
    if end is not None:
        limit = pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
        keep = keep & (nw.col(date) < nw.lit(limit.to_pydatetime()))
    out = frame.filter(keep).to_native()
    if isinstance(out, pd.DataFrame) and isinstance(data, pd.DataFrame):
        out.attrs = dict(data.attrs)
    return out


def where_equal(data: Any, column: str, value: Any) -> Any:
    """Rows whose ``column``, read as text, equals ``value``: the same kind of frame back.

    >>> import pandas as pd
    >>> log = pd.DataFrame({"region": ["East", "West", "East"], "amount": [1.0, 2.0, 3.0]})
    >>> where_equal(log, "region", "East")["amount"].tolist()
    [1.0, 3.0]
    """
    frame = as_frame(data)
    out = frame.filter((nw.col(column).cast(nw.String) == str(value)).fill_null(False))
    return out.to_native()


def distinct(data: Any, columns: list[str]) -> pd.DataFrame:
    """The distinct rows of ``columns`` (e.g. one per customer and segment), in pandas.

    For aggregates only: the caller chooses columns with few combinations (customers and
    their segments), never the log's own rows.

    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b"], "region": ["E", "E", "W"]})
    >>> distinct(log, ["customer_id", "region"]).sort_values("customer_id")["region"].tolist()
    ['E', 'W']
    """
    frame = as_frame(data).select(*columns).unique()
    frame = frame.collect() if isinstance(frame, nw.LazyFrame) else frame
    return frame.to_pandas().reset_index(drop=True)


def first_values(data: Any, *, by: str, date: str, column: str) -> pd.Series:
    """Each ``by`` group's ``column`` at its earliest ``date``, as one aggregate query.

    For example the region of each customer's first purchase. Rows without a ``column``
    value are skipped (as pandas' ``groupby().first()`` skips them); when a group has
    several values on its earliest date, the smallest is taken, so every engine gives the
    same answer. Returns a pandas Series indexed by ``by``, sorted by it.

    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...                     "order_date": pd.to_datetime(["2024-02-01", "2024-01-05",
    ...                                                   "2024-01-09", "2024-01-09",
    ...                                                   "2024-03-01"]),
    ...                     "region": ["West", "East", "South", "North", None]})
    >>> first_values(log, by="customer_id", date="order_date", column="region").to_dict()
    {'a': 'East', 'b': 'North'}
    """
    frame = as_frame(data)
    valued = frame.filter(~nw.col(column).is_null())
    earliest = valued.group_by(by).agg(nw.col(date).min().alias("__first"))
    got = (
        valued.join(earliest, on=by, how="inner")
        .filter(nw.col(date) == nw.col("__first"))
        .group_by(by)
        .agg(nw.col(column).min())
    )
    got = got.collect() if isinstance(got, nw.LazyFrame) else got
    out = got.to_pandas().sort_values(by, ignore_index=True)
    return pd.Series(out[column].to_numpy(), index=pd.Index(out[by], name=by), name=column)


def returning_buyers(data: Any, *, customer: str, date: str, since: Any) -> dict[str, int]:
    """Customers who bought on or after ``since``, and how many of them had bought before.

    One group-by per customer (first and last date) and one count, on the engine: the
    customers themselves are never collected. Rows without a customer id or a date are
    not counted (a missing id is not a customer).

    Returns
    -------
    dict
        ``buyers``: customers with a row dated ``since`` or later; ``returning``: those of
        them who also have a row dated before ``since``.

    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"],
    ...                     "order_date": pd.to_datetime(["2024-01-05", "2024-04-02",
    ...                                                   "2024-04-09", "2024-02-01",
    ...                                                   "2024-03-30"])})
    >>> returning_buyers(log, customer="customer_id", date="order_date", since="2024-04-01")
    {'buyers': 2, 'returning': 1}
    """
    frame = local_datetimes(as_frame(data), [date])
    cut = nw.lit(pd.Timestamp(since).to_pydatetime())
    per_customer = (
        frame.filter(~nw.col(customer).is_null() & ~nw.col(date).is_null())
        .group_by(customer)
        .agg(nw.col(date).min().alias("__first"), nw.col(date).max().alias("__last"))
    )
    recent = nw.col("__last") >= cut
    got = per_customer.select(
        buyers=count_true(recent), returning=count_true(recent & (nw.col("__first") < cut))
    )
    if isinstance(got, nw.LazyFrame):
        got = got.collect()
    row = got.to_pandas().iloc[0]  # an empty log: sums are missing, not 0, on DuckDB
    return {key: 0 if pd.isna(row[key]) else int(row[key]) for key in ("buyers", "returning")}
