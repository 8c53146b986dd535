"""Plots for cohort retention (:mod:`~loyalty_lib.retention.cohorts`,
:mod:`~loyalty_lib.retention.curves`, :mod:`~loyalty_lib.retention.repeat`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyalty_lib.i18n import current
from loyalty_lib.inputs.plots import date_axis, legend_below, mark_events
from loyalty_lib.inputs.privacy import safe_label

__all__ = [
    "plot_curves_by_segment",
    "plot_period_retention",
    "plot_repeat_rate",
    "plot_retention_curves",
    "plot_retention_heatmap",
    "plot_time_to_second_purchase",
]


def N_(message: str) -> str:
    """Marks a message for the catalogue; it is translated where it is drawn."""
    return message


_AXIS = {
    "day": N_("days since first purchase (period k)"),
    "week": N_("weeks since first purchase (period k)"),
    "month": N_("months since first purchase (period k)"),
    "quarter": N_("quarters since first purchase (period k)"),
}
_LABEL = {
    "retention": N_("customers active (%\u00a0of cohort)"),
    "revenue_retention": N_("revenue (%\u00a0of the cohort's period-0 revenue)"),
}


def _axis(freq: str) -> str:
    return current().gettext(_AXIS.get(freq, N_("periods since first purchase (period k)")))


def _label(values: str) -> str:
    return current().gettext(_LABEL[values]) if values in _LABEL else values


def _cohort_label(stamp: pd.Timestamp, freq: str) -> str:
    """The cohort as the page's reader names it: "Feb 2023", "февр. 2023", "1-й кв. 2023"
    (short forms: one tick per cohort row)."""
    return current().period(stamp, freq if freq in ("month", "quarter") else "day", short=True)


def _one_segment(result: pd.DataFrame) -> None:
    segments = list(result.columns[: list(result.columns).index("cohort")])
    if segments and len(result.drop_duplicates(segments)) > 1:
        raise ValueError(
            f"result has several segments ({segments}); filter it to one segment first"
        )


def plot_retention_heatmap(
    result: pd.DataFrame,
    *,
    values: str = "retention",
    max_periods: int | None = None,
    annotate: bool | None = None,
    ax=None,
):
    """The cohort triangle as an annotated heatmap (complete periods only).

    ``result`` is the frame of :func:`loyalty_lib.retention.cohorts.cohort_retention` (one segment).
    Rows are cohorts labelled with their size n; blank cells are periods not yet complete.
    ``annotate`` defaults to True when at most 600 cells are filled.
    Returns the axes.
    """
    import matplotlib.pyplot as plt

    from loyalty_lib.retention.curves import retention_matrix

    _one_segment(result)
    freq = result.attrs.get("freq", "month")
    matrix = retention_matrix(result, values)
    if max_periods is not None:
        matrix = matrix.loc[:, matrix.columns <= max_periods]
    sizes = result.drop_duplicates("cohort").set_index("cohort")["cohort_size"]
    shown = matrix.to_numpy(dtype="float64") * 100
    if ax is None:
        width = min(14, 3 + 0.55 * shown.shape[1])
        height = min(12, 1.5 + 0.4 * shown.shape[0])
        _, ax = plt.subplots(figsize=(width, height))
    finite = shown[np.isfinite(shown)]
    # Period 0 is 100% by definition in mode "on": scale colours on the later periods.
    later = shown[:, 1:] if shown.shape[1] > 1 else shown
    later = later[np.isfinite(later)]
    vmax = float(np.max(later)) if later.size else (float(np.max(finite)) if finite.size else 1)
    image = ax.imshow(
        np.ma.masked_invalid(shown), aspect="auto", cmap="Blues", vmin=0, vmax=vmax or 1
    )
    if annotate is None:
        annotate = int(np.isfinite(shown).sum()) <= 600
    tr = current()
    if annotate:
        for i, j in zip(*np.nonzero(np.isfinite(shown)), strict=True):
            cell = shown[i, j]
            ax.text(
                j,
                i,
                tr.number(cell, 0 if cell >= 9.95 else 1),  # 7.5 / 7,5
                ha="center",
                va="center",
                fontsize=7,
                color="white" if cell > 0.6 * vmax else "black",
            )
    labels = [
        f"{_cohort_label(pd.Timestamp(c), freq)} (n={tr.number(int(sizes.loc[c]))})"
        for c in matrix.index.get_level_values("cohort")
    ]
    row_step = max(1, len(labels) // 40)
    ax.set_yticks(range(0, len(labels), row_step), labels[::row_step], fontsize=8)
    step = max(1, shown.shape[1] // 20)
    ax.set_xticks(range(0, shown.shape[1], step), matrix.columns[::step])
    ax.set_xlabel(_axis(freq))
    ax.set_ylabel(tr.gettext("cohort (first-purchase period, size)"))
    colorbar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    colorbar.set_label(_label(values))
    title = (
        tr.gettext("Revenue retention by cohort, % (blank: period not complete by {date})")
        if values == "revenue_retention"
        else tr.gettext("Retention by cohort, % (blank: period not complete by {date})")
    )
    as_of = pd.Timestamp(result.attrs.get("as_of", result["cohort"].max())).date()
    ax.set_title(title.format(date=tr.date(as_of)))
    return ax


def plot_retention_curves(
    result: pd.DataFrame,
    curve: pd.DataFrame | None = None,
    *,
    values: str = "retention",
    max_periods: int | None = None,
    ax=None,
):
    """Retention curve of every cohort (thin lines) and their weighted average with its band.

    ``result`` is the frame of :func:`loyalty_lib.retention.cohorts.cohort_retention` (one segment);
    ``curve`` the matching :func:`loyalty_lib.retention.cohorts.retention_curve` (computed when
    omitted). Period 0 is left out in mode "on" (100% by definition) when ``values`` is
    ``"retention"``. Returns the axes.
    """
    import matplotlib.pyplot as plt

    from loyalty_lib.retention.curves import retention_curve

    _one_segment(result)
    freq = result.attrs.get("freq", "month")
    if curve is None:
        curve = retention_curve(result, values=values)
    start = 1 if values == "retention" and result.attrs.get("mode", "on") == "on" else 0
    done = result[result["complete"] & (result["period"] >= start)]
    curve = curve[curve["period"] >= start]
    if max_periods is not None:
        done = done[done["period"] <= max_periods]
        curve = curve[curve["period"] <= max_periods]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.2))
    tr = current()
    cohorts = done["cohort"].unique()
    for i, cohort in enumerate(cohorts):
        rows = done[done["cohort"] == cohort]
        ax.plot(
            rows["period"],
            rows[values] * 100,
            color="#8c8c8c",
            linewidth=0.8,
            alpha=0.6 if len(cohorts) < 20 else 0.25,
            label=tr.gettext("single cohorts") if i == 0 else None,
        )
    ax.fill_between(
        curve["period"],
        curve[f"{values}_ci_lower"] * 100,
        curve[f"{values}_ci_upper"] * 100,
        color="#4c72b0",
        alpha=0.25,
        linewidth=0,
        label=tr.gettext("95%\u00a0interval of the average"),
    )
    ax.plot(
        curve["period"],
        curve[values] * 100,
        color="#4c72b0",
        linewidth=2.2,
        marker="o",
        markersize=3,
        label=tr.gettext("average weighted by cohort size"),
    )
    ax.set_xlabel(_axis(freq))
    ax.set_ylabel(_label(values))
    ax.set_ylim(bottom=0)
    title = (
        tr.ngettext(
            "Revenue retention curves: {n} cohort and their average",
            "Revenue retention curves: {n} cohorts and their average",
            len(cohorts),
        )
        if values == "revenue_retention"
        else tr.ngettext(
            "Retention curves: {n} cohort and their average",
            "Retention curves: {n} cohorts and their average",
            len(cohorts),
        )
    )
    ax.set_title(title.format(n=tr.number(len(cohorts))))
    ax.legend(frameon=False)
    return ax


def plot_time_to_second_purchase(km: pd.DataFrame, *, bin_days: int = 7, ax=None):
    """Histogram of days to the second purchase and the cumulative share who bought again.

    ``km`` is the frame of :func:`loyalty_lib.retention.repeat.time_to_second_purchase`
    (one segment). Bars (left axis): second purchases per ``bin_days``-day bin; line
    (right axis): Kaplan–Meier share of all customers with a second purchase, with its
    interval. Returns the bar axes.
    """
    import matplotlib.pyplot as plt

    segments = list(km.columns[: list(km.columns).index("customers")])
    if segments and len(km.drop_duplicates(segments)) > 1:
        raise ValueError(f"km has several segments ({segments}); filter it to one first")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    tr = current()
    bins = (km["days"] - 1) // bin_days
    counts = km.groupby(bins)["second_purchases"].sum()
    ax.bar(
        counts.index * bin_days + bin_days / 2,
        counts.to_numpy(),
        width=bin_days * 0.9,
        color="#4c72b0",
        label=tr.ngettext(
            "second purchases per {n} day", "second purchases per {n} days", bin_days
        ).format(n=bin_days),
    )
    ax.set_xlabel(tr.gettext("days from first to second purchase"))
    ax.set_ylabel(
        tr.ngettext(
            "customers (count per {n} day)", "customers (count per {n} days)", bin_days
        ).format(n=bin_days)
    )
    other = ax.twinx()
    other.step(
        km["days"],
        km["share_repeated"] * 100,
        where="post",
        color="#dd8452",
        label=tr.gettext("share who bought again (Kaplan–Meier)"),
    )
    other.fill_between(
        km["days"],
        km["share_repeated_ci_lower"] * 100,
        km["share_repeated_ci_upper"] * 100,
        step="post",
        color="#dd8452",
        alpha=0.25,
        linewidth=0,
    )
    other.set_ylabel(tr.gettext("bought again (%\u00a0of all customers, cumulative)"))
    other.set_ylim(bottom=0)
    base = int(km["customers"].iloc[0]) if len(km) else 0
    ax.set_title(
        tr.ngettext(
            "Time to second purchase (n={n} customer)",
            "Time to second purchase (n={n} customers)",
            base,
        ).format(n=tr.number(base))
    )
    handles = ax.get_legend_handles_labels()[0] + other.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + other.get_legend_handles_labels()[1]
    ax.legend(handles, labels, frameon=False, loc="center right")
    return ax


def plot_repeat_rate(rate: pd.DataFrame, *, label: str | None = None, ax=None):
    """Repeat-purchase rate per segment with its interval and base n.

    ``rate`` is the frame of :func:`loyalty_lib.retention.repeat.repeat_purchase_rate`.
    Returns the axes.
    """
    import matplotlib.pyplot as plt

    tr = current()
    segments = list(rate.columns[: list(rate.columns).index("customers")])
    names = (
        rate[segments].astype(str).agg(" / ".join, axis=1).tolist()
        if segments
        else [tr.gettext("all")]
    )
    names = [f"{n}\n(n={tr.number(c)})" for n, c in zip(names, rate["customers"], strict=True)]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4, 1.3 * len(names) + 2), 3.6))
    centre = rate["repeat_rate"].to_numpy() * 100
    errors = np.vstack(
        [centre - rate["repeat_rate_ci_lower"] * 100, rate["repeat_rate_ci_upper"] * 100 - centre]
    )
    ax.bar(names, centre, color="#4c72b0", yerr=errors, capsize=4)
    ax.set_ylabel(tr.gettext("customers with a second purchase (%)"))
    ax.set_ylim(bottom=0)
    ax.set_title(label or tr.gettext("Repeat-purchase rate (bars: 95%\u00a0Wilson interval)"))
    return ax


def plot_curves_by_segment(
    curve: pd.DataFrame,
    segment: str,
    *,
    values: str = "retention",
    freq: str = "month",
    max_periods: int | None = None,
    ax=None,
):
    """Average retention curve of each segment with its interval band.

    ``curve`` is the frame of :func:`loyalty_lib.retention.cohorts.retention_curve` on a result
    computed with ``by=segment``. Period 0 is left out for ``"retention"`` (100% in mode
    "on"). The legend gives each segment's customers at period 1. Returns the axes.
    """
    import matplotlib.pyplot as plt

    if segment not in curve.columns:
        raise ValueError(f"segment: column {segment!r} not in curve: {list(curve.columns)}")
    start = 1 if values == "retention" else 0
    shown = curve[curve["period"] >= start]
    if max_periods is not None:
        shown = shown[shown["period"] <= max_periods]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.2))
    tr = current()
    for name, part in shown.groupby(segment, sort=True):
        base = part["customers"].iloc[0] if len(part) else 0
        (line,) = ax.plot(
            part["period"],
            part[values] * 100,
            marker="o",
            markersize=3,
            label=f"{safe_label(name)} (n={tr.number(base)})",
        )
        ax.fill_between(
            part["period"],
            part[f"{values}_ci_lower"] * 100,
            part[f"{values}_ci_upper"] * 100,
            color=line.get_color(),
            alpha=0.15,
            linewidth=0,
        )
    ax.set_xlabel(_axis(freq))
    ax.set_ylabel(_label(values))
    ax.set_ylim(bottom=0)
    ax.set_title(
        safe_label(
            tr.gettext("Average retention curve by {segment} (bands: 95%\u00a0intervals)").format(
                segment=segment
            )
        )
    )
    ax.legend(frameon=False, title=safe_label(segment))
    return ax


def plot_period_retention(
    result: pd.DataFrame, *, events: pd.DataFrame | None = None, ax=None, title: str | None = None
):
    """Retention over calendar time with its interval band, events marked.

    ``result`` is the frame of :func:`loyalty_lib.retention.calendar.period_retention`;
    ``events`` (narrowed with :func:`loyalty_lib.inputs.events.events_in_scope`) are marked
    by :func:`loyalty_lib.inputs.plots.mark_events`. Hollow dots: a small base or a period
    not over yet. Returns the axes.
    """
    import matplotlib.pyplot as plt

    need = ["period", "retention", "retention_ci_lower", "retention_ci_upper", "small_base"]
    missing = [c for c in need + ["complete"] if c not in result.columns]
    if missing:
        raise ValueError(f"columns {missing} not found; pass the result of period_retention()")
    tr = current()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.8))
    periods = pd.to_datetime(result["period"])
    ax.fill_between(
        periods,
        result["retention_ci_lower"] * 100,
        result["retention_ci_upper"] * 100,
        color="#4c72b0",
        alpha=0.15,
        linewidth=0,
    )
    ax.plot(
        periods,
        result["retention"] * 100,
        color="#4c72b0",
        marker="o",
        markersize=4,
        label=tr.gettext("bought again"),
    )
    weak = (result["small_base"] | ~result["complete"].astype(bool)).to_numpy(bool)
    if weak.any():
        ax.plot(
            periods[weak],
            result["retention"][weak] * 100,
            "o",
            color="white",
            markeredgecolor="#4c72b0",
            markersize=6,
            label=tr.gettext("small base or period not over"),
        )
    ax.set_ylim(bottom=0)
    ax.set_xlabel(tr.gettext("calendar period"))
    date_axis(ax, tr)
    ax.set_ylabel(tr.gettext("bought again in the next period (%)"))
    kinds = mark_events(ax, events) if events is not None else []
    handles, labels = ax.get_legend_handles_labels()
    legend_below(ax, handles, labels, kinds)
    ax.set_title(title or tr.gettext("Customers who bought again in the next period"))
    return ax
