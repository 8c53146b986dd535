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

The difference of two groups a − b (two waves, two segments) is the coefficient of a group
dummy in the OLS of the score on a constant and the dummy; its cluster-robust variance is

    Var(d̂_a − d̂_b) = c₂ · Σ_g [(S_ga − n_ga d̂_a)/n_a − (S_gb − n_gb d̂_b)/n_b]²,

summed over the customers of either group (one who answered in both is *one* cluster, so the
covariance of their two answers is counted), with statsmodels' default factor for K = 2
regressors, c₂ = G/(G − 1) · (N − 1)/(N − 2). Other packages differ only in that factor:
Stata's ``vce(cluster)`` uses the same CR1 factor; R's ``sandwich::vcovCL`` defaults to
G/(G − 1) alone (``cadjust=TRUE``, ``type="HC0"``), and the plain sandwich (CR0) has none. For a
level the (N − 1)/(N − K) term is 1, so all CR1 variants agree; for a difference they differ
by (N − 1)/(N − 2), under 0.1 % from N = 1,000 answers. We use statsmodels' (= Stata's).

The *design effect* is the ratio of that variance to the independent one, v/n with
v = p₊ + p₋ − d̂²: the factor by which the repeated answers shrink the information
(an effective base n / design effect).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["cluster_difference_variance", "cluster_variance", "design_effect"]


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


def cluster_difference_variance(
    sums_a: np.ndarray,
    counts_a: np.ndarray,
    sums_b: np.ndarray,
    counts_b: np.ndarray,
    *,
    small_sample: bool = True,
) -> tuple[float, float]:
    """Difference d_a − d_b (−2…2) and its cluster-robust variance (module docstring).

    The four arrays are aligned on the customers of either group: a customer absent from a
    group has sum and count 0 there. ``small_sample`` applies G/(G − 1)·(N − 1)/(N − 2),
    statsmodels' default for ``OLS(score, [1, dummy]).fit(cov_type="cluster")``.
    NaN variance with fewer than two customers or fewer than three answers.

    >>> import numpy as np
    >>> d, var = cluster_difference_variance(
    ...     np.array([1, 1, 0, 0]), np.array([1, 1, 1, 0]),
    ...     np.array([1, 0, -1, -1]), np.array([1, 1, 1, 1]))
    >>> round(d, 4), round(var, 4)
    (0.9167, 0.1269)
    """
    sa, na_g = np.asarray(sums_a, dtype=float), np.asarray(counts_a, dtype=float)
    sb, nb_g = np.asarray(sums_b, dtype=float), np.asarray(counts_b, dtype=float)
    n_a, n_b = na_g.sum(), nb_g.sum()
    if n_a <= 0 or n_b <= 0:
        return math.nan, math.nan
    d_a, d_b = sa.sum() / n_a, sb.sum() / n_b
    groups = int(((na_g + nb_g) > 0).sum())
    total = n_a + n_b
    if groups < 2 or total < 3:
        return float(d_a - d_b), math.nan
    score = (sa - na_g * d_a) / n_a - (sb - nb_g * d_b) / n_b
    var = float((score**2).sum())
    if small_sample:
        var *= groups / (groups - 1) * (total - 1) / (total - 2)
    return float(d_a - d_b), float(var)
