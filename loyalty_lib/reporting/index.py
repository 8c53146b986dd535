"""The run's index page: every report under its headline, and the executive summary.

The page is the Jinja2 template ``templates/index.html.j2``, rendered with autoescape on so that
report titles, names, error messages and key figures (which can quote untrusted data) are
escaped without a hand-written escape call. Headlines are Markdown: mistune renders them with
raw HTML escaped, nh3 reduces the result to the allowlist of
:func:`~loyalty_lib.reporting.html_safety.clean_html`, and only that cleaned HTML (and the CSP
constant) is marked ``safe``, in the template.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["index_html", "run_language"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _template(language: str = "en"):
    """The index template with Jinja2's i18n extension on the catalogue of ``language``."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from loyalty_lib.i18n import use_language

    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(use_language(language), newstyle=True)
    return env.get_template("index.html.j2")


def _base_text(tr: Any, base: int, unit: str) -> str:
    """A key figure's base with its unit in the right plural form ("5 клиентов")."""
    n = tr.number(base)
    if unit == "answers":
        return tr.ngettext("{n} answer", "{n} answers", base).format(n=n)
    if unit == "customers":
        return tr.ngettext("{n} customer", "{n} customers", base).format(n=n)
    if unit == "orders":
        return tr.ngettext("{n} order", "{n} orders", base).format(n=n)
    if unit == "cohorts":
        return tr.ngettext("{n} cohort", "{n} cohorts", base).format(n=n)
    return f"{n} {unit}".strip()


def _interval_text(item: dict[str, Any], tr: Any = None) -> str:
    from loyalty_lib.i18n import use_language

    tr = tr or use_language("en")
    level = item.get("confidence")
    prefix = f"{tr.percent(float(level), 0)}: " if isinstance(level, int | float) else ""
    return prefix + tr.interval(item["interval"][0], item["interval"][1])


def _kpi_rows(summary: Any, tr: Any, changes: dict | None = None) -> list[dict[str, str]]:
    """The executive summary: every key figure of the run, each linked to its report, with
    its change since the previous complete run of the report (:mod:`.since_last`)."""
    from loyalty_lib.reporting.since_last import change_text

    changes = changes or {}
    rows = []
    for r in summary.reports:
        for item in r.kpis:
            base = item.get("base")
            rows.append(
                {
                    "href": r.html or "",
                    "label": str(item.get("label", "")),
                    "report": _title(r, tr.language),
                    "text": str(item.get("text", "")),
                    "interval": _interval_text(item, tr) if item.get("interval") else "",
                    "base": _base_text(tr, base, str(item.get("base_unit", "")))
                    if base is not None
                    else "",
                    "note": str(item.get("note", "")),
                    "since": change_text(changes[(r.name, str(item.get("label")))], tr)
                    if (r.name, str(item.get("label"))) in changes
                    else "",
                }
            )
    return rows


def _headline_html(text: str | None, tr: Any = None) -> str:
    """Markdown to HTML with any raw HTML escaped (headlines quote untrusted names), cleaned."""
    import mistune

    from loyalty_lib.reporting.html_safety import clean_html

    if not text:
        return "<p>" + (tr.gettext("(no headline)") if tr else "(no headline)") + "</p>"
    return clean_html(mistune.create_markdown(escape=True)(text))


def _status(summary: Any, tr: Any) -> str:
    failed = summary.failed
    not_run = [r for r in failed if r.status == "not run"]
    n = len(summary.reports)
    if not failed:
        status = tr.gettext("All reports ran successfully.")
    elif not_run:
        status = tr.ngettext(
            "{failed} of {n} report failed or was not run ({not_run} not run); "
            "the last complete run is still at reports/latest.",
            "{failed} of {n} reports failed or were not run ({not_run} not run); "
            "the last complete run is still at reports/latest.",
            n,
        ).format(failed=tr.number(len(failed)), n=tr.number(n), not_run=tr.number(len(not_run)))
    else:
        status = tr.ngettext(
            "{failed} of {n} report failed; the last complete run is still at reports/latest.",
            "{failed} of {n} reports failed; the last complete run is still at reports/latest.",
            n,
        ).format(failed=tr.number(len(failed)), n=tr.number(n))
    if not getattr(summary, "complete", True):
        status += " " + tr.gettext(
            "This run covers part of the configuration (--only): it never replaces reports/latest."
        )
    if summary.inputs_changed:
        status += " " + tr.gettext(
            "Input files changed while the run was going on ({files}): its results are not trusted."
        ).format(files=", ".join(summary.inputs_changed[:5]))
    elif summary.inputs:
        status += " " + tr.ngettext(
            "{n} input file was unchanged by the run (SHA-256).",
            "{n} input files were unchanged by the run (SHA-256).",
            len(summary.inputs),
        ).format(n=tr.number(len(summary.inputs)))
    return status


def _title(report: Any, language: str) -> str:
    """A report's title in the index's language (reports.yaml's title per language), else
    the title of its page."""
    titles = getattr(report, "titles", None) or {}
    return str(titles.get(language) or report.title)


def _error_line(describe_error: Any, error: Any, language: str) -> str:
    """``describe_error(error)`` in ``language`` when it takes one (the runner's does)."""
    import inspect

    try:
        takes_language = "language" in inspect.signature(describe_error).parameters
    except (TypeError, ValueError):  # a builtin such as str
        takes_language = False
    return describe_error(error, language=language) if takes_language else describe_error(error)


def run_language(summary: Any) -> str:
    """The language of a run's index: the one most of its reports were written in.

    Reports without a ``language`` parameter (not translated yet) do not count; a run
    without any is English.
    """
    from collections import Counter

    from loyalty_lib.i18n import check_language

    found = Counter(
        check_language(r.parameters["language"])
        for r in summary.reports
        if isinstance(getattr(r, "parameters", None), dict) and r.parameters.get("language")
    )
    return found.most_common(1)[0][0] if found else "en"


def index_html(summary: Any, describe_error: Any, language: str | None = None) -> str:
    """The index page of a run (:class:`~loyalty_lib.reporting.runner.RunSummary`).

    In ``language``; by default the one of :func:`run_language` (the reports' own).
    """
    from loyalty_lib.i18n import check_language, use_language
    from loyalty_lib.reporting.html_safety import CSP
    from loyalty_lib.reporting.since_last import since_last

    language = check_language(language) if language else run_language(summary)
    tr = use_language(language)
    changes = since_last(summary)
    tested = sum(c.tested for c in changes.values())
    since_note = (
        tr.gettext(
            "Since the last run: each key figure against the same report in its previous "
            "complete run ({runs}). A two-sample z-test on the two values, the standard errors "
            "read from their intervals, Holm-adjusted over the {n} figures tested; the two runs "
            "share most customers, which makes the test conservative."
        ).format(
            runs=", ".join(sorted({c.previous_run for c in changes.values()})),
            n=tr.number(tested),
        )
        if changes
        else ""
    )
    reports = [
        {
            "href": r.html,
            "title": _title(r, language),
            "ok": r.status == "ok",
            "headline_html": _headline_html(r.headline, tr) if r.status == "ok" else None,
            "error": _error_line(describe_error, r.error, language) if r.status != "ok" else None,
            "name": r.name,
            "seconds": tr.number(r.seconds, 1),
        }
        for r in summary.reports
    ]
    return _template(language).render(
        language=language,
        csp=CSP,
        run_id=summary.run_id,
        started=summary.started,
        seconds=tr.number(round(summary.seconds), 0),
        status=_status(summary, tr),
        kpis=_kpi_rows(summary, tr, changes),
        since_note=since_note,
        reports=reports,
    )
