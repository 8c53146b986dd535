"""Callback lists (issue 17, item 7): detractors with low touchpoints, open complaints,
overdue VIPs. Expected rows are worked by hand from the small frames below."""

from __future__ import annotations

import pandas as pd
import pytest

from loyalty_lib.behaviour.callbacks import (
    detractor_callbacks,
    overdue_vips,
    unresolved_complaints,
)

ANSWERS = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b", "c", "d", "e"],
        "response_date": pd.to_datetime(
            ["2024-01-05", "2024-03-01", "2024-02-01", "2024-02-02", "2024-01-10", "2024-03-10"]
        ),
        # a: detractor, then promoter (latest) -> not listed; b, c, d detractors; e passive
        "score": [3, 9, 2, 6, 0, 7],
        "delivery": [1, 5, 2, 2, 4, 1],
        "support": [2, 4, 1, 5, None, 1],
        "complained": [True, True, "yes", False, 1, 0],
        "resolution_days": [None, None, 3.0, None, None, None],
    }
)


def test_detractors_by_their_latest_answer_with_the_touchpoints_rated_1_or_2():
    out = detractor_callbacks(ANSWERS, "score", ["delivery", "support"])
    # by hand: b rated both <= 2; c rated delivery 2; d rated delivery 4, support missing
    assert out["customer_id"].tolist() == ["b", "c", "d"]
    assert out["n_low"].tolist() == [2, 1, 0]
    assert out["low_touchpoints"].tolist() == ["delivery, support", "delivery", ""]
    assert "a" not in set(out["customer_id"])  # latest answer 9: a promoter now


def test_open_complaints_one_row_per_customer_longest_open_first():
    out = unresolved_complaints(ANSWERS)
    # by hand: a has two open complaints (latest 2024-03-01), b's was resolved in 3 days,
    # d's (complained=1) is open since 2024-01-10; as_of = latest answer 2024-03-10
    assert out["customer_id"].tolist() == ["d", "a"]
    assert out["open_complaints"].tolist() == [1, 2]
    assert out["days_open"].tolist() == [60, 9]  # 2024-01-10..03-10 = 21+29+10; 03-01..03-10


def test_a_complaint_column_that_is_not_true_false_is_refused_with_masked_examples():
    bad = ANSWERS.assign(complained=["maybe", True, False, "C00123", False, False])
    with pytest.raises(ValueError, match=r"complained: 2 values are not true/false") as info:
        unresolved_complaints(bad)
    assert "C00123" not in str(info.value)


def test_overdue_vips_are_the_intersection_largest_value_first():
    scores = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "segment": ["VIP", "VIP", "Lost", "VIP"],
            "last_purchase": pd.to_datetime(
                ["2024-01-01", "2024-03-01", "2023-01-01", "2024-02-01"]
            ),
            "frequency": [9, 8, 2, 7],
            "monetary": [900.0, 800.0, 50.0, 950.0],
        }
    )
    rhythm = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "overdue": [True, False, True, True],
            "usual_interval_days": [20.0, 25.0, 90.0, 30.0],
            "days_since_last": [90, 30, 455, 120],
            "overdue_ratio": [4.5, 1.2, 5.1, 4.0],
        }
    )
    out = overdue_vips(scores, rhythm)
    # by hand: VIPs a, b, d; overdue a, c, d -> a and d; d spent more
    assert out["customer_id"].tolist() == ["d", "a"]
    with pytest.raises(ValueError, match="pass the result of purchase_rhythm"):
        overdue_vips(scores, rhythm.drop(columns="overdue"))
