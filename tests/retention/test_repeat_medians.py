"""The two medians of the time to a second purchase, pinned to plain pandas (repeaters)
and to statsmodels' SurvfuncRight (Kaplan–Meier over all customers)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from loyalty_lib import LoyaltyWarning, repeat_time_medians, time_to_second_purchase
from loyalty_lib.inputs.datasets import load_sales


@pytest.fixture(scope="module")
def demo():
    sales = load_sales("demo")
    keys = dict(customer="customer_id", date="order_date", value="amount")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltyWarning)
        km = time_to_second_purchase(sales, **keys)
    return sales, km


def durations(sales):
    """Per customer by plain pandas: days to the second purchase day, or follow-up."""
    bought = sales[sales["amount"] >= 0].dropna(subset=["customer_id", "order_date", "amount"])
    days = bought.assign(day=bought["order_date"].dt.normalize())
    days = days.drop_duplicates(["customer_id", "day"]).sort_values(["customer_id", "day"])
    first = days.groupby("customer_id")["day"].nth(0)
    second = days.groupby("customer_id")["day"].nth(1)
    first = pd.Series(first.to_numpy(), index=days.loc[first.index, "customer_id"])
    second = pd.Series(second.to_numpy(), index=days.loc[second.index, "customer_id"])
    end = sales["order_date"].max().normalize()
    gap = (second - first.reindex(second.index)).dt.days
    followup = (end - first).dt.days
    event = first.index.isin(second.index)
    time = np.where(event, gap.reindex(first.index).to_numpy(), followup.to_numpy())
    return time.astype(float), event.astype(int)


def test_medians_pinned(demo):
    sales, km = demo
    out = repeat_time_medians(km).set_index("measure")
    time, event = durations(sales)
    assert out.loc["kaplan_meier", "base"] == len(time)
    assert out.loc["repeaters", "base"] == event.sum()
    # plain numpy: the median gap among customers with a second purchase
    assert out.loc["repeaters", "median_days"] == pytest.approx(np.median(time[event == 1]))
    # statsmodels: SurvfuncRight(time, event).quantile(0.5), the product-limit median
    assert out.loc["kaplan_meier", "median_days"] == pytest.approx(
        SurvfuncRight(time, event).quantile(0.5)
    )
    assert out.loc["kaplan_meier", "label"] == "all customers, Kaplan-Meier"
    assert out.loc["repeaters", "label"] == "among those who bought again"
    # the demo (issue 14): repeaters' median 40 days, all customers 92
    assert out.loc["repeaters", "median_days"] == 40
    assert out.loc["kaplan_meier", "median_days"] == 92
    for m in ("repeaters", "kaplan_meier"):
        row = out.loc[m]
        assert row["median_days_ci_lower"] <= row["median_days"] <= row["median_days_ci_upper"]


def test_median_not_reached_and_errors():
    km = pd.DataFrame(
        {
            "customers": 3,
            "days": [5, 9],
            "second_purchases": [1, 0],
            "censored": [0, 2],
            "share_repeated": [1 / 3, 1 / 3],
            "share_repeated_ci_lower": np.nan,
            "share_repeated_ci_upper": np.nan,
        }
    )
    out = repeat_time_medians(km).set_index("measure")
    assert np.isnan(out.loc["kaplan_meier", "median_days"])
    assert out.loc["repeaters", "median_days"] == 5
    with pytest.raises(ValueError, match="time_to_second_purchase"):
        repeat_time_medians(km.drop(columns="days"))
