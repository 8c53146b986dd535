"""The CDNOW triangle pinned to an independent computation in stdlib sqlite3 SQL.

The SQL below shares no code with loyalty_lib: periods come from sqlite's own date
functions (strftime, julianday, the 'weekday 1' modifier), distinct customers from
COUNT(DISTINCT ...). Every cell of the triangle is compared.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.inputs.datasets import load_cdnow, load_sales
from loyalty_lib.retention.cohorts import cohort_retention
from loyalty_lib.retention.curves import retention_curve, retention_matrix
from loyalty_lib.retention.repeat import repeat_purchase_rate, time_to_second_purchase

KW = {"customer": "customer_id", "date": "order_date", "value": "amount"}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow()


def sqlite_of(log: pd.DataFrame) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    table = pd.DataFrame(
        {
            "customer_id": log["customer_id"].astype(str),
            "d": log["order_date"].dt.strftime("%Y-%m-%d"),
            "amount": log["amount"].astype(float),
        }
    )
    table.to_sql("log", con, index=False)
    return con


MONTHLY_SQL = """
WITH t AS (
    SELECT customer_id, amount,
           CAST(strftime('%Y', d) AS INTEGER) * 12 + CAST(strftime('%m', d) AS INTEGER) - 1 AS p
    FROM log
),
f AS (SELECT customer_id, MIN(p) AS c, MAX(p) AS l FROM t WHERE amount >= 0 GROUP BY customer_id),
s AS (SELECT c, COUNT(*) AS n FROM f GROUP BY c),
a AS (
    SELECT f.c, t.p - f.c AS k, COUNT(DISTINCT t.customer_id) AS active
    FROM t JOIN f USING (customer_id) WHERE t.amount >= 0 GROUP BY f.c, k
),
r AS (
    SELECT f.c, t.p - f.c AS k, SUM(t.amount) AS revenue
    FROM t JOIN f USING (customer_id) WHERE t.p >= f.c GROUP BY f.c, k
)
SELECT printf('%04d-%02d-01', a.c / 12, a.c % 12 + 1) AS cohort, a.k AS period, s.n AS size,
       a.active, COALESCE(r.revenue, 0) AS revenue
