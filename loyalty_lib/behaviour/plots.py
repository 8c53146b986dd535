"""Plots of the behaviour analyses: say vs do (:mod:`~loyalty_lib.behaviour.say_do`), complaint
recovery (:mod:`~loyalty_lib.behaviour.complaints`), RFM segments
(:mod:`~loyalty_lib.behaviour.rfm`),
lapse alerts (:mod:`~loyalty_lib.behaviour.lapse`) and retention economics
(:mod:`~loyalty_lib.behaviour.economics`).

Each function takes a result frame, an optional ``ax`` and returns the matplotlib axes;
matplotlib is imported inside the functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loyalty_lib._checks import require_result_columns
from loyalty_lib.i18n import current
from loyalty_lib.inputs.privacy import safe_label

__all__ = [
    "LABELS",
    "plot_clv_by_retention",
    "plot_complaint_recovery",
    "plot_lapse_backtest",
    "plot_rfm_segments",
    "plot_rfm_transitions",
    "plot_say_do",
    "plot_users_referrers",
    "result_label",
]

_COLOURS = {"promoter": "#1a9850", "passive": "#bdbdbd", "detractor": "#d73027"}


def N_(message: str) -> str:
    """Marks a message for the catalogue: the labels stay English in the data and are
    translated where a page shows them (:func:`label`)."""
    return message


#: The behaviour results' own labels (NPS categories, quadrants, RFM segments, complaint
#: groups, the backtest's total row), each translated where it is shown.
LABELS = (
    N_("promoter"),
    N_("passive"),
    N_("detractor"),
    N_("champion"),
    N_("referrer"),
    N_("user"),
    N_("neither"),
    N_("VIP"),
    N_("Loyal"),
    N_("New"),
    N_("Promising"),
    N_("At risk"),
    N_("Lost"),
    N_("Needs attention"),
    N_("(not yet a customer)"),
    N_("resolved quickly"),
    N_("resolved slowly"),
    N_("unresolved"),
    N_("no complaint"),
    N_("total"),
)
_CATEGORY_PLURAL = {
    "promoter": N_("promoters"),
    "passive": N_("passives"),
    "detractor": N_("detractors"),
}


def result_label(value: Any) -> str:
    """A result's own label (segment, category, group) in the current page language; other
    values (the data's own, e.g. a touchpoint column) are masked like any chart label."""
    text = safe_label(value)
    return current().gettext(text) if text in LABELS else text


def _axes(ax: Any, size: tuple[float, float] = (7, 4.5)) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_say_do(result: pd.DataFrame, *, ax: Any = None) -> Any:
    """Repeat rate and retention per NPS category, with 95% intervals and bases.

    ``result`` is one group of :func:`loyalty_lib.behaviour.say_do.say_do` (no ``by``). Returns the
    axes.
    """
    require_result_columns(result, ["category", "n", "repeat_rate", "retention"], "say_do")
    if result["category"].duplicated().any():
        raise ValueError(
            "result has several groups; filter it to one group (or call say_do without by)"
        )
    tr = current()
    _ = tr.gettext
    ax = _axes(ax)
    x = np.arange(len(result))
    for offset, (name, legend, hatch) in zip(
        (-0.2, 0.2),
        (
            ("repeat_rate", _("bought again"), ""),
            ("retention", _("still buying at the end"), "//"),
        ),
        strict=True,
    ):
        values = result[name].to_numpy() * 100
        err = np.vstack(
            [values - result[f"{name}_ci_lower"] * 100, result[f"{name}_ci_upper"] * 100 - values]
        )
        ax.bar(
            x + offset,
            values,
            0.38,
            yerr=err,
            capsize=3,
            label=legend,
            hatch=hatch,
            color=[_COLOURS.get(c, "#777777") for c in result["category"]],
            edgecolor="black",
            linewidth=0.5,
        )
    ax.set_xticks(
        x,
        [
            _(_CATEGORY_PLURAL.get(c, safe_label(c))) + f"\n(n = {tr.number(int(n))})"
            for c, n in zip(result["category"], result["n"], strict=True)
        ],
    )
    ax.set_ylabel(_("customers (%)"))
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, loc="upper right")
    ax.set_title(_("What customers did after answering, by what they said"))
    return ax


