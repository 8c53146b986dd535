"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves").

Assumptions: a customer's spends per transaction are gamma(p, ν) around their own mean;
ν varies across customers as gamma(q, γ); and spend is independent of purchase frequency
(checked by :func:`fit_gamma_gamma`: Pearson correlation of frequency and mean spend among
repeat customers). Only customers with frequency > 0 enter the fit; repeat customers whose
repeat purchases are worth 0 are left out of it (counted in an ``ExcludedRowsWarning``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from loyalty_lib._checks import examples
from loyalty_lib.errors import (
    DataQualityError,
    ExcludedRowsWarning,
    LoyaltyError,
    LoyaltyWarning,
)
from loyalty_lib.inputs.ids import mask_id
from loyalty_lib.stats.bgnbd_math import (
    fit_log_scale,
    gamma_gamma_expected_spend,
    gamma_gamma_objective,
    hessian_from_gradient,
)

__all__ = ["INDEPENDENCE_MAX_R", "GammaGammaFit", "fit_gamma_gamma"]

_NAMES = ("p", "q", "gamma")
#: Fewest repeat customers the spend model accepts.
MIN_REPEATERS = 30
#: Size of a frequency-spend correlation that fails the independence check (when p < 0.05).
INDEPENDENCE_MAX_R = 0.3


@dataclass(frozen=True)
class GammaGammaFit:
    """A fitted Gamma-Gamma model.

    Attributes
    ----------
    params : dict
        ``p``, ``q``, ``gamma``. ``se``: their standard errors (delta method);
        ``cov_log``: covariance of the log-parameters.
    loglik : float
        Maximised log-likelihood; ``n``: repeat customers fitted; ``n_excluded``: repeat
        customers left out because their repeat purchases were worth 0.
    independence : pandas.DataFrame
        One row: ``correlation`` (Pearson, frequency vs mean spend), ``correlation_ci_lower``,
        ``correlation_ci_upper``, ``p_value``, ``n``, ``passed``: False when the
        correlation is significant (p < 0.05) and at least :data:`INDEPENDENCE_MAX_R` in
        size. Fader, Hardie & Lee (2005) accept r = 0.11 on CDNOW as weak: a small but
        significant correlation passes, and the page shows it.
    """

    params: dict
    se: dict
    cov_log: np.ndarray
    loglik: float
    n: int
    independence: pd.DataFrame = field(repr=False)
    n_excluded: int = 0

    @property
    def values(self) -> np.ndarray:
        """The parameters as an array (p, q, gamma)."""
        return np.array([self.params[k] for k in _NAMES])

    @property
    def population_mean(self) -> float:
        """Mean spend per transaction in the population, p γ / (q − 1) (needs q > 1)."""
        p, q, g = self.values
        return p * g / (q - 1) if q > 1 else float("nan")

    def expected_spend(self, frequency, monetary_value) -> np.ndarray:
        """Expected spend per transaction given the history (population mean for x = 0)."""
        return gamma_gamma_expected_spend(self.values, frequency, monetary_value)


def _independence(x: np.ndarray, m: np.ndarray, confidence: float = 0.95) -> pd.DataFrame:
    res = stats.pearsonr(x, m)
    ci = res.confidence_interval(confidence)
    corr = float(res.statistic)
    passed = bool(res.pvalue >= 0.05 or abs(corr) < INDEPENDENCE_MAX_R)
    return pd.DataFrame(
        [
            {
                "correlation": corr,
                "correlation_ci_lower": float(ci.low),
                "correlation_ci_upper": float(ci.high),
                "p_value": float(res.pvalue),
                "n": len(x),
                "passed": passed,
            }
        ]
    )


def fit_gamma_gamma(summary: pd.DataFrame) -> GammaGammaFit:
    """Fit the Gamma-Gamma spend model to repeat customers' mean spend.

    Parameters
    ----------
    summary
        From :func:`~loyalty_lib.value.summary.customer_summary` with ``value``: columns
        ``frequency`` and ``monetary_value``; rows with frequency 0 are left out, and so
        are repeat customers whose repeat purchases are worth 0 (counted in an
        ``ExcludedRowsWarning``).

    Returns
    -------
    GammaGammaFit
        ``.params`` (p, q, gamma), ``.se``, ``.loglik``, ``.n``, ``.independence``.

    Warns
    -----
    ExcludedRowsWarning
        Repeat customers with a mean repeat spend of 0 (the gamma spend needs > 0): the
        message counts them and shows masked ids.
    LoyaltyWarning
        When frequency and mean spend are correlated (p < 0.05 and |r| ≥ 0.3): the model's
        independence assumption fails and expected spend is biased.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(1, 6, 300)
    >>> nu = rng.gamma(4.0, 1 / 20.0, 300)
    >>> m = np.array([rng.gamma(6.0, 1 / v, k).mean() for v, k in zip(nu, x)])
    >>> fit = fit_gamma_gamma(pd.DataFrame({"frequency": x, "monetary_value": m}))
    >>> fit.n, sorted(fit.params)
    (300, ['gamma', 'p', 'q'])
    """
    for c in ("frequency", "monetary_value"):
        if c not in summary.columns:
            raise DataQualityError(
                f"summary: no column {c!r} (have {list(summary.columns)}); build it with "
                "customer_summary(..., value=...)"
            )
    rep = summary[summary["frequency"] > 0]
    m_all = pd.to_numeric(rep["monetary_value"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(m_all) | (m_all < 0)
    if bad.any():
        raise DataQualityError(
            f"monetary_value: {int(bad.sum())} repeat customers with a mean spend that is "
            f"missing or negative (e.g. {examples(rep.loc[bad, 'monetary_value'].tolist())}); "
            "the gamma spend model needs spends > 0: net or drop returns first."
        )
    zero = m_all == 0
    if zero.any():
        customer = summary.attrs.get("customer", summary.columns[0])
        shown = (
            ", ".join(mask_id(v) for v in rep.loc[zero, customer].head(3))
            if customer in rep.columns
            else "ids not given"
        )
        warnings.warn(
            f"monetary_value: {int(zero.sum()):,} of {len(rep):,} repeat customers spent 0 on "
            f"their repeat purchases (customers {shown}) and are left out of the Gamma-Gamma "
            "spend fit (a gamma spend must be > 0); their expected spend is the model's "
            "shrinkage of 0 towards the population mean.",
            ExcludedRowsWarning,
            stacklevel=2,
        )
        rep = rep[~zero]
    n_excluded = int(zero.sum())
    x = rep["frequency"].to_numpy(dtype=float)
    m = rep["monetary_value"].to_numpy(dtype=float)
    if len(rep) < MIN_REPEATERS:
        raise DataQualityError(
            f"frequency: {len(rep)} repeat customers; the Gamma-Gamma fit needs at least "
            f"{MIN_REPEATERS}."
        )

    objective = gamma_gamma_objective(x, m)
    start = np.log([1.0, 1.0, max(float(np.mean(m)), 1e-3)])
    theta, value, ok, message = fit_log_scale(objective, start, jac=True)
    if not ok:
        raise LoyaltyError(f"Gamma-Gamma fit did not converge on {len(rep)} customers: {message}")
    hess = hessian_from_gradient(lambda th: objective(th)[1], theta)
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        raise LoyaltyError("Gamma-Gamma fit: singular Hessian at the optimum") from None
    est = np.exp(theta)
    independence = _independence(x, m)
    row = independence.iloc[0]
    if not row["passed"]:
        warnings.warn(
            f"Gamma-Gamma: frequency and mean spend are correlated (r = "
            f"{row['correlation']:.2f}, 95% CI {row['correlation_ci_lower']:.2f} to "
            f"{row['correlation_ci_upper']:.2f}, p = {row['p_value']:.3g}, n = {len(rep)}); "
            "the model assumes independence, so expected spend is biased.",
            LoyaltyWarning,
            stacklevel=2,
        )
    return GammaGammaFit(
        params=dict(zip(_NAMES, est.tolist(), strict=True)),
        se=dict(zip(_NAMES, (est * np.sqrt(np.abs(np.diag(cov)))).tolist(), strict=True)),
        cov_log=cov,
        loglik=-value,
        n=len(rep),
        independence=independence,
        n_excluded=n_excluded,
    )
