"""Large pandas frames are computed by DuckDB (docs/decisions/0002): same results.

``PANDAS_VIA_DUCKDB_ROWS`` decides which pandas frames go through DuckDB. Here it is
set to 0 (every frame routed) and compared with ``None`` (every frame on pandas), on
the bundled data and on messy inputs whose warnings and errors must not change.
"""

from __future__ import annotations

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
import pytest
from _engine_cases import CASES, assert_same, run

import loyalty_lib.engines as engines
from loyalty_lib import cohort_retention, customer_value, nps, pareto_split
from loyalty_lib.inputs.datasets import load_sales, load_survey

# fewer than 2,000 resamples keep these property/plumbing tests fast; the warning itself is
# tested in tests/survey/test_nps_bootstrap.py
pytestmark = pytest.mark.filterwarnings(
    "ignore:n_boot.*resamples:loyalty_lib.errors.LoyaltyWarning"
)


@pytest.fixture(scope="module")
def data():
    return {"cdnow": (load_sales("cdnow"), None), "demo": (load_sales("demo"), load_survey("demo"))}


def _both(monkeypatch, call, *args):
    """(pandas result, warnings), (routed result, warnings) of one call."""
    monkeypatch.setattr(engines, "PANDAS_VIA_DUCKDB_ROWS", None)
    expected = run(call, *args)
    monkeypatch.setattr(engines, "PANDAS_VIA_DUCKDB_ROWS", 0)
    got = run(call, *args)
    return expected, got


PAIRS = [
    (case, dataset)
    for case, (needs_demo, _) in CASES.items()
    for dataset in (("demo",) if needs_demo else ("cdnow", "demo"))
]


@pytest.mark.parametrize(("case", "dataset"), PAIRS)
def test_routed_equals_pandas(case, dataset, data, monkeypatch):
    (expected, expected_warnings), (got, got_warnings) = _both(
        monkeypatch, CASES[case][1], *data[dataset]
    )
    assert_same(expected, got)
    assert got_warnings == expected_warnings


def test_threshold_decides(monkeypatch):
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [1.0, 2.0, 3.0]})
    monkeypatch.setattr(engines, "PANDAS_VIA_DUCKDB_ROWS", 4)
    assert isinstance(engines.compute_frame(frame), nw.DataFrame)  # 3 rows < 4: pandas
    monkeypatch.setattr(engines, "PANDAS_VIA_DUCKDB_ROWS", 3)
    assert isinstance(engines.compute_frame(frame), nw.LazyFrame)  # 3 rows >= 3: DuckDB
    mixed = frame.assign(customer_id=pd.Series([1, "1", "b"], dtype=object))
    # 1 and "1" are two customers in pandas; DuckDB would read both as '1': stays
    assert isinstance(engines.compute_frame(mixed), nw.DataFrame)
    assert len(customer_value(mixed, customer="customer_id", value="amount")) == 3


MESSY = pd.DataFrame(
    {
        "customer_id": pd.Series(["a", "a", None, "b", "c", "c", "d"], dtype="str"),
        "order_date": pd.to_datetime(
            [
                "2024-01-05",
                "2024-02-10",
                "2024-01-07",
                None,
                "2024-01-20",
                "2024-03-02",
                "2024-02-11",
            ]
        ),
        "amount": [10.0, np.nan, 3.0, 4.0, 20.0, -5.0, 7.0],
        "score": [10.0, 9.0, np.nan, 3.0, 11.0, 7.5, 0.0],
    }
)


@pytest.mark.parametrize(
    "call",
    [
        lambda d: cohort_retention(d, customer="customer_id", date="order_date", value="amount"),
        lambda d: nps(d, "score", errors="exclude"),
    ],
)
def test_messy_input_same_warnings_and_counts(call, monkeypatch):
    (expected, expected_warnings), (got, got_warnings) = _both(
        monkeypatch, lambda s, v: call(s), MESSY, None
    )
    assert expected_warnings  # the input is messy: something is reported
    assert got_warnings == expected_warnings
    assert_same(expected, got)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda d: pareto_split(d, customer="customer_id", value="amount"),
            "customer_id: 1 rows with a missing customer id",
        ),
        (
            lambda d: pareto_split(
                d.dropna(subset=["customer_id"]), customer="customer_id", value="amount"
            ),
            "amount: 1 missing values",
        ),
        (lambda d: nps(d, "score"), "score: 1 values outside 0–10: \\[11\\]; score: 1 fractional"),
    ],
)
def test_messy_input_same_errors(call, message, monkeypatch):
    for threshold in (None, 0):
        monkeypatch.setattr(engines, "PANDAS_VIA_DUCKDB_ROWS", threshold)
        with pytest.raises(ValueError, match=message):
            call(MESSY)


def test_input_is_not_modified(data, monkeypatch):
    monkeypatch.setattr(engines, "PANDAS_VIA_DUCKDB_ROWS", 0)
    sales = data["demo"][0]
    before = sales.copy()
    cohort_retention(sales, customer="customer_id", date="order_date", value="amount")
    pareto_split(sales, customer="customer_id", value="amount")
    pd.testing.assert_frame_equal(sales, before)
