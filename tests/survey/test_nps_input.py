"""Bad input: clear errors naming the column, the count and the first values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalty_lib import ColumnNotFoundError, LoyaltyWarning, compare_nps, nps, nps_drivers


def frame(scores, **extra) -> pd.DataFrame:
    data = {"score": scores}
    data.update(extra)
    return pd.DataFrame(data)


def test_out_of_range_message_names_column_count_examples():
    data = frame([10, 11, 9, -1, 12, 5])
    with pytest.raises(ValueError, match=r"^score: 3 values outside 0–10: \[11, -1, 12\]"):
        nps(data, "score")


def test_invalid_survey_codes_like_99():
    data = frame([99.0, 8.0, 99.0, np.nan])
    with pytest.raises(ValueError, match=r"score: 2 values outside 0–10: \[99, 99\]"):
        nps(data, "score")


def test_fractional_scores_raise():
    with pytest.raises(ValueError, match=r"score: 2 fractional values .*\[7.5, 8.2\]"):
        nps(frame([7.5, 9.0, 8.2]), "score")


def test_infinite_score_is_outside_the_scale():
    with pytest.raises(ValueError, match=r"score: 1 values outside 0–10: \[inf\]"):
        nps(frame([np.inf, 9.0]), "score")


def test_non_numeric_scores_raise_with_dtype_and_examples():
    with pytest.raises(ValueError, match=r"score: expected numeric scores .*\['9', 'ten'\]"):
        nps(frame(["9", "ten"]), "score")
    with pytest.raises(ValueError, match="score: expected numeric"):
        nps(frame([True, False]), "score")


def test_missing_column_lists_available_ones():
    with pytest.raises(ColumnNotFoundError, match=r"'nps_score' not found.*\['score', 'g'\]"):
        nps(frame([1, 2], g=["a", "b"]), "nps_score")
    with pytest.raises(ColumnNotFoundError, match="'segment' not found"):
        nps(frame([1, 2], g=["a", "b"]), "score", by="segment")
    with pytest.raises(ColumnNotFoundError, match="'wt' not found"):
        nps(frame([1, 2]), "score", weight="wt")


def test_exclude_leaves_out_counts_and_warns():
    data = frame([10, 11, 9, -1, 12, 7.5, np.nan, 3], g=list("aabbbbab"))
    with pytest.warns(LoyaltyWarning, match=r"score: 3 values outside 0–10: \[11, -1, 12\]"):
        result = nps(data, "score", by="g", errors="exclude")
    # a: 10, 11 (out), NaN (missing) → n 1, excluded 2; b: 9, −1, 12, 7.5, 3 → n 2, excluded 3
    assert result["n"].tolist() == [1, 2]
    assert result["excluded"].tolist() == [2, 3]
    assert result["nps"].tolist() == [100.0, 0.0]


def test_exclude_without_invalid_values_does_not_warn():
    result = nps(frame([10, np.nan]), "score", errors="exclude")  # filterwarnings=error
    assert result["excluded"].iloc[0] == 1


def test_weights_invalid():
    with pytest.raises(
        ValueError, match=r"w: 2 weights missing, negative or infinite: \[-1, nan\]"
    ):
        nps(frame([10, 9, 8], w=[-1.0, np.nan, 1.0]), "score", weight="w")
    with pytest.warns(LoyaltyWarning, match="w: 1 weights"):
        result = nps(frame([10, 9, 2], w=[1.0, 1.0, -3.0]), "score", weight="w", errors="exclude")
    assert result["n"].iloc[0] == 2 and result["excluded"].iloc[0] == 1
    with pytest.raises(ValueError, match="w: expected numeric weights"):
        nps(frame([10], w=["x"]), "score", weight="w")


def test_weight_of_a_missing_answer_is_not_checked():
    # the answer is missing anyway: excluded as missing, its weight is irrelevant
    result = nps(frame([10, np.nan], w=[1.0, np.nan]), "score", weight="w")
    assert (result["n"].iloc[0], result["excluded"].iloc[0]) == (1, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": (1, 5)}, "declare cut_points"),
        ({"scale": (0, 100)}, "declare cut_points"),
        ({"scale": (10, 0)}, "low must be below high"),
        ({"scale": (0,)}, "scale: expected"),
        ({"cut_points": (9, 6)}, "detractor_max < promoter_min"),
        ({"cut_points": (6, 11)}, "promoter_min"),
        ({"cut_points": ("6", 9)}, "cut_points: expected numbers"),
        ({"method": "wilson"}, "method: 'wilson' is not one of"),
        ({"confidence": 95}, "confidence"),
        ({"confidence": 0}, "confidence"),
        ({"min_base": -1}, "min_base"),
        ({"errors": "ignore"}, "errors"),
        ({"by": 3}, "by: expected"),
        ({"method": "bootstrap", "n_boot": 10}, "n_boot"),
    ],
)
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nps(frame([10, 9, 1]), "score", **kwargs)


def test_reserved_internal_names_in_by():
    with pytest.raises(ValueError, match="reserved"):
        nps(frame([10, 9], _nps_sign=[1, 2]), "score", by="_nps_sign")


def test_compare_validates_each_sample():
    with pytest.raises(ValueError, match=r"score: 1 values outside 0–10: \[11\]"):
        compare_nps(frame([10, 9]), frame([11, 3]), "score")
    with pytest.raises(ColumnNotFoundError):
        compare_nps(frame([10]), pd.DataFrame({"nps": [3]}), "score")


def test_drivers_input_errors():
    data = frame([10, 9, 2], delivery=[5, 4, 1], comment=["ok", "fine", "bad"])
    with pytest.raises(ValueError, match="drivers: name at least one"):
        nps_drivers(data, "score", [])
    with pytest.raises(ValueError, match=r"expected numeric ratings, got comment"):
        nps_drivers(data, "score", ["delivery", "comment"])
    with pytest.raises(ColumnNotFoundError, match="'support' not found"):
        nps_drivers(data, "score", ["support"])
    with pytest.raises(ValueError, match="own driver"):
        nps_drivers(data, "score", ["score"])
