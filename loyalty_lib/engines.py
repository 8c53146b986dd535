"""Where the heavy group-bys run: pandas, DuckDB (in memory or out of core) or Spark.

Every computation of :mod:`loyalty_lib` takes ``data`` first and accepts:

- a **pandas** DataFrame (the default in notebooks);
- a **DuckDB relation** (``duckdb.sql(...)``, ``con.read_parquet(...)``): computed by
  DuckDB, which spills to disk when the data outgrow memory;
- a **path or glob** of Parquet or CSV files (``"sales/*.parquet"``, a
  :class:`~pathlib.Path`): opened lazily with DuckDB by :func:`scan`, never loaded into
  pandas;
- a **PySpark** DataFrame: computed by Spark, locally or on a cluster;
- anything else narwhals supports (polars, ...).

Only the small aggregate (one row per group, cohort × period, customer...) is collected
and finished in pandas/NumPy/SciPy, so the result is the same pandas DataFrame whatever
the engine (``docs/decisions/0001-dataframe-engine.md``).

:func:`to_engine` moves an in-memory pandas frame to the engine named by a notebook's
``engine`` parameter (``"pandas"``, ``"duckdb"`` or ``"spark"``).
"""

from __future__ import annotations

import glob as _glob
import os
from pathlib import Path
from typing import Any

import narwhals.stable.v2 as nw

__all__ = [
    "ENGINES",
    "PANDAS_VIA_DUCKDB_ROWS",
    "as_frame",
    "compute_frame",
    "count_true",
    "customer_parts",
    "is_path",
    "local_datetimes",
    "median_by",
    "reuse",
    "scan",
    "to_engine",
]

#: Engine names accepted by :func:`to_engine` (and the notebooks' ``engine`` parameter).
ENGINES = ("pandas", "duckdb", "spark")
_PARQUET = (".parquet", ".parq", ".pq")
_CSV = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")


def as_frame(data: Any, *, argument: str = "data") -> nw.DataFrame | nw.LazyFrame:
    """Wrap any supported dataframe (pandas, polars, DuckDB, PySpark...) in narwhals.

    A path or glob of Parquet/CSV files is opened lazily with DuckDB
    (:func:`loyalty_lib.engines.scan`), never loaded into pandas.

    Raises ``TypeError`` naming the argument and the type received when the object is not
    a dataframe narwhals understands.
    """
    if isinstance(data, (nw.DataFrame, nw.LazyFrame)):
        return data
    if isinstance(data, (str, os.PathLike)):
        return nw.from_native(scan(data))
    if type(data).__module__.startswith("pandas"):  # pandas allows repeated labels
        names = [str(c) for c in getattr(data, "columns", [])]
        if len(set(names)) < len(names):
            from loyalty_lib.errors import DataQualityError

            raise DataQualityError(duplicate_columns_message(names, argument))
    try:
        return nw.from_native(data)
    except TypeError as exc:
        raise TypeError(
            f"{argument}: expected a dataframe (pandas, polars, DuckDB, PySpark...), "
            f"got {type(data).__name__}"
        ) from exc


def duplicate_columns_message(names: list[str], where: str) -> str:
    """The sentence for a header that names a column more than once (two ``Date`` columns).

    >>> duplicate_columns_message(["Date", "Amount", "Date"], "export.csv")
    "export.csv: the column 'Date' appears 2 times in the header, so it is not clear which one to read; rename or remove the copies in the export."
    """  # noqa: E501
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    repeated = {n: k for n, k in counts.items() if k > 1}
    listed = ", ".join(f"{n!r} appears {k} times" for n, k in repeated.items())
    noun = "column" if len(repeated) == 1 else "columns"
    return (
        f"{where}: the {noun} {listed} in the header, so it is not clear which one to read; "
        "rename or remove the copies in the export."
    )


def is_path(data: Any) -> bool:
    """True for a ``str`` or :class:`os.PathLike` (a file, a folder or a glob)."""
    return isinstance(data, (str, Path))


