"""The BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

Assumptions (stated wherever its numbers are shown)
---------------------------------------------------
- While alive, a customer buys as a Poisson process with rate λ (purchase days per unit).
- After each purchase the customer drops out for good with probability p (geometric
  dropout); a customer who has not bought again may still be alive.
- λ varies across customers as gamma(r, α), p as beta(a, b); λ and p are independent.

The fit is maximum likelihood on the per-customer summary (:func:`customer_summary`), the
parameters estimated on the log scale (so they stay positive); standard errors come from a
numerical Hessian of the log-likelihood, moved to the natural scale by the delta method
(se(θ) = θ × se(log θ)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loyalty_lib.errors import DataQualityError, LoyaltyError
from loyalty_lib.stats.bgnbd_math import (
    bgnbd_conditional_expected,
    bgnbd_objective,
    bgnbd_p_alive,
    fit_log_scale,
    hessian_from_gradient,
)

__all__ = ["MIN_CUSTOMERS", "BGNBDFit", "fit_bgnbd"]

#: Fewest customers :func:`fit_bgnbd` accepts (four parameters need a base).
MIN_CUSTOMERS = 50
_NAMES = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class BGNBDFit:
    """A fitted BG/NBD model: parameters, their uncertainty and the data it was fitted to.

    Attributes
    ----------
    params : dict
        ``r``, ``alpha`` (gamma heterogeneity of the purchase rate, α in the summary's
        unit), ``a``, ``b`` (beta heterogeneity of the dropout probability).
    se : dict
        Standard errors of the same four, on the natural scale (delta method).
    cov_log : numpy.ndarray
        Covariance of the log-parameters (inverse Hessian of the negative log-likelihood).
    loglik : float
        Maximised log-likelihood; ``n``: customers; ``n_repeaters``: customers with
        frequency > 0.
    summary : pandas.DataFrame
        The summary it was fitted to (customer, frequency, recency, T, ...).
    unit : str
        Time unit of recency, T and α.
    """

    params: dict
    se: dict
    cov_log: np.ndarray
    loglik: float
    n: int
    n_repeaters: int
    summary: pd.DataFrame = field(repr=False)
    unit: str = "week"

    @property
    def values(self) -> np.ndarray:
        """The parameters as an array (r, alpha, a, b)."""
        return np.array([self.params[k] for k in _NAMES])

    def table(self, confidence: float = 0.95) -> pd.DataFrame:
        """One row per parameter: ``parameter``, ``estimate``, ``se`` and a Wald interval
        on the log scale (``ci_lower``, ``ci_upper``), with the base ``n``."""
        from scipy.stats import norm

        z = norm.ppf(0.5 + confidence / 2)
        sd = np.sqrt(np.diag(self.cov_log))
        est = self.values
        return pd.DataFrame(
            {
                "parameter": list(_NAMES),
                "estimate": est,
                "se": [self.se[k] for k in _NAMES],
                "ci_lower": est * np.exp(-z * sd),
                "ci_upper": est * np.exp(z * sd),
                "n": self.n,
            }
        )

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive) for given histories (arrays in the fit's unit)."""
        return bgnbd_p_alive(self.values, frequency, recency, T)

    def expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected purchase days in the next ``t`` units (eq. 10 of the paper)."""
        return bgnbd_conditional_expected(self.values, t, frequency, recency, T)

    def predict(self, t: float) -> pd.DataFrame:
        """Per customer of the fitted summary: ``customer``, ``frequency``, ``recency``,
        ``T``, ``p_alive`` and ``expected_purchases`` in the next ``t`` units."""
        s = self.summary
        customer = s.attrs.get("customer", s.columns[0])
        x, tx, T = (s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
        return pd.DataFrame(
            {
                "customer": s[customer].array,
                "frequency": s["frequency"].to_numpy(),
                "recency": tx,
                "T": T,
                "p_alive": self.p_alive(x, tx, T),
                "expected_purchases": self.expected_purchases(t, x, tx, T),
            }
        )


def _check_summary(summary: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise DataQualityError(
            f"summary: missing columns {missing} (have {list(summary.columns)}); build it "
            "with loyalty_lib.customer_summary(...)"
        )
    for c in columns:
        v = pd.to_numeric(summary[c], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(v) | (v < 0)
        if bad.any():
            raise DataQualityError(
                f"{c}: {int(bad.sum())} values missing, infinite or negative "
                f"(e.g. {summary.loc[bad, c].head(5).tolist()})"
            )
    if {"recency", "T"} <= set(columns):
        bad = summary["recency"].to_numpy(float) > summary["T"].to_numpy(float) + 1e-9
        if bad.any():
            raise DataQualityError(
                f"recency: {int(bad.sum())} customers with recency > T; the summary's end "
                "must not precede their last purchase"
            )


def fit_bgnbd(summary: pd.DataFrame) -> BGNBDFit:
    """Fit the BG/NBD model by maximum likelihood to a per-customer summary.

    Parameters
    ----------
    summary
        From :func:`~loyalty_lib.value.summary.customer_summary`: ``frequency`` (repeat
        purchase days), ``recency`` and ``T`` in one unit; at least 50 customers and some
        with frequency > 0.

    Returns
    -------
    BGNBDFit
        ``.params`` (r, alpha, a, b), ``.se``, ``.loglik``, ``.n``, ``.table()``,
        ``.predict(t)``.

    Raises
    ------
    DataQualityError
        Fewer than 50 customers, no repeat purchaser, or bad summary columns.
    LoyaltyError
        The optimiser did not converge (the message says what it reported).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> n = 400
    >>> T = np.full(n, 52.0)
    >>> x = rng.poisson(rng.gamma(0.5, 1 / 4, n) * 52)  # toy: no dropout, recency drawn
    >>> s = pd.DataFrame({"customer": np.arange(n), "frequency": x,
    ...                   "recency": np.where(x > 0, rng.uniform(0, 52, n), 0.0), "T": T})
    >>> fit = fit_bgnbd(s)
    >>> sorted(fit.params), fit.n
    (['a', 'alpha', 'b', 'r'], 400)
    """
    _check_summary(summary, ("frequency", "recency", "T"))
    n = len(summary)
    x, tx, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    repeaters = int((x > 0).sum())
    if n < MIN_CUSTOMERS:
        raise DataQualityError(
            f"summary: {n} customers; the BG/NBD fit needs at least {MIN_CUSTOMERS}. Use a "
            "longer log or a larger customer base."
        )
    if repeaters == 0:
        raise DataQualityError(
            f"frequency: none of the {n} customers bought again before the end of the "
            "calibration period, so the repeat rate cannot be estimated; move `end` later."
        )

    # Customers with the same history share their likelihood term: fit on the distinct
    # (x, tx, T) with counts as weights (same likelihood, fewer evaluations). The key of a
    # history combines the codes of its three values (a sort of one integer column, not of
    # rows), and the objective evaluates its special functions per distinct value.
    key = np.zeros(n, dtype=np.int64)
    for column in (x, tx, T):
        values, code = np.unique(column, return_inverse=True)
        key = key * len(values) + code
    _, first, weight = np.unique(key, return_index=True, return_counts=True)
    objective = bgnbd_objective(x[first], tx[first], T[first], weight)

    theta, value, ok, message = fit_log_scale(objective, np.zeros(4), jac=True)
    hess = hessian_from_gradient(lambda th: objective(th)[1], theta) if ok else None
    if not ok or hess is None or not np.all(np.isfinite(hess)):
        raise LoyaltyError(
            f"BG/NBD fit did not converge on {n} customers ({repeaters} repeaters): "
            f"{message}. Check that recency and T share one unit and the calibration "
            "period is long enough for repeat purchases."
        )
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        raise LoyaltyError(
            "BG/NBD fit: the Hessian is singular at the optimum (a parameter is not "
            "identified by these data); use a longer calibration period."
        ) from None
    if np.any(np.diag(cov) <= 0):
        raise LoyaltyError(
            "BG/NBD fit: the optimum is not a maximum (negative variance); use a longer "
            "calibration period or more customers."
        )
    est = np.exp(theta)
    se = est * np.sqrt(np.diag(cov))
    return BGNBDFit(
        params=dict(zip(_NAMES, est.tolist(), strict=True)),
        se=dict(zip(_NAMES, se.tolist(), strict=True)),
        cov_log=cov,
        loglik=-value,
        n=n,
        n_repeaters=repeaters,
        summary=summary,
        unit=summary.attrs.get("unit", "week"),
    )
