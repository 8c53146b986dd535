"""Line-level logs: orders are distinct order ids when the order-id column is named,
purchase lines otherwise, and the result says which. Expected values are counted by hand
on the eight lines below and re-counted with plain pandas (nunique per customer)."""

import pandas as pd

from loyalty_lib.value.abc import abc_classes, abc_summary
from loyalty_lib.value.customers import customer_value

LINES = pd.DataFrame(
    {
        "order_id": [
            "536365",
            "536365",
            "536365",
            "536366",
            "C536379",
            "536380",
            "536380",
            "536381",
        ],
        "customer_id": ["17850", "17850", "17850", "17850", "17850", "13047", "13047", "12583"],
        "order_date": pd.to_datetime(
            ["2022-12-01 08:26"] * 3
            + [
                "2022-12-02 09:00",
                "2022-12-03 10:00",
                "2022-12-01 09:00",
                "2022-12-01 09:00",
                "2022-12-05 12:00",
            ]
        ),
        "amount": [15.30, 15.30, 20.34, 11.10, -15.30, 30.0, 12.5, 5.0],
    }
)


def test_orders_are_distinct_order_ids_with_a_positive_line():
    out = customer_value(
        LINES, customer="customer_id", value="amount", date="order_date", order="order_id"
    ).set_index("customer_id")
    # by hand: 17850 has orders 536365, 536366 and cancellation C536379
    assert out.loc["17850", "orders"] == 2 and out.loc["17850", "returns"] == 1
    assert out.loc["13047", "orders"] == 1 and out.loc["12583", "orders"] == 1
    # plain pandas: nunique of order ids over positive lines
    expected = LINES[LINES["amount"] > 0].groupby("customer_id")["order_id"].nunique()
    assert out["orders"].sort_index().to_dict() == expected.sort_index().to_dict()
    assert round(out.loc["17850", "value"], 2) == round(15.30 + 15.30 + 20.34 + 11.10 - 15.30, 2)
    assert out.loc["17850", "first_purchase"] == pd.Timestamp("2022-12-01 08:26")
    assert out.loc["17850", "last_purchase"] == pd.Timestamp("2022-12-02 09:00")
    assert out.attrs["orders_counted_as"] == "order_id"


def test_without_order_ids_rows_are_purchase_lines_and_the_result_says_so():
    out = customer_value(LINES, customer="customer_id", value="amount").set_index("customer_id")
    assert out.loc["17850", "orders"] == 4 and out.loc["17850", "returns"] == 1
    assert out.attrs["orders_counted_as"] == "lines"


def test_abc_mean_orders_per_class_counts_orders():
    classes = abc_classes(LINES, customer="customer_id", value="amount", order="order_id")
    summary = abc_summary(classes).set_index("abc_class")
    # ranking by net value: 17850 46.74, 13047 42.5, 12583 5.0; total 94.24.
    # A = smallest top set reaching 80%: 17850 (49.6%) + 13047 (94.7%) -> orders 2 and 1
    assert summary.loc["A", "customers"] == 2
    assert summary.loc["A", "mean_orders"] == 1.5
    assert summary.attrs["orders_counted_as"] == "order_id"
    by_lines = abc_summary(abc_classes(LINES, customer="customer_id", value="amount"))
    assert by_lines.set_index("abc_class").loc["A", "mean_orders"] == 3.0  # 4 and 2 lines
    assert by_lines.attrs["orders_counted_as"] == "lines"
