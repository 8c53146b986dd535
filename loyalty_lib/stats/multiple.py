"""Adjusted p-values for a family of tests: Holm (1979) and Benjamini–Hochberg (1995).

A page that tests many changes (every month, every segment, every touchpoint) and calls
each one "real" at p < 0.05 finds about one in twenty by chance alone. The adjustments
here turn the raw p-values of the *whole family shown* into adjusted ones:

``"holm"``
    Holm's step-down: controls the family-wise error rate (the chance of flagging
    anything when nothing changed) under any dependence between the tests.
``"fdr_bh"``
    Benjamini–Hochberg: controls the false discovery rate (the expected share of flagged
    changes that are noise) for independent or positively dependent tests.

Missing p-values (tests not run) stay missing and do not count in the family size.
Values match ``statsmodels.stats.multitest.multipletests`` (pinned in the tests).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ADJUSTMENTS", "adjust_p_values", "check_adjust"]

#: Adjustment methods, with the wording a page uses for them.
ADJUSTMENTS = {
    "holm": "Holm's step-down adjustment (family-wise error rate)",
    "fdr_bh": "Benjamini–Hochberg false discovery rate",
}


def check_adjust(adjust: str) -> None:
    """Raise ``ValueError`` unless ``adjust`` is one of :data:`ADJUSTMENTS`."""
    if adjust not in ADJUSTMENTS:
        raise ValueError(f"adjust: {adjust!r} is not one of {list(ADJUSTMENTS)}")


def adjust_p_values(p_values: Sequence[float] | np.ndarray, adjust: str = "holm") -> np.ndarray:
    """Adjusted p-values of one family of tests (missing values stay missing).

    Works along the last axis, so a ``(runs, tests)`` array adjusts each run's family
    separately (used by the simulation tests).

    Parameters
    ----------
    p_values
        Raw two-sided p-values in [0, 1]; NaN for tests not run.
    adjust
        ``"holm"`` or ``"fdr_bh"``.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape, capped at 1.

    Examples
    --------
    >>> from loyalty_lib.stats.multiple import adjust_p_values
    >>> adjust_p_values([0.01, 0.04, 0.03, float("nan")], "holm").round(3).tolist()
    [0.03, 0.06, 0.06, nan]
    >>> adjust_p_values([0.01, 0.04, 0.03], "fdr_bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    check_adjust(adjust)
    p = np.array(p_values, dtype=float)
    if p.ndim == 0:
        raise ValueError("p_values: expected a sequence of p-values, got a single number")
    finite = p[np.isfinite(p)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        bad = finite[(finite < 0) | (finite > 1)]
        raise ValueError(f"p_values: {bad.size} values outside 0–1: {bad[:5].tolist()}")
    missing = np.isnan(p)
    m = (~missing).sum(axis=-1, keepdims=True)  # family size per row
    order = np.argsort(np.where(missing, np.inf, p), axis=-1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=-1)  # ascending, NaN last
    rank = np.arange(1, p.shape[-1] + 1)
    with np.errstate(invalid="ignore"):
        if adjust == "holm":
            scaled = (m - rank + 1) * ranked
            adjusted = np.fmax.accumulate(np.nan_to_num(scaled, nan=-np.inf), axis=-1)
        else:
            scaled = m / rank * ranked
            flipped = np.nan_to_num(scaled, nan=np.inf)[..., ::-1]
            adjusted = np.fmin.accumulate(flipped, axis=-1)[..., ::-1]
    adjusted = np.minimum(adjusted, 1.0)
    out = np.empty_like(p)
    np.put_along_axis(out, order, adjusted, axis=-1)
    out[missing] = np.nan
    return out
