"""Duplicates are judged on the whole row: two products with the same line amount in one
order are two lines, not a copy (the UCI Online Retail layout)."""

import pandas as pd

from loyalty_lib.inputs.validate import drop_excluded, validate_sales


def _lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["536365", "536365", "536365", "536366"],
            "stock_code": ["85123A", "71053", "71053", "22633"],
            "customer_id": ["17850", "17850", "17850", "17850"],
            "order_date": pd.to_datetime(["2022-12-01 08:26"] * 3 + ["2022-12-01 08:28"]),
            "amount": [15.30, 15.30, 15.30, 11.10],
        }
    )


def test_same_amount_different_product_is_kept_exact_copy_is_excluded():
    # by hand: rows 0 and 1 differ in stock_code (kept); row 2 copies row 1 in every column
    lines = _lines()
    report = validate_sales(lines, order_id="order_id", as_of="2023-01-01")
    dupes = report.set_index("check").loc["duplicate_rows"]
    assert int(dupes["count"]) == 1
    assert dupes["action"] == "excluded"
    kept = drop_excluded(lines, report)
    assert len(kept) == 3
    assert kept["amount"].sum() == 15.30 * 2 + 11.10
    assert lines.equals(_lines())  # input never mutated


def test_without_other_columns_identical_checked_columns_are_still_copies():
    lines = _lines().drop(columns="stock_code")
    report = validate_sales(lines, order_id="order_id", as_of="2023-01-01")
    assert int(report.set_index("check").loc["duplicate_rows", "count"]) == 2
