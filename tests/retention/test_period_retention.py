"""period_retention (issue 17, item 2: retention over calendar time, the chart events are
marked on). Pinned to an independent pandas computation with sets of buyers per month."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from loyalty_lib import period_retention, read_events  # noqa: E402
from loyalty_lib.inputs.datasets import load_sales  # noqa: E402
from loyalty_lib.retention.plots import plot_period_retention  # noqa: E402


def test_matches_sets_of_buyers_month_by_month():
    sales = load_sales("demo")
    out = period_retention(sales, customer="customer_id", date="order_date", value="amount")
    bought = sales[sales["amount"] >= 0]  # returns are not purchases
    months = bought["order_date"].dt.to_period("M")
    buyers = bought.groupby(months)["customer_id"].agg(set)
    expected = []
    for month in buyers.index[1:]:
        before = buyers.get(month - 1, set())
        if before:
            expected.append((month.to_timestamp(), len(before), len(before & buyers[month])))
    got = list(
        zip(out["period"], out["customers"].astype(int), out["retained"].astype(int), strict=True)
    )
    assert got == expected
    assert out["complete"].iloc[:-1].all()


def test_the_east_stock_out_shows_on_east_retention():
    # the demo plants a halving of East's orders in June 2024 (data/README.md, effect 2)
    sales = load_sales("demo")
    east = period_retention(
        sales[sales["region"] == "East"], customer="customer_id", date="order_date", value="amount"
    ).set_index("period")
    rest = period_retention(
        sales[sales["region"] != "East"], customer="customer_id", date="order_date", value="amount"
    ).set_index("period")
    june = pd.Timestamp("2024-06-01")
    assert east.loc[june, "retention_ci_upper"] < rest.loc[june, "retention_ci_lower"]


def test_plot_marks_events_and_returns_the_axes():
    sales = load_sales("demo")
    out = period_retention(sales, customer="customer_id", date="order_date", value="amount")
    events = read_events(
        [
            {
                "start": "2024-06-01",
                "end": "2024-06-30",
                "kind": "stock-out",
                "scope": "all",
                "label": "Stock-out",
            }
        ]
    )
    fig, ax = plt.subplots()
    assert plot_period_retention(out, events=events, ax=ax) is ax
    assert "stock-out" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.get_text().strip() == "Stock-out" for t in ax.texts)
    with pytest.raises(ValueError, match="period_retention"):
        plot_period_retention(pd.DataFrame({"x": [1]}))
    plt.close("all")
