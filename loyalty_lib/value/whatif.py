""" "What if retention were 5 points higher?" in the terms of the BG/NBD model.

In BG/NBD a customer who is alive drops out after each purchase with probability p. The
what-if scales every customer's dropout probability by one factor c (0 < c ≤ 1) from now
on, chooses c so that the model's **one-year survival** (the expected share of today's
customers still alive, i.e. not dropped out, one year from now) rises by ``uplift``, and
recomputes the CLV of :func:`~loyalty_lib.value.clv.customer_clv` with it. Customers the
model counts as already gone stay gone: the what-if changes future dropouts only.

Formulas: given the history (x, tx, T) and alive, λ ~ gamma(r + x, α + T) and
p ~ beta(a, b + x), independent (Fader, Hardie & Lee 2005, section 4). With
A = (α + T) / (α + T + c p t):

- P(still alive at T + t) = P(alive) × E_p[A^(r+x)];
- E[purchases in (T, T + t]] = P(alive) × E_p[(1 − A^(r+x)) / (c p)] (eq. 7 of the paper,
  1/p (1 − e^(−λpt)), averaged over λ).

The expectation over p is a Gauss-Jacobi quadrature (exact for the beta weight, 48 nodes);
at c = 1 it reproduces the paper's closed form (eq. 10, a hypergeometric function).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special

from loyalty_lib.stats.bgnbd_math import bgnbd_p_alive
from loyalty_lib.value.bgnbd import BGNBDFit
from loyalty_lib.value.clv import MONTH_IN_UNIT, _check, _xt_pairs
from loyalty_lib.value.gamma_gamma import GammaGammaFit

__all__ = ["clv_retention_whatif", "model_survival"]

_NODES = 48


def _histories(fit: BGNBDFit) -> pd.DataFrame:
    s = fit.summary
    hist = pd.DataFrame(
        {
            "x": s["frequency"].to_numpy(float),
            "tx": s["recency"].to_numpy(float),
            "T": s["T"].to_numpy(float),
            "m": s["monetary_value"].to_numpy(float) if "monetary_value" in s else 0.0,
        }
    )
    return (
        hist.groupby(["x", "tx", "T"], sort=True)
        .agg(n=("m", "size"), m_sum=("m", "sum"))
        .reset_index()
    )


def _beta_nodes(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of E[f(p)] for p ~ beta(a, b) (Gauss-Jacobi on [0, 1])."""
    u, w = special.roots_jacobi(_NODES, b - 1.0, a - 1.0)  # weight (1 - u)^(b-1) (1 + u)^(a-1)
    return (1.0 + u) / 2.0, w / w.sum()


def _moments(params, x, T, times, c):
    """E_p[A^(r+x)] and E_p[(1 - A^(r+x)) / (c p)] per history (rows) and time (columns)."""
    r, alpha, a, b = params
    surv = np.empty((x.size, len(times)))
    buys = np.empty((x.size, len(times)))
    for value in np.unique(x):
        rows = x == value
        p, w = _beta_nodes(a, b + value)
        base = (alpha + T[rows])[:, None]
        for j, t in enumerate(times):
            power = (base / (base + c * p[None, :] * t)) ** (r + value)
            surv[rows, j] = power @ w
            buys[rows, j] = ((1.0 - power) / (c * p[None, :])) @ w
    return surv, buys


def model_survival(fit: BGNBDFit, years: float = 1.0, dropout_scale: float = 1.0) -> float:
    """Expected share of the fitted customers still alive ``years`` from the end of the
    summary, with every dropout probability scaled by ``dropout_scale``."""
    h = _histories(fit)
    x, tx, T, n = (h[c].to_numpy(float) for c in ("x", "tx", "T", "n"))
    alive = bgnbd_p_alive(fit.values, x, tx, T)
    px, pT, of = _xt_pairs(x, T)
    surv, _ = _moments(fit.values, px, pT, [12 * years * MONTH_IN_UNIT[fit.unit]], dropout_scale)
    return float(np.sum(n * alive * surv[of, 0]) / n.sum())


