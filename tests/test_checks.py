"""Shared input checks: errors that name the culprit and the way out."""

import pandas as pd
import pytest

from loyalty_lib._checks import ColumnNotFoundError, as_frame, examples, require_columns


@pytest.fixture
def frame():
    return as_frame(
        pd.DataFrame({"customer_id": ["a"], "order_date": ["2024-01-01"], "Score": [9]})
    )


@pytest.mark.parametrize(
    ("asked", "hint"),
    [
        ("score", "Did you mean 'Score'"),  # case only
        ("custome_id", "Did you mean 'customer_id'"),  # typo
        ("date", "Did you mean 'order_date'"),  # shared stem
    ],
)
def test_missing_column_suggests_the_likely_one(frame, asked, hint):
    with pytest.raises(ColumnNotFoundError, match=hint):
        require_columns(frame, [asked])


def test_missing_columns_lists_all_and_available(frame):
    with pytest.raises(ColumnNotFoundError) as info:
        require_columns(frame, ["zzz", None, "customer_id", "qqq"])
    message = str(info.value)
    assert "columns 'zzz', 'qqq' not found" in message
    assert "Available columns: ['customer_id', 'order_date', 'Score']" in message
    assert "Did you mean" not in message


def test_not_a_dataframe():
    with pytest.raises(TypeError, match="sales: expected a dataframe .* got list"):
        as_frame([1, 2, 3], argument="sales")


def test_examples_truncates():
    assert examples([1, 2]) == "[1, 2]"
    assert examples(list(range(8)), limit=3) == "[0, 1, 2, ...]"
