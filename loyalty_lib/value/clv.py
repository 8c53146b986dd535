"""Model-based customer lifetime value: BG/NBD purchases × Gamma-Gamma spend × margin.

Definition (as lifetimes' ``customer_lifetime_value``)::

    CLV_i = margin_rate × E[spend_i] × Σ_{k=1..H} (E[Y_i(k months)] − E[Y_i(k−1 months)])
                                                 / (1 + d)^k

with H the horizon in months, d the monthly discount rate, E[Y_i(t)] the BG/NBD
expected purchases in the next t (eq. 10) and E[spend_i] the Gamma-Gamma expected spend
per transaction. A month is 4.345 weeks or 30 days (lifetimes' factors).

The interval of the base's mean CLV is a parametric bootstrap: parameter vectors drawn
from the normal approximation of each fit's log-parameters (inverse Hessian), the mean
CLV recomputed for each draw; customers with the same (frequency, recency, T) share their
purchase term, and the hypergeometric factor of eq. 10 (which does not depend on recency) is
computed once per distinct (frequency, T). On CDNOW (23,570 customers, 11,104 histories,
1,431 such pairs) the 2,000 draws take about 5 s instead of 33 s, with the same result.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from loyalty_lib._checks import usable_cores
from loyalty_lib.stats.bgnbd_math import (
    bgnbd_conditional_expected,
    bgnbd_expected_factor,
    bgnbd_p_alive,
)
from loyalty_lib.value.bgnbd import BGNBDFit
from loyalty_lib.value.gamma_gamma import GammaGammaFit

__all__ = ["MONTH_IN_UNIT", "customer_clv", "clv_summary"]

#: Length of a month in each summary unit (lifetimes' factors: 4.345 weeks, 30 days).
MONTH_IN_UNIT = {"day": 30.0, "week": 4.345, "month": 1.0, "year": 1 / 12}


def _present_value(params, steps, x, tx, T, discount):
    """Σ_k ΔE[Y(k)] / (1 + d)^k for arrays of histories (purchases, not money)."""
    total = np.zeros_like(x, dtype=float)
    previous = np.zeros_like(x, dtype=float)
    for k, t in enumerate(steps, start=1):
        current = bgnbd_conditional_expected(params, t, x, tx, T)
        total += (current - previous) / (1 + discount) ** k
        previous = current
    return total


def _xt_pairs(x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (x, T) of histories and each history's pair: eq. 10's hypergeometric
    factor (and the what-if's moments) depend on (x, T) only, not on tx."""
    pairs, of = np.unique(np.column_stack([x, T]), axis=0, return_inverse=True)
    return pairs[:, 0], pairs[:, 1], of.ravel()


def _check(horizon_months, monthly_discount, margin_rate):
    if (
        isinstance(horizon_months, bool)
        or int(horizon_months) != horizon_months
        or horizon_months < 1
    ):
        raise ValueError(f"horizon_months: expected a whole number ≥ 1, got {horizon_months!r}")
    if not 0 <= monthly_discount < 1:
        raise ValueError(f"monthly_discount: {monthly_discount!r} is outside [0, 1)")
    if not 0 < margin_rate <= 1:
        raise ValueError(f"margin_rate: {margin_rate!r} is outside (0, 1]")


