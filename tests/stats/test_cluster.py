"""Cluster-robust NPS variance, pinned to statsmodels OLS with cov_type="cluster"."""

import math

import numpy as np
import pytest
import statsmodels.api as sm

from loyalty_lib.stats.cluster import cluster_variance, design_effect


def statsmodels_se(scores, customers):
    # statsmodels: OLS(score, constant).fit(cov_type="cluster", groups=customer); its default
    # small-sample factor is G/(G-1)·(N-1)/(N-K), = G/(G-1) with the constant alone (K = 1)
    fit = sm.OLS(scores, np.ones(len(scores))).fit(
        cov_type="cluster", cov_kwds={"groups": customers}
    )
    return float(fit.params[0]), float(fit.bse[0])


def per_customer(scores, customers):
    ids, inverse = np.unique(customers, return_inverse=True)
    return np.bincount(inverse, weights=scores), np.bincount(inverse).astype(float)


@pytest.mark.parametrize("seed", range(5))
def test_se_matches_statsmodels_cluster(seed):
    rng = np.random.default_rng(seed)
    customers = rng.integers(0, 60, size=200)
    loyalty = rng.normal(size=60)[customers]
    scores = np.where(loyalty > 0.5, 1.0, np.where(loyalty < -0.3, -1.0, 0.0))
    scores[rng.random(200) < 0.2] = 0.0
    estimate, var = cluster_variance(*per_customer(scores, customers))
    sm_estimate, sm_se = statsmodels_se(scores, customers)
    assert estimate == pytest.approx(sm_estimate)
    assert math.sqrt(var) == pytest.approx(sm_se, rel=1e-10)


def test_one_answer_per_customer_gives_the_iid_variance_times_g_over_g_minus_1():
    scores = np.array([1.0, 1, 0, -1, 1, 0, -1, 1])
    sums, counts = per_customer(scores, np.arange(8))
    _, var = cluster_variance(sums, counts, small_sample=False)
    v = (scores != 0).mean() - scores.mean() ** 2
    assert var == pytest.approx(v / 8)
    assert design_effect(sums, counts, float((scores != 0).sum())) == pytest.approx(8 / 7)


def test_degenerate_cases():
    assert math.isnan(cluster_variance(np.array([1.0]), np.array([2.0]))[1])
    assert math.isnan(cluster_variance(np.array([]), np.array([]))[0])
    # all promoters: no variance, no design effect
    assert math.isnan(design_effect(np.array([2.0, 1.0]), np.array([2.0, 1.0]), 3.0))
