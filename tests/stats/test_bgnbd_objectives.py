"""The fast BG/NBD and Gamma-Gamma objectives (value and analytic gradient) used by the fits.

Pinned to the likelihoods written out here term by term from the papers with ``math.lgamma``
(Fader, Hardie & Lee 2005, "Counting your customers the easy way", eq. 6; and "RFM and
CLV", the Gamma-Gamma likelihood of a mean of x spends), and the gradients to central
finite differences of those hand-written likelihoods.
"""

import math

import numpy as np
import pytest

from loyalty_lib.stats.bgnbd_math import (
    bgnbd_objective,
    gamma_gamma_objective,
    hessian_from_gradient,
)


def _lbeta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _bgnbd_ll_by_hand(params, x, tx, T):
    """Eq. 6: L = B(a, b+x)/B(a, b) Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
    + [x > 0] B(a+1, b+x-1)/B(a, b) Γ(r+x) α^r / (Γ(r) (α+tx)^(r+x))."""
    r, alpha, a, b = params
    total = 0.0
    for xi, ti, Ti in zip(x, tx, T, strict=True):
        common = math.lgamma(r + xi) - math.lgamma(r) + r * math.log(alpha) - _lbeta(a, b)
        term = math.exp(_lbeta(a, b + xi) - (r + xi) * math.log(alpha + Ti))
        if xi > 0:
            term += math.exp(_lbeta(a + 1, b + xi - 1) - (r + xi) * math.log(alpha + ti))
        total += common + math.log(term)
    return total


def _gg_ll_by_hand(params, x, m):
    """The mean m of x gamma(p, ν) spends with ν ~ gamma(q, γ):
    Γ(px+q)/(Γ(px)Γ(q)) γ^q m^(px-1) x^(px) / (γ + m x)^(px+q)."""
    p, q, g = params
    return sum(
        math.lgamma(p * xi + q)
        - math.lgamma(p * xi)
        - math.lgamma(q)
        + q * math.log(g)
        + (p * xi - 1) * math.log(mi)
        + p * xi * math.log(xi)
        - (p * xi + q) * math.log(g + mi * xi)
        for xi, mi in zip(x, m, strict=True)
    )


@pytest.fixture(scope="module")
def histories():
    rng = np.random.default_rng(4)
    n = 300
    T = rng.integers(1, 60, n) / 7.0
    x = rng.integers(0, 9, n).astype(float)
    tx = np.where(x > 0, np.floor(rng.uniform(0, 1, n) * T * 7) / 7.0, 0.0)
    return x, tx, T


def _central(fun, theta, h=1e-6):
    return np.array([(fun(theta + e) - fun(theta - e)) / (2 * h) for e in np.eye(len(theta)) * h])


@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (1.0, 5.0, 0.5, 5.0)])
def test_bgnbd_objective_is_the_weighted_likelihood_and_its_gradient(histories, params):
    x, tx, T = histories
    theta = np.log(params)
    # duplicate the first 50 histories: weight 2 must equal listing them twice
    weight = np.r_[np.full(50, 2.0), np.ones(len(x) - 50)]
    value, grad = bgnbd_objective(x, tx, T, weight)(theta)
    listed = (np.r_[x, x[:50]], np.r_[tx, tx[:50]], np.r_[T, T[:50]])
    assert value == pytest.approx(-_bgnbd_ll_by_hand(params, *listed), rel=1e-12)
    numeric = _central(lambda th: -_bgnbd_ll_by_hand(np.exp(th), *listed), theta)
    assert grad == pytest.approx(numeric, rel=1e-6, abs=1e-6)


def test_gamma_gamma_objective_is_the_likelihood_and_its_gradient():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 7, 200).astype(float)
    m = rng.gamma(6.0, 5.0, 200)
    params = (6.25, 3.74, 15.44)  # the published CDNOW estimates, a realistic point
    theta = np.log(params)
    value, grad = gamma_gamma_objective(x, m)(theta)
    assert value == pytest.approx(-_gg_ll_by_hand(params, x, m), rel=1e-12)
    numeric = _central(lambda th: -_gg_ll_by_hand(np.exp(th), x, m), theta)
    assert grad == pytest.approx(numeric, rel=1e-6, abs=1e-6)


def test_hessian_from_gradient_of_a_quadratic_is_its_matrix():
    # f(θ) = ½ θᵀAθ has gradient Aθ and Hessian A (exactly, up to rounding)
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    got = hessian_from_gradient(lambda th: a @ th, np.array([0.3, -1.2, 2.0]))
    assert got == pytest.approx(a, rel=1e-9)
