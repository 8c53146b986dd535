"""BG/NBD and Gamma-Gamma formulas on arrays (Fader, Hardie & Lee 2005); numpy/scipy only.

Equation numbers refer to "Counting your customers the easy way: an alternative to the
Pareto/NBD model" (Marketing Science 24(2), 2005) and its technical note, and to "RFM and
CLV: using iso-value curves for customer base analysis" (JMR 42(4), 2005) for the spend model.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

__all__ = [
    "bgnbd_conditional_expected",
    "bgnbd_expected_factor",
    "bgnbd_loglik",
    "bgnbd_objective",
    "gamma_gamma_objective",
    "hessian_from_gradient",
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


def _codes(values):
    """Distinct values and each element's index into them."""
    return np.unique(np.asarray(values, dtype=float), return_inverse=True)


def bgnbd_objective(x, tx, T, weight=None):
    """Negative log-likelihood of eq. 6 and its gradient, as one function of the
    log-parameters ``theta`` = log(r, alpha, a, b), for the (weighted) histories given.

    The same likelihood as :func:`bgnbd_loglik`, arranged for a fit on many customers:
    the gamma and beta functions are evaluated once per distinct ``x`` and the
    logarithms once per distinct ``T`` and ``tx`` (a log has a few hundred distinct days
    however many customers it has), so each evaluation costs a few array operations per
    history. The gradient is analytic (digamma), so the optimiser needs one evaluation
    per step instead of five. ``weight``: customers sharing each history (default 1).
    """
    ux, ix = _codes(x)
    uT, iT = _codes(T)
    utx, itx = _codes(tx)
    xr = ux[ix]
    w = np.ones(len(xr)) if weight is None else np.asarray(weight, dtype=float)
    rep_u = ux > 0
    rep = rep_u[ix]
    w_sum = w.sum()

    def objective(theta):
        r, alpha, a, b = np.exp(np.asarray(theta, dtype=float))
        bx1 = np.where(rep_u, b + ux - 1, 1.0)  # b + x - 1, only used where x > 0
        # per distinct x
        base_u = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        bl1_u = betaln(a, b + ux)
        bl2_u = np.where(rep_u, betaln(a + 1, bx1), 0.0)
        psi_rx = digamma(r + ux)
        psi_abx = digamma(a + b + ux)
        da1_u = digamma(a) - psi_abx
        da2_u = digamma(a + 1) - psi_abx
        db1_u = digamma(b + ux) - psi_abx
        db2_u = np.where(rep_u, digamma(bx1), 0.0) - psi_abx
        # per distinct T and tx
        log_T, inv_T = np.log(alpha + uT), 1.0 / (alpha + uT)
        log_tx, inv_tx = np.log(alpha + utx), 1.0 / (alpha + utx)
        rx = r + xr
        lT, ltx = log_T[iT], log_tx[itx]
        a1 = bl1_u[ix] - rx * lT
        a2 = np.where(rep, bl2_u[ix] - rx * ltx, -np.inf)
        top = np.maximum(a1, a2)
        e1 = np.exp(a1 - top)
        e2 = np.exp(a2 - top)
        norm = e1 + e2
        w1 = e1 / norm  # share of the "alive at T" branch
        w2 = 1.0 - w1
        ll = (w * (base_u[ix] + top + np.log(norm))).sum()
        ww1, ww2 = w * w1, w * w2
        g_r = (
            (w * psi_rx[ix]).sum()
            - w_sum * (digamma(r) - np.log(alpha))
            - (ww1 * lT).sum()
            - (ww2 * ltx).sum()
        )
        g_alpha = w_sum * r / alpha - (rx * (ww1 * inv_T[iT] + ww2 * inv_tx[itx])).sum()
        g_a = (
            -w_sum * (digamma(a) - digamma(a + b))
            + (ww1 * da1_u[ix]).sum()
            + (ww2 * da2_u[ix]).sum()
        )
        g_b = (
            -w_sum * (digamma(b) - digamma(a + b))
            + (ww1 * db1_u[ix]).sum()
            + (ww2 * db2_u[ix]).sum()
        )
        grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
        if not np.isfinite(ll) or not np.all(np.isfinite(grad)):
            return 1e300, np.zeros(4)
        return -float(ll), -grad

    return objective


