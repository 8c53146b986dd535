"""Plots for the data audit (:mod:`loyalty_lib.inputs.overview`)."""

from __future__ import annotations

import pandas as pd

from loyalty_lib.i18n import current


def date_axis(ax, tr=None):
    """Tick labels of a calendar-time x axis in the page's language (or ``tr``'s), never
    matplotlib's ISO "2023-02": years alone when every tick is on 1 January ("2023"),
    months when every tick is on a first ("Feb 2023", "февр. 2023", "лют. 2023":
    :meth:`~loyalty_lib.i18n.Translator.month_short`), days otherwise (the medium date).
    The ticks stay where matplotlib's date locator puts them. Returns the axes.
    """
    from matplotlib.dates import AutoDateLocator, num2date
    from matplotlib.ticker import Formatter

    tr = tr or current()

    class _LocalDates(Formatter):
        def __call__(self, x, pos=None):
            return self.format_ticks([x])[0]

        def format_ticks(self, values):
            days = [num2date(v).replace(tzinfo=None) for v in values]
            if days and all(d.month == 1 and d.day == 1 for d in days) and len(days) > 1:
                return [tr.period(d, "year") for d in days]
            if all(d.day == 1 for d in days):
                return [tr.month_short(d) for d in days]
            return [tr.date(d, "medium") for d in days]

    ax.xaxis.set_major_locator(AutoDateLocator())
    ax.xaxis.set_major_formatter(_LocalDates())
    return ax


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
    date_axis(ax)
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
    date_axis(ax)
    ax.set_title(_("Survey answers per month: usable, skipped and invalid"))
    ax.legend(frameon=False, ncols=3)
    return ax


#: Colour and line style of each event kind on a timeline (kinds of inputs.events).
_KIND_STYLE = {
    "stock-out": ("#c44e52", "--"),
    "staffing gap": ("#8172b3", "-."),
    "price change": ("#937860", ":"),
    "campaign": ("#55a868", "--"),
    "reminder wave": ("#dd8452", "-."),
    "VIP offer": ("#da8bc3", ":"),
    "other": ("#8c8c8c", "--"),
}


def event_kind_label(kind: str, tr=None) -> str:
    """An event kind as the page names it, in the current language (or ``tr``'s).

    >>> event_kind_label("stock-out")
    'stock-out'
    """
    tr = tr or current()
    # each kind spelled out for the catalogue extractor
    labels = {
        "stock-out": tr.pgettext("event kind", "stock-out"),
        "staffing gap": tr.pgettext("event kind", "staffing gap"),
        "price change": tr.pgettext("event kind", "price change"),
        "campaign": tr.pgettext("event kind", "campaign"),
        "reminder wave": tr.pgettext("event kind", "reminder wave"),
        "VIP offer": tr.pgettext("event kind", "VIP offer"),
        "other": tr.pgettext("event kind", "other"),
    }
    return labels.get(kind, labels["other"])


def describe_event(event, tr=None) -> str:
    """An event as a page names it: its label (contacts masked), kind and dates, in the
    current language (or ``tr``'s). ``event`` is a row of
    :func:`loyalty_lib.inputs.events.read_events` (a Series or an ``itertuples`` row).

    >>> from loyalty_lib.inputs.events import read_events
    >>> log = read_events([{"start": "2024-06-01", "end": "2024-06-30", "kind": "stock-out",
    ...                     "scope": "segment:region=East", "label": "No stock in East"}])
    >>> describe_event(log.iloc[0])
    'No stock in East (stock-out, June 1, 2024 to June 30, 2024)'
    """
    from loyalty_lib.inputs.privacy import safe_label

    tr = tr or current()
    start, end = pd.Timestamp(event.start), pd.Timestamp(event.end)
    text = (
        tr.gettext("{label} ({kind}, {start} to {end})")
        if end != start
        else tr.gettext("{label} ({kind}, {start})")
    )
    return text.format(
        label=safe_label(event.label),
        kind=event_kind_label(event.kind, tr),
        start=tr.date(start),
        end=tr.date(end),
    )


def legend_below(ax, handles: list, labels: list, events: list = ()) -> None:
    """The legend of a time chart below its axis: ``handles``/``labels`` plus the event kinds
    :func:`mark_events` returned (their handles carry their labels), four to a row."""
    handles = [*handles, *events]
    labels = [*labels, *(h.get_label() for h in events)]
    ax.legend(
        handles,
        labels,
        frameon=False,
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncols=min(len(labels), 4),
    )


def mark_events(ax, events: pd.DataFrame, *, label_length: int = 32) -> list:
    """Mark events on a chart whose x axis is calendar time: a shaded span from ``start`` to
    ``end`` (inclusive), a dashed line at the start and a short label, coloured by kind.

    ``events`` is a frame of :func:`loyalty_lib.inputs.events.read_events` already narrowed
    to the chart's customers (:func:`loyalty_lib.inputs.events.events_in_scope`). Labels
    pass through :func:`loyalty_lib.inputs.privacy.safe_label` (contacts masked) and are
    cut to ``label_length`` characters. Events wholly outside the drawn time range are left
    out and the range is kept. Returns one legend handle per kind shown (to add to the
    chart's legend); the axes are drawn on in place.
    """
    from matplotlib.dates import date2num, num2date
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    from loyalty_lib.inputs.privacy import safe_label

    if events is None or len(events) == 0:
        return []
    tr = current()
    left, right = ax.get_xlim()
    first = pd.Timestamp(num2date(left)).tz_localize(None)
    last = pd.Timestamp(num2date(right)).tz_localize(None)
    place = blended_transform_factory(ax.transData, ax.transAxes)
    handles: dict[str, Patch] = {}
    shown = events.sort_values("start", kind="stable")
    shown = shown[(shown["end"] >= first) & (shown["start"] <= last)]
    for i, event in enumerate(shown.itertuples(index=False)):
        colour, style = _KIND_STYLE.get(event.kind, _KIND_STYLE["other"])
        start = pd.Timestamp(event.start)
        end = pd.Timestamp(event.end) + pd.Timedelta(days=1)  # the last day included
        ax.axvspan(date2num(start), date2num(end), color=colour, alpha=0.15, linewidth=0, zorder=0)
        ax.axvline(date2num(start), color=colour, linewidth=1, linestyle=style, zorder=0)
        text = safe_label(event.label)
        if len(text) > label_length:
            text = text[: label_length - 1] + "…"
        ax.text(
            date2num(start),
            0.97 - 0.07 * (i % 3),
            " " + text,
            transform=place,
            fontsize=7,
            va="top",
            ha="left",
            color=colour,
        )
        handles.setdefault(
            event.kind,
            Patch(
                facecolor=colour,
                alpha=0.35,
                edgecolor=colour,
                linestyle=style,
                label=event_kind_label(event.kind, tr),
            ),
        )
    ax.set_xlim(left, right)
    return list(handles.values())
