"""Interval methods checked against independent computations and by coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from loyalty_lib import nps
from loyalty_lib.stats.nps_intervals import nps_interval, score_interval

# fewer than 2,000 resamples keep these property/plumbing tests fast; the warning itself is
# tested in tests/survey/test_nps_bootstrap.py
pytestmark = pytest.mark.filterwarnings(
    "ignore:n_boot.*resamples:loyalty_lib.errors.LoyaltyWarning"
)


Z95 = stats.norm.ppf(0.975)


def brute_force_score_interval(det, pas, pro, confidence=0.95):
    """Score interval computed independently of the library's closed form.

    For each hypothesised NPS d the constrained maximum-likelihood shares are found by
    numerical maximisation of the trinomial log-likelihood over the detractor share q
    (promoters q + d, passives 1 − 2q − d); the limits are where
    (d̂ − d)² · n / (p₊ + p₋ − d²) equals z².
    """
    n = det + pas + pro
    d_hat = (pro - det) / n
    z2 = stats.norm.ppf(0.5 + confidence / 2) ** 2

    def statistic(d):
        lo, hi = max(0.0, -d), (1.0 - d) / 2.0

        def negloglik(q):
            terms = [(det, q), (pas, 1 - 2 * q - d), (pro, q + d)]
            return -sum(k * math.log(max(p, 1e-300)) for k, p in terms if k > 0)

        q = optimize.minimize_scalar(
            negloglik, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13}
        ).x
        var = 2 * q + d - d * d
        return (d_hat - d) ** 2 * n / var - z2

    lower = optimize.brentq(statistic, -1 + 1e-9, d_hat) if d_hat > -1 else -1.0
    upper = optimize.brentq(statistic, d_hat, 1 - 1e-9) if d_hat < 1 else 1.0
    return lower, upper


@pytest.mark.parametrize(
    "counts",
    [(20, 30, 50), (1, 2, 3), (5, 0, 15), (0, 4, 16), (12, 3, 0), (40, 10, 50), (2, 17, 1)],
)
def test_score_interval_matches_brute_force(counts):
    ours = score_interval(*counts)
    independent = brute_force_score_interval(*counts)
    assert ours == pytest.approx(independent, abs=2e-6)


def test_score_interval_via_nps_contains_raw_estimate():
    frame = pd.DataFrame({"score": [0] * 20 + [7] * 30 + [10] * 50})
    row = nps(frame, "score", method="score").iloc[0]
    lower, upper = brute_force_score_interval(20, 30, 50)
    assert row["nps_ci_lower"] == pytest.approx(100 * lower, abs=1e-4)
    assert row["nps_ci_upper"] == pytest.approx(100 * upper, abs=1e-4)
    assert row["nps_ci_lower"] < row["nps"] < row["nps_ci_upper"]


def test_score_interval_all_promoters_reaches_100():
    lower, upper = score_interval(0, 0, 10)
    assert upper == 1.0 and 0 < lower < 1


def test_bootstrap_reproducible_with_random_state():
    frame = pd.DataFrame({"score": np.r_[[2] * 30, [8] * 30, [10] * 40]})
    a = nps(frame, "score", method="bootstrap", random_state=7)
    b = nps(frame, "score", method="bootstrap", random_state=7)
    c = nps(frame, "score", method="bootstrap", random_state=8)
    pd.testing.assert_frame_equal(a, b)
    assert a["nps_ci_lower"].iloc[0] != c["nps_ci_lower"].iloc[0]


def test_bootstrap_matches_independent_row_resampling():
    # independent: resample the 200 rows with numpy, percentile 2.5 / 97.5 of the NPS
    rng = np.random.default_rng(123)
    scores = rng.choice(11, size=200, p=[0.05] * 6 + [0.1, 0.15, 0.2, 0.25, 0.0])
    signs = np.where(scores >= 9, 1, np.where(scores <= 6, -1, 0))
    resampled = rng.choice(signs, size=(20000, signs.size), replace=True).mean(axis=1)
    ref = 100 * np.quantile(resampled, [0.025, 0.975])
    row = nps(
        pd.DataFrame({"score": scores}), "score", method="bootstrap", n_boot=20000, random_state=1
    ).iloc[0]
    # Monte-Carlo error of a 2.5 % quantile with 20,000 resamples ≈ 0.2 points here
    assert row["nps_ci_lower"] == pytest.approx(ref[0], abs=1.0)
    assert row["nps_ci_upper"] == pytest.approx(ref[1], abs=1.0)


def test_weighted_bootstrap_matches_independent_weighted_resampling():
    rng = np.random.default_rng(5)
    scores = rng.choice([2, 8, 10], size=150, p=[0.3, 0.3, 0.4])
    weights = rng.choice([0.5, 1.0, 3.0], size=150)
    signs = np.where(scores >= 9, 1, np.where(scores <= 6, -1, 0))
    idx = rng.integers(0, 150, size=(20000, 150))
    w = weights[idx]
    boot = (w * signs[idx]).sum(axis=1) / w.sum(axis=1)
    ref = 100 * np.quantile(boot, [0.025, 0.975])
    frame = pd.DataFrame({"score": scores, "w": weights})
    row = nps(frame, "score", weight="w", method="bootstrap", n_boot=20000, random_state=2).iloc[0]
    assert row["nps_ci_lower"] == pytest.approx(ref[0], abs=1.2)
    assert row["nps_ci_upper"] == pytest.approx(ref[1], abs=1.2)


def test_methods_agree_for_large_balanced_sample():
    # n = 3000: all four intervals are within ~0.3 points of each other
    frame = pd.DataFrame({"score": [1] * 900 + [7] * 900 + [9] * 1200})
    limits = {
        m: nps(frame, "score", method=m, random_state=0).iloc[0][["nps_ci_lower", "nps_ci_upper"]]
        for m in ("wald", "adjusted_wald", "score", "bootstrap")
    }
    for m in limits:
        assert limits[m].to_numpy() == pytest.approx(limits["wald"].to_numpy(), abs=0.6)


def test_confidence_level_widens_interval():
    frame = pd.DataFrame({"score": [1] * 20 + [7] * 20 + [9] * 30})
    for method in ("wald", "adjusted_wald", "score"):
        r90 = nps(frame, "score", method=method, confidence=0.90).iloc[0]
        r99 = nps(frame, "score", method=method, confidence=0.99).iloc[0]
        assert r99["nps_ci_lower"] < r90["nps_ci_lower"] < r90["nps_ci_upper"] < r99["nps_ci_upper"]


SKEWED = (0.05, 0.15, 0.80)  # detractors, passives, promoters: true NPS = 75


def exact_coverage(method, n=20, shares=SKEWED):
    """Exact coverage: sum of multinomial probabilities of outcomes whose interval covers."""
    truth = shares[2] - shares[0]
    covered = 0.0
    for det in range(n + 1):
        for pro in range(n + 1 - det):
            pas = n - det - pro
            lower, upper = nps_interval(det, pas, pro, method=method)
            if lower <= truth <= upper:
                covered += stats.multinomial.pmf([det, pas, pro], n, shares)
    return covered


def test_exact_coverage_n20_skewed_adjusted_wald_beats_wald():
    # Rocks (2016): Wald under-covers for small n and extreme shares; adjusted Wald and
    # the score interval stay near the nominal 95 %. Exact enumeration of all 231
    # outcomes of n = 20 gives Wald 0.860, adjusted Wald 0.956, score 0.962.
    wald = exact_coverage("wald")
    adjusted = exact_coverage("adjusted_wald")
    score = exact_coverage("score")
    assert wald < 0.90
    assert 0.94 <= adjusted <= 0.97
    assert 0.94 <= score <= 0.975


@pytest.mark.slow
def test_simulated_coverage_through_public_api():
    # Monte Carlo through nps(..., by="sample"): 10,000 samples of n = 20 from SKEWED.
    # Standard error of a coverage near 0.95 is √(0.95·0.05/10000) ≈ 0.0022.
    reps, n = 10000, 20
    rng = np.random.default_rng(2016)
    category = rng.choice(3, size=(reps, n), p=SKEWED)
    score = np.array([3, 8, 10])[category]
    frame = pd.DataFrame({"sample": np.repeat(np.arange(reps), n), "score": score.ravel()})
    truth = 100 * (SKEWED[2] - SKEWED[0])
    coverage = {}
    for method in ("wald", "adjusted_wald", "score", "bootstrap"):
        result = nps(frame, "score", by="sample", method=method, n_boot=500, random_state=1)
        assert len(result) == reps
        covered = (result["nps_ci_lower"] <= truth) & (truth <= result["nps_ci_upper"])
        coverage[method] = covered.mean()
    assert coverage["wald"] < 0.90, coverage
    assert 0.935 <= coverage["adjusted_wald"] <= 0.975, coverage
    assert 0.935 <= coverage["score"] <= 0.98, coverage
    assert coverage["adjusted_wald"] - coverage["wald"] > 0.05, coverage