def customer_clv(
    purchases: BGNBDFit,
    spend: GammaGammaFit,
    *,
    horizon_months: int = 12,
    monthly_discount: float = 0.01,
    margin_rate: float = 1.0,
) -> pd.DataFrame:
    """Per-customer P(alive), expected purchases, expected spend and CLV over a horizon.

    Parameters
    ----------
    purchases
        :func:`~loyalty_lib.value.bgnbd.fit_bgnbd` result; its summary needs
        ``monetary_value`` (``customer_summary(..., value=...)``).
    spend
        :func:`~loyalty_lib.value.gamma_gamma.fit_gamma_gamma` result.
    horizon_months, monthly_discount, margin_rate
        Months ahead (default 12), discount rate per month (0.01), share of spend that is
        margin (1 = revenue).

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer``, ``frequency``, ``recency``, ``T``, ``p_alive``,
        ``expected_purchases`` (over the horizon), ``expected_spend`` (per purchase),
        ``clv`` (discounted margin over the horizon, currency). ``attrs``: the horizon,
        discount and margin rate.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from loyalty_lib.value.bgnbd import fit_bgnbd
    >>> from loyalty_lib.value.gamma_gamma import fit_gamma_gamma
    >>> rng = np.random.default_rng(3)
    >>> n = 300
    >>> x = rng.poisson(rng.gamma(1.0, 1 / 20, n) * 52)
    >>> s = pd.DataFrame({"customer": np.arange(n), "frequency": x,
    ...                   "recency": np.where(x > 0, rng.uniform(20, 52, n), 0.0),
    ...                   "T": np.full(n, 52.0),
    ...                   "monetary_value": np.where(x > 0, rng.gamma(5, 4, n), 0.0)})
    >>> out = customer_clv(fit_bgnbd(s), fit_gamma_gamma(s), horizon_months=12)
    >>> list(out.columns)[-4:], bool((out["clv"] >= 0).all())
    (['p_alive', 'expected_purchases', 'expected_spend', 'clv'], True)
    """
    _check(horizon_months, monthly_discount, margin_rate)
    pred = purchases.predict(horizon_months * MONTH_IN_UNIT[purchases.unit])
    s = purchases.summary
    if "monetary_value" not in s.columns:
        raise ValueError(
            "purchases: its summary has no monetary_value; pass value= to customer_summary"
        )
    x, tx, T = (s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    steps = MONTH_IN_UNIT[purchases.unit] * np.arange(1, horizon_months + 1)
    pv = _present_value(purchases.values, steps, x, tx, T, monthly_discount)
    spend_i = spend.expected_spend(x, s["monetary_value"].to_numpy(dtype=float))
    pred["expected_spend"] = spend_i
    pred["clv"] = margin_rate * spend_i * pv
    pred.attrs.update(
        horizon_months=int(horizon_months),
        monthly_discount=monthly_discount,
        margin_rate=margin_rate,
    )
    return pred


def clv_summary(
    purchases: BGNBDFit,
    spend: GammaGammaFit,
    *,
    horizon_months: int = 12,
    monthly_discount: float = 0.01,
    margin_rate: float = 1.0,
    n_draws: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The base's mean and total CLV with a parametric-bootstrap interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``n`` (customers), ``clv_mean``, ``clv_mean_ci_lower``, ``clv_mean_ci_upper``,
        ``clv_total`` (n × mean) with ``clv_total_ci_lower``/``_upper``, ``p_alive_mean``,
        ``likely_lost`` (customers with P(alive) < 0.5), ``horizon_months``,
        ``monthly_discount``, ``margin_rate``, ``n_draws``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from loyalty_lib.value.bgnbd import fit_bgnbd
    >>> from loyalty_lib.value.gamma_gamma import fit_gamma_gamma
    >>> rng = np.random.default_rng(3)
    >>> n = 300
    >>> x = rng.poisson(rng.gamma(1.0, 1 / 20, n) * 52)
    >>> s = pd.DataFrame({"customer": np.arange(n), "frequency": x,
    ...                   "recency": np.where(x > 0, rng.uniform(20, 52, n), 0.0),
    ...                   "T": np.full(n, 52.0),
    ...                   "monetary_value": np.where(x > 0, rng.gamma(5, 4, n), 0.0)})
    >>> out = clv_summary(fit_bgnbd(s), fit_gamma_gamma(s), n_draws=200)
    >>> row = out.iloc[0]
    >>> bool(row.clv_mean_ci_lower < row.clv_mean < row.clv_mean_ci_upper), int(row.n)
    (True, 300)
    """
    if int(n_draws) < 100:
        raise ValueError(f"n_draws: {n_draws!r} draws are too few for an interval; use ≥ 2000")
    per = customer_clv(
        purchases,
        spend,
        horizon_months=horizon_months,
        monthly_discount=monthly_discount,
        margin_rate=margin_rate,
    )
    s = purchases.summary
    hist = pd.DataFrame(
        {
            "x": s["frequency"].to_numpy(float),
            "tx": s["recency"].to_numpy(float),
            "T": s["T"].to_numpy(float),
            "m": s["monetary_value"].to_numpy(float),
        }
    )
    groups = hist.groupby(["x", "tx", "T"], sort=False).agg(n=("m", "size"), m_sum=("m", "sum"))
    gx = groups.index.get_level_values("x").to_numpy(float)
    gtx = groups.index.get_level_values("tx").to_numpy(float)
    gT = groups.index.get_level_values("T").to_numpy(float)
    gn = groups["n"].to_numpy(float)
    gm = groups["m_sum"].to_numpy(float)
    # The hypergeometric factor of E[Y(t)] depends on (x, T), not on tx: computed once per
    # distinct (x, T) and shared (CDNOW: 1,431 pairs for 11,104 histories).
    px, pT, pair_of = _xt_pairs(gx, gT)
    steps = MONTH_IN_UNIT[purchases.unit] * np.arange(1, horizon_months + 1)
    rng = np.random.default_rng(seed)
    log_b = rng.multivariate_normal(np.log(purchases.values), purchases.cov_log, int(n_draws))
    log_g = rng.multivariate_normal(np.log(spend.values), spend.cov_log, int(n_draws))
    n = len(s)
    # draws in blocks (rows) against the histories (columns): one array operation per block;
    # the blocks run on the cores this process may use (numpy and scipy's ufuncs release the
    # GIL), each writing its own slice of the means, so the result does not depend on them
    block = max(1, min(int(n_draws), 2_000_000 // max(len(px) + len(gx), 1)))
    discounts = [(1 + monthly_discount) ** k for k in range(1, len(steps) + 1)]

    def block_means(start: int) -> np.ndarray:
        pb = np.exp(log_b[start : start + block])[:, :, None]  # (draws, 4, 1)
        pg = np.exp(log_g[start : start + block])[:, :, None]
        params = pb.transpose(1, 0, 2)  # r, alpha, a, b: each (draws, 1)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # per thread
            # Σ_k (E[Y(t_k)] − E[Y(t_k−1)]) / (1 + d)^k, with the factors that do not
            # depend on t (eq. 10's (a+b+x−1)/(a−1) and P(alive)) taken out of the sum
            factor_sum = np.zeros((pb.shape[0], len(px)))
            previous = 0.0
            for t, discount in zip(steps, discounts, strict=True):
                current = bgnbd_expected_factor(params, t, px, pT)
                factor_sum += (current - previous) / discount
                previous = current
            r, alpha, a, b = params
            pv = (
                (a + b + gx - 1)
                / (a - 1)
                * factor_sum[:, pair_of]
                * bgnbd_p_alive((r, alpha, a, b), gx, gtx, gT)
            )
            p, q, g = pg.transpose(1, 0, 2)
            spend_sum = p * (gn * g + gx * gm) / (p * gx + q - 1)  # Σ E[spend] in a group
            return margin_rate * np.sum(pv * spend_sum, axis=1) / n

    starts = range(0, int(n_draws), block)
    means = np.empty(int(n_draws))
    workers = min(len(starts), usable_cores())
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            for start, values in zip(starts, pool.map(block_means, starts), strict=True):
                means[start : start + block] = values
    else:
        for start in starts:
            means[start : start + block] = block_means(start)
    finite = means[np.isfinite(means)]
    lo, hi = np.quantile(finite, [(1 - confidence) / 2, (1 + confidence) / 2])
    mean = float(per["clv"].mean())
    return pd.DataFrame(
        [
            {
                "n": n,
                "clv_mean": mean,
                "clv_mean_ci_lower": float(lo),
                "clv_mean_ci_upper": float(hi),
                "clv_total": mean * n,
                "clv_total_ci_lower": float(lo) * n,
                "clv_total_ci_upper": float(hi) * n,
                "p_alive_mean": float(per["p_alive"].mean()),
                "likely_lost": int((per["p_alive"] < 0.5).sum()),
                "horizon_months": int(horizon_months),
                "monthly_discount": monthly_discount,
                "margin_rate": margin_rate,
                "n_draws": int(finite.size),
            }
        ]
    )
