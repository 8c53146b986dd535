"""Plots of RFM segments and their transitions (:mod:`loyalty_lib.rfm`).

Each function takes a result frame, an optional ``ax`` and returns the matplotlib axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_rfm_segments", "plot_rfm_transitions"]


def plot_rfm_segments(summary: pd.DataFrame, *, ax: Any = None) -> Any:
    """Share of customers against share of net revenue per segment (horizontal bars).

    ``summary`` is the result of :func:`loyalty_lib.rfm.rfm_segments`.
    """
    missing = [c for c in ("segment", "customers", "customer_share", "monetary_share")
               if c not in summary.columns]
    if missing:
        raise ValueError(f"columns {missing} not found; pass the result of rfm_segments()")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 0.6 * len(summary) + 1.5))
    y = np.arange(len(summary))[::-1]
    ax.barh(y + 0.2, summary["customer_share"] * 100, 0.38, label="share of customers",
            color="#9ecae1")
    ax.barh(y - 0.2, summary["monetary_share"] * 100, 0.38, label="share of net revenue",
            color="#08519c")
    ax.set_yticks(y, [f"{s} (n = {n:,})" for s, n in zip(summary["segment"],
                                                         summary["customers"], strict=True)])
    ax.set_xlabel("share (%)")
    ax.legend(frameon=False, loc="lower right")
    return ax


def plot_rfm_transitions(moves: pd.DataFrame, *, ax: Any = None) -> Any:
    """Where each segment's customers went: row shares (%) as an annotated heatmap.

    ``moves`` is :func:`loyalty_lib.rfm.rfm_transitions` for one pair of dates.
    """
    missing = [c for c in ("from_segment", "to_segment", "share", "from_customers")
               if c not in moves.columns]
    if missing:
        raise ValueError(f"columns {missing} not found; pass the result of rfm_transitions()")
    if moves[["from_date", "to_date"]].drop_duplicates().shape[0] > 1:
        raise ValueError("moves holds several date pairs; filter it to one pair first")
    import matplotlib.pyplot as plt

    table = moves.pivot_table(index="from_segment", columns="to_segment", values="share",
                              aggfunc="sum", fill_value=0) * 100
    bases = moves.drop_duplicates("from_segment").set_index("from_segment")["from_customers"]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * table.shape[1] + 3, 0.5 * table.shape[0] + 2))
    ax.imshow(table.to_numpy(), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            value = table.iat[i, j]
            if value > 0:
                ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if value > 60 else "black")
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=35, ha="right")
    ax.set_yticks(range(table.shape[0]),
                  [f"{s} (n = {int(bases[s]):,})" for s in table.index])
    ax.set_xlabel("segment at the later date (% of the row's customers)")
    ax.set_ylabel("segment at the earlier date")
    return ax
