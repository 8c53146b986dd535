"""Plots of say vs do (:mod:`loyalty_lib.say_do`) and complaint recovery
(:mod:`loyalty_lib.complaints`).

Each function takes a result frame, an optional ``ax`` and returns the matplotlib axes;
matplotlib is imported inside the functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_complaint_recovery", "plot_say_do", "plot_users_referrers"]

_COLOURS = {"promoter": "#1a9850", "passive": "#bdbdbd", "detractor": "#d73027"}


def _require(frame: pd.DataFrame, columns: list[str], producer: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} not found; pass the result of {producer}()")


def _axes(ax: Any, size: tuple[float, float] = (7, 4.5)) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_say_do(result: pd.DataFrame, *, ax: Any = None) -> Any:
    """Repeat rate and retention per NPS category, with 95% intervals and bases.

    ``result`` is one group of :func:`loyalty_lib.say_do.say_do` (no ``by``). Returns the
    axes.
    """
    _require(result, ["category", "n", "repeat_rate", "retention"], "say_do")
    if result["category"].duplicated().any():
        raise ValueError("result has several groups; filter it to one group (or call say_do "
                         "without by)")
    ax = _axes(ax)
    x = np.arange(len(result))
    for offset, (name, label, hatch) in zip(
            (-0.2, 0.2), (("repeat_rate", "bought again", ""),
                          ("retention", "still buying at the end", "//")), strict=True):
        values = result[name].to_numpy() * 100
        err = np.vstack([values - result[f"{name}_ci_lower"] * 100,
                         result[f"{name}_ci_upper"] * 100 - values])
        ax.bar(x + offset, values, 0.38, yerr=err, capsize=3, label=label, hatch=hatch,
               color=[_COLOURS.get(c, "#777777") for c in result["category"]],
               edgecolor="black", linewidth=0.5)
    ax.set_xticks(x, [f"{c}s\n(n = {n:,})" for c, n in zip(result["category"], result["n"],
                                                            strict=True)])
    ax.set_ylabel("customers (%)")
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, loc="upper right")
    ax.set_title("What customers did after answering, by what they said")
    return ax


def plot_users_referrers(per_customer: pd.DataFrame, *, currency: str = "$",
                         ax: Any = None) -> Any:
    """Net spend (log scale) against the latest 0–10 answer, one dot per customer.

    ``per_customer`` is the result of :func:`loyalty_lib.say_do.users_referrers`; the
    dashed lines mark the big-spender threshold and the promoter cut. Returns the axes.
    """
    _require(per_customer, ["score", "spend", "quadrant"], "users_referrers")
    ax = _axes(ax)
    rng = np.random.default_rng(0)  # jitter only, for legibility
    colours = {"champion": "#1a9850", "referrer": "#91cf60", "user": "#fc8d59",
               "neither": "#bdbdbd"}
    spend = per_customer["spend"].clip(lower=1)
    for quadrant, colour in colours.items():
        part = per_customer["quadrant"] == quadrant
        ax.scatter(per_customer.loc[part, "score"] + rng.uniform(-0.25, 0.25, part.sum()),
                   spend[part], s=8, alpha=0.5, color=colour,
                   label=f"{quadrant} (n = {int(part.sum()):,})")
    threshold = per_customer.attrs.get("spend_threshold")
    if threshold is not None and np.isfinite(threshold):
        ax.axhline(max(threshold, 1), color="black", linestyle="--", linewidth=0.8)
    ax.axvline(8.5, color="black", linestyle="--", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("latest answer: likelihood to recommend (0-10)")
    ax.set_ylabel(f"net spend per customer ({currency}, log scale; below 1 shown at 1)")
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    return ax


def plot_complaint_recovery(result: pd.DataFrame, *, ax: Any = None) -> Any:
    """NPS per complaint group with 95% intervals and bases.

    ``result`` is the frame of :func:`loyalty_lib.complaints.complaint_recovery`.
    """
    _require(result, ["complaint_group", "n", "nps", "nps_ci_lower", "nps_ci_upper"],
             "complaint_recovery")
    ax = _axes(ax)
    y = np.arange(len(result))[::-1]
    values = result["nps"].to_numpy()
    err = np.vstack([values - result["nps_ci_lower"], result["nps_ci_upper"] - values])
    ax.errorbar(values, y, xerr=err, fmt="o", color="black", capsize=3)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(y, [f"{g} (n = {n:,})" for g, n in zip(result["complaint_group"],
                                                          result["n"], strict=True)])
    ax.set_xlim(-100, 100)
    ax.set_xlabel("Net Promoter Score (points, -100 to +100)")
    return ax
