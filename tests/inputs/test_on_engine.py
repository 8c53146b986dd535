"""The sales log on the engine: opened lazily, checked by aggregate queries, same numbers.

The export is built the way shop systems write Parquet: customer ids as floats
(``17093.0``), a guest row without an id, a blank id, a copied row, a NaN amount, returns,
an order dated after the as-of day. Every expected count is worked out by hand from the
rows listed in ``_export`` (the comment beside each row says which check it trips), and the
engines must agree with pandas (which reads the same file into memory) on the report and
on the cleaned log.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.on_engine import between, log_summary, open_sales, returning_buyers
from loyalty_lib.inputs.sources import parse_source
from loyalty_lib.inputs.validate import drop_excluded, stop_on_fatal, validate_sales

AS_OF = "2024-03-31"


def _export() -> pd.DataFrame:
    rows = [
        # Invoice, CustomerID, InvoiceDate, Quantity, Price
        ("536365", 17850.0, "2024-01-05 08:26", 6, 2.55),
        ("536365", 17850.0, "2024-01-05 08:26", 6, 3.39),  # same order, other line
        ("536366", 17093.0, "2024-01-06 09:00", 2, 1.85),
        ("536366", 17093.0, "2024-01-06 09:00", 2, 1.85),  # an exact copy -> duplicate_rows
        ("536367", np.nan, "2024-01-07 10:00", 1, 4.25),  # guest -> customer_missing
        ("C536368", 17850.0, "2024-02-01 11:00", 1, 2.55),  # cancellation -> negative
        ("536369", 13047.0, "2024-02-10 12:00", 3, np.nan),  # no price -> value_missing
        ("536370", 13047.0, "2024-04-02 12:00", 1, 9.99),  # after AS_OF -> date_future
        ("536371", 12583.0, "2024-03-31 23:59", 4, 5.00),  # on AS_OF: kept
    ]
    frame = pd.DataFrame(
        rows, columns=["Invoice", "CustomerID", "InvoiceDate", "Quantity", "Price"]
    )
    frame["InvoiceDate"] = pd.to_datetime(frame["InvoiceDate"])
    return frame


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    data = _export()
    data.iloc[:5].to_parquet(folder / "part-0.parquet", index=False)
    data.iloc[5:].to_parquet(folder / "part-1.parquet", index=False)
    source = parse_source(
        "shop",
        {
            "kind": "sales",
            "path": str(folder / "*.parquet"),
            "columns": {
                "customer": "CustomerID",
                "date": "InvoiceDate",
                "quantity": "Quantity",
                "price": "Price",
                "order_id": "Invoice",
            },
            "cancellations": {"invoice_prefix": "C"},
            "currency": "GBP",
        },
        folder,
    )
    return source


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("loyalty-on-engine-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("OFF")
    yield session


def _report(frame, order_id="order_id"):
    return validate_sales(
        frame,
        customer="customer_id",
        date="order_date",
        value="amount",
        order_id=order_id,
        as_of=AS_OF,
    )


# hand count over the nine rows of _export
EXPECTED = {
    "date_future": 1,
    "customer_missing": 1,
    "value_missing": 1,
    "value_negative": 1,
    "duplicate_rows": 1,
}


def _counts(report):
    return dict(zip(report["check"], report["count"].astype(int), strict=True))


@pytest.mark.parametrize("engine", ["pandas", "duckdb", "spark"])
def test_declared_parquet_on_each_engine(engine, export, request):
    spark = request.getfixturevalue("spark") if engine == "spark" else None
    frame, info = open_sales(export, engine, spark=spark)
    assert info["read_by"] == ("pandas" if engine == "pandas" else engine)
    assert info["currency"] == "GBP" and info["orders"] == "order_id"
    if engine != "pandas":
        assert not isinstance(frame, pd.DataFrame)  # never collected into pandas
    report = _report(frame)
    assert _counts(report) == EXPECTED
    assert set(report["action"]) == {"excluded", "kept"}
    stop_on_fatal(report)
    clean = drop_excluded(frame, report)
    summary = log_summary(clean, date="order_date", value="amount", customer="customer_id")
    # 9 rows - future - guest - no price - one copy = 5; customers 17850, 17093, 12583
    assert summary["rows"] == 5
    assert summary["customers"] == 3
    assert summary["returns"] == 1
    assert str(summary["first"].date()) == "2024-01-05"
    assert str(summary["last"].date()) == "2024-03-31"
    # the net amount, by hand: 6*2.55 + 6*3.39 + 2*1.85 - 2.55 + 4*5.00 = 56.79
    if isinstance(clean, pd.DataFrame):
        total = float(clean["amount"].sum())
        ids = sorted(clean["customer_id"].unique())
    elif engine == "duckdb":
        total = clean.aggregate("sum(amount)").fetchall()[0][0]
        ids = sorted(r[0] for r in clean.aggregate("customer_id").fetchall())
    else:
        total = clean.agg({"amount": "sum"}).collect()[0][0]
        ids = sorted(r[0] for r in clean.select("customer_id").distinct().collect())
    assert math.isclose(total, 56.79, abs_tol=1e-9)
    assert ids == ["12583", "17093", "17850"]  # float ids as whole-number text


def test_examples_on_the_engine_show_dates_not_ids(export):
    frame, _ = open_sales(export, "duckdb")
    report = _report(frame).set_index("check")
    assert report.loc["customer_missing", "examples"] == "dated 2024-01-07"
    assert report.loc["date_future", "examples"] == "dated 2024-04-02"
    assert report.loc["value_negative", "examples"] == "-2.55"
    assert "17850" not in " ".join(report["examples"]) + " ".join(report["message"])


def test_text_dates_in_parquet_stop_with_a_sentence(tmp_path):
    data = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "order_date": ["01.02.2024", "02.02.2024"],
            "amount": [1.0, 2.0],
        }
    )
    data.to_parquet(tmp_path / "s.parquet", index=False)
    frame, _ = open_sales(str(tmp_path / "s.parquet"), "duckdb")
    report = _report(frame, order_id=None)
    assert report["check"].tolist() == ["date_unparseable"]
    with pytest.raises(
        DataQualityError,
        match=r"order_date: the order dates are stored as "
        r"String, not as dates; on the duckdb/spark engine",
    ):
        stop_on_fatal(report)


def test_fractional_float_ids_are_refused(tmp_path):
    data = pd.DataFrame(
        {
            "customer_id": [1.0, 2.5],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [1.0, 2.0],
        }
    )
    data.to_parquet(tmp_path / "s.parquet", index=False)
    with pytest.raises(DataQualityError, match="customer_id: 1 ids are numbers with a fraction"):
        open_sales(str(tmp_path / "s.parquet"), "duckdb")


def test_between_keeps_the_whole_last_day_on_every_engine(export):
    frame, _ = open_sales(export, "duckdb")
    pandas_frame, _ = open_sales(export, "pandas")
    for data in (frame, pandas_frame):
        kept = between(data, "order_date", start="2024-01-06", end="2024-03-31")
        assert log_summary(kept, date="order_date")["rows"] == 6  # rows 3-7 and 9


def test_infinite_and_huge_amounts_are_fatal_on_duckdb(tmp_path):
    data = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "order_date": pd.to_datetime(["2024-01-01"] * 3),
            "amount": [1.0, np.inf, 2e15],
        }
    )
    data.to_parquet(tmp_path / "s.parquet", index=False)
    frame, _ = open_sales(str(tmp_path / "s.parquet"), "duckdb")
    report = _report(frame, order_id=None)
    expected = _report(data, order_id=None)  # the in-memory checks, the reference
    assert _counts(report) == _counts(expected) == {"not_finite": 1, "too_large": 1}


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_first_values_by_hand_on_each_engine(engine, tmp_path):
    from loyalty_lib.inputs.on_engine import first_values

    # by hand: a's earliest row is East (5 Jan, before 1 Feb West); b has two rows on its
    # earliest day, South and North: the smallest, North; c's only value is missing: no row
    log = pd.DataFrame({
        "customer_id": ["a", "a", "b", "b", "b", "c"],
        "order_date": pd.to_datetime(["2024-02-01", "2024-01-05", "2024-01-09", "2024-01-09",
                                      "2024-01-01", "2024-03-01"]),
        "amount": [1.0] * 6,
        "region": ["West", "East", "South", "North", None, None],
    })  # fmt: skip
    path = tmp_path / "log.parquet"
    log.to_parquet(path, index=False)
    frame, _ = open_sales(str(path), engine)
    got = first_values(frame, by="customer_id", date="order_date", column="region")
    assert got.to_dict() == {"a": "East", "b": "North"}


def test_first_values_equal_pandas_first_after_sorting_on_the_demo():
    # the recipe loyalty_drivers used before: sort by date, first segment per customer
    from loyalty_lib.inputs.datasets import load_sales
    from loyalty_lib.inputs.on_engine import first_values

    log = load_sales("demo")
    recipe = log.sort_values("order_date").groupby("customer_id")["region"].first()
    got = first_values(log, by="customer_id", date="order_date", column="region")
    pd.testing.assert_series_equal(got, recipe.sort_index(), check_names=False)


def _on(engine, frame, request):
    if engine == "pandas":
        return frame
    if engine == "duckdb":
        import duckdb

        return duckdb.from_df(frame)
    return request.getfixturevalue("spark").createDataFrame(frame)


@pytest.mark.parametrize("engine", ["pandas", "duckdb", "spark"])
def test_returning_buyers_by_hand_on_each_engine(engine, request):
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c", "d", None, "e"],
            "order_date": pd.to_datetime(
                [
                    "2024-01-05",  # a: before ...
                    "2024-04-02",  # ... and after 1 Apr -> returning
                    "2024-04-09",  # b: after only -> a new buyer
                    "2024-02-01",  # c: before only -> not a buyer of the period
                    "2024-03-31 23:59:00",
                    "2024-04-01",  # d: on the day itself -> a buyer, new
                    "2024-05-01",  # no id: not a customer, though after the day
                    None,  # e: no date -> not counted
                ],
                format="ISO8601",
            ),
        }
    )
    got = returning_buyers(
        _on(engine, log, request), customer="customer_id", date="order_date", since="2024-04-01"
    )
    assert got == {"buyers": 3, "returning": 1}  # buyers a, b, d; a bought before


def test_returning_buyers_equal_the_set_recipe_on_the_demo():
    # the recipe the 80/20 page used before it ran on the engine: two Python sets
    import duckdb

    from loyalty_lib.inputs.datasets import load_sales

    log = load_sales("demo")
    cut = pd.Timestamp("2024-10-01")
    before = set(log.loc[log["order_date"] < cut, "customer_id"])
    after = set(log.loc[log["order_date"] >= cut, "customer_id"])
    expected = {"buyers": len(after), "returning": len(after & before)}
    for data in (log, duckdb.from_df(log)):
        got = returning_buyers(data, customer="customer_id", date="order_date", since=cut)
        assert got == expected


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_examples_tied_in_count_are_listed_in_a_fixed_order(engine, request):
    # -5 and -3 twice each, -1 once: ties by amount (smallest first), dates earliest first
    log = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e", None, None],
            "order_date": pd.to_datetime(
                ["2024-01-03", "2024-01-02", "2024-01-02", "2024-01-03", "2024-01-01"]
                + ["2024-01-05", "2024-01-04"]
            ),
            "amount": [-3.0, -5.0, -3.0, -5.0, -1.0, 2.0, 2.0],
        }
    )
    report = _report(_on(engine, log, request), order_id=None).set_index("check")
    assert report.loc["value_negative", "examples"] == "-5 (2×), -3 (2×), -1"
    assert report.loc["customer_missing", "examples"] == "dated 2024-01-04, 2024-01-05"


def test_duckdb_memory_and_temp_folder_come_from_the_environment(tmp_path, monkeypatch, export):
    import duckdb

    spill = tmp_path / "spill here"  # a space in the path: quoted, created
    monkeypatch.setenv("LOYALTY_DUCKDB_MEMORY", "512MB")
    monkeypatch.setenv("LOYALTY_DUCKDB_TEMP", str(spill))
    con = duckdb.connect()
    open_sales(export, "duckdb", connection=con)
    limit, temp = con.execute(
        "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
    ).fetchone()
    assert limit == "488.2 MiB"  # DuckDB prints 512 MB (10^6 bytes) in MiB
    assert temp == str(spill) and spill.is_dir()


def test_nanosecond_timestamps_on_spark_stop_with_a_sentence(tmp_path, spark):
    # pandas writes datetime64[ns] as Parquet TIMESTAMP(NANOS), which Spark refuses to read
    data = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]).astype("datetime64[ns]"),
            "amount": [1.0, 2.0],
        }
    )
    data.to_parquet(tmp_path / "s.parquet", index=False)
    with pytest.raises(
        DataQualityError,
        match=r"^order_date: the Parquet files .* store timestamps in nanoseconds, which Spark "
        r"cannot read; write them in microseconds",
    ):
        open_sales(str(tmp_path / "s.parquet"), "spark", spark=spark)
    # the fix the sentence names works
    data.to_parquet(
        tmp_path / "us.parquet",
        index=False,
        coerce_timestamps="us",
        allow_truncated_timestamps=True,
    )
    frame, _ = open_sales(str(tmp_path / "us.parquet"), "spark", spark=spark)
    assert frame.count() == 2


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_text_ids_are_cleaned_only_where_needed(tmp_path, engine, request):
    # each dirty form once, expected by hand from the rule of normalise_ids (strip, empty to
    # missing, a whole float's ".0" removed); a clean column is read as it is
    spark = request.getfixturevalue("spark") if engine == "spark" else None
    dirty = [" 17093", "17093 ", "\t12\n", "17093.0", "", None, "A.10", "A-1", "B\x0b"]
    frame = pd.DataFrame(
        {
            "customer_id": dirty,
            "order_id": [f"O{i}" for i in range(len(dirty))],  # clean
            "order_date": pd.to_datetime(["2024-01-01"] * len(dirty)).astype("datetime64[us]"),
            "amount": [1.0] * len(dirty),
        }
    )
    frame.to_parquet(tmp_path / "s.parquet", index=False)
    native, _ = open_sales(str(tmp_path / "s.parquet"), engine, spark=spark)
    import narwhals.stable.v2 as nw

    got = nw.from_native(native).collect().to_pandas()
    got = got.sort_values("order_id", key=lambda s: s.str[1:].astype(int), ignore_index=True)
    expected = ["17093", "17093", "12", "17093", None, None, "A.10", "A-1", "B"]
    assert [None if pd.isna(v) else v for v in got["customer_id"]] == expected
    assert got["order_id"].tolist() == frame["order_id"].tolist()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (" 7", "7"),
        ("7 ", "7"),
        ("\t7", "7"),
        ("7\r\n", "7"),
        ("7\x0c", "7"),
        ("7.0", "7"),
        ("-7.00", "-7"),
        ("", None),
    ],
)
def test_each_dirty_form_alone_makes_the_column_cleaned(tmp_path, raw, clean):
    # one dirty value among clean ones: the one-query check must notice it by itself
    frame = pd.DataFrame(
        {
            "customer_id": ["C1", raw, "C3"],
            "order_date": pd.to_datetime(["2024-01-01"] * 3).astype("datetime64[us]"),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    frame.to_parquet(tmp_path / "s.parquet", index=False)
    native, _ = open_sales(str(tmp_path / "s.parquet"), "duckdb")
    got = native.order("amount").df()["customer_id"].tolist()
    assert [None if pd.isna(v) else v for v in got] == ["C1", clean, "C3"]
