"""Plots of lapse alerts (:mod:`loyalty_lib.lapse`) and retention economics
(:mod:`loyalty_lib.economics`).

Each function takes a result frame, an optional ``ax`` and returns the matplotlib axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_clv_by_retention", "plot_lapse_backtest"]


def plot_lapse_backtest(backtest: pd.DataFrame, *, ax: Any = None) -> Any:
    """Share who did not come back, flagged against not flagged, per threshold k (95% CI).

    ``backtest`` is the result of :func:`loyalty_lib.lapse.lapse_backtest`.
    """
    missing = [c for c in ("k", "flagged_lost_rate", "unflagged_lost_rate")
               if c not in backtest.columns]
    if missing:
        raise ValueError(f"columns {missing} not found; pass the result of lapse_backtest()")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.5))
    x = np.arange(len(backtest))
    for offset, name, label, colour in ((-0.2, "flagged", "flagged overdue", "#d73027"),
                                        (0.2, "unflagged", "not flagged", "#4575b4")):
        values = backtest[f"{name}_lost_rate"].to_numpy() * 100
        err = np.vstack([values - backtest[f"{name}_lost_rate_ci_lower"] * 100,
                         backtest[f"{name}_lost_rate_ci_upper"] * 100 - values])
        ax.bar(x + offset, values, 0.38, yerr=err, capsize=3, color=colour, label=label)
    ax.set_xticks(x, [f"k = {k:g}\n({f:,} flagged / {u:,} not)" for k, f, u in
                      zip(backtest["k"], backtest["flagged"], backtest["unflagged"],
                          strict=True)])
    ax.set_ylabel("did not come back in the follow-up (% of customers)")
    ax.set_ylim(0, 100)
    ax.legend(frameon=False)
    return ax


def plot_clv_by_retention(margin: float, discount: float, retention: float, *,
                          uplift: float = 0.05, currency: str = "$", ax: Any = None) -> Any:
    """Simple lifetime value m r / (1 + d − r) over retention rates, marking r and r + uplift.

    Returns the axes.
    """
    from loyalty_lib.economics import simple_clv

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.5))
    grid = np.linspace(0, 0.95, 96)
    ax.plot(grid * 100, [simple_clv(margin, r, discount) for r in grid], color="#08519c")
    # Labels stacked above-left of their points, so that close points never overlap.
    for r, label, lift in ((retention, "observed", 18), (min(retention + uplift, 0.99),
                                                         "what-if", 42)):
        value = simple_clv(margin, r, discount)
        colour = "#d73027" if label == "what-if" else "black"
        ax.plot([r * 100], [value], "o", color=colour)
        ax.annotate(f"{label}: {r:.0%} -> {currency}{value:,.0f}", (r * 100, value),
                    textcoords="offset points", xytext=(-30, lift), ha="right", fontsize=9,
                    color=colour, arrowprops={"arrowstyle": "-", "color": colour,
                                              "linewidth": 0.6})
    ax.set_xlabel("retention per period (%)")
    ax.set_ylabel(f"lifetime value per customer ({currency})")
    return ax
