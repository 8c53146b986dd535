"""Area under the ROC curve with DeLong's standard error (DeLong, DeLong & Clarke-Pearson 1988)."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["auc_delong"]


def auc_delong(score, label, confidence: float = 0.95) -> dict:
    """AUC of ``score`` for a binary ``label`` (1 = event), with DeLong's interval.

    Ties count one half (the Mann-Whitney U / (n1 n0)). The interval is Wald on the AUC,
    clipped to [0, 1]. Returns a dict: ``auc``, ``auc_ci_lower``, ``auc_ci_upper``, ``se``,
    ``n``, ``n_events``.

    Examples
    --------
    >>> out = auc_delong([0.9, 0.8, 0.3, 0.2, 0.6], [1, 1, 0, 0, 0])
    >>> out["auc"], out["n"]
    (1.0, 5)
    """
    s = np.asarray(score, dtype=float)
    y = np.asarray(label).astype(bool)
    pos, neg = s[y], s[~y]
    m, n = pos.size, neg.size
    if m == 0 or n == 0:
        raise ValueError(f"label: needs both outcomes, got {m} events and {n} non-events")
    all_ranks = stats.rankdata(np.concatenate([pos, neg]))
    pos_ranks = stats.rankdata(pos)
    neg_ranks = stats.rankdata(neg)
    v10 = (all_ranks[:m] - pos_ranks) / n  # share of negatives below each positive
    v01 = 1.0 - (all_ranks[m:] - neg_ranks) / m  # share of positives above each negative
    auc = float(v10.mean())
    var = (np.var(v10, ddof=1) / m if m > 1 else 0.0) + (np.var(v01, ddof=1) / n if n > 1 else 0.0)
    se = float(np.sqrt(var))
    z = stats.norm.ppf(0.5 + confidence / 2)
    return {
        "auc": auc,
        "auc_ci_lower": max(0.0, auc - z * se),
        "auc_ci_upper": min(1.0, auc + z * se),
        "se": se,
        "n": m + n,
        "n_events": m,
    }
