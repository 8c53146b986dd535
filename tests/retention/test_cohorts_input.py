"""Bad input: clear errors, or counted exclusions with an ExcludedRowsWarning."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from loyalty_lib import ColumnNotFoundError, LoyaltyWarning
from loyalty_lib.inputs.purchases import ExcludedRowsWarning
from loyalty_lib.retention.cohorts import cohort_retention
from loyalty_lib.retention.curves import retention_curve, retention_matrix

KW = {"customer": "customer_id", "date": "order_date"}


def log(**extra) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "order_date": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-01-20", "2024-02-03"]),
            "amount": [10.0, 5.0, 20.0, 12.0],
        }
    )
    return frame.assign(**extra)


def test_missing_column_names_the_culprit():
    with pytest.raises(ColumnNotFoundError, match="'order_dat' not found.*'order_date'"):
        cohort_retention(log(), customer="customer_id", date="order_dat")


def test_string_dates_are_parsed():
    strings = log(order_date=["2024-01-05", "2024-02-10", "2024-01-20", "2024-02-03"])
    pd.testing.assert_frame_equal(
        cohort_retention(strings, **KW, as_of="2024-02-29"),
        cohort_retention(log(), **KW, as_of="2024-02-29"),
    )


def test_unparseable_date_strings_raise_with_examples():
    bad = log(order_date=["2024-01-05", "2024-13-01", "yesterday", "2024-02-03"])
    with pytest.raises(
        ValueError,
        match=r"order_date: 2 distinct date strings .*"
        r"\['2024-13-01', 'yesterday'\]",
    ):
        cohort_retention(bad, **KW)


def test_non_date_dtype_raises():
    with pytest.raises(TypeError, match="order_date: expected a date or datetime"):
        cohort_retention(log(order_date=[1, 2, 3, 4]), **KW)


def test_python_date_objects_are_rejected_clearly():
    objects = log(order_date=[dt.date(2024, 1, 5)] * 4)
    with pytest.raises(TypeError, match="order_date: expected a date or datetime"):
        cohort_retention(objects, **KW)


def test_missing_ids_and_dates_are_excluded_and_counted():
    messy = pd.concat(
        [
            log(),
            pd.DataFrame(
                {
                    # two missing ids (one also lacks a date: counted once, as an id)
                    "customer_id": [None, "d", None],
                    "order_date": pd.to_datetime(["2024-01-07", None, None]),
                    "amount": [1.0, 2.0, 3.0],
                }
            ),
        ],
        ignore_index=True,
    )
    with pytest.warns(ExcludedRowsWarning, match="2 missing customer id; 1 missing date"):
        result = cohort_retention(messy, **KW, as_of="2024-02-29")
    assert result.attrs["excluded"]["missing_customer"] == 2
    assert result.attrs["excluded"]["missing_date"] == 1
    with pytest.warns(LoyaltyWarning):  # the warning class is a LoyaltyWarning
        cohort_retention(messy, **KW, as_of="2024-02-29")
    clean = cohort_retention(log(), **KW, as_of="2024-02-29")
    pd.testing.assert_frame_equal(result, clean)


def test_missing_values_are_excluded_and_counted():
    with pytest.warns(ExcludedRowsWarning, match="1 missing value"):
        result = cohort_retention(
            log(amount=[10.0, np.nan, 20.0, 12.0]), **KW, value="amount", as_of="2024-02-29"
        )
    # a's February order is gone: Jan cohort {a, b} has nobody active in February.
    assert result["active"].tolist() == [2, 0, 1]


def test_rows_after_as_of_are_excluded_and_counted():
    with pytest.warns(ExcludedRowsWarning, match="2 dated after as_of 2024-01-31"):
        result = cohort_retention(log(), **KW, as_of="2024-01-31")
    # Only January remains: a and b, one cohort, period 0.
    assert result["active"].tolist() == [2]
    assert result["complete"].tolist() == [True]


def test_as_of_before_all_data_raises():
    with pytest.raises(ValueError, match="as_of: every dated row is after 2023-12-31"):
        cohort_retention(log(), **KW, as_of="2023-12-31")


def test_bad_as_of_raises():
    with pytest.raises(ValueError, match="as_of: 'soon' is not a date"):
        cohort_retention(log(), **KW, as_of="soon")


def test_returns_before_first_purchase_are_excluded_and_counted():
    frame = log(amount=[10.0, 5.0, 20.0, 12.0])
    frame.loc[len(frame)] = ["z", pd.Timestamp("2024-01-02"), -4.0]  # z: only a return
    frame.loc[len(frame)] = ["c", pd.Timestamp("2024-01-03"), -2.0]  # c returns before buying
    with pytest.warns(ExcludedRowsWarning, match="2 returns before the customer's first"):
        result = cohort_retention(frame, **KW, value="amount", as_of="2024-02-29")
    # z is in no cohort: 3 customers (a, b in Jan; c in Feb).
    assert result.drop_duplicates("cohort")["cohort_size"].sum() == 3


def test_segment_that_varies_within_a_customer_raises():
    frame = log(region=["N", "S", "N", "N"])
    with pytest.raises(ValueError, match=r"region: 1 customers have more than one value.*\['\*'\]"):
        cohort_retention(frame, **KW, by="region")


def test_input_is_not_mutated():
    frame = log(amount=[10.0, -5.0, 20.0, 12.0])
    before = frame.copy(deep=True)
    cohort_retention(frame, **KW, value="amount", as_of="2024-02-29")
    pd.testing.assert_frame_equal(frame, before)


def test_value_must_be_numeric():
    with pytest.raises(TypeError, match="amount: expected a numeric column"):
        cohort_retention(log(amount=["1", "2", "3", "4"]), **KW, value="amount")


def test_matrix_and_curve_reject_foreign_frames():
    with pytest.raises(ValueError, match="pass the frame returned by cohort_retention"):
        retention_matrix(pd.DataFrame({"x": [1]}))
    result = cohort_retention(log(), **KW, as_of="2024-02-29")
    with pytest.raises(ValueError, match="call cohort_retention with value="):
        retention_curve(result, values="revenue_retention")
    with pytest.raises(ValueError, match="values: column 'revenue' not in result"):
        retention_matrix(result, "revenue")


def test_zoned_dates_are_read_on_their_wall_clock():
    # Formerly a raw pandas TypeError (bad-input catalogue, xfail). A purchase at 23:30 on
    # 31 January in Berlin is 22:30 UTC the same day; one at 00:30 on 1 March Berlin time
    # is 23:30 UTC on 29 February. Calendar periods follow the shop's own clock (the
    # column's zone), so the zoned log gives exactly the naive log's cohorts.
    naive = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "order_date": pd.to_datetime(
                ["2024-01-31 23:30", "2024-03-01 00:30", "2024-01-20 12:00", "2024-02-29 09:00"]
            ),
        }
    )
    zoned = naive.assign(order_date=naive["order_date"].dt.tz_localize("Europe/Berlin"))
    keys = {"customer": "customer_id", "date": "order_date", "as_of": "2024-03-31"}
    expected = cohort_retention(naive, **keys)
    got = cohort_retention(zoned, **keys)
    pd.testing.assert_frame_equal(got, expected)
    # cohorts by hand: January {a, b}, February {c}; a is back in March (period 2)
    jan = got[got["cohort"] == pd.Timestamp("2024-01-01")].set_index("period")
    assert jan["cohort_size"].iloc[0] == 2
    assert jan.loc[2, "active"] == 1 and jan.loc[1, "active"] == 0
