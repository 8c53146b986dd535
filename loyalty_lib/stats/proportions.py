"""Proportions: the Wilson interval and two-group comparisons.

- One proportion: Wilson's score interval (vectorised).
- Two proportions: difference p₁ − p₂ with Newcombe's hybrid score interval (his method 10,
  built from the two Wilson intervals; Newcombe 1998, *Statistics in Medicine* 17:873) and
  the two-sided p-value of the pooled two-proportion z-test (the same as Pearson's χ² test
  without continuity correction on the 2 × 2 table).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["compare_proportions", "wilson_interval"]


def wilson_interval(
    successes: Any, n: Any, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions (vectorised; NaN where ``n == 0``).

    Examples
    --------
    >>> lower, upper = wilson_interval(5, 10)
    >>> round(float(lower), 4), round(float(upper), 4)
    (0.2366, 0.7634)
    """
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(n, dtype="float64")
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    # Exact ends at k = 0 and k = n (rounding would otherwise leave 1e-17 above 0).
    lower = np.where(k <= 0, 0.0, np.clip(centre - half, 0, 1))
    upper = np.where(k >= n, 1.0, np.clip(centre + half, 0, 1))
    return np.where(n > 0, lower, np.nan), np.where(n > 0, upper, np.nan)


def compare_proportions(
    x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95
) -> dict[str, float]:
    """p₁ − p₂ with Newcombe's interval and the pooled z-test p-value (NaN if a base is 0).

    Examples
    --------
    >>> out = compare_proportions(56, 70, 48, 80)
    >>> round(out["difference"], 4), round(out["p_value"], 4)
    (0.2, 0.008)
    """
    nan = {
        "difference": math.nan,
        "difference_ci_lower": math.nan,
        "difference_ci_upper": math.nan,
        "p_value": math.nan,
    }
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
    return {
        "difference": d,
        "difference_ci_lower": float(lower),
        "difference_ci_upper": float(upper),
        "p_value": p_value,
    }
