"""Cluster-robust variance of an NPS when customers answer more than one wave.

Each answer scores +1 (promoter), 0 (passive) or −1 (detractor); the NPS is their mean.
When some customers answer several times, their answers are alike and the usual variance
v/n (independent answers) is too small. The cluster-robust ("sandwich") variance of a mean
treats the customer as the independent unit:

    Var(d̂) = c · Σ_g (S_g − n_g d̂)² / n²,

with S_g the sum of customer g's scores, n_g their number of answers and n = Σ n_g. The
small-sample factor ``c`` is statsmodels' default for ``cov_type="cluster"`` on an OLS of
the score on a constant: c = G/(G − 1) · (n − 1)/(n − 1) = G/(G − 1) for G customers (the
(n − 1)/(n − k) factor is 1 with one regressor, k = 1). The tests pin the standard error to
``statsmodels.OLS(score, 1).fit(cov_type="cluster", cov_kwds={"groups": customer})``.

The *design effect* is the ratio of that variance to the independent one, v/n with
v = p₊ + p₋ − d̂²: the factor by which the repeated answers shrink the information
(an effective base n / design effect).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["cluster_variance", "design_effect"]


def cluster_variance(
    sums: np.ndarray, counts: np.ndarray, *, small_sample: bool = True
) -> tuple[float, float]:
    """NPS (−1…1) and its cluster-robust variance from per-customer sums and counts.

    Parameters
    ----------
    sums
        Per customer: the sum of their scores (+1/0/−1 per answer).
    counts
        Per customer: their number of valid answers (≥ 1).
    small_sample
        Multiply by G/(G − 1) as statsmodels does (default); ``False`` gives the plain
        sandwich.

    Returns
    -------
    (estimate, variance)
        NaN variance with fewer than two customers.

    Examples
    --------
    Two customers answered twice, one once:

    >>> import numpy as np
    >>> d, var = cluster_variance(np.array([2, 0, -1]), np.array([2, 2, 1]))
    >>> round(d, 4), round(math.sqrt(var), 4)
    (0.2, 0.4996)
    """
    sums = np.asarray(sums, dtype=float)
    counts = np.asarray(counts, dtype=float)
    n = counts.sum()
    groups = sums.size
    if n <= 0:
        return math.nan, math.nan
    estimate = float(sums.sum() / n)
    if groups < 2:
        return estimate, math.nan
    resid = sums - counts * estimate
    var = float((resid**2).sum() / n**2)
    if small_sample:
        var *= groups / (groups - 1)
    return estimate, var


def design_effect(sums: np.ndarray, counts: np.ndarray, signs_squared: float) -> float:
    """Cluster-robust variance over the independent one, v/n.

    ``signs_squared`` is the number of promoters plus detractors (Σ score², as each score
    is ±1 or 0), so v = (promoters + detractors)/n − d̂². Returns NaN when v = 0 (all
    answers in one category) or with fewer than two customers.

    >>> import numpy as np
    >>> round(design_effect(np.array([2, 0, -1]), np.array([2, 2, 1]), 5), 4)
    1.3
    """
    estimate, var = cluster_variance(sums, counts)
    n = float(np.asarray(counts, dtype=float).sum())
    if n <= 0 or math.isnan(var):
        return math.nan
    v = signs_squared / n - estimate**2
    if v <= 0:
        return math.nan
    return var / (v / n)
