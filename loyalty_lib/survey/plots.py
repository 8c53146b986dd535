"""Plots of NPS results (:mod:`loyalty_lib.survey.score`).

Each function takes a result frame, an optional ``ax`` and returns the axes; matplotlib
is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from loyalty_lib.i18n import current
from loyalty_lib.inputs.plots import date_axis, legend_below, mark_events
from loyalty_lib.inputs.privacy import safe_label

__all__ = [
    "plot_nps_drivers",
    "plot_nps_segments",
    "plot_nps_trend",
    "plot_score_distribution",
]

COLOURS = {"detractor": "#c44e52", "passive": "#b0b0b0", "promoter": "#55a868"}


def N_(message: str) -> str:
    """Marks a message for the catalogue; it is translated where it is drawn."""
    return message


#: legend names of the three groups (glossary: сторонники, нейтральные, критики)
_GROUPS = {"detractor": N_("detractors"), "passive": N_("passives"), "promoter": N_("promoters")}


def _group(key: str) -> str:
    return current().gettext(_GROUPS[key])


def _need(result: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in result.columns]
    if missing:
        raise ValueError(f"{what}: result frame lacks columns {missing}; pass the frame of {what}")


def _label(value: object) -> str:
    return "(missing)" if pd.isna(value) else safe_label(value)


def plot_score_distribution(dist: pd.DataFrame, *, ax=None, title: str | None = None):
    """Bars of the share of answers per scale point, coloured by category.

    ``dist`` is the frame of :func:`loyalty_lib.nps_distribution`.
    """
    import matplotlib.pyplot as plt

    _need(dist, ["score", "category", "n", "pct"], "nps_distribution")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.4))
    colours = [COLOURS[c] for c in dist["category"]]
    ax.bar(dist["score"], dist["pct"].fillna(0), color=colours, width=0.8)
    for x, pct, n in zip(dist["score"], dist["pct"].fillna(0), dist["n"], strict=True):
        ax.annotate(
            current().number(n),
            (x, pct),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.set_xticks(dist["score"])
    tr = current()
    ax.set_xlabel(tr.gettext("answer to 'How likely are you to recommend us?' (scale points)"))
    ax.set_ylabel(tr.gettext("share of valid answers (%)"))
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[k]) for k in COLOURS]
    ax.legend(
        handles,
        [_group(k) for k in ("detractor", "passive", "promoter")],
        frameon=False,
        loc="upper left",
    )
    total = int(dist["n"].sum())
    ax.set_title(
        title
        or tr.ngettext(
            "How {n} valid answer spreads over the scale",
            "How {n} valid answers spread over the scale",
            total,
        ).format(n=tr.number(total))
    )
    ax.margins(y=0.12)
    return ax


def plot_nps_segments(result: pd.DataFrame, segment: str, *, ax=None, title: str | None = None):
    """Promoter / passive / detractor shares per segment, with NPS and its interval.

    ``result`` is the frame of :func:`loyalty_lib.nps` with ``by=segment``. The bars
    (bottom axis, % of answers) show the three shares; the black dot and whisker (top
    axis, NPS points) show the NPS and its interval. Segment labels carry the base
    ``n``; low-base segments are marked and their bars hatched.
    """
    import matplotlib.pyplot as plt

    _need(
        result,
        [
            segment,
            "n",
            "pct_promoters",
            "pct_passives",
            "pct_detractors",
            "nps",
            "nps_ci_lower",
            "nps_ci_upper",
            "small_base",
        ],
        "nps(by=segment)",
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.6 * len(result) + 1.8))
    y = np.arange(len(result))[::-1]
    left = np.zeros(len(result))
    hatch = ["//" if low else "" for low in result["small_base"]]
    for column, key in (
        ("pct_detractors", "detractor"),
        ("pct_passives", "passive"),
        ("pct_promoters", "promoter"),
    ):
        width = result[column].fillna(0).to_numpy()
        bars = ax.barh(
            y,
            width,
            left=left,
            height=0.55,
            color=COLOURS[key],
            label=_group(key),
            edgecolor="white",
        )
        for bar, h in zip(bars, hatch, strict=True):
            bar.set_hatch(h)
        left += width
    labels = [
        f"{_label(s)}\n(n={current().number(n)}"
        + (", " + current().gettext("low base") if low else "")
        + ")"
        for s, n, low in zip(result[segment], result["n"], result["small_base"], strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel(current().gettext("share of answers (%): detractors, passives, promoters"))
    top = ax.twiny()
    err = np.vstack(
        [result["nps"] - result["nps_ci_lower"], result["nps_ci_upper"] - result["nps"]]
    )
    top.errorbar(
        result["nps"],
        y,
        xerr=err,
        fmt="o",
        color="black",
        markerfacecolor="white",
        capsize=4,
        label=current().gettext("NPS with interval"),
    )
    for yy, value in zip(y, result["nps"], strict=True):
        if pd.notna(value):
            top.annotate(
                current().points(value, 0),
                (value, yy),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=9,
                fontweight="bold",
            )
    top.set_xlim(-100, 100)
    top.axvline(0, color="black", linewidth=0.6, linestyle=":")
    top.set_xlabel(current().gettext("NPS (points, −100…100) with confidence interval"))
    handles = ax.get_legend_handles_labels()[0] + top.get_legend_handles_labels()[0]
    ax.legend(
        handles,
        [
            *(_group(k) for k in ("detractor", "passive", "promoter")),
            current().gettext("NPS with interval"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.18),
        ncols=4,
        frameon=False,
    )
    ax.set_title(
        safe_label(title or current().gettext("NPS by {segment}").format(segment=segment)), pad=28
    )
    return ax


def plot_nps_trend(
    trend: pd.DataFrame,
    *,
    by: str | None = None,
    ax=None,
    title: str | None = None,
    events: pd.DataFrame | None = None,
):
    """NPS per period with its interval band; significant changes marked.

    ``events`` (a frame of :func:`loyalty_lib.inputs.events.read_events`, narrowed to the
    customers shown with :func:`loyalty_lib.inputs.events.events_in_scope`) are marked on
    the time axis by :func:`loyalty_lib.inputs.plots.mark_events`, coloured by kind.

    ``trend`` is the frame of :func:`loyalty_lib.nps_trend` (with ``by=by`` for one line
    per group). Triangles mark periods whose change from the baseline is significant
    after the adjustment (``significant``, from ``p_value_adjusted``; up: rise, down:
    fall); hollow dots mark low-base periods.
    """
    import matplotlib.pyplot as plt

    _need(
        trend,
        [
            "period",
            "nps",
            "nps_ci_lower",
            "nps_ci_upper",
            "small_base",
            "difference",
            "significant",
        ],
        "nps_trend",
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.8))
    series = [(None, trend)] if by is None else list(trend.groupby(by, sort=True, dropna=False))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, part) in enumerate(series):
        colour = "#4c72b0" if by is None else cycle[i % len(cycle)]
        label = "NPS" if by is None else _label(name[0] if isinstance(name, tuple) else name)
        periods = pd.to_datetime(part["period"])
        ax.fill_between(
            periods,
            part["nps_ci_lower"],
            part["nps_ci_upper"],
            color=colour,
            alpha=0.15,
            linewidth=0,
        )
        ax.plot(periods, part["nps"], color=colour, marker="o", markersize=4, label=label)
        low = part["small_base"].to_numpy(bool)
        if low.any():
            ax.plot(
                periods[low],
                part["nps"][low],
                "o",
                color="white",
                markeredgecolor=colour,
                markersize=6,
            )
        sig = part["significant"].fillna(False).to_numpy(bool)
        for direction, marker in ((1, "^"), (-1, "v")):
            mask = sig & (np.sign(part["difference"].fillna(0).to_numpy()) == direction)
            if mask.any():
                ax.plot(
                    periods[mask],
                    part["nps"][mask],
                    marker,
                    color=colour,
                    markeredgecolor="black",
                    markersize=11,
                )
    ax.axhline(0, color="black", linewidth=0.6, linestyle=":")
    low_y = np.nanmin(np.r_[trend["nps_ci_lower"].to_numpy(float), 0.0])
    high_y = np.nanmax(np.r_[trend["nps_ci_upper"].to_numpy(float), 0.0])
    ax.set_ylim(max(-100.0, low_y - 5), min(100.0, high_y + 5))
    ax.set_xlabel(current().gettext("survey period"))
    date_axis(ax)
    ax.set_ylabel(current().gettext("NPS (points, −100…100)"))
    kinds = mark_events(ax, events) if events is not None else []
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        plt.Line2D(
            [], [], marker="^", linestyle="", color="grey", markeredgecolor="black", markersize=9
        ),
        plt.Line2D([], [], marker="o", linestyle="", color="white", markeredgecolor="grey"),
    ]
    labels += [
        current().gettext("significant change (adjusted p-value)"),
        current().gettext("low base"),
    ]
    legend_below(ax, handles, labels, kinds)
    ax.set_title(title or current().gettext("NPS per period with confidence band"))
    return ax


def plot_nps_drivers(
    drivers: pd.DataFrame, *, ax=None, title: str | None = None, rating: str = "1–5"
):
    """Mean touchpoint rating of detractors, passives and promoters (dumbbell chart).

    ``drivers`` is the frame of :func:`loyalty_lib.nps_drivers`; touchpoints are shown
    in its order (strongest separation on top), labelled with the point-biserial
    correlation and the number of respondents who rated them.
    """
    import matplotlib.pyplot as plt

    _need(
        drivers,
        ["driver", "n", "mean_detractors", "mean_passives", "mean_promoters", "r_pb", "small_base"],
        "nps_drivers",
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.6 * len(drivers) + 1.6))
    y = np.arange(len(drivers))[::-1]
    ax.hlines(
        y,
        drivers["mean_detractors"],
        drivers["mean_promoters"],
        color="#999999",
        linewidth=2,
        zorder=1,
    )
    for column, key in (
        ("mean_detractors", "detractor"),
        ("mean_passives", "passive"),
        ("mean_promoters", "promoter"),
    ):
        ax.scatter(
            drivers[column],
            y,
            s=60,
            color=COLOURS[key],
            label=_group(key),
            zorder=2,
            edgecolor="black",
            linewidth=0.5,
        )
    labels = [
        f"{_label(d)}\n(r = {current().number(r, 2)}, n={current().number(n)}"
        + (", " + current().gettext("low base") if low else "")
        + ")"
        if pd.notna(r)
        else f"{_label(d)}\n(n={current().number(n)}, " + current().gettext("too few to rate") + ")"
        for d, r, n, low in zip(
            drivers["driver"], drivers["r_pb"], drivers["n"], drivers["small_base"], strict=True
        )
    ]
    ax.set_yticks(y, labels)
    ax.set_xlabel(
        current().gettext("mean rating of the touchpoint ({rating} points)").format(rating=rating)
    )
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3)
    ax.set_title(
        title
        or current().gettext("Where promoters and detractors differ: mean rating per touchpoint")
    )
    ax.grid(axis="x", alpha=0.3)
    return ax