def clv_retention_whatif(
    purchases: BGNBDFit,
    spend: GammaGammaFit,
    *,
    uplift: float = 0.05,
    horizon_months: int = 12,
    monthly_discount: float = 0.01,
    margin_rate: float = 1.0,
) -> pd.DataFrame:
    """Mean CLV now and with one-year survival ``uplift`` points higher (dropout scaled).

    Returns
    -------
    pandas.DataFrame
        One row: ``n`` (customers), ``p_alive_mean`` (alive today, the most survival can
        reach), ``survival_1y`` and ``survival_1y_whatif`` (expected share of today's
        customers alive in a year), ``dropout_scale`` (c; NaN when the target exceeds
        ``p_alive_mean``), ``clv_mean`` and ``clv_mean_whatif`` (currency per customer),
        ``clv_gain``, ``clv_gain_pct`` (% of ``clv_mean``), ``uplift``, ``horizon_months``,
        ``monthly_discount``, ``margin_rate``.

    Examples
    --------
    >>> from loyalty_lib.inputs.datasets import load_cdnow_sample
    >>> from loyalty_lib.value.summary import customer_summary
    >>> from loyalty_lib.value.bgnbd import fit_bgnbd
    >>> from loyalty_lib.value.gamma_gamma import fit_gamma_gamma
    >>> s = customer_summary(load_cdnow_sample(), customer="customer_id", date="order_date",
    ...                      value="amount", end="1997-09-30")
    >>> row = clv_retention_whatif(fit_bgnbd(s), fit_gamma_gamma(s)).iloc[0]
    >>> bool(round(row.survival_1y_whatif - row.survival_1y, 6) == 0.05), bool(row.clv_gain > 0)
    (True, True)
    """
    _check(horizon_months, monthly_discount, margin_rate)
    if not 0 < uplift < 1:
        raise ValueError(f"uplift: {uplift!r} is outside (0, 1); e.g. 0.05 for 5 points")
    if "monetary_value" not in purchases.summary.columns:
        raise ValueError(
            "purchases: its summary has no monetary_value; pass value= to customer_summary"
        )
    h = _histories(purchases)
    x, tx, T, n, m_sum = (h[c].to_numpy(float) for c in ("x", "tx", "T", "n", "m_sum"))
    alive = bgnbd_p_alive(purchases.values, x, tx, T)
    p, q, g = spend.values
    spend_sum = p * (n * g + x * m_sum) / (p * x + q - 1)  # Σ E[spend] of a history's customers
    month = MONTH_IN_UNIT[purchases.unit]
    times = [month * k for k in range(1, horizon_months + 1)]
    year = 12 * month
    total = n.sum()
    px, pT, of = _xt_pairs(x, T)  # CDNOW: 1,431 (x, T) pairs for 11,104 histories

    def survival(c: float) -> float:
        surv, _ = _moments(purchases.values, px, pT, [year], c)
        return float(np.sum(n * alive * surv[of, 0]) / total)

    def clv_mean(c: float) -> float:
        _, buys = _moments(purchases.values, px, pT, times, c)
        cum = alive[:, None] * buys[of]
        steps = np.diff(np.column_stack([np.zeros(x.size), cum]), axis=1)
        disc = (1 + monthly_discount) ** -np.arange(1, horizon_months + 1)
        return float(margin_rate * np.sum(spend_sum * (steps @ disc)) / total)

    base = survival(1.0)
    target = base + uplift
    ceiling = float(np.sum(n * alive) / total)
    if target < ceiling - 1e-9:
        scale = optimize.brentq(lambda c: survival(c) - target, 1e-9, 1.0, xtol=1e-12)
        reached, value = survival(scale), clv_mean(scale)
    else:
        scale, reached, value = float("nan"), float("nan"), float("nan")
    now = clv_mean(1.0)
    return pd.DataFrame(
        [
            {
                "n": int(total),
                "p_alive_mean": ceiling,
                "survival_1y": base,
                "survival_1y_whatif": reached,
                "dropout_scale": scale,
                "clv_mean": now,
                "clv_mean_whatif": value,
                "clv_gain": value - now,
                "clv_gain_pct": 100 * (value - now) / now if now else float("nan"),
                "uplift": float(uplift),
                "horizon_months": int(horizon_months),
                "monthly_discount": monthly_discount,
                "margin_rate": margin_rate,
            }
        ]
    )
