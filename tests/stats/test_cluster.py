"""Cluster-robust NPS variance, pinned to statsmodels OLS with cov_type="cluster"."""

import math

import numpy as np
import pytest
import statsmodels.api as sm

from loyalty_lib.stats.cluster import cluster_difference_variance, cluster_variance, design_effect


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


def two_group_data(seed):
    """200 answers of 60 customers in two groups; many customers answer in both."""
    rng = np.random.default_rng(seed)
    customers = rng.integers(0, 60, size=200)
    loyalty = rng.normal(size=60)[customers]
    scores = np.where(loyalty > 0.5, 1.0, np.where(loyalty < -0.3, -1.0, 0.0))
    scores[rng.random(200) < 0.2] = 0.0
    in_b = rng.random(200) < 0.45
    return scores, customers, in_b


def aligned(scores, customers, in_b):
    ids = np.unique(customers)
    out = []
    for mask in (~in_b, in_b):
        sums = np.array([scores[mask & (customers == c)].sum() for c in ids])
        counts = np.array([(mask & (customers == c)).sum() for c in ids], dtype=float)
        out += [sums, counts]
    return out


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("correction", [True, False])
def test_difference_matches_statsmodels_dummy_regression(seed, correction):
    scores, customers, in_b = two_group_data(seed)
    # statsmodels: OLS(score, [1, in_a]).fit(cov_type="cluster", groups=customer); the
    # coefficient of the dummy is d_a − d_b. use_correction=True (default) is the factor
    # G/(G-1)·(N-1)/(N-K) with K = 2; use_correction=False is the plain sandwich (CR0)
    X = sm.add_constant((~in_b).astype(float))
    fit = sm.OLS(scores, X).fit(
        cov_type="cluster", cov_kwds={"groups": customers, "use_correction": correction}
    )
    d, var = cluster_difference_variance(*aligned(scores, customers, in_b), small_sample=correction)
    assert d == pytest.approx(float(fit.params[1]), abs=1e-12)
    assert math.sqrt(var) == pytest.approx(float(fit.bse[1]), rel=1e-10)


def test_difference_factor_differs_from_the_level_factor_by_n_minus_1_over_n_minus_2():
    # R's sandwich::vcovCL(type="HC0", cadjust=TRUE) uses G/(G-1) alone; statsmodels and
    # Stata add (N-1)/(N-K): the ratio of the two is exactly (N-1)/(N-2) for a difference
    scores, customers, in_b = two_group_data(7)
    parts = aligned(scores, customers, in_b)
    _, cr0 = cluster_difference_variance(*parts, small_sample=False)
    _, ours = cluster_difference_variance(*parts)
    g, n = len(np.unique(customers)), len(scores)
    assert ours / cr0 == pytest.approx(g / (g - 1) * (n - 1) / (n - 2))


def test_difference_degenerate_cases():
    one = np.array([1.0])
    assert math.isnan(cluster_difference_variance(one, one, one, np.array([0.0]))[0])
    # one customer answering in both groups: a single cluster, no variance
    d, var = cluster_difference_variance(one, one, np.array([-1.0]), one)
    assert d == 2.0 and math.isnan(var)
