"""validate_sales and the analyses read a date column with the one parser, so they agree:
the validator stops exactly where cohort_retention refuses, and where both read a column the
analysis equals its run on dates parsed by hand with datetime.strptime."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from loyalty_lib import cohort_retention, validate_sales
from loyalty_lib.errors import DataQualityError

COLUMNS = {
    "day-first dots": (["05.02.2024", "13.02.2024", "01.03.2024", "20.03.2024"], "%d.%m.%Y"),
    "day-first slashes": (["05/02/2024", "13/02/2024", "01/03/2024", "20/03/2024"], "%d/%m/%Y"),
    "month-first UCI": (
        ["2/5/2024 8:01", "2/13/2024 9:30", "3/1/2024 10:00", "3/20/2024 11:11"],
        "%m/%d/%Y %H:%M",
    ),
    "ISO": (["2024-02-05", "2024-02-13", "2024-03-01", "2024-03-20"], "%Y-%m-%d"),
    "ambiguous": (["01/02/2024", "03/02/2024", "01/03/2024", "04/03/2024"], None),
    "two orders": (["05/02/2024", "13/02/2024", "02/13/2024", "01/03/2024"], None),
    "impossible": (["2024-02-05", "2024-02-30", "2024-03-01", "2024-03-20"], None),
}
KW = {"customer": "customer_id", "date": "order_date", "as_of": "2024-03-31"}


def _log(dates):
    return pd.DataFrame(
        {"customer_id": ["a", "b", "a", "c"], "order_date": dates, "amount": [1.0, 2, 3, 4]}
    )


@pytest.mark.parametrize("name", list(COLUMNS))
def test_the_validator_and_the_analysis_agree(name):
    dates, fmt = COLUMNS[name]
    report = validate_sales(_log(dates), value="amount", **KW)
    stops = bool(((report["check"] == "date_unparseable") & (report["severity"] == "fatal")).any())
    if fmt is None:
        assert stops
        with pytest.raises(DataQualityError):
            cohort_retention(_log(dates), **KW)
        return
    assert not stops
    by_hand = _log([dt.datetime.strptime(d, fmt) for d in dates])
    pd.testing.assert_frame_equal(
        cohort_retention(_log(dates), **KW), cohort_retention(by_hand, **KW)
    )


def test_integer_yyyymmdd_works_in_both():
    ints = _log([20240205, 20240213, 20240301, 20240320])
    report = validate_sales(ints, value="amount", **KW)
    assert not (report["severity"] == "fatal").any()
    by_hand = _log([dt.datetime.strptime(str(d), "%Y%m%d") for d in ints["order_date"]])
    pd.testing.assert_frame_equal(cohort_retention(ints, **KW), cohort_retention(by_hand, **KW))
