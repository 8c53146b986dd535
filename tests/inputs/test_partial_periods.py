"""Partial periods: a first or last calendar period the data cover only in part is
flagged. Hand-worked logs: a first year holding only December, a 9-day last month."""

import pandas as pd
import pytest

from loyalty_lib.inputs.overview import monthly_activity
from loyalty_lib.inputs.purchases import period_complete


def test_period_complete_by_hand():
    years = pd.Series(pd.to_datetime(["2022-01-01", "2023-01-01", "2024-01-01"]))
    # data 1 Dec 2022 .. 31 Dec 2024: 2022 holds December only
    assert period_complete(years, "year", "2022-12-01", "2024-12-31").tolist() == [
        False,
        True,
        True,
    ]
    # a 9-day last month: data to 9 Jun
    months = pd.Series(pd.to_datetime(["2024-05-01", "2024-06-01"]))
    assert period_complete(months, "month", "2024-05-01", "2024-06-09 17:30").tolist() == [
        True,
        False,
    ]
    # a quarter ending on its last day is whole; times of day are ignored
    q = pd.Series(pd.to_datetime(["2024-01-01"]))
    assert period_complete(q, "quarter", "2024-01-01 08:01", "2024-03-31 00:00").tolist() == [True]
    with pytest.raises(ValueError, match="freq"):
        period_complete(q, "fortnight", "2024-01-01", "2024-03-31")


def test_monthly_activity_flags_the_partial_first_and_last_month():
    log = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "c"],
            "order_date": pd.to_datetime(["2022-12-12", "2023-01-15", "2023-02-28", "2023-03-09"]),
            "amount": [10.0, 20.0, 30.0, 5.0],
        }
    )
    out = monthly_activity(log)
    # Dec 2022 starts on the 12th, Mar 2023 ends on the 9th: both partial
    assert out["complete"].tolist() == [False, True, True, False]
    assert out["rows"].tolist() == [1, 1, 1, 1]
