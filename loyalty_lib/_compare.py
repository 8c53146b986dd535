"""Two-group comparisons shared by the say-vs-do, lapse and complaint analyses.

- Proportions: difference p₁ − p₂ with Newcombe's hybrid score interval (his method 10,
  built from the two Wilson intervals; Newcombe 1998, *Statistics in Medicine* 17:873) and
  the two-sided p-value of the pooled two-proportion z-test (the same as Pearson's χ² test
  without continuity correction on the 2 × 2 table).
- Means: difference m₁ − m₂ with Welch's t interval and p-value (unequal variances).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from loyalty_lib.cohorts import wilson_interval

__all__ = ["compare_means", "compare_proportions", "mean_interval"]


def compare_proportions(x1: int, n1: int, x2: int, n2: int,
                        confidence: float = 0.95) -> dict[str, float]:
    """p₁ − p₂ with Newcombe's interval and the pooled z-test p-value (NaN if a base is 0).

    Examples
    --------
    >>> out = compare_proportions(56, 70, 48, 80)
    >>> round(out["difference"], 4), round(out["p_value"], 4)
    (0.2, 0.008)
    """
    nan = {"difference": math.nan, "difference_ci_lower": math.nan,
           "difference_ci_upper": math.nan, "p_value": math.nan}
    if n1 <= 0 or n2 <= 0:
        return nan
    p1, p2 = x1 / n1, x2 / n2
    (l1,), (u1,) = (np.atleast_1d(v) for v in wilson_interval(x1, n1, confidence))
    (l2,), (u2,) = (np.atleast_1d(v) for v in wilson_interval(x2, n2, confidence))
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p_value = 1.0 if se == 0 else float(2 * stats.norm.sf(abs(d) / se))
    return {"difference": d, "difference_ci_lower": float(lower),
            "difference_ci_upper": float(upper), "p_value": p_value}


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean with a t interval (NaN bounds with fewer than 2 values)."""
    x = np.asarray(values, dtype="float64")
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1)
                 / math.sqrt(x.size))
    return mean, mean - half, mean + half


def compare_means(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """mean(a) − mean(b) with Welch's interval and p-value (NaN with fewer than 2 each).

    Examples
    --------
    >>> out = compare_means([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 2.0, 2.0])
    >>> round(out["difference"], 2), round(out["p_value"], 4)
    (1.0, 0.2277)
    """
    x, y = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    nan = {"difference": math.nan, "difference_ci_lower": math.nan,
           "difference_ci_upper": math.nan, "p_value": math.nan}
    if x.size < 2 or y.size < 2:
        return nan
    d = float(x.mean() - y.mean())
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    if se == 0:
        return {**nan, "difference": d, "difference_ci_lower": d, "difference_ci_upper": d,
                "p_value": 1.0 if d == 0 else 0.0}
    df = (vx + vy) ** 2 / (vx ** 2 / (x.size - 1) + vy ** 2 / (y.size - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df) * se)
    p_value = float(2 * stats.t.sf(abs(d) / se, df))
    return {"difference": d, "difference_ci_lower": d - half, "difference_ci_upper": d + half,
            "p_value": p_value}
