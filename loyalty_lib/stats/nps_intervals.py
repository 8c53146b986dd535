"""Interval estimates for the Net Promoter Score on category counts.

These functions work on the small aggregate (counts of detractors, passives and
promoters per group) that :func:`loyalty_lib.nps` collects; they never see raw rows.
Everything here is on the −1…1 scale (a share difference); :func:`loyalty_lib.nps`
multiplies by 100.

Methods follow Rocks, B. (2016), "Interval Estimation for the Net Promoter Score",
*The American Statistician* 70(4):

``"wald"``
    The raw estimate ± z·√(v/n), with the per-respondent variance
    v = p₊ + p₋ − (p₊ − p₋)² (see :func:`nps_variance`).
``"adjusted_wald"``
    The same formula after adding pseudo-counts ¾ detractor, 1½ passive and ¾ promoter
    (n + 3 responses). The interval is centred on the *adjusted* estimate; the reported
    NPS stays the raw score. Default of the R package ``NPS``.
``"score"``
    The iterative score interval: every NPS value d whose score statistic
    (d̂ − d)² / (ṽ(d)/n) is at most z², where ṽ(d) uses the maximum-likelihood shares
    constrained to p₊ − p₋ = d. NPS is the difference of two cells of one trinomial,
    the same structure as the difference of paired proportions, so the constrained
    maximum has Tango's (1998) closed form; the two limits are found with Brent's method.
``"bootstrap"``
    Percentile interval of the NPS recomputed on resampled respondents (multinomial
    resampling of the counts, which is the same as resampling rows).

Weighted data enter through *effective* counts: the weighted shares times Kish's
effective base n_eff = (Σw)² / Σw².
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import optimize, stats

__all__ = [
    "METHODS",
    "MIN_BOOT",
    "PSEUDO_COUNTS",
    "adjusted_counts",
    "bootstrap_draws",
    "nps_interval",
    "nps_variance",
    "score_interval",
    "z_value",
]

METHODS = ("wald", "adjusted_wald", "score", "bootstrap")

#: Fewest bootstrap resamples accepted without a warning: with 100 the percentile limits of
#: the demo NPS move 0.6–0.9 points between seeds; with 2,000 they move under 0.3.
MIN_BOOT = 2000

#: Pseudo-counts (detractors, passives, promoters) of the adjusted Wald interval
#: (Rocks 2016; default of the R package ``NPS``).
PSEUDO_COUNTS = (0.75, 1.5, 0.75)


def check_method(method: str) -> None:
    """Raise ``ValueError`` unless ``method`` is one of :data:`METHODS`."""
    if method not in METHODS:
        raise ValueError(f"method: {method!r} is not one of {list(METHODS)}")


def z_value(confidence: float) -> float:
    """Two-sided standard-normal quantile for ``confidence`` (0.95 → 1.96).

    >>> round(z_value(0.95), 4)
    1.96
    """
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ValueError(
            f"confidence: expected a number strictly between 0 and 1, got {confidence!r}"
        )
    return float(stats.norm.ppf(0.5 + confidence / 2))


def nps_variance(detractors: float, passives: float, promoters: float) -> float:
    """Per-respondent variance of the NPS on the −1…1 scale: p₊ + p₋ − (p₊ − p₋)².

    Each respondent scores −1 (detractor), 0 (passive) or +1 (promoter); the NPS is
    the mean of these scores and this is their (population) variance. Counts may be
    effective (non-integer) counts. Returns NaN when all counts are zero.

    Examples
    --------
    Counts 1 detractor, 2 passives, 3 promoters give 5/9 (R package ``NPS`` tests):

    >>> round(nps_variance(1, 2, 3), 6)
    0.555556
    """
    total = detractors + passives + promoters
    if total <= 0:
        return math.nan
    p_pro = promoters / total
    p_det = detractors / total
    return p_pro + p_det - (p_pro - p_det) ** 2


def adjusted_counts(
    detractors: float, passives: float, promoters: float
) -> tuple[float, float, float]:
    """Counts plus the adjusted-Wald pseudo-counts ¾, 1½, ¾ (n grows by 3).

    >>> adjusted_counts(20, 30, 50)
    (20.75, 31.5, 50.75)
    """
    a, b, c = PSEUDO_COUNTS
    return detractors + a, passives + b, promoters + c


def centre_and_se(
    detractors: float, passives: float, promoters: float, method: str
) -> tuple[float, float]:
    """Centre and standard error (−1…1 scale) of the Wald or adjusted-Wald estimate.

    >>> centre, se = centre_and_se(20, 30, 50, "wald")
    >>> round(centre, 4), round(se, 6)
    (0.3, 0.078102)
    """
    if method == "adjusted_wald":
        detractors, passives, promoters = adjusted_counts(detractors, passives, promoters)
    elif method != "wald":
        raise ValueError(f"method: centre_and_se needs 'wald' or 'adjusted_wald', got {method!r}")
    total = detractors + passives + promoters
    if total <= 0:
        return math.nan, math.nan
    centre = (promoters - detractors) / total
    var = nps_variance(detractors, passives, promoters)
    return centre, math.sqrt(max(var, 0.0) / total)


def _constrained_detractor_share(
    detractors: float, passives: float, promoters: float, d: float
) -> float:
    """Maximum-likelihood detractor share q given p₊ − p₋ = d (Tango 1998 closed form).

    Maximises n₋ log q + n₀ log(1 − 2q − d) + n₊ log(q + d); the stationary point solves
    2N q² + B q + C = 0 with B = −n₊ − n₋ + (2N − n₊ + n₋) d and C = −n₋ d (1 − d).
    """
    total = detractors + passives + promoters
    a = 2.0 * total
    b = -promoters - detractors + (2.0 * total - promoters + detractors) * d
    c = -detractors * d * (1.0 - d)
    disc = max(b * b - 4.0 * a * c, 0.0)
    q = (-b + math.sqrt(disc)) / (2.0 * a)
    # keep inside the feasible range max(0, −d) ≤ q ≤ (1 − d) / 2 (rounding only)
    return min(max(q, max(0.0, -d)), (1.0 - d) / 2.0)


def score_statistic(detractors: float, passives: float, promoters: float, d: float) -> float:
    """Score statistic (d̂ − d)² / (ṽ(d)/n) for the hypothesis NPS = d (−1…1 scale)."""
    total = detractors + passives + promoters
    d_hat = (promoters - detractors) / total
    q = _constrained_detractor_share(detractors, passives, promoters, d)
    var = 2.0 * q + d * (1.0 - d)  # p₊ + p₋ − d² with p₊ = q + d, p₋ = q
    if var <= 0.0:
        return 0.0 if d == d_hat else math.inf
    return (d_hat - d) ** 2 * total / var


def score_interval(
    detractors: float, passives: float, promoters: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Iterative score interval (Rocks 2016) for the NPS on the −1…1 scale.

    Solves score_statistic(d) = z² on each side of the estimate with Brent's method.

    Examples
    --------
    >>> lower, upper = score_interval(20, 30, 50)
    >>> round(lower, 4), round(upper, 4)
    (0.1396, 0.4434)
    """
    total = detractors + passives + promoters
    if total <= 0:
        return math.nan, math.nan
    z2 = z_value(confidence) ** 2
    d_hat = (promoters - detractors) / total

    def excess(d: float) -> float:
        return score_statistic(detractors, passives, promoters, d) - z2

    eps = 1e-12
    lower = -1.0 if excess(-1.0 + eps) <= 0 else None
    upper = 1.0 if excess(1.0 - eps) <= 0 else None
    if lower is None:
        lower = (
            -1.0 if d_hat <= -1.0 + eps else optimize.brentq(excess, -1.0 + eps, d_hat, xtol=1e-12)
        )
    if upper is None:
        upper = 1.0 if d_hat >= 1.0 - eps else optimize.brentq(excess, d_hat, 1.0 - eps, xtol=1e-12)
    return float(lower), float(upper)


