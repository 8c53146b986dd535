"""nps_drivers: means per category and point-biserial correlation vs scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyalty_lib import nps_drivers


@pytest.fixture
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 600
    score = rng.integers(0, 11, n).astype(float)
    # delivery tracks the score strongly, website weakly, support is mostly unrated
    delivery = np.clip(np.round(1 + score / 2.5 + rng.normal(0, 0.8, n)), 1, 5)
    website = np.clip(np.round(3 + (score - 5) / 10 + rng.normal(0, 1.0, n)), 1, 5)
    support = np.where(rng.random(n) < 0.85, np.nan, rng.integers(1, 6, n))
    score[:10] = np.nan
    return pd.DataFrame(
        {"score": score, "delivery": delivery, "website": website, "support": support}
    )


def test_matches_pandas_means_and_scipy_point_biserial(survey):
    result = nps_drivers(survey, "score", ["website", "support", "delivery"]).set_index("driver")
    category = np.select(
        [survey["score"] >= 9, survey["score"] <= 6], ["promoters", "detractors"], "passives"
    )
    category = pd.Series(category, index=survey.index).where(survey["score"].notna())
    for driver in ("website", "support", "delivery"):
        rated = survey[survey[driver].notna() & category.notna()]
        cat = category[rated.index]
        row = result.loc[driver]
        assert row["n"] == len(rated)
        means = rated.groupby(cat)[driver].mean()  # independent: pandas group means
        for label in ("detractors", "passives", "promoters"):
            assert row[f"mean_{label}"] == pytest.approx(means[label])
            assert row[f"n_{label}"] == (cat == label).sum()
        contrast = rated[cat != "passives"]
        is_promoter = (cat[contrast.index] == "promoters").astype(int)
        # independent: scipy's point-biserial correlation and its t-test p-value
        ref = stats.pointbiserialr(is_promoter, contrast[driver])
        assert row["r_pb"] == pytest.approx(ref.statistic, abs=1e-10)
        assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-6)
        # Fisher z interval: tanh(atanh r ± 1.96 / √(N − 3))
        half = stats.norm.ppf(0.975) / math.sqrt(len(contrast) - 3)
        assert row["r_ci_lower"] == pytest.approx(math.tanh(math.atanh(ref.statistic) - half))
        assert row["r_ci_upper"] == pytest.approx(math.tanh(math.atanh(ref.statistic) + half))


def test_order_importance_and_low_base(survey):
    result = nps_drivers(survey, "score", ["website", "support", "delivery"])
    assert result["driver"].iloc[0] == "delivery"  # strongest planted relationship
    assert result["r_pb"].is_monotonic_decreasing
    assert result["relative_importance"].sum() == pytest.approx(100)
    r2 = result["r_pb"] ** 2
    assert result["relative_importance"].tolist() == pytest.approx((100 * r2 / r2.sum()).tolist())
    support = result.set_index("driver").loc["support"]
    assert bool(support["small_base"])  # ~15 % rated: < 30 promoters
    assert not bool(result.set_index("driver").loc["delivery", "small_base"])


def test_hand_worked_small_example():
    # delivery among detractors (1, 2) and promoters (5, 5, 4, 4): mean 3.5,
    # population sd √(13.5/6) = 1.5; r = (4.5 − 1.5)/1.5 · √(4·2)/6 = 0.942809
    data = pd.DataFrame({"score": [10, 9, 9, 7, 3, 2, 10], "delivery": [5, 5, 4, 3, 1, 2, 4]})
    row = nps_drivers(data, "score", "delivery").iloc[0]
    assert row["difference"] == pytest.approx(3.0)
    assert row["r_pb"] == pytest.approx(0.942809, abs=1e-6)
    assert row["mean_passives"] == 3.0


def test_no_spread_or_too_few_gives_missing_correlation():
    data = pd.DataFrame({"score": [10, 9, 2, 1], "flat": [3, 3, 3, 3], "few": [5, None, 1, None]})
    result = nps_drivers(data, "score", ["flat", "few"], min_base=1).set_index("driver")
    assert math.isnan(result.loc["flat", "r_pb"]) and result.loc["flat", "difference"] == 0
    assert math.isnan(result.loc["few", "r_pb"]) and result.loc["few", "n"] == 2
    assert result["relative_importance"].isna().all()
