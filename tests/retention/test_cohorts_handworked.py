"""cohort_retention on small logs worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.retention.cohorts import cohort_retention, cohort_start
from loyalty_lib.retention.curves import retention_matrix

# Monthly log used by most tests.
#   a: Jan 05 (10), Jan 20 (5), Mar 02 (7)      -> cohort Jan; active k=0 (two orders, once), k=2
#   b: Jan 31 (20), Feb 01 (4)                  -> cohort Jan; active k=0, k=1
#   c: Feb 15 (8), Feb 16 (-3 return), Apr 10 (-3 return only) -> cohort Feb; active k=0 only
#   d: Mar 31 (12)                              -> cohort Mar; active k=0
LOG = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "b", "b", "c", "c", "c", "d"],
        "order_date": pd.to_datetime(
            [
                "2024-01-05",
                "2024-01-20",
                "2024-03-02",
                "2024-01-31",
                "2024-02-01",
                "2024-02-15",
                "2024-02-16",
                "2024-04-10",
                "2024-03-31",
            ]
        ),
        "amount": [10.0, 5.0, 7.0, 20.0, 4.0, 8.0, -3.0, -3.0, 12.0],
    }
)
KW = {"customer": "customer_id", "date": "order_date"}


def rows(result: pd.DataFrame) -> list[tuple]:
    return [
        (c.strftime("%Y-%m-%d"), int(k), int(n), int(a))
        for c, k, n, a in result[["cohort", "period", "cohort_size", "active"]].itertuples(
            index=False
        )
    ]


def test_monthly_on_counts_with_incomplete_april():
    result = cohort_retention(LOG, **KW, value="amount", as_of="2024-04-15")
    # April (k=3 for Jan, k=2 for Feb, k=1 for Mar) is not complete on 2024-04-15.
    assert rows(result) == [
        ("2024-01-01", 0, 2, 2),  # a, b
        ("2024-01-01", 1, 2, 1),  # b on Feb 01
        ("2024-01-01", 2, 2, 1),  # a on Mar 02
        ("2024-01-01", 3, 2, 0),  # April so far: nobody
        ("2024-02-01", 0, 1, 1),  # c
        ("2024-02-01", 1, 1, 0),  # March: c did not buy -> a true, complete zero
        ("2024-02-01", 2, 1, 0),  # April so far: only a return (not activity)
        ("2024-03-01", 0, 1, 1),  # d
        ("2024-03-01", 1, 1, 0),  # April so far
    ]
    assert result["complete"].tolist() == [True, True, True, False, True, True, False, True, False]
    # retention = active / size on complete rows; NaN (never 0) on incomplete ones.
    expected = [2 / 2, 1 / 2, 1 / 2, np.nan, 1 / 1, 0 / 1, np.nan, 1 / 1, np.nan]
    np.testing.assert_allclose(result["retention"], expected)


def test_revenue_is_net_of_returns_and_relative_to_period_zero():
    result = cohort_retention(LOG, **KW, value="amount", as_of="2024-04-15")
    # Jan cohort: k0 = 10 + 5 + 20 = 35; k1 = 4; k2 = 7; k3 (April so far) = 0.
    # Feb cohort: k0 = 8 - 3 = 5 (the return is booked); k1 = 0; k2 (April so far) = -3.
    # Mar cohort: k0 = 12; k1 = 0.
    np.testing.assert_allclose(result["revenue"], [35, 4, 7, 0, 5, 0, -3, 12, 0])
    np.testing.assert_allclose(
        result["revenue_retention"],
        [1, 4 / 35, 7 / 35, np.nan, 1, 0 / 5, np.nan, 1, np.nan],
    )


def test_on_or_after_counts_last_purchase_period():
    result = cohort_retention(LOG, **KW, value="amount", mode="on_or_after", as_of="2024-04-15")
    # Jan: a's last purchase is k=2, b's k=1 -> k0: 2, k1: 2, k2: 1 (a), k3: 0.
    # Feb: c's last *purchase* is k=0 (the April return is no activity) -> 1, 0, 0.
    # Mar: d -> 1, 0.
    assert result["active"].tolist() == [2, 2, 1, 0, 1, 0, 0, 1, 0]
    np.testing.assert_allclose(result["retention"], [1, 1, 0.5, np.nan, 1, 0, np.nan, 1, np.nan])


def test_default_as_of_is_last_date_and_month_end_completes_april():
    default = cohort_retention(LOG, **KW, value="amount")
    explicit = cohort_retention(LOG, **KW, value="amount", as_of="2024-04-10")
    pd.testing.assert_frame_equal(default, explicit)
    assert default.attrs["as_of"] == pd.Timestamp("2024-04-10")
    full = cohort_retention(LOG, **KW, value="amount", as_of="2024-04-30")
    # April's last day is on or before as_of: every row is complete and Jan k=3 is a real 0.
    assert full["complete"].all()
    assert full.loc[(full["period"] == 3), "retention"].tolist() == [0.0]


def test_without_value_every_row_is_activity():
    result = cohort_retention(LOG, **KW, as_of="2024-04-30")
    # Without value the April return row of c counts as activity: Feb cohort k=2 active 1.
    feb = result[result["cohort"] == "2024-02-01"]
    assert feb["active"].tolist() == [1, 0, 1]
    assert "revenue" not in result.columns


def test_several_purchases_in_one_period_count_once():
    log = pd.DataFrame(
        {
            "customer_id": ["x"] * 5 + ["y"],
            "order_date": pd.to_datetime(
                ["2024-01-02", "2024-01-03", "2024-02-01", "2024-02-10", "2024-02-28", "2024-01-15"]
            ),
        }
    )
    result = cohort_retention(log, **KW, as_of="2024-02-29")
    # Jan cohort {x, y}: k0 = 2 customers (x's two orders count once), k1 = 1 (x, 3 orders).
    assert result["active"].tolist() == [2, 1]
    np.testing.assert_allclose(result["retention"], [1.0, 0.5])


def test_single_cohort_and_matrix_shape():
    log = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "a", "b", "a"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-01-10", "2024-01-31", "2024-02-05", "2024-03-01", "2024-03-30"]
            ),
        }
    )
    result = cohort_retention(log, **KW, as_of="2024-03-31")
    matrix = retention_matrix(result)
    # One cohort of 3: Feb {a} = 1/3, Mar {a, b} = 2/3.
    assert matrix.shape == (1, 3)
    np.testing.assert_allclose(matrix.iloc[0].to_numpy(), [1, 1 / 3, 2 / 3])


def test_one_customer():
    log = pd.DataFrame(
        {
            "customer_id": ["solo", "solo"],
            "order_date": pd.to_datetime(["2024-01-15", "2024-03-15"]),
        }
    )
    result = cohort_retention(log, **KW, as_of="2024-03-31")
    # Jan k0 = 1, Feb k1 = 0 (a complete month without purchase), Mar k2 = 1.
    assert result["active"].tolist() == [1, 0, 1]
    assert result["cohort_size"].tolist() == [1, 1, 1]


def test_weeks_start_on_monday():
    # 2024-01-07 is a Sunday, 2024-01-08 a Monday.
    log = pd.DataFrame(
        {
            "customer_id": ["x", "x", "y", "y"],
            "order_date": pd.to_datetime(["2024-01-07", "2024-01-08", "2024-01-08", "2024-01-14"]),
        }
    )
    result = cohort_retention(log, **KW, freq="week", as_of="2024-01-14")
    # x: cohort = week of Mon 2024-01-01; the Monday order is period 1.
    # y: cohort = week of Mon 2024-01-08; Sunday 14th is the same week (period 0).
    assert rows(result) == [
        ("2024-01-01", 0, 1, 1),
        ("2024-01-01", 1, 1, 1),
        ("2024-01-08", 0, 1, 1),
    ]
    # as_of Sunday 14th closes the week of the 8th.
    assert result["complete"].all()
    same = cohort_retention(log, **KW, freq="W", as_of="2024-01-14")
    pd.testing.assert_frame_equal(result, same)


def test_quarters_and_days():
    log = pd.DataFrame(
        {
            "customer_id": ["x", "x", "x"],
            "order_date": pd.to_datetime(["2024-03-31", "2024-04-01", "2024-04-03"]),
        }
    )
    quarterly = cohort_retention(log, **KW, freq="Q", as_of="2024-06-30")
    # Mar 31 is in Q1 (cohort 2024-01-01); Apr 1 is the next quarter: k=1.
    assert rows(quarterly) == [("2024-01-01", 0, 1, 1), ("2024-01-01", 1, 1, 1)]
    daily = cohort_retention(log, **KW, freq="day", as_of="2024-04-03")
    # Days Mar 31 .. Apr 3 -> k = 0, 1 (Apr 1), 2 (none), 3 (Apr 3).
    assert daily["active"].tolist() == [1, 1, 0, 1]
    assert daily["period"].tolist() == [0, 1, 2, 3]


def test_time_of_day_is_ignored():
    log = pd.DataFrame(
        {
            "customer_id": ["x", "x"],
            "order_date": pd.to_datetime(["2024-01-31 23:59:59", "2024-02-01 00:00:01"]),
        }
    )
    result = cohort_retention(log, **KW, as_of="2024-02-29")
    # 23:59 on Jan 31 is January: the second order is k=1.
    assert rows(result) == [("2024-01-01", 0, 1, 1), ("2024-01-01", 1, 1, 1)]


def test_segments_are_kept_apart():
    log = LOG.assign(region=LOG["customer_id"].map({"a": "N", "b": "S", "c": "N", "d": "S"}))
    result = cohort_retention(log, **KW, value="amount", by="region", as_of="2024-04-30")
    north = result[result["region"] == "N"].drop(columns="region").reset_index(drop=True)
    alone = cohort_retention(
        LOG[LOG["customer_id"].isin(["a", "c"])], **KW, value="amount", as_of="2024-04-30"
    )
    pd.testing.assert_frame_equal(north, alone, check_dtype=False)
    assert list(result.columns[:2]) == ["region", "cohort"]


@pytest.mark.parametrize("bad", ["year", "2M"])
def test_unknown_freq(bad):
    with pytest.raises(ValueError, match="freq: .* is not supported"):
        cohort_retention(LOG, **KW, freq=bad)


def test_unknown_mode():
    with pytest.raises(ValueError, match="mode: 'after' is not supported"):
        cohort_retention(LOG, **KW, mode="after")


def test_since_keeps_later_cohorts_but_earlier_buyers_stay_old():
    result = cohort_retention(LOG, **KW, value="amount", as_of="2024-04-30", since="2024-02-01")
    # a and b first bought in January: they are in no cohort even though they buy later.
    assert rows(result) == [
        ("2024-02-01", 0, 1, 1),  # c
        ("2024-02-01", 1, 1, 0),
        ("2024-02-01", 2, 1, 0),
        ("2024-03-01", 0, 1, 1),  # d
        ("2024-03-01", 1, 1, 0),
    ]
    # A `since` inside February skips the February cohort (it began before `since`).
    later = cohort_retention(LOG, **KW, value="amount", as_of="2024-04-30", since="2024-02-10")
    assert later["cohort"].dt.strftime("%Y-%m").unique().tolist() == ["2024-03"]
    full = cohort_retention(LOG, **KW, value="amount", as_of="2024-04-30")
    pd.testing.assert_frame_equal(
        result.reset_index(drop=True),
        full[full["cohort"] >= "2024-02-01"].reset_index(drop=True),
    )


def test_cohort_start():
    # 2024-05-17 is a Friday: its Monday is the 13th; its quarter began on April 1.
    assert cohort_start("2024-05-17", "week") == pd.Timestamp("2024-05-13")
    assert cohort_start("2024-05-17", "M") == pd.Timestamp("2024-05-01")
    assert cohort_start("2024-05-17", "Q") == pd.Timestamp("2024-04-01")
    assert cohort_start("2024-05-17 13:00", "day") == pd.Timestamp("2024-05-17")
