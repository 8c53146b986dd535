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

__all__ = ["index_html"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _template():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template("index.html.j2")


def _interval_text(item: dict[str, Any]) -> str:
    level = item.get("confidence")
    prefix = f"{float(level):.0%}: " if isinstance(level, int | float) else ""
    return f"{prefix}{item['interval'][0]} to {item['interval'][1]}"


def _kpi_rows(summary: Any) -> list[dict[str, str]]:
    """The executive summary: every key figure of the run, each linked to its report."""
    rows = []
    for r in summary.reports:
        for item in r.kpis:
            base = item.get("base")
            rows.append(
                {
                    "href": r.html or "",
                    "label": str(item.get("label", "")),
                    "report": r.title,
                    "text": str(item.get("text", "")),
                    "interval": _interval_text(item) if item.get("interval") else "",
                    "base": f"{base:,} {item.get('base_unit', '')}" if base is not None else "",
                    "note": str(item.get("note", "")),
                }
            )
    return rows


def _headline_html(text: str | None) -> str:
    """Markdown to HTML with any raw HTML escaped (headlines quote untrusted names), cleaned."""
    import mistune

    from loyalty_lib.reporting.html_safety import clean_html

    if not text:
        return "<p>(no headline)</p>"
    return clean_html(mistune.create_markdown(escape=True)(text))


def _status(summary: Any) -> str:
    failed = summary.failed
    not_run = [r for r in failed if r.status == "not run"]
    if not failed:
        status = "All reports ran successfully."
    elif not_run:
        status = (
            f"{len(failed) - len(not_run)} of {len(summary.reports)} reports failed and "
            f"{len(not_run)} were not run; the last complete run is still at reports/latest."
        )
    else:
        status = (
            f"{len(failed)} of {len(summary.reports)} reports failed; "
            "the last complete run is still at reports/latest."
        )
    if not getattr(summary, "complete", True):
        status += (
            " This run covers part of the configuration (--only): it never replaces reports/latest."
        )
    if summary.inputs_changed:
        status += (
            f" Input files changed while the run was going on "
            f"({', '.join(summary.inputs_changed[:5])}): its results are not trusted."
        )
    elif summary.inputs:
        status += f" {len(summary.inputs)} input files were unchanged by the run (SHA-256)."
    return status


def index_html(summary: Any, describe_error: Any) -> str:
    """The index page of a run (:class:`~loyalty_lib.reporting.runner.RunSummary`)."""
    from loyalty_lib.reporting.html_safety import CSP

    reports = [
        {
            "href": r.html,
            "title": r.title,
            "ok": r.status == "ok",
            "headline_html": _headline_html(r.headline) if r.status == "ok" else None,
            "error": describe_error(r.error) if r.status != "ok" else None,
            "name": r.name,
            "seconds": f"{r.seconds:.1f}",
        }
        for r in summary.reports
    ]
    return _template().render(
        csp=CSP,
        run_id=summary.run_id,
        started=summary.started,
        seconds=f"{summary.seconds:.0f}",
        status=_status(summary),
        kpis=_kpi_rows(summary),
        reports=reports,
    )
