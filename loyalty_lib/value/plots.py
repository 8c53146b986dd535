"""Plots of the 80/20 split (the Lorenz curve, value by ABC class, concentration over time)
and of the purchase model (the distribution of P(alive)).

Each function takes a result frame of :mod:`loyalty_lib.value.pareto`, an optional ``ax`` and
returns the matplotlib axes; matplotlib is imported inside the functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loyalty_lib._checks import require_result_columns
from loyalty_lib.i18n import current

__all__ = ["plot_abc", "plot_concentration_by_period", "plot_lorenz", "plot_p_alive"]


def _axes(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 5))
    return ax


# long: one figure drawn top to bottom; the split markers reuse its axes and labels
def plot_lorenz(
    curve: pd.DataFrame,
    split: pd.DataFrame | None = None,
    *,
    from_top: bool = True,
    ax: Any = None,
) -> Any:
    """The Lorenz curve with the equality line and, given a split, its two 80/20 points.

    Parameters
    ----------
    curve
        Result of :func:`loyalty_lib.value.pareto.lorenz_curve`.
    split
        Optional one-row result of :func:`loyalty_lib.value.pareto.pareto_split` on the same
        data: marks "the top ``top`` of customers bring ``top_value_share``" and "``target``
        of the value comes from ``customer_share_for_target`` of customers", plus the
        reference point of the 80/20 rule, and puts the Gini coefficient in the title.
    from_top
        Rank customers from the highest value (default): the curve is the Lorenz curve
        turned by 180 degrees, rising steeply first, and the 80/20 rule reads directly
        as the point (20%, 80%). ``False`` draws the textbook Lorenz curve (lowest value
        first, below the diagonal). The area between curve and diagonal, hence the Gini
        coefficient, is the same.
    ax
        Matplotlib axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import FuncFormatter

    require_result_columns(
        curve,
        ["customer_share", "value_share", "top_customer_share", "top_value_share"],
        "lorenz_curve",
    )
    ax = _axes(ax)
    tr = current()
    _, pct = tr.gettext, tr.percent
    if from_top:
        x, y = curve["top_customer_share"].to_numpy(), curve["top_value_share"].to_numpy()
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        xlabel = _("Share of customers, ranked from the highest net value (%)")
        ylabel = _("Share of net value they bring (%)")
    else:
        x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
        xlabel = _("Share of customers, ranked from the lowest net value (%)")
        ylabel = _("Share of net value they bring (%)")
    customers = int(curve["customers"].max()) if "customers" in curve else len(curve) - 1
    ax.plot(x, y, color="C0", lw=2, label=_("customers (n = {n})").format(n=tr.number(customers)))
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label=_("equality: every customer alike"))
    title = _("Lorenz curve of customer net value")
    if split is not None:
        require_result_columns(
            split,
            [
                "top",
                "top_customers",
                "customers",
                "top_value_share",
                "target",
                "customer_share_for_target",
                "gini",
            ],
            "pareto_split",
        )
        if len(split) != 1:
            raise ValueError(
                f"split: expected the one-row result of pareto_split(), got "
                f"{len(split)} rows (select one group first)"
            )
        row = split.iloc[0]
        top_x = row["top_customers"] / row["customers"]
        points = [
            (
                top_x,
                row["top_value_share"],
                _("top {share} of customers bring {value}").format(
                    share=pct(top_x, 0), value=pct(row["top_value_share"], 0)
                ),
            ),
            (
                row["customer_share_for_target"],
                row["target"],
                _("{value} of value from {share} of customers").format(
                    value=pct(row["target"], 0), share=pct(row["customer_share_for_target"], 0)
                ),
            ),
        ]
        for i, (px, py, text) in enumerate(points):
            if not from_top:
                px, py = 1 - px, 1 - py
            ax.plot([px], [py], "o", color=f"C{i + 1}", zorder=3, label=text)
        rule_x, rule_y = (0.2, 0.8) if from_top else (0.8, 0.2)
        ax.plot(
            [rule_x],
            [rule_y],
            "s",
            mfc="none",
            mec="black",
            ms=8,
            zorder=3,
            label=_("the 80/20 rule"),
        )
        title += " " + _("(Gini {gini})").format(gini=tr.number(row["gini"], 2))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tr.percent(v, 0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tr.percent(v, 0)))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="lower right" if from_top else "upper left", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def plot_abc(summary: pd.DataFrame, *, ax: Any = None) -> Any:
    """Share of customers and share of value per ABC class, side by side.

    Parameters
    ----------
    summary
        Result of :func:`loyalty_lib.value.pareto.abc_summary`; the ``non-positive`` row has no
        share and is left out (its count goes into the title).
    ax
        Matplotlib axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import FuncFormatter

    require_result_columns(
        summary, ["abc_class", "customers", "customer_share", "value_share"], "abc_summary"
    )
    ax = _axes(ax)
    tr = current()
    _ = tr.gettext
    shown = summary[summary["customer_share"].notna()].reset_index(drop=True)
    positions = np.arange(len(shown))
    width = 0.38
    bars_c = ax.bar(
        positions - width / 2,
        shown["customer_share"],
        width,
        color="C0",
        label=_("share of customers"),
    )
    bars_v = ax.bar(
        positions + width / 2,
        shown["value_share"],
        width,
        color="C1",
        label=_("share of net value"),
    )
    for bars, column in ((bars_c, "customer_share"), (bars_v, "value_share")):
        for bar, share in zip(bars, shown[column], strict=True):
            ax.annotate(
                tr.percent(share, 0),
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize="small",
            )
    ax.set_xticks(positions)
    ax.set_xticklabels(
        [
            _("class {c}").format(c=c) + f"\n(n = {tr.number(n)})"
            for c, n in zip(shown["abc_class"].astype(str), shown["customers"], strict=True)
        ]
    )
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tr.percent(v, 0)))
    ax.set_ylim(0, 1.08)
    ax.set_ylabel(_("Share of positive-value customers / of net value (%)"))
    ax.set_xlabel(_("ABC class (by cumulative share of net value)"))
    excluded = summary.loc[summary["customer_share"].isna(), "customers"].sum()
    title = _("Customers and net value by ABC class")
    if excluded:
        title += "\n" + tr.ngettext(
            "({n} customer with net value <= 0 not shown)",
            "({n} customers with net value <= 0 not shown)",
            int(excluded),
        ).format(n=tr.number(int(excluded)))
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def _period_name(start: Any, label: str, tr: Any) -> str:
    """A period of :func:`~loyalty_lib.value.pareto.pareto_by_period` the reader's way: its
    ISO label ("2024", "2024-Q3", "2024-07") tells the length, ``start`` the date."""
    text = str(label)
    freq = "quarter" if "Q" in text else "year" if len(text) == 4 else "month"
    return tr.period(start, freq, short=True)


def plot_concentration_by_period(by_period: pd.DataFrame, *, ax: Any = None) -> Any:
    """Share of value from the top customers and the Gini coefficient per period.

    Parameters
    ----------
    by_period
        Result of :func:`loyalty_lib.value.pareto.pareto_by_period`; bootstrap intervals are
        drawn as error bars when present (``n_boot > 0``).
    ax
        Matplotlib axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import FuncFormatter

    require_result_columns(
        by_period,
        ["period", "period_label", "customers", "top", "top_value_share", "gini"],
        "pareto_by_period",
    )
    ax = _axes(ax)
    tr = current()
    _ = tr.gettext
    x = np.arange(len(by_period))
    top = by_period["top"].iloc[0] if len(by_period) else 0.2
    for column, label, color in (
        (
            "top_value_share",
            _("share of net value from the top {top} of customers").format(top=tr.percent(top, 0)),
            "C0",
        ),
        ("gini", _("Gini coefficient (0 = all alike)"), "C2"),
    ):
        y = by_period[column].to_numpy(dtype=float)
        if f"{column}_ci_lower" in by_period:
            err = np.vstack(
                [
                    y - by_period[f"{column}_ci_lower"].to_numpy(dtype=float),
                    by_period[f"{column}_ci_upper"].to_numpy(dtype=float) - y,
                ]
            )
            ax.errorbar(x, y, yerr=err, marker="o", color=color, capsize=3, label=label)
        else:
            ax.plot(x, y, marker="o", color=color, label=label)
    ax.set_xticks(x)
    ax.set_xticklabels(
        [
            f"{_period_name(p, label, tr)}\n(n = {tr.number(n)})"
            for p, label, n in zip(
                by_period["period"], by_period["period_label"], by_period["customers"], strict=True
            )
        ],
        fontsize="small",
    )
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tr.percent(v, 0)))
    ax.set_ylim(0, 1)
    ax.set_xlabel(_("Period (n = customers with positive net value in the period)"))
    ax.set_ylabel(_("Share of net value (%) / Gini (as %)"))
    ax.set_title(_("Concentration of customer value per period"))
    ax.legend(fontsize="small", loc="lower right")
    ax.grid(alpha=0.3)
    return ax


