"""nps(): categories, shares, intervals pinned to hand-worked arithmetic, weights, bases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from loyalty_lib import LoyaltyWarning, nps, nps_band, nps_distribution, nps_sample_size
from loyalty_lib.stats.nps_intervals import nps_variance

Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)


def answers(det: int, pas: int, pro: int, **extra) -> pd.DataFrame:
    """det detractors (score 3), pas passives (8), pro promoters (10)."""
    frame = pd.DataFrame({"score": [3] * det + [8] * pas + [10] * pro})
    for name, values in extra.items():
        frame[name] = values
    return frame


COLUMNS = [
    "n",
    "promoters",
    "passives",
    "detractors",
    "pct_promoters",
    "pct_passives",
    "pct_detractors",
    "nps",
    "nps_ci_lower",
    "nps_ci_upper",
    "small_base",
    "excluded",
]


def test_columns_and_single_row_without_by():
    result = nps(answers(1, 1, 1), "score")
    assert list(result.columns) == COLUMNS
    assert len(result) == 1


def test_category_boundaries_0_to_10():
    # every scale point once: 0–6 detractors (7), 7–8 passives (2), 9–10 promoters (2)
    result = nps(pd.DataFrame({"score": list(range(11))}), "score").iloc[0]
    assert (result["detractors"], result["passives"], result["promoters"]) == (7, 2, 2)
    # NPS = (2 − 7) / 11 · 100 = −45.4545…
    assert result["nps"] == pytest.approx(-500 / 11)
    assert result["pct_passives"] == pytest.approx(200 / 11)


def test_nps_is_raw_and_unrounded_with_adjusted_wald():
    # 1 promoter, 2 passives: raw NPS = 1/3 · 100 = 33.333…, not the adjusted 1.75−0.75 / 6
    result = nps(answers(0, 2, 1), "score").iloc[0]
    assert result["nps"] == pytest.approx(100 / 3, abs=1e-12)


def test_per_respondent_variance_r_package_nps():
    # R package NPS test suite: counts (detractors, passives, promoters) = (1, 2, 3)
    # give variance 5/9: p+ = 1/2, p- = 1/6, 1/2 + 1/6 − (1/3)² = 2/3 − 1/9 = 5/9
    assert nps_variance(1, 2, 3) == pytest.approx(5 / 9)


def test_wald_interval_uses_that_variance():
    # scores 0, 7, 8, 9, 10, 10 = counts (1, 2, 3); Wald half-width z·√(5/9 / 6)
    result = nps(pd.DataFrame({"score": [0, 7, 8, 9, 10, 10]}), "score", method="wald").iloc[0]
    half = Z95 * math.sqrt(5 / 9 / 6) * 100  # = 1.96 · 0.30429 · 100 = 59.64
    assert result["nps"] == pytest.approx(100 / 3)
    assert result["nps_ci_upper"] - result["nps"] == pytest.approx(half)
    assert result["nps_ci_lower"] == pytest.approx(100 / 3 - half)


def test_wald_pinned_20_30_50():
    # hand-worked: nps = 0.5 − 0.2 = 0.3; v = 0.7 − 0.09 = 0.61; se = √(0.61/100) = 0.0781025
    # half = 1.959964 · 0.0781025 = 0.153078 → [14.6922, 45.3078]
    result = nps(answers(20, 30, 50), "score", method="wald").iloc[0]
    assert result["nps"] == pytest.approx(30.0)
    assert result["nps_ci_lower"] == pytest.approx(14.6922, abs=1e-4)
    assert result["nps_ci_upper"] == pytest.approx(45.3078, abs=1e-4)


def test_adjusted_wald_pinned_20_30_50_centred_on_adjusted_estimate():
    # Rocks (2016) pseudo-counts: (20.75, 31.5, 50.75), n = 103
    # p+ = 50.75/103 = 0.4927184, p- = 20.75/103 = 0.2014563, centre = 0.2912621
    # v = 0.6941748 − 0.2912621² = 0.6093411; se = √(0.6093411/103) = 0.0769153
    # half = 1.959964 · 0.0769153 = 0.1507512 → [14.0511, 44.2013]; raw nps stays 30
    result = nps(answers(20, 30, 50), "score").iloc[0]
    assert result["nps"] == pytest.approx(30.0)
    assert result["nps_ci_lower"] == pytest.approx(14.0511, abs=1e-4)
    assert result["nps_ci_upper"] == pytest.approx(44.2013, abs=1e-4)
    centre = (result["nps_ci_lower"] + result["nps_ci_upper"]) / 2
    assert centre == pytest.approx(100 * 30 / 103)  # (50.75 − 20.75) / 103


def test_intervals_clipped_to_bounds():
    # 3 promoters only: Wald has zero variance → [100, 100]; 1 detractor + 1 promoter:
    # v = 1 − 0 = 1, Wald half-width 1.96 · √(1/2) = 1.386 > 1 → clipped to [−100, 100]
    assert nps(answers(0, 0, 3), "score", method="wald")[["nps_ci_lower", "nps_ci_upper"]].iloc[
        0
    ].tolist() == [100.0, 100.0]
    both = nps(answers(1, 0, 1), "score", method="wald").iloc[0]
    assert (both["nps_ci_lower"], both["nps_ci_upper"]) == (-100.0, 100.0)


def test_missing_answers_excluded_and_counted_never_in_base():
    frame = pd.DataFrame({"score": [10, np.nan, 9, None, 2]})
    result = nps(frame, "score").iloc[0]
    assert result["n"] == 3
    assert result["excluded"] == 2
    assert result["nps"] == pytest.approx(100 / 3)  # (2 − 1) / 3


def test_nullable_integer_scores():
    frame = pd.DataFrame({"score": pd.array([10, None, 0, 8], dtype="Int64")})
    result = nps(frame, "score").iloc[0]
    assert (result["n"], result["excluded"], result["nps"]) == (3, 1, 0.0)


def test_by_groups_sorted_with_bases_and_empty_group():
    frame = pd.DataFrame(
        {
            "score": [10, 9, 3, np.nan, np.nan, 8],
            "region": ["S", "S", "S", "E", "E", "N"],
        }
    )
    result = nps(frame, "score", by="region", min_base=2)
    assert result["region"].tolist() == ["E", "N", "S"]
    east = result.iloc[0]
    # a group whose answers are all missing: n = 0, statistics missing, no crash
    assert east["n"] == 0 and east["excluded"] == 2
    assert east[["pct_promoters", "nps", "nps_ci_lower", "nps_ci_upper"]].isna().all()
    assert bool(east["small_base"])
    assert result["small_base"].tolist() == [True, True, False]
    assert result.loc[2, "nps"] == pytest.approx(100 / 3)


def test_by_several_columns():
    frame = answers(2, 2, 2, a=["x", "y"] * 3, b=["p"] * 6)
    result = nps(frame, "score", by=["a", "b"])
    assert list(result.columns[:3]) == ["a", "b", "n"]
    assert result["n"].tolist() == [3, 3]


def test_empty_input_gives_n_zero_row():
    result = nps(pd.DataFrame({"score": pd.Series([], dtype="float64")}), "score")
    assert len(result) == 1 and result.loc[0, "n"] == 0 and math.isnan(result.loc[0, "nps"])


def test_weighted_shares_and_kish_effective_base():
    # scores 10, 9, 7, 3 with weights 1, 1, 2, 2: Σw = 6 → promoters 2/6, passives 2/6,
    # detractors 2/6 → nps 0; n_eff = 6² / (1 + 1 + 4 + 4) = 3.6
    # Wald: v = 2/3 − 0 = 0.6667; se = √(0.6667/3.6) = 0.430331; half = 84.343
    frame = pd.DataFrame({"score": [10, 9, 7, 3], "w": [1.0, 1.0, 2.0, 2.0]})
    result = nps(frame, "score", weight="w", method="wald", min_base=4).iloc[0]
    assert result["n"] == 4
    assert result["n_effective"] == pytest.approx(3.6)
    assert result["pct_promoters"] == pytest.approx(100 / 3)
    assert result["nps"] == pytest.approx(0.0)
    assert result["nps_ci_upper"] == pytest.approx(84.343, abs=1e-3)
    assert bool(result["small_base"])  # 3.6 effective responses < 4


def test_equal_weights_change_nothing():
    frame = answers(5, 7, 9, w=[2.5] * 21)
    plain = nps(frame, "score")
    weighted = nps(frame, "score", weight="w")
    assert weighted["n_effective"].iloc[0] == pytest.approx(21)
    pd.testing.assert_frame_equal(weighted.drop(columns="n_effective"), plain)


def test_frequency_weights_give_shares_of_expanded_data():
    frame = pd.DataFrame({"score": [10, 8, 2], "w": [3, 1, 2]})
    expanded = pd.DataFrame({"score": [10, 10, 10, 8, 2, 2]})
    w = nps(frame, "score", weight="w").iloc[0]
    e = nps(expanded, "score").iloc[0]
    for col in ("pct_promoters", "pct_passives", "pct_detractors", "nps"):
        assert w[col] == pytest.approx(e[col])


def test_declared_1_to_10_scale_same_cut_points():
    # seed 002's 1–10 scale: detractors 1–6; a 0 is then outside the scale
    frame = pd.DataFrame({"score": [1, 6, 7, 9, 10]})
    result = nps(frame, "score", scale=(1, 10)).iloc[0]
    assert (result["detractors"], result["passives"], result["promoters"]) == (2, 1, 2)
    with pytest.raises(ValueError, match=r"score: 1 values outside 1–10: \[0\]"):
        nps(pd.DataFrame({"score": [0, 5]}), "score", scale=(1, 10))


def test_declared_five_point_scale_and_cut_points():
    frame = pd.DataFrame({"score": [1, 2, 3, 4, 5, 5]})
    result = nps(frame, "score", scale=(1, 5), cut_points=(3, 5)).iloc[0]
    # detractors ≤ 3 (3), passive 4 (1), promoters 5 (2) → (2 − 3)/6
    assert (result["detractors"], result["passives"], result["promoters"]) == (3, 1, 2)
    assert result["nps"] == pytest.approx(-100 / 6)


def test_input_never_mutated():
    frame = pd.DataFrame({"score": [10, np.nan, 11.0, 3], "g": ["a", "b", "a", "b"]})
    before = frame.copy()
    with pytest.warns(LoyaltyWarning, match="outside"):
        nps(frame, "score", by="g", errors="exclude", method="bootstrap", random_state=0)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (62.0, "among the favourites"),
        (45.0, "known, but must become more customer-centred"),
        (10.0, "known, but must become more customer-centred"),
        (45.01, "between the article's bands (45–50: not covered by the source)"),
        (50.0, "between the article's bands (45–50: not covered by the source)"),
        (9.99, "not valued by its customers"),
        (-100, "not valued by its customers"),
    ],
)
def test_nps_band_seed_002_reading(value, band):
    # seed 002 line 180-182, exactly: above 50 favourites; 10–45 known but must improve; below
    # 10 not valued. 45–50 is not in the article (the old test read 50 as "known": issue 14)
    assert nps_band(value) == band


def test_nps_band_vectorised_and_errors():
    labels = nps_band(pd.Series([60.0, np.nan, 0.0]))
    assert labels.iloc[0] == "among the favourites" and pd.isna(labels.iloc[1])
    with pytest.raises(ValueError, match="within −100…100"):
        nps_band(101)
    with pytest.raises(ValueError, match="missing"):
        nps_band(float("nan"))


def test_sample_size_worst_case_and_expected():
    # worst case v = 1: 1.959964² / 0.05² = 3.841459 / 0.0025 = 1536.58 → 1537
    assert nps_sample_size(5) == 1537
    # expected (0.2, 0.3, 0.5): v = 0.61 → 3.841459 · 0.61 / 0.0025 = 937.32 → 938
    assert nps_sample_size(5, expected=(0.2, 0.3, 0.5)) == 938
    # the same from a result row (percent shares)
    row = nps(answers(20, 30, 50), "score").iloc[0]
    assert nps_sample_size(5, expected=row) == 938
    # ±10 points at 90 %: 1.644854² / 0.01 = 270.56 → 271
    assert nps_sample_size(10, confidence=0.90) == 271
    with pytest.raises(ValueError, match="margin"):
        nps_sample_size(0)
    with pytest.raises(ValueError, match="sum to 1"):
        nps_sample_size(5, expected=(0.5, 0.5, 0.5))


def test_sample_size_achieves_margin():
    # the planned n gives a Wald half-width of at most the margin at the expected shares
    n = nps_sample_size(4, expected=(0.25, 0.35, 0.40))
    v = 0.40 + 0.25 - 0.15**2
    assert Z95 * math.sqrt(v / n) * 100 <= 4
    assert Z95 * math.sqrt(v / (n - 1)) * 100 > 4


def test_distribution_all_points_and_categories():
    dist = nps_distribution(pd.DataFrame({"score": [10, 10, 0, 7, np.nan]}), "score")
    assert dist["score"].tolist() == list(range(11))
    assert dist["n"].sum() == 4
    assert dist.loc[10, "pct"] == pytest.approx(50.0)
    assert dist.loc[6, "category"] == "detractor" and dist.loc[7, "category"] == "passive"
    assert dist.loc[9, "category"] == "promoter"


def test_nps_band_from_an_interval():
    from loyalty_lib.survey.score import nps_band_interval

    assert nps_band_interval(12, 40) == "known, but must become more customer-centred"
    assert nps_band_interval(40, 55) == (
        "on the boundary between known, but must become more customer-centred and "
        "between the article's bands (45–50: not covered by the source) and among the "
        "favourites"
    )
    assert nps_band_interval(-5, 9.9) == "not valued by its customers"
    with pytest.raises(ValueError, match="above upper"):
        nps_band_interval(20, 10)
