"""The one date parser: every way real exports write dates, read one way or refused.

Expected values are worked by hand (the calendar) and, for whole columns, checked against
pandas.to_datetime with the explicit format a person would choose for that export.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.dates import infer_date_format, parse_dates

T = pd.Timestamp


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2024-02-01", "2024-12-31 23:59:59"], [T(2024, 2, 1), T(2024, 12, 31, 23, 59, 59)]),
        (["20240201"], [T(2024, 2, 1)]),
        (["01.02.2024", "13.02.2024"], [T(2024, 2, 1), T(2024, 2, 13)]),  # day-first: 13
        (["02/01/2024", "02/13/2024"], [T(2024, 2, 1), T(2024, 2, 13)]),  # month-first: 13
        (["12/1/2022 8:01", "12/13/2022 9:30"], [T(2022, 12, 1, 8, 1), T(2022, 12, 13, 9, 30)]),
        (["1/12/2022 08:01", "13/12/2022"], [T(2022, 12, 1, 8, 1), T(2022, 12, 13)]),
        (["05-02-23", "25-12-23"], [T(2023, 2, 5), T(2023, 12, 25)]),
    ],
)
def test_each_export_style_is_read_as_a_person_would(values, expected):
    assert parse_dates(pd.Series(values), column="d").tolist() == expected


def test_integer_and_float_yyyymmdd_are_dates_not_1970():
    # the bug of 0.1: integer YYYYMMDD became 1970-01-01 (nanoseconds since the epoch)
    ints = parse_dates(pd.Series([20240201, 20231231], dtype="int64"), column="d")
    floats = parse_dates(pd.Series([20240201.0, np.nan]), column="d")
    assert ints.tolist() == [T(2024, 2, 1), T(2023, 12, 31)]
    assert floats.iloc[0] == T(2024, 2, 1) and pd.isna(floats.iloc[1])


def test_a_uci_style_column_equals_pandas_with_the_explicit_format():
    rng = np.random.default_rng(7)
    stamps = pd.Timestamp("2022-12-01") + pd.to_timedelta(
        rng.integers(0, 365 * 24 * 60, 500), unit="min"
    )
    texts = pd.Series([f"{s.month}/{s.day}/{s.year} {s.hour}:{s.minute:02d}" for s in stamps])
    expected = pd.to_datetime(texts, format="%m/%d/%Y %H:%M").astype("datetime64[ns]")
    pd.testing.assert_series_equal(
        parse_dates(texts, column="InvoiceDate"), expected, check_names=False
    )


def test_a_column_that_cannot_be_told_apart_is_refused_with_both_readings():
    with pytest.raises(DataQualityError) as info:
        parse_dates(pd.Series(["01/02/2024", "03/04/2024", "01/02/2024"]), column="Дата")
    text = str(info.value)
    assert "'Дата'" in text and "cannot be told apart" in text
    assert "1 February 2024 read day-first" in text and "2 January 2024 read month-first" in text
    assert "dayfirst" in text


def test_a_column_is_never_read_two_ways():
    # the bug of 0.1: 05/02/2023 was read as 2 May while 13/02/2023 was 13 February
    with pytest.raises(DataQualityError, match="reads two ways"):
        parse_dates(pd.Series(["05/02/2023", "13/02/2023", "02/13/2023"]), column="d")
    with pytest.raises(DataQualityError, match="mixes date formats"):
        parse_dates(pd.Series(["2024-01-01", "01.02.2024"]), column="d")


def test_a_declared_order_decides_and_must_fit_every_value():
    assert parse_dates(pd.Series(["01/02/2024"]), column="d", dayfirst=True).tolist() == [
        T(2024, 2, 1)
    ]
    assert parse_dates(pd.Series(["01/02/2024"]), column="d", dayfirst=False).tolist() == [
        T(2024, 1, 2)
    ]
    with pytest.raises(DataQualityError, match="declares month-first"):
        parse_dates(pd.Series(["13/02/2024"]), column="d", dayfirst=False)
    with pytest.raises(DataQualityError, match="do not fit the declared"):
        parse_dates(pd.Series(["2024/02/01"]), column="d", format="%d/%m/%Y")


@pytest.mark.parametrize("bad", [["31/02/2024", "13/01/2024"], ["2024-13-01"], ["20241301"]])
def test_impossible_dates_are_named_never_nat(bad):
    with pytest.raises(DataQualityError, match="not real dates"):
        parse_dates(pd.Series(bad), column="d")


def test_numbers_that_are_not_yyyymmdd_are_refused():
    with pytest.raises(DataQualityError, match="not dates written yyyymmdd"):
        parse_dates(pd.Series([1706745600, 1706832000]), column="d")  # unix seconds


def test_missing_values_stay_missing_and_datetimes_pass_through():
    out = parse_dates(pd.Series(["01.02.2024", "", None, "13.02.2024"]), column="d")
    assert out.isna().tolist() == [False, True, True, False]
    zoned = pd.Series(pd.to_datetime(["2024-01-01 10:00"]).tz_localize("Europe/Minsk"))
    assert parse_dates(zoned).tolist() == [T(2024, 1, 1, 10)]  # wall clock kept


def test_the_reading_says_what_decided_it():
    reading = infer_date_format(["13/02/2023", "05/02/2023"], column="d")
    assert reading.order == "day-first" and "13/02/2023" in reading.reason
    assert reading.formats == ("%d/%m/%Y",)