def _files(source: str | Path) -> tuple[str, str]:
    """The DuckDB pattern to read and the format ("parquet" or "csv") of ``source``."""
    text = str(source)
    path = Path(text)
    if path.is_dir():
        parquet = sorted(path.rglob("*.parquet"))
        csv = [p for suffix in _CSV for p in sorted(path.rglob(f"*{suffix}"))]
        if parquet and csv:
            raise ValueError(
                f"{text}: folder holds both Parquet and CSV files; point at one kind with a "
                f"glob, e.g. {str(path / '**' / '*.parquet')!r}"
            )
        if not parquet and not csv:
            raise FileNotFoundError(f"{text}: folder holds no .parquet or .csv file")
        return (
            (str(path / "**" / "*.parquet"), "parquet")
            if parquet
            else (
                str(path / "**" / f"*{csv[0].name[len(csv[0].stem) :]}"),
                "csv",
            )
        )
    matches = _glob.glob(text, recursive=True)
    if not matches:
        raise FileNotFoundError(f"{text}: no such file (and no file matches it as a glob)")
    lowered = text.lower()
    if lowered.endswith(_PARQUET):
        return text, "parquet"
    if lowered.endswith(_CSV):
        return text, "csv"
    raise ValueError(
        f"{text}: unsupported file type; use Parquet (.parquet) or CSV (.csv, .tsv, .txt)"
    )


def scan(source: str | Path, *, connection: Any = None, **options: Any) -> Any:
    """Open Parquet or CSV file(s) lazily with DuckDB; nothing is read until a query runs.

    Parameters
    ----------
    source
        A file (``sales.parquet``, ``sales.csv``), a folder (all Parquet, or all CSV,
        files below it) or a glob (``"sales/2024-*.parquet"``, ``"logs/**/*.csv"``).
    connection
        A ``duckdb.DuckDBPyConnection`` to read with (e.g. one with
        ``SET memory_limit = '3GB'`` for data larger than memory). Default: DuckDB's
        default connection.
    **options
        Passed to DuckDB's ``read_parquet`` / ``read_csv``, e.g.
        ``dtype={"customer_id": "VARCHAR"}`` to keep numeric-looking ids as text in a CSV.

    Returns
    -------
    duckdb.DuckDBPyRelation
        A lazy relation; pass it (or the path itself) to any :mod:`loyalty_lib` function.
        CSV columns get DuckDB's detected types (ISO dates become ``DATE``); Parquet
        keeps its stored types.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from loyalty_lib import pareto_split
    >>> folder = tempfile.mkdtemp()
    >>> pd.DataFrame({"customer_id": ["a", "b", "b"], "amount": [10.0, 20.0, 5.0]}).to_parquet(
    ...     f"{folder}/part-0.parquet")
    >>> scan(f"{folder}/*.parquet").aggregate("sum(amount) AS total").fetchall()
    [(35.0,)]
    >>> pareto_split(f"{folder}/*.parquet", customer="customer_id", value="amount",
    ...              min_customers=1)[["customers", "total_value", "top_value_share"]]
       customers  total_value  top_value_share
    0          2         35.0         0.714286
    """
    import duckdb

    pattern, kind = _files(source)
    con = connection if connection is not None else duckdb.default_connection()
    if kind == "parquet":
        return con.read_parquet(pattern, **options)
    return con.read_csv(pattern, **options)


def to_engine(
    data: Any, engine: str = "pandas", *, connection: Any = None, spark: Any = None
) -> Any:
    """Hand an in-memory frame (or a path) to the engine that will run the group-bys.

    Parameters
    ----------
    data
        A pandas DataFrame, or a path/glob of Parquet or CSV files.
    engine
        ``"pandas"`` (returned unchanged; a path is read into pandas), ``"duckdb"`` (a
        DuckDB relation over the frame, without copying it, or over the files) or
        ``"spark"`` (a PySpark DataFrame; a path is read by Spark itself).
    connection
        DuckDB connection to use (default: DuckDB's default connection).
    spark
        A ``pyspark.sql.SparkSession``. Default: ``SparkSession.builder.getOrCreate()``,
        which honours ``spark.master`` from the environment (``spark-defaults.conf``,
        ``PYSPARK_SUBMIT_ARGS``, ``SPARK_REMOTE`` for Spark Connect) and otherwise starts
        a local session.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"customer_id": ["a", "b"], "amount": [1.0, 2.0]})
    >>> to_engine(frame, "pandas") is frame
    True
    >>> to_engine(frame, "duckdb").aggregate("sum(amount)").fetchall()
    [(3.0,)]
    """
    if engine not in ENGINES:
        raise ValueError(f"engine: {engine!r} is not supported; use one of {list(ENGINES)}")
    if engine == "pandas":
        if is_path(data):
            return nw.from_native(scan(data, connection=connection)).collect().to_pandas()
        return data
    if engine == "duckdb":
        if is_path(data):
            return scan(data, connection=connection)
        import duckdb

        con = connection if connection is not None else duckdb.default_connection()
        return con.from_df(nw.from_native(data, eager_only=True).to_pandas())
    from pyspark.sql import SparkSession

    session = spark if spark is not None else SparkSession.builder.getOrCreate()
    if is_path(data):
        pattern, kind = _files(data)
        if kind == "parquet":
            try:
                return session.read.parquet(pattern)
            except Exception as exc:  # pyspark.errors.AnalysisException; pyspark is optional
                if "TIMESTAMP(NANOS" not in str(exc):
                    raise
                raise _nanosecond_error(pattern) from None
        return session.read.csv(pattern, header=True, inferSchema=True)
    return session.createDataFrame(nw.from_native(data, eager_only=True).to_pandas())


