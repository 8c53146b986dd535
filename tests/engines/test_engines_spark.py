"""Every core function on a local Spark session equals pandas.

One Spark session for the module (``local[2]``, two shuffle partitions, no UI): the
JVM starts once, in about ten seconds. The reference is the pandas result of the same
call (``tests/engines/_engine_cases.py``), itself pinned to hand-worked and SQL values elsewhere.
Java 17 must be on the PATH (``make java``).
"""

from __future__ import annotations

import pandas as pd
import pytest
from _engine_cases import CASES, NOT_ON_SPARK, PER_CUSTOMER, assert_same, run

import loyalty_lib.engines as engines
from loyalty_lib import cohort_retention
from loyalty_lib.engines import to_engine
from loyalty_lib.inputs.datasets import load_sales, load_survey

# fewer than 2,000 resamples keep these property/plumbing tests fast; the warning itself is
# tested in tests/survey/test_nps_bootstrap.py
pytestmark = pytest.mark.filterwarnings(
    "ignore:n_boot.*resamples:loyalty_lib.errors.LoyaltyWarning"
)


pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("loyalty-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("OFF")
    yield session
    session.stop()


@pytest.fixture(autouse=True)
def pandas_stays_pandas(monkeypatch):
    monkeypatch.setattr(engines, "PANDAS_VIA_DUCKDB_ROWS", None)


@pytest.fixture(scope="module")
def data():
    return {"cdnow": (load_sales("cdnow"), None), "demo": (load_sales("demo"), load_survey("demo"))}


@pytest.fixture(scope="module")
def on_spark(spark, data):
    return {
        name: tuple(
            None if f is None else to_engine(f, "spark", spark=spark).cache() for f in frames
        )
        for name, frames in data.items()
    }


# Every case on the demo (it has a survey and regions); the transaction cases on CDNOW
# too, whose ids are zero-padded strings and whose dates start in 1997.
PAIRS = [(case, "demo") for case in CASES if case not in NOT_ON_SPARK] + [
    (case, "cdnow")
    for case, (needs_demo, _) in CASES.items()
    if not needs_demo and case not in PER_CUSTOMER | NOT_ON_SPARK
]


@pytest.mark.parametrize(("case", "dataset"), PAIRS)
def test_spark_equals_pandas(case, dataset, data, on_spark):
    call = CASES[case][1]
    expected, expected_warnings = run(call, *data[dataset])
    got, got_warnings = run(call, *on_spark[dataset])
    assert_same(expected, got)
    assert got_warnings == expected_warnings


def test_spark_excluded_rows_are_counted_like_pandas(spark):
    messy = pd.DataFrame(
        {
            "customer_id": ["a", "a", None, "b", "c"],
            "order_date": pd.to_datetime(
                ["2024-01-05", "2024-02-10", "2024-01-07", None, "2024-03-01"]
            ),
            "amount": [10.0, -2.0, 3.0, 4.0, 20.0],
        }
    )
    keys = {"customer": "customer_id", "date": "order_date", "value": "amount"}
    expected, expected_warnings = run(lambda s, v: cohort_retention(s, **keys), messy, None)
    got, got_warnings = run(
        lambda s, v: cohort_retention(s, **keys), spark.createDataFrame(messy), None
    )
    assert got.attrs["excluded"] == {
        "missing_customer": 1,
        "missing_date": 1,
        "missing_value": 0,
        "after_as_of": 0,
        "before_first_purchase": 0,
    }
    assert_same(expected, got)
    assert got_warnings == expected_warnings


def test_spark_reads_parquet_paths(spark, data, tmp_path):
    sales = data["cdnow"][0]
    sales.to_parquet(tmp_path / "cdnow.parquet")
    frame = to_engine(str(tmp_path / "*.parquet"), "spark", spark=spark)
    assert type(frame).__module__.startswith("pyspark")
    keys = {"customer": "customer_id", "date": "order_date"}
    assert_same(cohort_retention(sales, **keys), cohort_retention(frame, **keys))