def plot_p_alive(customers: pd.DataFrame, *, threshold: float = 0.5, ax: Any = None) -> Any:
    """Histogram of P(alive) (share of customers per bin of 0.05), the likely-lost line.

    ``customers``: a frame with a ``p_alive`` column (``customer_clv``, ``BGNBDFit.predict``).
    """
    from matplotlib.ticker import FuncFormatter

    require_result_columns(customers, ["p_alive"], "customer_clv or BGNBDFit.predict")
    ax = _axes(ax)
    tr = current()
    values = customers["p_alive"].to_numpy(dtype=float)
    weights = np.full(values.size, 1.0 / max(values.size, 1))
    ax.hist(values, bins=np.linspace(0, 1, 21), weights=weights, color="#4c72b0")
    ax.axvline(
        threshold,
        color="#c44e52",
        linestyle="--",
        label=tr.gettext("likely lost below {p}").format(p=tr.number(threshold)),
    )
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tr.percent(v, 0)))
    ax.set_xlabel(tr.gettext("P(alive): probability the customer has not dropped out (BG/NBD)"))
    ax.set_ylabel(tr.gettext("share of customers (n = {n})").format(n=tr.number(values.size)))
    ax.set_xlim(0, 1)
    ax.legend(loc="upper left")
    return ax
