"""BG/NBD and Gamma-Gamma formulas on arrays (Fader, Hardie & Lee 2005); numpy/scipy only.

Equation numbers refer to "Counting your customers the easy way: an alternative to the
Pareto/NBD model" (Marketing Science 24(2), 2005) and its technical note, and to "RFM and
CLV: using iso-value curves for customer base analysis" (JMR 42(4), 2005) for the spend model.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

__all__ = [
    "bgnbd_conditional_expected",
    "bgnbd_loglik",
    "bgnbd_p_alive",
    "bgnbd_unconditional_expected",
    "gamma_gamma_expected_spend",
    "fit_log_scale",
    "gamma_gamma_loglik",
    "numerical_hessian",
]


def bgnbd_loglik(params, x, tx, T):
    """Per-customer log-likelihood (eq. 6), written with gammaln/betaln and log-sum-exp.

    ``params`` = (r, alpha, a, b); ``x`` repeat purchases, ``tx`` recency, ``T`` age.
    """
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    tx = np.asarray(tx, dtype=float)
    T = np.asarray(T, dtype=float)
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    a1 = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a2 = np.where(
            x > 0,
            betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx),
            -np.inf,
        )
    return base + np.logaddexp(a1, a2)


def bgnbd_p_alive(params, x, tx, T):
    """P(alive | x, tx, T) (eq. 11 of the technical note): 1 for customers with x = 0."""
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    with np.errstate(divide="ignore", over="ignore"):
        odds = np.where(
            x > 0, np.exp(np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + log_ratio), 0.0
        )
    return 1.0 / (1.0 + odds)


def bgnbd_conditional_expected(params, t, x, tx, T):
    """E[Y(t) | x, tx, T]: expected purchases in the next ``t`` units (eq. 10)."""
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    part = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    return (a + b + x - 1) / (a - 1) * part * bgnbd_p_alive(params, x, tx, T)


def bgnbd_unconditional_expected(params, t):
    """E[X(t)] for a new customer (eq. 9)."""
    r, alpha, a, b = params
    t = np.asarray(t, dtype=float)
    hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1.0 - (alpha / (alpha + t)) ** r * hyp)


def gamma_gamma_loglik(params, x, m):
    """Log-likelihood of mean spend ``m`` over ``x`` > 0 transactions (Fader, Hardie & Lee
    2005b, eq. 3 with the distribution of the mean of x gamma(p, nu) spends)."""
    p, q, gamma = params
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(gamma + m * x)
    )


def gamma_gamma_expected_spend(params, x, m):
    """E[M | x, m]: the customer's expected spend per transaction (eq. 5); the population
    mean p γ / (q − 1) for customers with x = 0."""
    p, q, gamma = params
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    return p * (gamma + m * x) / (p * x + q - 1)


def numerical_hessian(fun, theta, step=1e-4):
    """Central-difference Hessian of a scalar function at ``theta`` (relative step)."""
    theta = np.asarray(theta, dtype=float)
    k = theta.size
    h = step * np.maximum(np.abs(theta), 1.0)
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei = np.zeros(k)
            ej = np.zeros(k)
            ei[i] = h[i]
            ej[j] = h[j]
            value = (
                fun(theta + ei + ej)
                - fun(theta + ei - ej)
                - fun(theta - ei + ej)
                + fun(theta - ei - ej)
            ) / (4 * h[i] * h[j])
            hess[i, j] = hess[j, i] = value
    return hess


def fit_log_scale(neg_loglik, start):
    """Minimise ``neg_loglik`` over log-parameters: L-BFGS-B, then Nelder-Mead and BFGS
    from its end when it stops short. Returns (log-parameters, value, success, message)."""
    from scipy.optimize import minimize

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        first = minimize(neg_loglik, start, method="L-BFGS-B")
        best = first
        if not first.success or not np.isfinite(first.fun):
            nm = minimize(
                neg_loglik,
                first.x if np.all(np.isfinite(first.x)) else start,
                method="Nelder-Mead",
                options={"maxiter": 20000, "xatol": 1e-9, "fatol": 1e-9},
            )
            best = minimize(neg_loglik, nm.x, method="BFGS")
            if not (best.success and np.isfinite(best.fun)) and nm.success:
                best = nm
    return best.x, float(best.fun), bool(best.success and np.isfinite(best.fun)), str(best.message)