def gamma_gamma_objective(x, m):
    """Negative log-likelihood of :func:`gamma_gamma_loglik` summed over customers, and
    its analytic gradient, as one function of ``theta`` = log(p, q, gamma); the gamma
    functions are evaluated once per distinct ``x``, log m and log x once per fit."""
    ux, ix = _codes(x)
    xr = ux[ix]
    m = np.asarray(m, dtype=float)
    n = len(m)
    counts = np.bincount(ix, minlength=len(ux)).astype(float)
    log_m, log_x = np.log(m), np.log(xr)
    xm = xr * m
    # parameter-free sums: sum of x (log m + log x), sum of log m
    x_logs = (xr * (log_m + log_x)).sum()
    sum_log_m = log_m.sum()

    def objective(theta):
        p, q, g = np.exp(np.asarray(theta, dtype=float))
        px = p * ux
        lg = np.log(g + xm)
        gam_u = gammaln(px + q) - gammaln(px)
        psi_u = digamma(px + q)
        ll = (
            (counts * gam_u).sum()
            - n * gammaln(q)
            + n * q * np.log(g)
            + p * x_logs
            - sum_log_m
            - ((p * xr + q) * lg).sum()
        )
        g_p = (counts * ux * (psi_u - digamma(px))).sum() + x_logs - (xr * lg).sum()
        g_q = (counts * psi_u).sum() - n * digamma(q) + n * np.log(g) - lg.sum()
        g_g = n * q / g - ((p * xr + q) / (g + xm)).sum()
        grad = np.array([g_p * p, g_q * q, g_g * g])
        if not np.isfinite(ll) or not np.all(np.isfinite(grad)):
            return 1e300, np.zeros(3)
        return -float(ll), -grad

    return objective


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
    part = bgnbd_expected_factor(params, t, x, T)
    return (a + b + x - 1) / (a - 1) * part * bgnbd_p_alive(params, x, tx, T)


def bgnbd_expected_factor(params, t, x, T):
    """The bracket of eq. 10, ``1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))``.

    The one factor of E[Y(t) | x, tx, T] that needs the hypergeometric function; it does
    not depend on tx, so customers with the same (x, T) share it. The parameters may be
    arrays that broadcast against ``x`` (several parameter draws at once).
    """
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    return 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp


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


def hessian_from_gradient(grad, theta, step=1e-5):
    """Hessian by central differences of an analytic gradient (2k gradient evaluations),
    symmetrised; ``step`` is relative to max(|theta|, 1)."""
    theta = np.asarray(theta, dtype=float)
    k = theta.size
    h = step * np.maximum(np.abs(theta), 1.0)
    cols = []
    for i in range(k):
        e = np.zeros(k)
        e[i] = h[i]
        cols.append((grad(theta + e) - grad(theta - e)) / (2 * h[i]))
    hess = np.column_stack(cols)
    return (hess + hess.T) / 2


def fit_log_scale(neg_loglik, start, *, jac=False):
    """Minimise ``neg_loglik`` over log-parameters: L-BFGS-B, then Nelder-Mead and BFGS
    from its end when it stops short. Returns (log-parameters, value, success, message).

    ``jac=True``: ``neg_loglik`` returns (value, gradient); L-BFGS-B and BFGS use the
    gradient, Nelder-Mead the value."""
    from scipy.optimize import minimize

    value_only = (lambda th: neg_loglik(th)[0]) if jac else neg_loglik
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        first = minimize(neg_loglik, start, method="L-BFGS-B", jac=jac)
        best = first
        if not first.success or not np.isfinite(first.fun):
            nm = minimize(
                value_only,
                first.x if np.all(np.isfinite(first.x)) else start,
                method="Nelder-Mead",
                options={"maxiter": 20000, "xatol": 1e-9, "fatol": 1e-9},
            )
            best = minimize(neg_loglik, nm.x, method="BFGS", jac=jac)
            if not (best.success and np.isfinite(best.fun)) and nm.success:
                best = nm
    return best.x, float(best.fun), bool(best.success and np.isfinite(best.fun)), str(best.message)