def bootstrap_draws(
    signs: Sequence[float] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    counts: Sequence[float] | np.ndarray,
    *,
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """NPS (−1…1) of ``n_boot`` resamples of the respondents, from a cell table.

    Each cell holds ``counts`` respondents with the same sign (−1, 0, +1) and weight;
    resampling n respondents with replacement is a multinomial draw over the cells.
    Resamples whose weights sum to zero give NaN.
    """
    counts = np.asarray(counts, dtype=float)
    signs = np.asarray(signs, dtype=float)
    weights = np.asarray(weights, dtype=float)
    total = int(round(counts.sum()))
    if total <= 0:
        return np.full(n_boot, np.nan)
    draws = rng.multinomial(total, counts / counts.sum(), size=n_boot)
    weight_sum = draws @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return (draws @ (signs * weights)) / weight_sum


def nps_interval(
    detractors: float,
    passives: float,
    promoters: float,
    *,
    method: str = "adjusted_wald",
    confidence: float = 0.95,
    draws: np.ndarray | None = None,
) -> tuple[float, float]:
    """Confidence interval for the NPS on the −1…1 scale, clipped to [−1, 1].

    Counts may be effective counts (weighted shares × Kish's n_eff). For
    ``method="bootstrap"`` pass the resampled NPS values in ``draws``
    (see :func:`bootstrap_draws`). All-zero counts give (NaN, NaN).

    Examples
    --------
    >>> [round(v, 4) for v in nps_interval(20, 30, 50, method="wald")]
    [0.1469, 0.4531]
    >>> [round(v, 4) for v in nps_interval(20, 30, 50, method="adjusted_wald")]
    [0.1405, 0.442]
    """
    check_method(method)
    total = detractors + passives + promoters
    if total <= 0:
        return math.nan, math.nan
    if method in ("wald", "adjusted_wald"):
        z = z_value(confidence)
        centre, se = centre_and_se(detractors, passives, promoters, method)
        lower, upper = centre - z * se, centre + z * se
    elif method == "score":
        lower, upper = score_interval(detractors, passives, promoters, confidence)
    else:
        if draws is None:
            raise ValueError("method='bootstrap' needs the resampled values in draws")
        z_value(confidence)  # validates confidence
        finite = draws[np.isfinite(draws)]
        if finite.size == 0:
            return math.nan, math.nan
        alpha = 1.0 - confidence
        lower, upper = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return float(min(max(lower, -1.0), 1.0)), float(min(max(upper, -1.0), 1.0))