def _nanosecond_error(pattern: str) -> Exception:
    """Spark cannot read Parquet timestamps stored in nanoseconds (pandas' default unit):
    a sentence naming the columns and the ways out, instead of Spark's type error."""
    import pyarrow.parquet as pq

    from loyalty_lib.errors import DataQualityError

    columns: list[str] = []
    files = sorted(_glob.glob(pattern, recursive=True))
    if files:
        schema = pq.read_schema(files[0])
        columns = [
            f.name for f in schema if str(f.type).startswith("timestamp[ns")
        ]  # timestamp[ns] or timestamp[ns, tz=...]
    named = f"{', '.join(columns)}: " if columns else ""
    return DataQualityError(
        f"{named}the Parquet files {pattern} store timestamps in nanoseconds, which Spark "
        "cannot read; write them in microseconds (pandas: frame.to_parquet(path, "
        "coerce_timestamps='us', allow_truncated_timestamps=True)), or run this report "
        "with engine=duckdb or engine=pandas, which read them."
    )


def count_true(condition: nw.Expr) -> nw.Expr:
    """Number of rows where a boolean expression holds, on every backend.

    Spark refuses ``sum`` over booleans, so the condition is cast to an integer first.
    Use it in ``select`` (whole-frame counts); inside ``group_by().agg()`` derive the
    0/1 column with ``with_columns`` first (pandas-backed narwhals only accepts simple
    aggregations there).
    """
    return condition.cast(nw.Int64).sum()


