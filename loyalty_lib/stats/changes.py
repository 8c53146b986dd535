"""The change-detection procedure of a trend page, vectorised over many surveys at once.

The procedure is fixed before looking at the data (no picking the largest drop and then
testing it on the same answers):

1. Every period is compared with its baseline: the previous period (default) or one
   declared period. Test: the adjusted-Wald z-test of the difference of two independent
   NPS values (Rocks 2016 pseudo-counts ¾, 1½, ¾; as :func:`loyalty_lib.compare_nps`).
2. The p-values of the whole family the page shows (every series and period) are adjusted
   together (:func:`~loyalty_lib.stats.multiple.adjust_p_values`, Holm by default); a
   change is *significant* when its adjusted p-value is below 1 − confidence.
3. A significant change is *lasting* when each of the next ``persist`` periods still
   differs from the same baseline in the same direction with p < 1 − confidence
   (unadjusted: a confirmation of a change already found, which can only remove flags).
   With fewer than ``persist`` later periods it is not yet known (missing).

:func:`trend_flags` runs steps 1–3 on a count array and is what the simulation tests use
to measure the false-flag rate and the power; the tests check that it gives the same
flags as :func:`loyalty_lib.nps_trend`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from loyalty_lib.stats.multiple import adjust_p_values
from loyalty_lib.stats.nps_intervals import PSEUDO_COUNTS

__all__ = ["difference_test", "trend_flags"]


def difference_test(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald difference a − b (−2…2) and its two-sided p-value, element-wise.

    ``a`` and ``b`` hold counts (detractors, passives, promoters) on the last axis.
    Where either base is empty the result is NaN.

    >>> import numpy as np
    >>> diff, p = difference_test(np.array([20, 30, 50]), np.array([30, 30, 40]))
    >>> round(float(diff), 4), round(float(p), 3)
    (0.1942, 0.083)
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    empty = (a.sum(axis=-1) <= 0) | (b.sum(axis=-1) <= 0)
    pseudo = np.asarray(PSEUDO_COUNTS)
    a, b = a + pseudo, b + pseudo
    na, nb = a.sum(axis=-1), b.sum(axis=-1)
    da = (a[..., 2] - a[..., 0]) / na
    db = (b[..., 2] - b[..., 0]) / nb
    va = (a[..., 2] + a[..., 0]) / na - da**2
    vb = (b[..., 2] + b[..., 0]) / nb - db**2
    diff = da - db
    se = np.sqrt(va / na + vb / nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * stats.norm.sf(np.abs(diff / se))
    p = np.where(se > 0, p, np.where(diff == 0, 1.0, 0.0))
    return np.where(empty, np.nan, diff), np.where(empty, np.nan, p)


def trend_flags(
    counts: np.ndarray,
    *,
    adjust: str = "holm",
    confidence: float = 0.95,
    persist: int = 2,
) -> dict[str, np.ndarray]:
    """Steps 1–3 of the module docstring on counts of shape (..., series, periods, 3).

    Each period is compared with the previous one; the family is every (series, period)
    of one survey (the leading axes are independent surveys, e.g. simulation runs).

    Returns
    -------
    dict of arrays of shape (..., series, periods)
        ``difference`` (−2…2), ``p_value``, ``p_value_adjusted``, ``significant`` (bool),
        ``confirmed`` (float: 1, 0 or NaN when fewer than ``persist`` periods follow) and
        ``lasting`` (bool: significant and confirmed).
    """
    counts = np.asarray(counts, dtype=float)
    alpha = 1 - confidence
    *lead, series, periods, _ = counts.shape
    diff = np.full((*lead, series, periods), np.nan)
    p = np.full_like(diff, np.nan)
    diff[..., 1:], p[..., 1:] = difference_test(counts[..., 1:, :], counts[..., :-1, :])
    flat = p.reshape(*lead, series * periods)
    p_adj = adjust_p_values(flat, adjust).reshape(p.shape)
    significant = np.nan_to_num(p_adj, nan=1.0) < alpha
    confirmed = np.full_like(diff, np.nan)
    for t in range(1, periods - persist):
        ok = np.ones((*lead, series), dtype=bool)
        known = np.ones_like(ok)
        for j in range(1, persist + 1):
            d_j, p_j = difference_test(counts[..., t + j, :], counts[..., t - 1, :])
            known &= np.isfinite(p_j)
            ok &= (np.sign(d_j) == np.sign(diff[..., t])) & (np.nan_to_num(p_j, nan=1.0) < alpha)
        confirmed[..., t] = np.where(known, ok.astype(float), np.nan)
    lasting = significant & (np.nan_to_num(confirmed, nan=0.0) == 1)
    return {
        "difference": diff,
        "p_value": p,
        "p_value_adjusted": p_adj,
        "significant": significant,
        "confirmed": confirmed,
        "lasting": lasting,
    }
