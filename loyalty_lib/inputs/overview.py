"""Data audit: what is in a sales log or a survey before anything is computed from it.

Each function reads any dataframe narwhals supports and returns a small pandas frame.
"""

from __future__ import annotations

import narwhals.stable.v2 as nw
import pandas as pd

from loyalty_lib._checks import column_names, require_columns, to_pandas
from loyalty_lib.engines import compute_frame, count_true, local_datetimes
from loyalty_lib.inputs.privacy import identifier_like, identifier_name, mask_contacts
from loyalty_lib.inputs.purchases import period_complete

#: What the profile shows instead of the examples of a column that looks like an identifier.
ID_HIDDEN = "(identifier-like, values hidden)"

__all__ = [
    "ID_HIDDEN",
    "column_profile",
    "monthly_activity",
    "purchase_quantiles",
    "sales_summary",
    "survey_responses_by_month",
]


def _collect(
    frame: nw.DataFrame | nw.LazyFrame,
    *,
    counts: tuple[str, ...] = (),
    values: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Collect a small result to pandas with engine-independent dtypes.

    DuckDB returns sums of integers as HUGEINT/DECIMAL (object columns in pandas) and
    datetimes in microseconds, Spark timestamps in its session time zone; the audit always
    reports counts as int64, sums as float64 and dates as naive datetime64[ns] (wall
    clock), whatever the engine.
    """
    out = to_pandas(frame)
    for column in counts:
        out[column] = pd.to_numeric(out[column]).fillna(0).astype("int64")
    for column in values:
        out[column] = pd.to_numeric(out[column]).astype("float64")
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):  # Spark: the session zone
            out[column] = out[column].dt.tz_localize(None)
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].astype("datetime64[ns]")
    return out


def _distinct(frame: nw.DataFrame | nw.LazyFrame, column: str) -> int:
    """Distinct non-missing values of one column (frame-level operations every engine has)."""
    counted = _collect(
        frame.select(column).drop_nulls().unique().select(nw.len().alias("n")), counts=("n",)
    )
    return int(counted["n"].iloc[0])


def column_profile(data, *, examples: int = 3) -> pd.DataFrame:
    """One row per column: type, missing values and distinct values.

    Returns
    -------
    pandas.DataFrame
        ``column``, ``dtype``, ``n`` (rows), ``missing`` (null count), ``pct_missing``
        (0–100), ``distinct`` (distinct non-missing values, nulls excluded), ``examples``
        (the first distinct values, as text, contacts masked; for a column whose values look
        like identifiers, whatever its name: :data:`ID_HIDDEN`, see
        :func:`~loyalty_lib.inputs.privacy.identifier_like`).

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["a", "b", None], "x": [1.0, 1.0, 2.0]})
    >>> column_profile(frame)[["column", "n", "missing", "distinct"]]
      column  n  missing  distinct
    0     id  3        1         2
    1      x  3        0         2
    >>> refs = pd.DataFrame({"CustomerRef": [f"C{i:05d}" for i in range(1, 61)]})
    >>> column_profile(refs)["examples"].tolist()
    ['(identifier-like, values hidden)']
    """
    frame = compute_frame(data)
    schema = frame.collect_schema()
    names = list(schema.names())
    stats = _collect(
        frame.select(
            nw.len().alias("__n"),
            *[nw.col(c).null_count().alias(f"{c}__missing") for c in names],
        ),
        counts=("__n", *[f"{c}__missing" for c in names]),
    )
    head = _collect(frame.head(200))
    n = int(stats["__n"].iloc[0])
    rows = []
    for c in names:
        missing = int(stats[f"{c}__missing"].iloc[0])
        distinct = _distinct(frame, c)
        if identifier_name(c) or identifier_like(head[c], distinct=distinct):
            shown = [ID_HIDDEN]
        else:
            values = head[c].dropna().drop_duplicates().head(examples).astype(str)
            shown = [mask_contacts(v) for v in values]
        rows.append(
            {
                "column": c,
                "dtype": str(schema[c]),
                "n": n,
                "missing": missing,
                "pct_missing": 100 * missing / n if n else float("nan"),
                "distinct": distinct,
                "examples": ", ".join(shown),
            }
        )
    return pd.DataFrame(rows)


def sales_summary(
    data, *, customer: str = "customer_id", date: str = "order_date", value: str = "amount"
) -> pd.DataFrame:
    """Headline facts of a transaction log, as a one-row frame.

    Returns
    -------
    pandas.DataFrame
        ``rows``, ``customers`` (distinct non-missing ids), ``first_date``, ``last_date``,
        ``total_value`` (net: returns included), ``gross_value`` (positive rows only),
        ``negative_rows`` (returns or refunds), ``zero_rows``, ``missing_customer``,
        ``missing_date``, ``missing_value``, ``duplicate_rows`` (rows identical to an earlier
        row in every column).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b", "b"],
    ...                     "order_date": pd.to_datetime(["2024-01-05", "2024-02-01",
    ...                                                   "2024-01-09", "2024-01-09"]),
    ...                     "amount": [10.0, -4.0, 5.0, 5.0]})
    >>> sales_summary(log)[["rows", "customers", "total_value", "negative_rows",
    ...                     "duplicate_rows"]]
       rows  customers  total_value  negative_rows  duplicate_rows
    0     4          2         16.0              1               1
    """
    frame = compute_frame(data)
    require_columns(frame, [customer, date, value])
    frame = local_datetimes(frame, [date])
    stats = _collect(
        frame.select(
            nw.len().alias("rows"),
            nw.col(date).min().alias("first_date"),
            nw.col(date).max().alias("last_date"),
            nw.col(value).sum().alias("total_value"),
            nw.when(nw.col(value) > 0).then(nw.col(value)).otherwise(0).sum().alias("gross_value"),
            count_true(nw.col(value) < 0).alias("negative_rows"),
            count_true(nw.col(value) == 0).alias("zero_rows"),
            nw.col(customer).null_count().alias("missing_customer"),
            nw.col(date).null_count().alias("missing_date"),
            nw.col(value).null_count().alias("missing_value"),
        ),
        counts=(
            "rows",
            "negative_rows",
            "zero_rows",
            "missing_customer",
            "missing_date",
            "missing_value",
        ),
        values=("total_value", "gross_value"),
    )
    stats.insert(1, "customers", _distinct(frame, customer))
    names = column_names(frame)
    dupes = _collect(
        frame.group_by(names, drop_null_keys=False)
        .agg(nw.len().alias("__copies"))
        .select(((nw.col("__copies") - 1).sum()).alias("duplicate_rows")),
        counts=("duplicate_rows",),
    )
    stats["duplicate_rows"] = int(dupes["duplicate_rows"].iloc[0])
    return stats


def monthly_activity(
    data, *, customer: str = "customer_id", date: str = "order_date", value: str = "amount"
) -> pd.DataFrame:
    """Rows, active customers and net value per calendar month.

    Returns
    -------
    pandas.DataFrame
        ``month`` (first day), ``rows``, ``customers`` (distinct buyers), ``value`` (net),
        ``negative_rows``, ``complete`` (bool: the data cover the month from its first to
        its last day; a partial first or last month must not be read as a slow month, see
        :func:`~loyalty_lib.inputs.purchases.period_complete`); sorted by month. Rows
        without a date are not counted here (see :func:`sales_summary` for their number).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                     "order_date": pd.to_datetime(["2024-01-05", "2024-01-20",
    ...                                                   "2024-02-01"]),
    ...                     "amount": [10.0, 2.5, 5.0]})
    >>> monthly_activity(log)
           month  rows  customers  value  negative_rows  complete
    0 2024-01-01     2          1   12.5              0     False
    1 2024-02-01     1          1    5.0              0     False
    """
    frame = compute_frame(data)
    require_columns(frame, [customer, date, value])
    frame = local_datetimes(frame, [date])
    out = _collect(
        frame.filter(~nw.col(date).is_null())
        .with_columns(
            nw.col(date).dt.truncate("1mo").alias("month"),
            (nw.col(value) < 0).cast(nw.Int64).alias("__negative"),
        )
        .group_by("month")
        .agg(
            nw.len().alias("rows"),
            nw.col(customer).n_unique().alias("customers"),
            nw.col(value).sum().alias("value"),
            nw.col("__negative").sum().alias("negative_rows"),
        )
        .sort("month"),
        counts=("rows", "customers", "negative_rows"),
        values=("value",),
    )
    out = out.reset_index(drop=True)
    dated = frame.filter(~nw.col(date).is_null())
    span = to_pandas(dated.select(nw.col(date).min().alias("a"), nw.col(date).max().alias("b")))
    if len(out):
        out["complete"] = period_complete(out["month"], "month", span["a"][0], span["b"][0])
    else:
        out["complete"] = pd.Series(dtype=bool)
    return out


def purchase_quantiles(
    data,
    *,
    value: str = "amount",
    quantiles: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99),
) -> pd.DataFrame:
    """Quantiles of the purchase values (rows with a positive value), as one query.

    Linear interpolation between the two nearest values, as pandas' ``Series.quantile``
    (DuckDB ``quantile_cont``, Spark ``percentile``): exact, not approximate. Returns,
    zero-value rows and rows without a value are not purchases here.

    Returns
    -------
    pandas.DataFrame
        One row per quantile: ``quantile`` (0–1), ``value`` (NaN when there is no
        purchase), ``n`` (rows with a positive value, the base of every quantile).

    Examples
    --------
    >>> log = pd.DataFrame({"amount": [10.0, -4.0, 20.0, 0.0, 30.0, 40.0]})
    >>> purchase_quantiles(log, quantiles=(0.5, 0.9))
       quantile  value  n
    0       0.5   25.0  4
    1       0.9   37.0  4
    """
    frame = compute_frame(data)
    require_columns(frame, [value])
    wanted = [float(q) for q in quantiles]
    bad = [q for q in wanted if not 0 <= q <= 1]
    if bad:
        raise ValueError(f"quantiles: {bad} outside 0-1; write 0.9 for the 90th percentile")
    amount = nw.col(value).cast(nw.Float64)
    purchases = frame.filter((amount > 0).fill_null(False))
    # One query per quantile: an exact quantile holds every positive value of the column
    # (8 bytes a row: 800 MB at 100M rows), and six in one query held six copies, which
    # ran DuckDB out of its memory limit on a 100M-row log instead of spilling.
    n = int(_collect(purchases.select(nw.len().alias("n")), counts=("n",)).iloc[0]["n"])
    values = []
    for q in wanted:
        got = _collect(
            purchases.select(amount.quantile(q, "linear").alias("__q")), values=("__q",)
        ).iloc[0]
        values.append(float(got["__q"]))
    return pd.DataFrame({"quantile": wanted, "value": values, "n": n})


def survey_responses_by_month(
    data, *, date: str = "wave", score: str = "score", scale: tuple[int, int] = (0, 10)
) -> pd.DataFrame:
    """Survey answers per month: how many, how many usable, how many missing or invalid.

    A score is *valid* when it is a whole number within ``scale``; *missing* when empty;
    *invalid* otherwise (out-of-range codes such as 99, fractions).

    Returns
    -------
    pandas.DataFrame
        ``month``, ``responses``, ``valid``, ``missing``, ``invalid``, ``pct_valid`` (0–100).

    Examples
    --------
    >>> answers = pd.DataFrame({"wave": pd.to_datetime(["2024-01-01"] * 4),
    ...                         "score": [9.0, None, 99.0, 7.0]})
    >>> survey_responses_by_month(answers)
           month  responses  valid  missing  invalid  pct_valid
    0 2024-01-01          4      2        1        1       50.0
    """
    low, high = scale
    frame = compute_frame(data)
    require_columns(frame, [date, score])
    frame = local_datetimes(frame, [date])
    s = nw.col(score).cast(nw.Float64)
    valid = (~s.is_null()) & (s >= low) & (s <= high) & (s == s.round(0))
    out = _collect(
        frame.filter(~nw.col(date).is_null())
        .with_columns(
            nw.col(date).dt.truncate("1mo").alias("month"),
            valid.cast(nw.Int64).alias("__valid"),
            s.is_null().cast(nw.Int64).alias("__missing"),
        )
        .group_by("month")
        .agg(
            nw.len().alias("responses"),
            nw.col("__valid").sum().alias("valid"),
            nw.col("__missing").sum().alias("missing"),
        )
        .sort("month"),
        counts=("responses", "valid", "missing"),
    )
    out["invalid"] = out["responses"] - out["valid"] - out["missing"]
    out["pct_valid"] = 100 * out["valid"] / out["responses"]
    return out.reset_index(drop=True)