def median_by(frame: Any, by: list[str], column: str) -> Any:
    """The exact median of ``column`` per group of ``by``, as a frame of ``by`` + ``column``.

    On a lazy engine it is the mean of the middle one or two values by rank (a window
    sort, which DuckDB spills to disk) rather than a ``median`` aggregate, which holds every
    value of every group in memory and does not spill. Nulls are left out; an eager frame
    uses its own median.

    >>> import duckdb, pandas as pd
    >>> rel = duckdb.from_df(pd.DataFrame({"g": ["a", "a", "a", "b", "b"],
    ...                                    "x": [5.0, 1.0, 3.0, 2.0, 8.0]}))
    >>> median_by(nw.from_native(rel), ["g"], "x").sort("g").collect().to_native()["x"].to_pylist()
    [3.0, 5.0]
    """
    if not isinstance(frame, nw.LazyFrame):
        return frame.group_by(by).agg(nw.col(column).median())
    ranked = frame.filter(~nw.col(column).is_null()).with_columns(
        nw.col(column).rank(method="ordinal").over(*by).alias("__pos"),
        nw.len().over(*by).alias("__n"),
    )
    pos, n = nw.col("__pos"), nw.col("__n")
    middle = (pos == (n + 1) // 2) | (pos == n // 2 + 1)
    return ranked.filter(middle).group_by(by).agg(nw.col(column).cast(nw.Float64).mean())


def local_datetimes(frame: Any, columns: list[str | None]) -> Any:
    """Naive datetimes for calendar work: zoned timestamps on their wall clock, dates too.

    Calendar periods (days, months, cohorts) are read on the wall clock of the time zone
    the engine reports for the column: a pandas column's own zone; for DuckDB
    ``TIMESTAMPTZ`` and Spark ``TimestampType`` the session time zone (``SET TimeZone``,
    ``spark.sql.session.timeZone``), in which they show the timestamps they were given.
    ``Date`` columns (e.g. dates in a CSV read by DuckDB) become datetimes at midnight,
    so results carry the same datetime columns as on pandas. Other columns are left alone.
    """
    schema = frame.collect_schema()
    casts = []
    for name in columns:
        if name is None:
            continue
        dtype = schema[name]
        if isinstance(dtype, nw.Datetime) and dtype.time_zone is not None:
            casts.append(nw.col(name).dt.replace_time_zone(None))
        elif dtype == nw.Date:
            casts.append(nw.col(name).cast(nw.Datetime("us")))
    return frame.with_columns(*casts) if casts else frame


#: pandas frames with at least this many rows are computed by DuckDB, which scans them in
#: place (no copy) with all cores; smaller ones stay on pandas, where DuckDB's fixed cost
#: per query would dominate. ``docs/decisions/0002-pandas-through-duckdb.md``. Set it to
#: ``None`` to keep every pandas frame on pandas.
PANDAS_VIA_DUCKDB_ROWS: int | None = 250_000
_connection: Any = None


def _duckdb_can_scan(frame: Any) -> bool:
    """True when every column has a dtype DuckDB reads without reinterpretation.

    ``object`` columns can mix Python types (``1`` and ``"1"``) that DuckDB would coerce to
    one text type, and zoned timestamps would be read in DuckDB's session time zone, so
    a frame with either stays on pandas.
    """
    import pandas as pd

    for dtype in frame.dtypes:
        if dtype == object:  # noqa: E721 - a numpy dtype compares equal to object
            return False
        if isinstance(dtype, pd.DatetimeTZDtype):
            return False  # DuckDB would read it in its session time zone, not the column's
        if not (
            pd.api.types.is_numeric_dtype(dtype)
            or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_datetime64_any_dtype(dtype)
            or pd.api.types.is_string_dtype(dtype)
        ):
            return False
    return True


def compute_frame(data: Any, *, argument: str = "data") -> Any:
    """The narwhals frame a computation runs on: large pandas frames go through DuckDB.

    Like :func:`as_frame` (paths are scanned, other frames wrapped),
    except that a pandas DataFrame with at least :data:`PANDAS_VIA_DUCKDB_ROWS` rows and
    only plain dtypes (numbers, booleans, datetimes, strings) is wrapped as a DuckDB
    relation over the same memory: the group-bys then run multi-threaded, and the
    result is the same (``tests/test_engines_pandas_duckdb.py``).
    """
    threshold = PANDAS_VIA_DUCKDB_ROWS
    native = data
    if (
        threshold is not None
        and type(native).__module__.startswith("pandas")
        and hasattr(native, "dtypes")
        and len(native) >= threshold
        and _duckdb_can_scan(native)
    ):
        global _connection
        import duckdb

        if _connection is None:
            _connection = duckdb.connect()
        return nw.from_native(_connection.cursor().from_df(native))
    return as_frame(data, argument=argument)


def reuse(frame: Any) -> Any:
    """Compute an intermediate frame once when a query is going to read it twice.

    Lazy plans are expanded wherever they are referenced: a DuckDB relation used by
    both sides of a join is computed twice. With DuckDB >= 2.0 the relation is executed
    once (``DuckDBPyRelation.materialize``) and its rows are read from memory after
    that; on other engines the frame is returned unchanged (pandas is eager already;
    Spark's planner reuses identical exchanges itself).
    """
    if isinstance(frame, nw.LazyFrame):
        native = frame.to_native()
        materialize = getattr(native, "materialize", None)
        if materialize is not None and type(native).__module__.startswith("duckdb"):
            return nw.from_native(materialize())
    return frame


#: Rows of a DuckDB log per part in :func:`customer_parts`. At 106M rows and 10M customers
#: under a 2GB memory limit, ``customer_summary`` with ``value`` stopped on DuckDB's
#: out-of-memory error in one query and completed in 4 parts (82 s, peak 2.33 GiB).
CUSTOMER_PART_ROWS = 25_000_000


def customer_parts(frame: Any, customer: str, *, rows_per_part: int | None = None) -> list[Any]:
    """The log split by customer for a per-customer aggregate too large for one query.

    On DuckDB a log of more than ``rows_per_part`` rows (default
    :data:`CUSTOMER_PART_ROWS`) is split into ``ceil(rows / rows_per_part)`` parts by a hash
    of ``customer``: every customer's rows are in one part, so an aggregate per customer
    computed part by part and concatenated equals the one computed at once, and each part's
    query needs about that share of the memory (DuckDB's windows and hash aggregates over
    tens of millions of customer-days do not always spill within its memory limit). Other
    engines, and smaller logs, get ``[frame]``: pandas is in memory already and Spark
    partitions by itself. ``frame``: anything :func:`as_frame` takes; the parts are
    narwhals frames.
    """
    if not isinstance(frame, (nw.LazyFrame, nw.DataFrame)):
        frame = as_frame(frame)
    if not isinstance(frame, nw.LazyFrame):
        return [frame]
    native = frame.to_native()
    if not type(native).__module__.startswith("duckdb"):
        return [frame]
    limit = CUSTOMER_PART_ROWS if rows_per_part is None else int(rows_per_part)
    rows = native.aggregate("count(*)").fetchall()[0][0]
    parts = -(-int(rows) // max(limit, 1))
    if parts <= 1:
        return [frame]
    column = '"' + customer.replace('"', '""') + '"'
    return [nw.from_native(native.filter(f"hash({column}) % {parts} = {i}")) for i in range(parts)]
