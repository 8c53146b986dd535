"""The 80/20 split on the real CDNOW log, pinned to an independent SQL computation.

The reference numbers come from stdlib ``sqlite3`` reading the raw text file with plain
Python (no pandas, no narwhals, no loyalty_lib code): net value per customer with
``GROUP BY``, ranking with ``ROW_NUMBER() OVER (ORDER BY net DESC, customer_id)``, running
sums with window functions, and the textbook Gini formula with *ascending* ranks,
``2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n``.
"""

from __future__ import annotations

import sqlite3

import pytest

from loyalty_lib.inputs.datasets import cdnow_path, load_cdnow
from loyalty_lib.value.abc import abc_classes
from loyalty_lib.value.pareto import pareto_by_period, pareto_split

RANKED = """
WITH net AS (
    SELECT customer_id, SUM(amount) AS v FROM log {where} GROUP BY customer_id
), pos AS (
    SELECT customer_id, v,
           ROW_NUMBER() OVER (ORDER BY v DESC, customer_id) AS r_desc,
           ROW_NUMBER() OVER (ORDER BY v ASC, customer_id DESC) AS r_asc,
           SUM(v) OVER (ORDER BY v DESC, customer_id ROWS UNBOUNDED PRECEDING) AS running
    FROM net WHERE v > 0
), totals AS (
    SELECT COUNT(*) AS n, SUM(v) AS total,
           (COUNT(*) * 2 + 9) / 10 AS k_top  -- integer ceil(0.2 * n)
    FROM pos
)
SELECT
    t.n,
    (SELECT COUNT(*) FROM net WHERE v <= 0) AS non_positive,
    t.total,
    t.k_top,
    (SELECT SUM(v) FROM pos WHERE r_desc <= t.k_top) / t.total AS top_share,
    (SELECT MIN(r_desc) FROM pos WHERE running >= 0.8 * t.total) AS k_target,
    2.0 * (SELECT SUM(r_asc * v) FROM pos) / (t.n * t.total) - (t.n + 1.0) / t.n AS gini
FROM totals t
"""


@pytest.fixture(scope="module")
def db() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE log (customer_id TEXT, day TEXT, cds INTEGER, amount REAL)")
    with open(cdnow_path()) as fh:
        next(fh)  # header
        rows = [line.split() for line in fh if line.strip()]
    con.executemany(
        "INSERT INTO log VALUES (?, ?, ?, ?)", [(c, d, int(n), float(a)) for c, d, n, a in rows]
    )
    return con


@pytest.fixture(scope="module")
def log():
    return load_cdnow()


def sql_split(db, where=""):
    n, non_positive, total, k_top, top_share, k_target, gini = db.execute(
        RANKED.format(where=where)
    ).fetchone()
    return {
        "customers": n,
        "non_positive_customers": non_positive,
        "total_value": total,
        "top_customers": k_top,
        "top_value_share": top_share,
        "target_customers": k_target,
        "gini": gini,
    }


def test_whole_log_matches_sql(db, log):
    expected = sql_split(db)
    got = pareto_split(log, customer="customer_id", value="amount").iloc[0]
    for column, value in expected.items():
        assert got[column] == pytest.approx(value, rel=1e-9), column
    assert got["customer_share_for_target"] == pytest.approx(
        expected["target_customers"] / expected["customers"], rel=1e-12
    )


def test_whole_log_figures(db):
    # The SQL above, run once (sqlite 3.40), gives these figures; pinned so that a change
    # in the bundled file or in the SQL reference shows up here too. 23,570 customers in
    # the log of whom 68 have a net value of 0 (only zero-value rows).
    expected = sql_split(db)
    assert expected["customers"] == 23_502 and expected["non_positive_customers"] == 68
    assert expected["top_customers"] == 4_701  # ceil(0.2 * 23,502) = ceil(4,700.4)
    assert expected["top_value_share"] == pytest.approx(0.677076, abs=1e-6)
    assert expected["target_customers"] == 7_695  # 7,695 / 23,502 = 0.327419
    assert expected["gini"] == pytest.approx(0.633514, abs=1e-6)


def test_per_year_matches_sql(db, log):
    yearly = pareto_by_period(
        log, customer="customer_id", value="amount", date="order_date", freq="year"
    ).set_index("period_label")
    assert yearly.index.tolist() == ["1997", "1998"]
    for year in ("1997", "1998"):
        expected = sql_split(db, where=f"WHERE substr(day, 1, 4) = '{year}'")
        got = yearly.loc[year]
        for column, value in expected.items():
            assert got[column] == pytest.approx(value, rel=1e-9), (year, column)


def test_class_a_is_the_sql_target_set(db, log):
    classes = abc_classes(log, customer="customer_id", value="amount")
    a_ids = set(classes.loc[classes["abc_class"] == "A", "customer_id"])
    k_target = sql_split(db)["target_customers"]
    ranked = RANKED.format(where="").split("SELECT\n    t.n")[0]
    sql_ids = {
        row[0]
        for row in db.execute(ranked + "SELECT customer_id FROM pos WHERE r_desc <= ?", (k_target,))
    }
    assert a_ids == sql_ids and len(a_ids) == 7_695
