"""pareto_by_period flags the periods the data cover in part (hand-worked)."""

import pandas as pd

from loyalty_lib.value.pareto import pareto_by_period


def test_first_year_holding_only_december_is_not_complete():
    sales = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "b", "c", "a"],
            "order_date": pd.to_datetime(
                ["2022-12-01", "2022-12-05", "2023-01-01", "2023-06-01", "2023-12-31", "2024-01-09"]
            ),
            "amount": [10.0, 10.0, 70.0, 20.0, 10.0, 5.0],
        }
    )
    out = pareto_by_period(
        sales, customer="customer_id", value="amount", date="order_date", top=0.5, min_customers=1
    )
    assert out["period_label"].tolist() == ["2022", "2023", "2024"]
    assert out["complete"].tolist() == [False, True, False]  # 2024: 9 days of data
    assert out.attrs["first_date"] == pd.Timestamp("2022-12-01")
    # 2023 by hand: a 70, b 20, c 10; top 50% = ceil(1.5) = 2 customers -> 90/100
    assert out.loc[1, "top_value_share"] == 0.9
