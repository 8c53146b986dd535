"""Since the last run: every key figure against the previous complete run of its report.

The previous run of a report is found among the run folders beside this one
(``reports/<run-id>/summary.json``): the latest run started before this one that covers the
whole configuration (``complete``) and in which that report succeeded. Figures are matched
by their label (a label carries the parameters that change what is measured).

Whether a change is beyond noise (exact)
----------------------------------------
For a figure with a value, a confidence interval and a base in both runs, the standard
error of each value is read back from its interval, ``se = (upper - lower) / (2 z)`` with
``z`` the normal quantile of ``(1 + confidence) / 2``, and the change is tested with the
two-sample z-test ``z = (now - before) / sqrt(se_now² + se_before²)``, two-sided. The
p-values of every figure tested on one index form one family, adjusted with Holm's
step-down method; a change is *beyond noise* when its adjusted p-value is below ``alpha``.
Two runs of one growing log share most customers, so the two values are positively
correlated and the test is conservative (it calls fewer changes real than an exact paired
test would). Figures without an interval (counts, model outputs) show the change only,
labelled as not tested.

Interval bounds are the raw ``interval_values`` when the figure carries them, else the
printed ``interval`` read back as numbers (in the language of the run: "1,234.5" or
"1 234,5"; a bound printed with "%" is a percentage of the raw share). A read-back interval
that does not contain its own value is not used.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from statistics import NormalDist
from typing import Any

__all__ = ["FigureChange", "change_text", "figure_changes", "previous_reports", "since_last"]


@dataclass
class FigureChange:
    """One key figure against its previous run (``tested`` when an interval allowed it)."""

    report: str
    label: str
    previous_run: str
    previous_text: str
    change: float
    percent: bool  # the figure is a share printed as a percentage: change in points
    digits: int  # decimals of the printed figure, for the change
    tested: bool
    p_value: float = math.nan
    p_value_adjusted: float = math.nan
    beyond_noise: bool = False


# -- reading printed figures back ---------------------------------------------------------

_EN = re.compile(r"[-+\u2212]?\d[\d,]*(?:\.\d+)?")
_LOCAL = re.compile(r"[-+\u2212]?\d(?:[\d\u00a0\u202f ]*\d)?(?:,\d+)?")


def _read_number(text: Any, language: str = "en") -> tuple[float, int, bool] | None:
    """The first number of a printed figure: (value, decimals, printed as a percentage).

    >>> _read_number("$1,234.50 per customer")
    (1234.5, 2, False)
    >>> _read_number("24,3\u00a0%", "ru"), _read_number("+12.0")
    ((0.243, 1, True), (12.0, 1, False))
    """
    text = str(text)
    match = (_EN if language == "en" else _LOCAL).search(text)
    if match is None:
        return None
    token = match.group(0).replace("\u2212", "-")
    if language == "en":
        token = token.replace(",", "")
    else:
        token = re.sub(r"[\u00a0\u202f ]", "", token).replace(",", ".")
    digits = len(token.split(".")[1]) if "." in token else 0
    value = float(token)
    percent = "%" in text[match.end() : match.end() + 3]
    return (value / 100 if percent else value), digits, percent


def _bounds(item: dict[str, Any], language: str) -> tuple[float, float] | None:
    """The raw interval of a figure, or None when it has none that can be trusted."""
    value = item.get("value")
    raw = item.get("interval_values")
    if raw is not None:
        lower, upper = float(raw[0]), float(raw[1])
        tolerance = 0.0
    elif item.get("interval"):
        read = [_read_number(b, language) for b in item["interval"]]
        if None in read:
            return None
        (lower, d1, p1), (upper, d2, _) = read  # type: ignore[misc]
        # half a unit of the last printed digit, on the raw scale
        tolerance = 0.5 * 10.0 ** -max(d1, d2) * (0.01 if p1 else 1.0)
    else:
        return None
    if value is None or not all(map(math.isfinite, (lower, upper, float(value)))):
        return None
    if not lower - tolerance <= float(value) <= upper + tolerance or upper < lower:
        return None  # the printed interval is not one of this value: do not test with it
    return lower, upper


def _standard_error(item: dict[str, Any], language: str) -> float | None:
    bounds = _bounds(item, language)
    confidence = item.get("confidence")
    if bounds is None or not isinstance(confidence, int | float) or not 0 < confidence < 1:
        return None
    z = NormalDist().inv_cdf((1 + float(confidence)) / 2)
    return (bounds[1] - bounds[0]) / (2 * z)


# -- finding the previous run --------------------------------------------------------------


def _started(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def previous_reports(
    runs_folder: Path, run_id: str, started: str
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Per report name, the previous complete run in which it succeeded: (run id, report).

    ``runs_folder`` holds one folder per run (``reports/``); runs started at or after
    ``started`` and the run ``run_id`` itself are not candidates; links (``latest``) and
    hidden folders (staging) are skipped, as are unreadable summaries.
    """
    now = _started(started)
    found: dict[str, tuple[datetime, str, dict[str, Any]]] = {}
    try:
        folders = [p for p in Path(runs_folder).iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        return {}
    for folder in folders:
        if folder.name.startswith(".") or folder.name == run_id:
            continue
        try:
            data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        when = _started(data.get("started")) if isinstance(data, dict) else None
        if when is None or data.get("complete") is not True or (now and when >= now):
            continue
        for report in data.get("reports") or []:
            if not isinstance(report, dict) or report.get("status") != "ok":
                continue
            name = str(report.get("name"))
            if name not in found or when > found[name][0]:
                found[name] = (when, str(data.get("run_id", folder.name)), report)
    return {name: (run, report) for name, (_, run, report) in found.items()}


def _language(report: dict[str, Any]) -> str:
    parameters = report.get("parameters")
    language = parameters.get("language") if isinstance(parameters, dict) else None
    return str(language) if language else "en"


# -- the comparison ------------------------------------------------------------------------


def figure_changes(
    reports: list[dict[str, Any]],
    previous: dict[str, tuple[str, dict[str, Any]]],
    *,
    alpha: float = 0.05,
) -> dict[tuple[str, str], FigureChange]:
    """Every key figure of ``reports`` against ``previous`` (see :func:`previous_reports`).

    ``reports`` are the reports of this run as dictionaries (``name``, ``status``,
    ``kpis``, ``parameters``). Returns the changes keyed by (report name, figure label);
    figures with no previous value are absent. The tested ones share one Holm family.
    """
    from loyalty_lib.stats.multiple import adjust_p_values

    changes: dict[tuple[str, str], FigureChange] = {}
    normal = NormalDist()
    for report in reports:
        if report.get("status") != "ok" or report.get("name") not in previous:
            continue
        run, before = previous[report["name"]]
        old = {str(k.get("label")): k for k in before.get("kpis") or [] if isinstance(k, dict)}
        language_now, language_before = _language(report), _language(before)
        for item in report.get("kpis") or []:
            label = str(item.get("label"))
            past = old.get(label)
            if past is None or item.get("value") is None or past.get("value") is None:
                continue
            printed = _read_number(item.get("text", ""), language_now)
            percent = bool(printed and printed[2])
            change = FigureChange(
                report=str(report["name"]),
                label=label,
                previous_run=run,
                previous_text=str(past.get("text", "")),
                change=float(item["value"]) - float(past["value"]),
                percent=percent,
                digits=printed[1] if printed else 1,
                tested=False,
            )
            se_now = _standard_error(item, language_now)
            se_before = _standard_error(past, language_before)
            bases = item.get("base") is not None and past.get("base") is not None
            if se_now is not None and se_before is not None and bases:
                spread = math.hypot(se_now, se_before)
                if spread > 0:
                    z = change.change / spread
                    change.tested = True
                    change.p_value = 2 * (1 - normal.cdf(abs(z)))
            changes[(change.report, label)] = change
    tested = [c for c in changes.values() if c.tested]
    if tested:
        adjusted = adjust_p_values([c.p_value for c in tested], "holm")
        for c, p in zip(tested, adjusted, strict=True):
            c.p_value_adjusted = float(p)
            c.beyond_noise = bool(p < alpha)
    return changes


def since_last(summary: Any, *, alpha: float = 0.05) -> dict[tuple[str, str], FigureChange]:
    """The changes of a run (:class:`~loyalty_lib.reporting.runner.RunSummary`) since the
    previous complete run of each of its reports, found beside its folder."""
    from dataclasses import asdict, is_dataclass

    folder = getattr(summary, "folder", None)
    if folder is None:
        return {}
    reports = [
        asdict(r) if is_dataclass(r) else dict(r) if isinstance(r, dict) else dict(vars(r))
        for r in summary.reports
    ]
    previous = previous_reports(Path(folder).parent, summary.run_id, str(summary.started))
    return figure_changes(reports, previous, alpha=alpha)


def _p_text(tr: Any, p: float) -> str:
    if p < 0.001:
        return "< " + tr.number(0.001, 3)
    return tr.number(float(f"{p:.2g}"))


def change_text(change: FigureChange, tr: Any) -> str:
    """The change as the index shows it, in the language of the translator ``tr``."""
    if change.percent:
        amount = tr.points(change.change * 100, 1) + " " + tr.gettext("pp")
    else:
        amount = tr.points(change.change, change.digits)
    if not change.tested:
        return tr.gettext("{change} from {previous} (no interval: change only, not tested)").format(
            change=amount, previous=change.previous_text
        )
    if change.beyond_noise:
        text = tr.gettext("{change} from {previous}: beyond noise (Holm-adjusted p = {p})")
    else:
        text = tr.gettext("{change} from {previous}: within noise (Holm-adjusted p = {p})")
    return text.format(
        change=amount, previous=change.previous_text, p=_p_text(tr, change.p_value_adjusted)
    )
