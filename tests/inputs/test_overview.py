"""The data audit, pinned to hand-worked cases and to SQL (stdlib sqlite3) on the CDNOW log."""

import sqlite3

import numpy as np
import pandas as pd
import pytest

from loyalty_lib import ColumnNotFoundError
from loyalty_lib.inputs.datasets import load_cdnow
from loyalty_lib.inputs.overview import (
    ID_HIDDEN,
    column_profile,
    monthly_activity,
    purchase_quantiles,
    sales_summary,
    survey_responses_by_month,
)


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow()


@pytest.fixture(scope="module")
def cdnow_sql(cdnow):
    con = sqlite3.connect(":memory:")
    frame = cdnow.assign(order_date=cdnow["order_date"].dt.strftime("%Y-%m-%d"))
    frame.to_sql("log", con, index=False)
    yield con
    con.close()


def test_sales_summary_matches_sql_on_cdnow(cdnow, cdnow_sql):
    ours = sales_summary(cdnow).iloc[0]
    rows, customers, first, last, total, zero = cdnow_sql.execute(
        "SELECT COUNT(*), COUNT(DISTINCT customer_id), MIN(order_date), MAX(order_date), "
        "ROUND(SUM(amount), 2), SUM(amount = 0) FROM log"
    ).fetchone()
    dupes = cdnow_sql.execute(
        "SELECT SUM(c - 1) FROM (SELECT COUNT(*) AS c FROM log "
        "GROUP BY customer_id, order_date, quantity, amount)"
    ).fetchone()[0]
    assert (ours.rows, ours.customers) == (rows, customers) == (69_659, 23_570)
    assert (f"{ours.first_date:%Y-%m-%d}", f"{ours.last_date:%Y-%m-%d}") == (first, last)
    assert round(ours.total_value, 2) == total
    assert ours.zero_rows == zero == 80
    assert ours.duplicate_rows == dupes == 255
    assert ours.negative_rows == 0


def test_monthly_activity_matches_sql_on_cdnow(cdnow, cdnow_sql):
    ours = monthly_activity(cdnow)
    sql = pd.read_sql(
        "SELECT substr(order_date, 1, 7) AS month, COUNT(*) AS rows, "
        "COUNT(DISTINCT customer_id) AS customers, SUM(amount) AS value "
        "FROM log GROUP BY 1 ORDER BY 1",
        cdnow_sql,
    )
    assert ours["month"].dt.strftime("%Y-%m").tolist() == sql["month"].tolist()
    assert ours["rows"].tolist() == sql["rows"].tolist()
    assert ours["customers"].tolist() == sql["customers"].tolist()
    np.testing.assert_allclose(ours["value"], sql["value"], rtol=1e-12)


def test_sales_summary_hand_worked():
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", None, "c"],
            "order_date": pd.to_datetime(
                ["2024-01-05", "2024-02-01", None, "2024-03-01", "2024-03-02"]
            ),
            "amount": [10.0, -4.0, 0.0, 2.0, np.nan],
        }
    )
    s = sales_summary(log).iloc[0]
    # customers: a, b, c (missing id not counted); net 10 - 4 + 0 + 2 = 8; gross 10 + 2 = 12
    assert (s.rows, s.customers, s.total_value, s.gross_value) == (5, 3, 8.0, 12.0)
    assert (s.negative_rows, s.zero_rows) == (1, 1)
    assert (s.missing_customer, s.missing_date, s.missing_value) == (1, 1, 1)
    assert s.duplicate_rows == 0


def test_sales_summary_names_missing_column():
    log = pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(ColumnNotFoundError, match="'order_date' not found.*Did you mean 'date'"):
        sales_summary(log)


def test_sales_summary_does_not_mutate_input():
    log = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [1.0, 2.0],
        }
    )
    before = log.copy()
    sales_summary(log)
    monthly_activity(log)
    pd.testing.assert_frame_equal(log, before)


def test_survey_responses_by_month_classifies_answers():
    answers = pd.DataFrame(
        {
            "wave": pd.to_datetime(["2024-01-01"] * 5 + ["2024-02-01"] * 3),
            "score": [0, 10, 9.5, 99, None, 7, -1, None],
        }
    )
    out = survey_responses_by_month(answers)
    # January: 0 and 10 valid, 9.5 fractional and 99 out of range invalid, one missing
    assert out[["responses", "valid", "missing", "invalid"]].values.tolist() == [
        [5, 2, 1, 2],
        [3, 1, 1, 1],
    ]
    assert out["pct_valid"].tolist() == [40.0, pytest.approx(100 / 3)]
    declared = survey_responses_by_month(
        answers.assign(score=[1, 10, 5, 3, None, 7, 2, 1]), scale=(1, 10)
    )
    assert declared["valid"].tolist() == [4, 3]


def test_column_profile_counts():
    frame = pd.DataFrame({"id": ["a", "b", None, "b"], "x": [1.0, np.nan, np.nan, 2.0]})
    prof = column_profile(frame).set_index("column")
    assert prof.loc["id", "missing"] == 1 and prof.loc["id", "distinct"] == 2
    assert prof.loc["x", "pct_missing"] == 50.0
    assert prof.loc["id", "examples"] == ID_HIDDEN  # named as an identifier: never listed
    assert prof.loc["x", "examples"] == "1.0, 2.0"


def test_purchase_quantiles_by_hand():
    # positives 10, 20, 30, 40 (the return, the zero and the missing value are not purchases);
    # linear: the 90th percentile sits at position 0.9 x (4 - 1) = 2.7 -> 30 + 0.7 x 10 = 37
    log = pd.DataFrame({"amount": [10.0, -4.0, 20.0, 0.0, 30.0, np.nan, 40.0]})
    got = purchase_quantiles(log, quantiles=(0.0, 0.5, 0.9, 1.0))
    assert got["value"].tolist() == pytest.approx([10.0, 25.0, 37.0, 40.0])
    assert got["n"].tolist() == [4] * 4
    assert got["quantile"].tolist() == [0.0, 0.5, 0.9, 1.0]


def test_purchase_quantiles_match_numpy_on_cdnow_on_pandas_and_duckdb(cdnow):
    import duckdb

    positive = cdnow.loc[cdnow["amount"] > 0, "amount"].to_numpy()
    qs = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
    expected = np.percentile(positive, [100 * q for q in qs])  # numpy's linear method
    for data in (cdnow, duckdb.from_df(cdnow)):
        got = purchase_quantiles(data, quantiles=qs)
        assert got["value"].to_numpy() == pytest.approx(expected, rel=1e-12)
        assert set(got["n"]) == {len(positive)}


def test_purchase_quantiles_without_purchases_and_bad_quantiles():
    returns = pd.DataFrame({"amount": [-1.0, 0.0]})
    got = purchase_quantiles(returns, quantiles=(0.5,))
    assert got["n"].tolist() == [0] and got["value"].isna().all()
    with pytest.raises(ValueError, match=r"quantiles: \[90.0\] outside 0-1; write 0.9"):
        purchase_quantiles(returns, quantiles=(90,))
    with pytest.raises(ColumnNotFoundError):
        purchase_quantiles(returns, value="price")