def plot_users_referrers(per_customer: pd.DataFrame, *, currency: str = "$", ax: Any = None) -> Any:
    """Net spend (log scale) against the latest 0–10 answer, one dot per customer.

    ``per_customer`` is the result of :func:`loyalty_lib.behaviour.say_do.users_referrers`; the
    dashed lines mark the big-spender threshold and the promoter cut. Returns the axes.
    """
    require_result_columns(per_customer, ["score", "spend", "quadrant"], "users_referrers")
    tr = current()
    _ = tr.gettext
    ax = _axes(ax)
    rng = np.random.default_rng(0)  # jitter only, for legibility
    colours = {
        "champion": "#1a9850",
        "referrer": "#91cf60",
        "user": "#fc8d59",
        "neither": "#bdbdbd",
    }
    spend = per_customer["spend"].clip(lower=1)
    for quadrant, colour in colours.items():
        part = per_customer["quadrant"] == quadrant
        ax.scatter(
            per_customer.loc[part, "score"] + rng.uniform(-0.25, 0.25, part.sum()),
            spend[part],
            s=8,
            alpha=0.5,
            color=colour,
            label=f"{result_label(quadrant)} (n = {tr.number(int(part.sum()))})",
        )
    threshold = per_customer.attrs.get("spend_threshold")
    if threshold is not None and np.isfinite(threshold):
        ax.axhline(max(threshold, 1), color="black", linestyle="--", linewidth=0.8)
    ax.axvline(8.5, color="black", linestyle="--", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel(_("latest answer: likelihood to recommend (0–10)"))
    ax.set_ylabel(
        _("net spend per customer ({currency}, log scale; below 1 shown at 1)").format(
            currency=currency
        )
    )
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    return ax


def plot_complaint_recovery(result: pd.DataFrame, *, ax: Any = None) -> Any:
    """NPS per complaint group with 95% intervals and bases.

    ``result`` is the frame of :func:`loyalty_lib.behaviour.complaints.complaint_recovery`.
    """
    require_result_columns(
        result,
        ["complaint_group", "n", "nps", "nps_ci_lower", "nps_ci_upper"],
        "complaint_recovery",
    )
    tr = current()
    ax = _axes(ax)
    y = np.arange(len(result))[::-1]
    values = result["nps"].to_numpy()
    err = np.vstack([values - result["nps_ci_lower"], result["nps_ci_upper"] - values])
    ax.errorbar(values, y, xerr=err, fmt="o", color="black", capsize=3)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(
        y,
        [
            f"{result_label(g)} (n = {tr.number(int(n))})"
            for g, n in zip(result["complaint_group"], result["n"], strict=True)
        ],
    )
    ax.set_xlim(-100, 100)
    ax.set_xlabel(tr.gettext("Net Promoter Score (points, −100 to +100)"))
    return ax


def plot_rfm_segments(summary: pd.DataFrame, *, ax: Any = None) -> Any:
    """Share of customers against share of net revenue per segment (horizontal bars).

    ``summary`` is the result of :func:`loyalty_lib.behaviour.rfm.rfm_segments`.
    """
    missing = [
        c
        for c in ("segment", "customers", "customer_share", "monetary_share")
        if c not in summary.columns
    ]
    if missing:
        raise ValueError(f"columns {missing} not found; pass the result of rfm_segments()")
    tr = current()
    _ = tr.gettext
    if ax is None:
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots(figsize=(7, 0.6 * len(summary) + 1.5))
    y = np.arange(len(summary))[::-1]
    ax.barh(
        y + 0.2,
        summary["customer_share"] * 100,
        0.38,
        label=_("share of customers"),
        color="#9ecae1",
    )
    ax.barh(
        y - 0.2,
        summary["monetary_share"] * 100,
        0.38,
        label=_("share of net revenue"),
        color="#08519c",
    )
    ax.set_yticks(
        y,
        [
            f"{result_label(s)} (n = {tr.number(int(n))})"
            for s, n in zip(summary["segment"], summary["customers"], strict=True)
        ],
    )
    ax.set_xlabel(_("share (%)"))
    ax.legend(frameon=False, loc="lower right")
    return ax


def plot_rfm_transitions(moves: pd.DataFrame, *, ax: Any = None) -> Any:
    """Where each segment's customers went: row shares (%) as an annotated heatmap.

    ``moves`` is :func:`loyalty_lib.behaviour.rfm.rfm_transitions` for one pair of dates.
    """
    missing = [
        c
        for c in ("from_segment", "to_segment", "share", "from_customers")
        if c not in moves.columns
    ]
    if missing:
        raise ValueError(f"columns {missing} not found; pass the result of rfm_transitions()")
    if moves[["from_date", "to_date"]].drop_duplicates().shape[0] > 1:
        raise ValueError("moves holds several date pairs; filter it to one pair first")
    import matplotlib.pyplot as plt

    tr = current()
    table = (
        moves.pivot_table(
            index="from_segment", columns="to_segment", values="share", aggfunc="sum", fill_value=0
        )
        * 100
    )
    bases = moves.drop_duplicates("from_segment").set_index("from_segment")["from_customers"]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * table.shape[1] + 3, 0.5 * table.shape[0] + 2))
    ax.imshow(table.to_numpy(), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            value = table.iat[i, j]
            if value > 0:
                ax.text(
                    j,
                    i,
                    tr.number(value, 0),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if value > 60 else "black",
                )
    ax.set_xticks(
        range(table.shape[1]), [result_label(c) for c in table.columns], rotation=35, ha="right"
    )
    ax.set_yticks(
        range(table.shape[0]),
        [f"{result_label(s)} (n = {tr.number(int(bases[s]))})" for s in table.index],
    )
    ax.set_xlabel(tr.gettext("segment at the later date (%\u00a0of the row's customers)"))
    ax.set_ylabel(tr.gettext("segment at the earlier date"))
    return ax


def plot_lapse_backtest(backtest: pd.DataFrame, *, ax: Any = None) -> Any:
    """Share who did not come back, flagged against not flagged, per threshold k (95% CI).

    ``backtest`` is the result of :func:`loyalty_lib.behaviour.lapse.lapse_backtest`.
    """
    missing = [
        c for c in ("k", "flagged_lost_rate", "unflagged_lost_rate") if c not in backtest.columns
    ]
    if missing:
        raise ValueError(f"columns {missing} not found; pass the result of lapse_backtest()")
    tr = current()
    _ = tr.gettext
    if ax is None:
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots(figsize=(7, 4.5))
    x = np.arange(len(backtest))
    for offset, name, legend, colour in (
        (-0.2, "flagged", _("flagged overdue"), "#d73027"),
        (0.2, "unflagged", _("not flagged"), "#4575b4"),
    ):
        values = backtest[f"{name}_lost_rate"].to_numpy() * 100
        err = np.vstack(
            [
                values - backtest[f"{name}_lost_rate_ci_lower"] * 100,
                backtest[f"{name}_lost_rate_ci_upper"] * 100 - values,
            ]
        )
        ax.bar(x + offset, values, 0.38, yerr=err, capsize=3, color=colour, label=legend)
    ax.set_xticks(
        x,
        [
            f"k = {tr.number(k)}\n"
            + _("({flagged} flagged / {unflagged} not)").format(
                flagged=tr.number(int(f)), unflagged=tr.number(int(u))
            )
            for k, f, u in zip(
                backtest["k"], backtest["flagged"], backtest["unflagged"], strict=True
            )
        ],
    )
    ax.set_ylabel(_("did not come back in the follow-up (%\u00a0of customers)"))
    ax.set_ylim(0, 100)
    ax.legend(frameon=False)
    return ax


def plot_clv_by_retention(
    margin: float,
    discount: float,
    retention: float,
    *,
    uplift: float = 0.05,
    currency: str = "$",
    ax: Any = None,
) -> Any:
    """Simple lifetime value m r / (1 + d − r) over retention rates, marking r and r + uplift.

    Returns the axes.
    """
    from loyalty_lib.behaviour.economics import simple_clv

    tr = current()
    _ = tr.gettext
    if ax is None:
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots(figsize=(7, 4.5))
    grid = np.linspace(0, 0.95, 96)
    ax.plot(grid * 100, [simple_clv(margin, r, discount) for r in grid], color="#08519c")
    # Labels stacked above-left of their points, so that close points never overlap.
    for r, what, lift in (
        (retention, _("observed"), 18),
        (min(retention + uplift, 0.99), _("what-if"), 42),
    ):
        value = simple_clv(margin, r, discount)
        colour = "black" if lift == 18 else "#d73027"
        ax.plot([r * 100], [value], "o", color=colour)
        ax.annotate(
            f"{what}: {tr.percent(r, 0)} → {currency}{tr.number(value, 0)}",
            (r * 100, value),
            textcoords="offset points",
            xytext=(-30, lift),
            ha="right",
            fontsize=9,
            color=colour,
            arrowprops={"arrowstyle": "-", "color": colour, "linewidth": 0.6},
        )
    ax.set_xlabel(_("retention per period (%)"))
    ax.set_ylabel(_("lifetime value per customer ({currency})").format(currency=currency))
    return ax
