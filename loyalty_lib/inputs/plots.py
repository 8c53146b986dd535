"""Plots for the data audit (:mod:`loyalty_lib.inputs.overview`)."""

from __future__ import annotations

import pandas as pd

from loyalty_lib.i18n import current


def plot_monthly_activity(result: pd.DataFrame, *, ax=None, currency: str = "$"):
    """Bars of net value per month with active customers on a second axis.

    ``result`` is the frame of :func:`loyalty_lib.inputs.overview.monthly_activity`.
    Returns the value axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6))
    _ = current().gettext
    months = pd.to_datetime(result["month"])
    ax.bar(months, result["value"], width=20, color="#4c72b0", label=_("net value"))
    ax.set_ylabel(_("net value per month ({currency})").format(currency=currency))
    ax.set_xlabel(_("month"))
    other = ax.twinx()
    other.plot(
        months,
        result["customers"],
        color="#dd8452",
        marker="o",
        markersize=3,
        label=_("active customers"),
    )
    other.set_ylabel(_("customers who bought (count)"))
    other.set_ylim(bottom=0)
    ax.set_title(_("Sales and active customers per month"))
    handles = ax.get_legend_handles_labels()[0] + other.get_legend_handles_labels()[0]
    ax.legend(handles, [_("net value"), _("active customers")], loc="upper left", frameon=False)
    return ax


def plot_responses_by_month(result: pd.DataFrame, *, ax=None):
    """Stacked bars of valid, missing and invalid survey answers per month.

    ``result`` is the frame of :func:`loyalty_lib.inputs.overview.survey_responses_by_month`.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.2))
    _ = current().gettext
    names = {"valid": _("usable"), "missing": _("skipped"), "invalid": _("invalid")}
    months = pd.to_datetime(result["month"])
    bottom = None
    for column, color in (("valid", "#55a868"), ("missing", "#cccccc"), ("invalid", "#c44e52")):
        ax.bar(months, result[column], width=20, bottom=bottom, color=color, label=names[column])
        bottom = result[column] if bottom is None else bottom + result[column]
    ax.set_ylabel(_("survey answers (count)"))
    ax.set_xlabel(_("survey month"))
    ax.set_title(_("Survey answers per month: usable, skipped and invalid"))
    ax.legend(frameon=False, ncols=3)
    return ax
