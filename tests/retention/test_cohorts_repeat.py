"""repeat_purchase_rate and time_to_second_purchase on hand-worked logs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyalty_lib.retention.repeat import repeat_purchase_rate, time_to_second_purchase

KW = {"customer": "customer_id", "date": "order_date", "value": "amount"}

# as_of 2024-03-31 (day 90 after Jan 1).
#   a: Jan 01, Jan 11 (gap 10)           follow-up 90
#   b: Jan 01, Jan 01 (same day), Mar 01 (gap 60)   follow-up 90
#   c: Jan 01, Jan 05 return only        no second purchase, follow-up 90 (censored at 90)
#   d: Mar 01                            no second purchase, follow-up 30 (censored at 30)
#   e: Feb 01, Feb 21 (gap 20)           follow-up 59
LOG = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b", "b", "b", "c", "c", "d", "e", "e"],
        "order_date": pd.to_datetime(
            [
                "2024-01-01",
                "2024-01-11",
                "2024-01-01",
                "2024-01-01",
                "2024-03-01",
                "2024-01-01",
                "2024-01-05",
                "2024-03-01",
                "2024-02-01",
                "2024-02-21",
            ]
        ),
        "amount": [5.0, 5, 5, 5, 5, 5, -5, 5, 5, 5],
        "region": ["N", "N", "S", "S", "S", "N", "N", "S", "N", "N"],
    }
)
AS_OF = "2024-03-31"


def test_repeat_rate_within_a_window():
    rate = repeat_purchase_rate(LOG, **KW, within=30, as_of=AS_OF).iloc[0]
    # Base: follow-up >= 30 days -> a (90), b (90), c (90), d (30), e (59) = 5; none too recent.
    # Second purchase within 30 days: a (10), e (20) -> 2 of 5.
    assert rate[["customers", "repeaters", "too_recent"]].tolist() == [5, 2, 0]
    assert rate["repeat_rate"] == pytest.approx(2 / 5)
    rate60 = repeat_purchase_rate(LOG, **KW, within=60, as_of=AS_OF).iloc[0]
    # Window 60: d (30) and e (59) are too recent; base a, b, c; repeaters a (10), b (60).
    assert rate60[["customers", "repeaters", "too_recent"]].tolist() == [3, 2, 2]
    z = stats.norm.ppf(0.975)
    centre = (2 + z**2 / 2) / (3 + z**2)
    half = z / (3 + z**2) * math.sqrt(2 * 1 / 3 + z**2 / 4)
    assert rate60["repeat_rate_ci_lower"] == pytest.approx(centre - half)
    assert rate60["repeat_rate_ci_upper"] == pytest.approx(centre + half)


def test_repeat_rate_without_window_and_by_segment():
    rate = repeat_purchase_rate(LOG, **KW, as_of=AS_OF).iloc[0]
    # Any second purchase by as_of: a, b, e -> 3 of 5 (a same-day order is not a repeat).
    assert rate[["customers", "repeaters"]].tolist() == [5, 3]
    by = repeat_purchase_rate(LOG, **KW, by="region", as_of=AS_OF).set_index("region")
    # N: a, c, e -> a and e repeat (2/3); S: b, d -> b (1/2)
    assert by.loc["N", ["customers", "repeaters"]].tolist() == [3, 2]
    assert by.loc["S", ["customers", "repeaters"]].tolist() == [2, 1]
    assert by["small_base"].all()


def test_repeat_rate_rejects_bad_window():
    with pytest.raises(ValueError, match="within: 0 must be a whole number of days"):
        repeat_purchase_rate(LOG, **KW, within=0)


def test_kaplan_meier_by_hand():
    km = time_to_second_purchase(LOG, **KW, as_of=AS_OF)
    # events: a at 10, e at 20, b at 60; censored: d at 30, c at 90.
    assert km["days"].tolist() == [10, 20, 30, 60, 90]
    assert km["at_risk"].tolist() == [5, 4, 3, 2, 1]
    assert km["second_purchases"].tolist() == [1, 1, 0, 1, 0]
    assert km["censored"].tolist() == [0, 0, 1, 0, 1]
    # S(10) = 4/5; S(20) = 4/5 * 3/4 = 3/5; S(60) = 3/5 * 1/2 = 3/10
    np.testing.assert_allclose(km["share_repeated"], [1 / 5, 2 / 5, 2 / 5, 7 / 10, 7 / 10])
    # Greenwood at 20: 1/(5*4) + 1/(4*3) = 0.05 + 0.0833...; log-log interval on S = 0.6
    s, g = 0.6, 1 / 20 + 1 / 12
    z = stats.norm.ppf(0.975)
    spread = z * math.sqrt(g) / abs(math.log(s))
    assert km.loc[1, "share_repeated_ci_lower"] == pytest.approx(1 - s ** math.exp(-spread))
    assert km.loc[1, "share_repeated_ci_upper"] == pytest.approx(1 - s ** math.exp(spread))
    assert (km["customers"] == 5).all()


def test_kaplan_meier_by_segment_and_histogram_sum():
    km = time_to_second_purchase(LOG, **KW, by="region", as_of=AS_OF)
    south = km[km["region"] == "S"]
    # S: b (event at 60), d (censored at 30): S(60) = 1 - 1/1 after d leaves -> share 1.
    assert south["days"].tolist() == [30, 60]
    assert south["share_repeated"].tolist() == [0.0, 1.0]
    # the histogram of gaps sums to the number of repeaters
    assert km["second_purchases"].sum() == 3


def test_since_restricts_the_base_to_later_first_purchases():
    rate = repeat_purchase_rate(LOG, **KW, as_of=AS_OF, since="2024-02-01").iloc[0]
    # first purchase on or after Feb 1: d (Mar 01, no repeat), e (Feb 01, repeat) -> 1 of 2
    assert rate[["customers", "repeaters"]].tolist() == [2, 1]
    km = time_to_second_purchase(LOG, **KW, as_of=AS_OF, since="2024-02-01")
    assert km["customers"].iloc[0] == 2
