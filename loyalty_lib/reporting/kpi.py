"""Key figures a notebook hands to the report index's executive summary.

A notebook calls :func:`show_kpis` once with the handful of numbers a manager needs; the
report runner collects them from the executed notebook (by their MIME type) and lists them,
each linked to its report, at the top of ``index.html``. In the notebook and in the report
page they show as a short Markdown list.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["KPI_MIMETYPE", "kpi", "show_kpis"]

KPI_MIMETYPE = "application/vnd.loyalty.kpi+json"


def kpi(
    label: str,
    value: float | None,
    *,
    text: str,
    interval: tuple[str, str] | None = None,
    confidence: float = 0.95,
    base: int | None = None,
    base_unit: str = "answers",
    note: str = "",
    bounds: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """One key figure: its label, raw value, how to print it, its interval and its base.

    Parameters
    ----------
    label
        What is measured, for a manager ("Net Promoter Score").
    value
        The raw number (kept in ``summary.json`` for scheduled comparisons).
    text
        The value as printed ("+24.3", "67.9%").
    interval
        The printed bounds of its confidence interval, when it is a sample estimate.
    confidence
        The interval's confidence level.
    base
        How many observations it rests on, and ``base_unit`` what they are.
    note
        A short reading ("known, but must improve").
    bounds
        The raw bounds of the interval (same scale as ``value``), kept as
        ``interval_values`` for the index's comparison with the previous run
        (:mod:`loyalty_lib.reporting.since_last`); without them the printed bounds are read
        back.

    Examples
    --------
    >>> kpi("Net Promoter Score", 24.3, text="+24.3", interval=("+21.5", "+27.0"), base=3047)
    ... # doctest: +NORMALIZE_WHITESPACE
    {'label': 'Net Promoter Score', 'value': 24.3, 'text': '+24.3',
     'interval': ['+21.5', '+27.0'], 'confidence': 0.95, 'base': 3047,
     'base_unit': 'answers', 'note': ''}
    """
    if not label or not text:
        raise ValueError("kpi: label and text are required")
    if value is not None and not math.isfinite(float(value)):
        value = None
    out = {
        "label": str(label),
        "value": None if value is None else float(value),
        "text": str(text),
        "interval": None if interval is None else [str(interval[0]), str(interval[1])],
        "confidence": float(confidence),
        "base": None if base is None else int(base),
        "base_unit": str(base_unit),
        "note": str(note),
    }
    if bounds is not None:
        out["interval_values"] = [float(bounds[0]), float(bounds[1])]
    return out


def _markdown(items: list[dict[str, Any]]) -> str:
    """The figures as a Markdown list, in the language of :func:`loyalty_lib.i18n.set_language`."""
    from loyalty_lib.i18n import current
    from loyalty_lib.reporting.index import _base_text

    tr = current()
    lines = []
    for item in items:
        detail = []
        if item["interval"]:
            detail.append(
                tr.gettext("{level} interval {lower} to {upper}").format(
                    level=tr.percent(item["confidence"], 0),
                    lower=item["interval"][0],
                    upper=item["interval"][1],
                )
            )
        if item["base"] is not None:
            detail.append("n = " + _base_text(tr, item["base"], item["base_unit"]))
        extra = f" ({'; '.join(detail)})" if detail else ""
        note = f": {item['note']}" if item["note"] else ""
        lines.append(f"- **{item['label']}**: {item['text']}{extra}{note}")
    return "**" + tr.gettext("Key figures") + "**\n\n" + "\n".join(lines)


def show_kpis(*items: dict[str, Any]) -> None:
    """Display key figures for the report index (and as a Markdown list in the notebook)."""
    from IPython.display import display

    for item in items:
        if not isinstance(item, dict) or "label" not in item:
            raise TypeError("show_kpis: pass figures made with loyalty_lib.reporting.kpi.kpi(...)")
    display({KPI_MIMETYPE: list(items), "text/markdown": _markdown(list(items))}, raw=True)
