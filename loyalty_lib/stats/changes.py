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

__all__ = ["difference_design", "difference_test", "trend_flags"]


def difference_test(
    a: np.ndarray, b: np.ndarray, design: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald difference a − b (−2…2) and its two-sided p-value, element-wise.

    ``a`` and ``b`` hold counts (detractors, passives, promoters) on the last axis.
    Where either base is empty the result is NaN. ``design``: the design effect of each
    difference (repeated respondents); the standard error is multiplied by its square root
    where it is finite and positive.

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
    if design is not None:
        design = np.asarray(design, dtype=float)
        se = se * np.sqrt(np.where(np.isfinite(design) & (design > 0), design, 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * stats.norm.sf(np.abs(diff / se))
    p = np.where(se > 0, p, np.where(diff == 0, 1.0, 0.0))
    return np.where(empty, np.nan, diff), np.where(empty, np.nan, p)


def difference_design(
    counts: np.ndarray, sums: np.ndarray, answers: np.ndarray, t: int, b: int
) -> np.ndarray:
    """Design effect of period t minus period b for every series (cluster-robust by customer).

    ``sums`` and ``answers`` have shape (..., series, periods, customers): each customer's
    sum of scores (+1/0/−1) and number of answers in the period. The cluster-robust variance
    of the difference is that of :func:`loyalty_lib.stats.cluster.cluster_difference_variance`
    (statsmodels' factor G/(G − 1)·(N − 1)/(N − 2)); the independent one is v_t/n_t + v_b/n_b.
    NaN where it cannot be computed.
    """
    sa, na_g = sums[..., t, :], answers[..., t, :]
    sb, nb_g = sums[..., b, :], answers[..., b, :]
    n_a, n_b = na_g.sum(axis=-1), nb_g.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        d_a, d_b = sa.sum(axis=-1) / n_a, sb.sum(axis=-1) / n_b
        score = (sa - na_g * d_a[..., None]) / n_a[..., None]
        score = score - (sb - nb_g * d_b[..., None]) / n_b[..., None]
        groups = ((na_g + nb_g) > 0).sum(axis=-1)
        total = n_a + n_b
        var = (score**2).sum(axis=-1) * groups / (groups - 1) * (total - 1) / (total - 2)
        signs_a = counts[..., t, 0] + counts[..., t, 2]
        signs_b = counts[..., b, 0] + counts[..., b, 2]
        independent = (signs_a / n_a - d_a**2) / n_a + (signs_b / n_b - d_b**2) / n_b
        design = var / independent
    return np.where((groups >= 2) & (total >= 3) & (independent > 0), design, np.nan)


def trend_flags(
    counts: np.ndarray,
    *,
    adjust: str = "holm",
    confidence: float = 0.95,
    persist: int = 2,
    customers: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Steps 1–3 of the module docstring on counts of shape (..., series, periods, 3).

    Each period is compared with the previous one; the family is every (series, period)
    of one survey (the leading axes are independent surveys, e.g. simulation runs).
    ``customers``: per-customer ``(sums, answers)`` of shape (..., series, periods,
    customers) for the cluster-robust tests of ``nps_trend(customer=...)``
    (:func:`difference_design`); without it answers are independent.

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

    def design(t: int, b: int) -> np.ndarray | None:
        return None if customers is None else difference_design(counts, *customers, t, b)

    if customers is None:
        diff[..., 1:], p[..., 1:] = difference_test(counts[..., 1:, :], counts[..., :-1, :])
    else:
        for t in range(1, periods):
            diff[..., t], p[..., t] = difference_test(
                counts[..., t, :], counts[..., t - 1, :], design(t, t - 1)
            )
    flat = p.reshape(*lead, series * periods)
    p_adj = adjust_p_values(flat, adjust).reshape(p.shape)
    significant = np.nan_to_num(p_adj, nan=1.0) < alpha
    confirmed = np.full_like(diff, np.nan)
    for t in range(1, periods - persist):
        ok = np.ones((*lead, series), dtype=bool)
        known = np.ones_like(ok)
        for j in range(1, persist + 1):
            d_j, p_j = difference_test(
                counts[..., t + j, :], counts[..., t - 1, :], design(t + j, t - 1)
            )
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
