"""Power of a two-group comparison and the sample size a given difference needs.

Proportions use Cohen's effect size for proportions, ``h = 2·asin(√p₁) − 2·asin(√p₀)``
(the arcsine transformation stabilises the variance: Cohen 1988, *Statistical Power
Analysis*, ch. 6), and the two-sided normal test on it, so the figures equal
``statsmodels.stats.power.NormalIndPower`` with ``proportion_effectsize`` (pinned in the
tests). Means use the normal approximation with the two standard errors (Welch's).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

__all__ = ["cohen_h", "mean_difference_power", "proportion_power", "proportion_sample_size"]


def cohen_h(p1: float, p0: float) -> float:
    """Cohen's h for proportions p₁ against p₀ (positive when p₁ > p₀).

    Examples
    --------
    >>> round(cohen_h(0.65, 0.5), 4)
    0.3047
    """
    return float(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p0)))


def _two_sided(shift: float, alpha: float) -> float:
    z = stats.norm.ppf(1 - alpha / 2)
    return float(stats.norm.cdf(shift - z) + stats.norm.cdf(-shift - z))


def proportion_power(h: float, n1: float, n2: float, alpha: float = 0.05) -> float:
    """Power of the two-sided test of two proportions with effect size ``h`` and bases
    ``n1``, ``n2`` (NaN when a base is 0)."""
    if n1 <= 0 or n2 <= 0 or not math.isfinite(h):
        return math.nan
    return _two_sided(abs(h) * math.sqrt(n1 * n2 / (n1 + n2)), alpha)


def proportion_sample_size(
    h: float, ratio: float, power: float = 0.8, alpha: float = 0.05
) -> float:
    """The (unrounded) base ``n1`` of the first group, the second being ``ratio · n1``,
    at which the two-sided test of effect size ``h`` reaches ``power``."""
    if h == 0:
        return math.inf

    def gap(n1: float) -> float:
        return proportion_power(h, n1, ratio * n1, alpha) - power

    high = 10.0
    while gap(high) < 0:
        high *= 10
    return float(optimize.brentq(gap, 1e-6, high, xtol=1e-10))


def mean_difference_power(difference: float, se: float, alpha: float = 0.05) -> float:
    """Power of the two-sided normal test of a difference with standard error ``se``."""
    if not (se > 0) or not math.isfinite(difference):
        return math.nan
    return _two_sided(abs(difference) / se, alpha)
