"""Means: a t interval for one mean, Welch's comparison of two.

- One mean: Student's t interval.
- Two means: difference m₁ − m₂ with Welch's t interval and p-value (unequal variances).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["compare_means", "mean_interval"]


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean with a t interval (NaN bounds with fewer than 2 values)."""
    x = np.asarray(values, dtype="float64")
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
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
    nan = {
        "difference": math.nan,
        "difference_ci_lower": math.nan,
        "difference_ci_upper": math.nan,
        "p_value": math.nan,
    }
    if x.size < 2 or y.size < 2:
        return nan
    d = float(x.mean() - y.mean())
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    if se == 0:
        return {
            **nan,
            "difference": d,
            "difference_ci_lower": d,
            "difference_ci_upper": d,
            "p_value": 1.0 if d == 0 else 0.0,
        }
    df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df) * se)
    p_value = float(2 * stats.t.sf(abs(d) / se, df))
    return {
        "difference": d,
        "difference_ci_lower": d - half,
        "difference_ci_upper": d + half,
        "p_value": p_value,
    }
