"""Amounts that are not finite or overflow are fatal (issue 18: 1e308 passed validation and
the headline read "net sales $inf"). Each case stops with a sentence naming the column and
the count."""

import re

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.validate import stop_on_fatal, validate_sales


def _sales(amounts) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(amounts))],
            "order_date": ["2024-01-05"] * len(amounts),
            "amount": amounts,
        }
    )


@pytest.mark.parametrize(
    ("amounts", "check", "count"),
    [
        ([1e308, 1e308, 5.0], "too_large", 2),  # float64 sum: 1e308 + 1e308 = inf
        ([np.inf, 5.0, 6.0], "not_finite", 1),
        ([-np.inf, np.inf, 6.0], "not_finite", 2),
        ([1e15, 2.0, 3.0], "too_large", 1),  # beyond any amount; 2**53 ~ 9.0e15 loses units
        # each below 1e15, but 9,100 of them sum past 2**53 (9.007e15): cents are lost
        ([9.9e14] * 9_100, "sum_overflow", 9_100),
    ],
    ids=["1e308", "inf", "-inf", "1e15", "sum"],
)
def test_overflowing_amounts_stop_the_report(amounts, check, count):
    report = validate_sales(_sales(amounts), as_of="2024-12-31")
    row = report[report["check"] == check].iloc[0]
    assert row["severity"] == "fatal" and row["column"] == "amount" and row["count"] == count
    with pytest.raises(DataQualityError) as info:
        stop_on_fatal(report)
    text = str(info.value)
    counted = f"{count:,} amounts" if check == "sum_overflow" else f"{count:,} of {len(amounts):,}"
    assert "amount:" in text and counted in text
    assert not re.search(r"\binf\b", text)  # never "net sales $inf"


def test_a_sum_that_overflows_to_inf_is_named():
    # 1e14 each is fine alone; the *sum* of 100,000 of them is 1e19 > 2**53
    report = validate_sales(_sales([1e14] * 100_000), as_of="2024-12-31")
    assert report["check"].tolist() == ["sum_overflow"]
    assert "1e+19" in report["message"].iloc[0]


def test_ordinary_amounts_pass():
    assert validate_sales(_sales([10.0, 2.5, -4.0]), as_of="2024-12-31")["check"].tolist() == [
        "value_negative"
    ]
