"""compare_nps and nps_trend: pinned tests of a change between waves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyalty_lib import LoyaltyWarning, compare_nps, nps, nps_trend
from loyalty_lib.stats.nps_intervals import score_interval

Z95 = stats.norm.ppf(0.975)


def wave(det: int, pas: int, pro: int) -> pd.DataFrame:
    return pd.DataFrame({"score": [3] * det + [8] * pas + [10] * pro})


def test_adjusted_wald_pinned_z_1_73_p_0_083():
    # Hand-worked (Rocks 2016 adjusted Wald, pseudo-counts ¾, 1½, ¾, n + 3 = 103):
    # a (20, 30, 50) → (20.75, 31.5, 50.75): p+ = 0.4927184, p- = 0.2014563
    #   d_a = 0.2912621; v_a = 0.6941748 − 0.2912621² = 0.6093411; v_a/103 = 0.00591593
    # b (30, 30, 40) → (30.75, 31.5, 40.75): p+ = 0.3956311, p- = 0.2985437
    #   d_b = 0.0970874; v_b = 0.6941748 − 0.0970874² = 0.6847488; v_b/103 = 0.00664805
    # difference 0.1941748; se = √(0.00591593 + 0.00664805) = 0.1120892
    # z = 0.1941748 / 0.1120892 = 1.73232; p = 2·(1 − Φ(1.73232)) = 0.08322
    result = compare_nps(wave(20, 30, 50), wave(30, 30, 40), "score").iloc[0]
    assert result["z"] == pytest.approx(1.73232, abs=1e-4)
    assert result["p_value"] == pytest.approx(0.08322, abs=1e-4)
    assert round(result["z"], 2) == 1.73 and round(result["p_value"], 3) == 0.083
    # raw scores and raw difference are reported; the interval is centred on 19.41748
    assert (result["nps_a"], result["nps_b"]) == (pytest.approx(30), pytest.approx(10))
    assert result["difference"] == pytest.approx(20)
    half = Z95 * 11.20892  # = 21.96904 points
    assert result["difference_ci_lower"] == pytest.approx(19.41748 - half, abs=1e-3)
    assert result["difference_ci_upper"] == pytest.approx(19.41748 + half, abs=1e-3)
    assert not bool(result["significant"])
    assert (result["n_a"], result["n_b"]) == (100, 100)


def test_wald_difference_pinned():
    # v_a = 0.7 − 0.3² = 0.61, v_b = 0.7 − 0.1² = 0.69; se = √(0.0061 + 0.0069) = 0.1140175
    # z = 0.2 / 0.1140175 = 1.754116; half-width = 1.959964 · 11.40175 = 22.34703 points
    result = compare_nps(wave(20, 30, 50), wave(30, 30, 40), "score", method="wald").iloc[0]
    assert result["z"] == pytest.approx(1.754116, abs=1e-5)
    assert result["p_value"] == pytest.approx(2 * stats.norm.sf(1.754116), abs=1e-5)
    assert result["difference_ci_lower"] == pytest.approx(20 - 22.34703, abs=1e-4)


def test_significant_at_lower_confidence():
    # p ≈ 0.083 < 0.10: significant at 90 %, not at 95 %
    result = compare_nps(wave(20, 30, 50), wave(30, 30, 40), "score", confidence=0.90)
    assert bool(result["significant"].iloc[0])


def test_swapping_samples_flips_sign_only():
    for method in ("wald", "adjusted_wald", "score"):
        ab = compare_nps(wave(20, 30, 50), wave(30, 30, 40), "score", method=method).iloc[0]
        ba = compare_nps(wave(30, 30, 40), wave(20, 30, 50), "score", method=method).iloc[0]
        assert ba["difference"] == pytest.approx(-ab["difference"])
        assert ba["z"] == pytest.approx(-ab["z"])
        assert ba["p_value"] == pytest.approx(ab["p_value"])
        assert ba["difference_ci_lower"] == pytest.approx(-ab["difference_ci_upper"])


def test_score_method_is_newcombe_mover_of_score_intervals():
    # MOVER (Newcombe): L = d − √((d_a − l_a)² + (u_b − d_b)²),
    #                   U = d + √((u_a − d_a)² + (d_b − l_b)²)
    la, ua = score_interval(20, 30, 50)
    lb, ub = score_interval(30, 30, 40)
    d_a, d_b = 0.3, 0.1
    lower = 0.2 - math.sqrt((d_a - la) ** 2 + (ub - d_b) ** 2)
    upper = 0.2 + math.sqrt((ua - d_a) ** 2 + (d_b - lb) ** 2)
    result = compare_nps(wave(20, 30, 50), wave(30, 30, 40), "score", method="score").iloc[0]
    assert result["difference_ci_lower"] == pytest.approx(100 * lower)
    assert result["difference_ci_upper"] == pytest.approx(100 * upper)
    # the p-value is the level at which the interval just reaches 0
    at_p = compare_nps(
        wave(20, 30, 50),
        wave(30, 30, 40),
        "score",
        method="score",
        confidence=1 - result["p_value"],
    ).iloc[0]
    assert at_p["difference_ci_lower"] == pytest.approx(0, abs=1e-6)
    assert result["z"] == pytest.approx(stats.norm.isf(result["p_value"] / 2))


def test_bootstrap_compare_close_to_wald_and_reproducible():
    a, b = wave(60, 90, 150), wave(90, 90, 120)
    boot = compare_nps(a, b, "score", method="bootstrap", n_boot=5000, random_state=3)
    again = compare_nps(a, b, "score", method="bootstrap", n_boot=5000, random_state=3)
    pd.testing.assert_frame_equal(boot, again)
    wald = compare_nps(a, b, "score", method="wald").iloc[0]
    # n = 300 each: percentile limits within ~1.5 points of Wald's, z within 0.15
    assert boot["difference_ci_lower"].iloc[0] == pytest.approx(
        wald["difference_ci_lower"], abs=1.5
    )
    assert boot["difference_ci_upper"].iloc[0] == pytest.approx(
        wald["difference_ci_upper"], abs=1.5
    )
    assert boot["z"].iloc[0] == pytest.approx(wald["z"], abs=0.15)
    assert boot["p_value"].iloc[0] < 0.01


def test_empty_sample_gives_missing_statistics():
    empty = pd.DataFrame({"score": [np.nan, np.nan]})
    result = compare_nps(wave(1, 1, 1), empty, "score").iloc[0]
    assert result["n_b"] == 0
    assert math.isnan(result["difference"]) and math.isnan(result["p_value"])
    assert pd.isna(result["significant"])


def test_weighted_compare_with_equal_weights_equals_unweighted():
    a, b = wave(20, 30, 50), wave(30, 30, 40)
    a["w"], b["w"] = 2.0, 0.5
    weighted = compare_nps(a, b, "score", weight="w")
    plain = compare_nps(wave(20, 30, 50), wave(30, 30, 40), "score")
    pd.testing.assert_frame_equal(weighted, plain)


def monthly(counts_by_month: dict[str, tuple[int, int, int]], group: str | None = None):
    parts = []
    for month, counts in counts_by_month.items():
        part = wave(*counts)
        part["wave"] = pd.Timestamp(month) + pd.Timedelta(days=4)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    if group is not None:
        frame["region"] = group
    return frame


def test_trend_change_and_significance_pinned():
    frame = monthly({"2024-01-01": (20, 30, 50), "2024-02-01": (30, 30, 40)})
    trend = nps_trend(frame, "score", "wave")
    assert trend["period"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert trend["nps"].tolist() == pytest.approx([30, 10])
    # February vs January: change −20, the pinned adjusted-Wald p ≈ 0.083 (see above)
    assert math.isnan(trend.loc[0, "difference"])
    assert trend.loc[1, "difference"] == pytest.approx(-20)
    assert trend.loc[1, "p_value"] == pytest.approx(0.08322, abs=1e-4)
    assert not bool(trend.loc[1, "significant"])
    assert pd.isna(trend.loc[0, "significant"])
    # a family of one test: Holm and BH leave the p-value as it is
    assert trend.loc[1, "p_value_adjusted"] == pytest.approx(trend.loc[1, "p_value"])
    assert trend.attrs["adjust"] == "holm" and trend.attrs["family_size"] == 1
    at90 = nps_trend(frame, "score", "wave", confidence=0.90)
    assert bool(at90.loc[1, "significant"])


def test_trend_adjusts_the_family_and_states_the_persistence_rule():
    # four months: a fall in March that holds in April against the same February baseline
    frame = monthly(
        {
            "2024-01-01": (20, 30, 50),
            "2024-02-01": (20, 30, 50),
            "2024-03-01": (60, 20, 20),
            "2024-04-01": (60, 20, 20),
            "2024-05-01": (60, 20, 20),
        }
    )
    trend = nps_trend(frame, "score", "wave")
    raw = trend["p_value"].to_numpy()
    # statsmodels: multipletests(raw[1:], method="holm")
    from statsmodels.stats.multitest import multipletests

    expected = multipletests(raw[1:], method="holm")[1]
    assert trend["p_value_adjusted"].to_numpy()[1:] == pytest.approx(expected)
    assert bool(trend.loc[2, "significant"]) and bool(trend.loc[2, "lasting"])
    # April and May are not changes; May has no two later periods: persistence unknown
    assert not bool(trend.loc[3, "significant"]) and pd.isna(trend.loc[4, "confirmed"])
    assert "next 2 periods" in trend.attrs["procedure"]
    one = nps_trend(frame, "score", "wave", persist=3)
    assert pd.isna(one.loc[2, "confirmed"])  # only two periods follow March
    against = nps_trend(frame, "score", "wave", baseline="2024-01")
    assert math.isnan(against.loc[0, "difference"])
    assert against.loc[4, "difference"] == pytest.approx(-40 - 30)
    with pytest.raises(ValueError, match="baseline: '2023-01' is not a period"):
        nps_trend(frame, "score", "wave", baseline="2023-01")
    with pytest.raises(ValueError, match="adjust"):
        nps_trend(frame, "score", "wave", adjust="bonferroni")


def test_trend_rows_equal_nps_on_each_period_and_compare():
    frame = monthly({"2024-01-01": (12, 30, 40), "2024-02-01": (25, 20, 30)})
    trend = nps_trend(frame, "score", "wave", method="wald")
    jan = frame[frame["wave"].dt.month == 1]
    feb = frame[frame["wave"].dt.month == 2]
    expected = nps(feb, "score", method="wald").iloc[0]
    for col in ("n", "nps", "nps_ci_lower", "nps_ci_upper", "small_base", "excluded"):
        assert trend.loc[1, col] == expected[col]
    change = compare_nps(feb, jan, "score", method="wald").iloc[0]
    assert trend.loc[1, "difference_ci_lower"] == pytest.approx(change["difference_ci_lower"])
    assert trend.loc[1, "p_value"] == pytest.approx(change["p_value"])


def test_trend_fills_empty_periods_and_keeps_groups_apart():
    east = monthly({"2024-01-01": (5, 5, 10), "2024-03-01": (10, 5, 5)}, group="East")
    west = monthly({"2024-02-01": (1, 1, 8)}, group="West")
    trend = nps_trend(pd.concat([west, east], ignore_index=True), "score", "wave", by="region")
    assert trend["region"].tolist() == ["East"] * 3 + ["West"] * 3
    assert trend["n"].tolist() == [20, 0, 20, 0, 10, 0]
    # February East is empty: no change there, nor in March (previous period empty)
    assert trend["difference"].isna().all()
    assert trend.loc[1, "small_base"] and math.isnan(trend.loc[1, "nps"])


def test_trend_quarterly():
    frame = monthly({"2024-01-01": (1, 1, 2), "2024-02-01": (1, 1, 2), "2024-04-01": (2, 0, 0)})
    trend = nps_trend(frame, "score", "wave", freq="QS", min_base=1)
    assert trend["period"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-04-01")]
    assert trend["n"].tolist() == [8, 2]
    assert trend.loc[1, "difference"] == pytest.approx(-100 - 25)


def test_trend_input_errors():
    frame = monthly({"2024-01-01": (1, 1, 1)})
    with pytest.raises(ValueError, match="freq"):
        nps_trend(frame, "score", "wave", freq="M")
    with pytest.raises(ValueError, match="wave: expected a datetime column"):
        nps_trend(frame.assign(wave="2024-01"), "score", "wave")
    with_gap = frame.astype({"wave": "datetime64[us]"})
    with_gap.loc[0, "wave"] = pd.NaT
    with pytest.raises(ValueError, match="wave: 1 answers have no date"):
        nps_trend(with_gap, "score", "wave")
    with pytest.warns(LoyaltyWarning, match="no date"):
        trend = nps_trend(with_gap, "score", "wave", errors="exclude")
    assert trend["n"].tolist() == [2]
