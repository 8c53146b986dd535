"""campaign_uplift and holdout_size: intervals pinned to Newcombe's published example and
scipy's Welch test, power and sample size to statsmodels' NormalIndPower (tests only), and
the planted uplift of the demo's reminder campaign recovered within its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from loyalty_lib import campaign_uplift, holdout_size
from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.datasets import load_demo
from loyalty_lib.inputs.demo import REMINDER_LIFT


def _campaign(x1: int, n1: int, x2: int, n2: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "group": ["reminded"] * n1 + ["holdout"] * n2,
            "bought_within_30d": [True] * x1
            + [False] * (n1 - x1)
            + [True] * x2
            + [False] * (n2 - x2),
            "revenue_30d": np.round(rng.gamma(2.0, 20.0, n1 + n2), 2),
        }
    )


def test_purchase_interval_is_newcombes_hybrid_score_interval():
    # Newcombe (1998), Statistics in Medicine 17:873, Table II: 56/70 vs 48/80,
    # method 10 (hybrid score): difference 0.2000, 95% interval 0.0524 to 0.3339.
    out = campaign_uplift(_campaign(56, 70, 48, 80)).set_index("metric")
    row = out.loc["purchase"]
    assert row["difference"] == pytest.approx(0.2)
    assert row["difference_ci_lower"] == pytest.approx(0.0524, abs=5e-5)
    assert row["difference_ci_upper"] == pytest.approx(0.3339, abs=5e-5)
    assert (row["n_treated"], row["n_control"]) == (70, 80)


def test_revenue_is_welchs_test_and_power_is_statsmodels():
    data = _campaign(30, 120, 20, 90, seed=3)
    out = campaign_uplift(data, target_uplift=0.1).set_index("metric")
    a = data.loc[data["group"] == "reminded", "revenue_30d"]
    b = data.loc[data["group"] == "holdout", "revenue_30d"]
    welch = stats.ttest_ind(a, b, equal_var=False)  # scipy's Welch test, independent
    assert out.loc["revenue", "p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert out.loc["revenue", "difference"] == pytest.approx(a.mean() - b.mean())
    p1, p2 = 30 / 120, 20 / 90
    ref = NormalIndPower()
    observed = ref.power(proportion_effectsize(p1, p2), nobs1=120, alpha=0.05, ratio=90 / 120)
    target = ref.power(proportion_effectsize(p2 + 0.1, p2), nobs1=120, alpha=0.05, ratio=90 / 120)
    assert out.loc["purchase", "power_observed"] == pytest.approx(observed, rel=1e-9)
    assert out.loc["purchase", "power_target"] == pytest.approx(target, rel=1e-9)


@pytest.mark.parametrize(
    ("baseline", "uplift", "power", "share"),
    [(0.2, 0.05, 0.8, 0.5), (0.15, 0.08, 0.8, 0.2), (0.3, -0.05, 0.9, 0.1)],
)
def test_holdout_size_equals_statsmodels_solve_power(baseline, uplift, power, share):
    ratio = (1 - share) / share
    nobs1 = NormalIndPower().solve_power(
        effect_size=proportion_effectsize(baseline + uplift, baseline),
        alpha=0.05,
        power=power,
        ratio=ratio,
    )
    out = holdout_size(baseline, uplift, power=power, share=share).iloc[0]
    assert out["n_control"] == int(np.ceil(nobs1))
    assert out["n_treated"] == int(np.ceil(nobs1 * ratio))
    assert out["n_total"] == out["n_control"] + out["n_treated"]


def test_holdout_size_refuses_impossible_plans():
    with pytest.raises(ValueError, match="keep the rate within 0–1"):
        holdout_size(0.95, 0.1)
    with pytest.raises(ValueError, match="share: 1.2 is not between 0 and 1"):
        holdout_size(0.2, 0.05, share=1.2)


def test_groups_must_be_known():
    data = _campaign(5, 10, 3, 10)
    data.loc[0, "group"] = "control"
    with pytest.raises(
        DataQualityError,
        match=r"group: 1 rows are in neither 'reminded' nor 'holdout': \['control'\]",
    ):
        campaign_uplift(data)


def test_demo_campaign_recovers_the_planted_uplift():
    campaign = load_demo().campaign
    assert 0.15 < (campaign["group"] == "holdout").mean() < 0.25  # a random 20% held out
    out = campaign_uplift(campaign, target_uplift=0.05).set_index("metric")
    row = out.loc["purchase"]
    # planted: a reminded customer places a campaign order with probability REMINDER_LIFT,
    # which changes the outcome only for those who would not have bought
    planted = REMINDER_LIFT * (1 - row["control_value"])
    # measured: +12.9 points (7.2 to 17.8) on 1,143 reminded and 236 held out; planted ~10.2
    assert row["difference_ci_lower"] < planted < row["difference_ci_upper"]
    assert row["difference_ci_lower"] > 0
    assert out.loc["revenue", "difference"] > 0


def test_campaign_export_from_a_shop_system_reads_as_the_clean_frame(tmp_path):
    """The page reads a declared campaign file with read_table (encoding and delimiter as
    exported): a Windows-1251, ';'-separated CSV with Cyrillic group labels, float ids and
    0/1 flags read back as text gives the same uplift as the frame it was written from."""
    from loyalty_lib.behaviour.campaigns import campaign_uplift
    from loyalty_lib.inputs.reading import read_table

    clean = pd.DataFrame(
        {
            "customer_id": ["17093.0", "17094.0", "17095.0", "17096.0", "17097.0", "17098.0"],
            "group": ["напомнили", "напомнили", "напомнили", "контроль", "контроль", "контроль"],
            "bought_within_30d": [1, 1, 0, 1, 0, 0],
            "revenue_30d": [10.0, 20.0, 0.0, 5.0, 0.0, 0.0],
        }
    )
    path = tmp_path / "campaign.csv"
    clean.to_csv(path, sep=";", index=False, encoding="cp1251")
    read = read_table(path).frame
    kw = {"treated": "напомнили", "control": "контроль"}
    got = campaign_uplift(read, **kw)
    want = campaign_uplift(clean, **kw)
    pd.testing.assert_frame_equal(got, want)
    # by hand: 2/3 bought against 1/3
    assert got.set_index("metric").loc["purchase", "difference"] == pytest.approx(1 / 3)