FROM a JOIN s USING (c) LEFT JOIN r ON r.c = a.c AND r.k = a.k
"""


def test_monthly_triangle_matches_sqlite(cdnow):
    result = cohort_retention(cdnow, **KW, freq="month")
    sql = pd.read_sql(MONTHLY_SQL, sqlite_of(cdnow), parse_dates=["cohort"])
    # Inside the triangle every CDNOW cell has buyers, so SQL has every cell; outside it
    # both sides are empty (NaN).
    sql_active = sql.pivot(index="cohort", columns="period", values="active")
    ours = retention_matrix(result, "active")
    # CDNOW ends on 1998-06-30, a month end: every cell that exists is complete.
    assert result["complete"].all()
    # 3 cohorts (Jan-Mar 1997) x periods 0..17 (Jan) / 16 / 15: 18 + 17 + 16 = 51 cells.
    assert len(result) == 51
    np.testing.assert_array_equal(
        ours.fillna(-1).to_numpy(), sql_active.reindex_like(ours).fillna(-1).to_numpy()
    )
    sizes = sql.drop_duplicates("cohort").set_index("cohort")["size"]
    assert sizes.sum() == 23_570  # the published number of CDNOW customers
    np.testing.assert_array_equal(
        result.drop_duplicates("cohort").set_index("cohort")["cohort_size"], sizes.sort_index()
    )
    sql_revenue = sql.pivot(index="cohort", columns="period", values="revenue")
    np.testing.assert_allclose(
        retention_matrix(result, "revenue").to_numpy(),
        sql_revenue.reindex_like(ours).to_numpy(),
        rtol=1e-9,
    )


def test_monthly_on_or_after_matches_sqlite(cdnow):
    result = cohort_retention(cdnow, **KW, freq="M", mode="on_or_after")
    query = """
    WITH t AS (SELECT customer_id,
               CAST(strftime('%Y', d) AS INTEGER) * 12 + CAST(strftime('%m', d) AS INTEGER) - 1
               AS p FROM log WHERE amount >= 0),
    f AS (SELECT customer_id, MIN(p) AS c, MAX(p) AS l FROM t GROUP BY customer_id),
    k AS (SELECT DISTINCT p - (SELECT MIN(p) FROM t) AS k FROM t)
    SELECT f.c, k.k, SUM(f.l - f.c >= k.k) AS active
    FROM f CROSS JOIN k WHERE f.c + k.k <= (SELECT MAX(p) FROM t)
    GROUP BY f.c, k.k ORDER BY f.c, k.k
    """
    sql = pd.read_sql(query, sqlite_of(cdnow))
    assert result["active"].tolist() == sql["active"].tolist()


def test_weekly_triangle_matches_sqlite_monday_weeks(cdnow):
    result = cohort_retention(cdnow, **KW, freq="week")
    query = """
    WITH t AS (SELECT customer_id, date(d, '-6 days', 'weekday 1') AS w FROM log
               WHERE amount >= 0),
    f AS (SELECT customer_id, MIN(w) AS c FROM t GROUP BY customer_id)
    SELECT f.c AS cohort, CAST(julianday(t.w) - julianday(f.c) AS INTEGER) / 7 AS period,
           COUNT(DISTINCT t.customer_id) AS active
    FROM t JOIN f USING (customer_id) GROUP BY f.c, period
    """
    sql = pd.read_sql(query, sqlite_of(cdnow), parse_dates=["cohort"])
    merged = result.merge(sql, on=["cohort", "period"], how="left", suffixes=("", "_sql"))
    assert len(sql) == merged["active_sql"].notna().sum()  # every SQL cell is in ours
    np.testing.assert_array_equal(merged["active"], merged["active_sql"].fillna(0))
    # 1998-06-30 is a Tuesday: the last week (from Mon 1998-06-29) is incomplete.
    last = result[result["cohort"] + pd.to_timedelta(7 * result["period"], "D") == "1998-06-29"]
    assert len(last) == 13 and not last["complete"].any()
    assert result["complete"].sum() == len(result) - 13


def test_curve_pools_the_sqlite_counts(cdnow):
    curve = retention_curve(cohort_retention(cdnow, **KW))
    sql = pd.read_sql(MONTHLY_SQL, sqlite_of(cdnow))
    pooled = sql.groupby("period").agg(active=("active", "sum"), n=("size", "sum"))
    # Period 1: every cohort has completed it -> sum active / 23,570 customers.
    assert curve.loc[1, "active"] == pooled.loc[1, "active"]
    assert curve.loc[1, "customers"] == 23_570
    # Period 16: only the Jan and Feb cohorts (7,846 + 8,476 = 16,322 customers).
    assert curve.loc[16, "cohorts"] == 2
    assert curve.loc[16, "customers"] == 16_322
    assert curve.loc[16, "retention"] == pytest.approx(pooled.loc[16, "active"] / 16_322)


def test_repeat_rate_matches_sqlite(cdnow):
    query = """
    WITH f AS (SELECT customer_id, MIN(julianday(d)) AS f FROM log WHERE amount >= 0
               GROUP BY customer_id),
    s AS (SELECT l.customer_id, MIN(julianday(l.d)) - f.f AS gap FROM log l
          JOIN f USING (customer_id) WHERE julianday(l.d) > f.f AND l.amount >= 0
          GROUP BY l.customer_id)
    SELECT COUNT(*) AS n, SUM(s.gap <= 90) AS within90, COUNT(s.gap) AS ever
    FROM f LEFT JOIN s USING (customer_id)
    """
    sql = pd.read_sql(query, sqlite_of(cdnow)).iloc[0]
    rate = repeat_purchase_rate(cdnow, **KW, within=90).iloc[0]
    # Every CDNOW customer was followed at least 15 months, so nobody is too recent.
    assert (rate["customers"], rate["too_recent"]) == (sql["n"], 0)
    assert rate["repeaters"] == sql["within90"]
    ever = repeat_purchase_rate(cdnow, **KW).iloc[0]
    assert ever["repeaters"] == sql["ever"]
    # No customer is censored before day 90, so Kaplan-Meier equals the plain share.
    km = time_to_second_purchase(cdnow, **KW)
    at_90 = km.loc[km["days"] <= 90, "share_repeated"].iloc[-1]
    assert at_90 == pytest.approx(sql["within90"] / sql["n"])


def test_demo_returns_net_revenue_matches_sqlite():
    demo = load_sales("demo")
    assert (demo["amount"] < 0).sum() > 0  # the demo shop has return rows
    result = cohort_retention(demo, **KW, freq="month")
    sql = pd.read_sql(MONTHLY_SQL, sqlite_of(demo), parse_dates=["cohort"])
    merged = result.merge(sql, on=["cohort", "period"], how="left", suffixes=("", "_sql"))
    # Cells without any buyer are absent from SQL: they are zeros.
    np.testing.assert_array_equal(merged["active"], merged["active_sql"].fillna(0))
    np.testing.assert_array_equal(
        merged["cohort_size"], merged.groupby("cohort")["size"].transform("max")
    )
    np.testing.assert_allclose(merged["revenue"], merged["revenue_sql"].fillna(0), atol=1e-6)
