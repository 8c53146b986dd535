"""Executed notebooks to stakeholder pages: no code, no external request, untrusted text
escaped; and what the index takes from a page (its headline and key figures).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["notebook_to_html"]


_TEMPLATES = Path(__file__).resolve().parent / "templates"


def notebook_to_html(notebook: str | Path, *, title: str | None = None, footer: str = "") -> str:
    """Render an executed notebook as a stakeholder page: no code, no external requests.

    Code inputs and prompts are removed, warnings printed to stderr are dropped, outputs are
    reduced to presentational HTML with untrusted markup escaped
    (:mod:`loyalty_lib.reporting.html_safety`), and the page carries the Content-Security-Policy
    :data:`~loyalty_lib.reporting.html_safety.CSP`, which forbids scripts and remote resources.
    """
    import nbformat
    from nbconvert import HTMLExporter

    from loyalty_lib.reporting.html_safety import CSP, sanitize_notebook

    nb = nbformat.read(str(notebook), as_version=4)
    sanitize_notebook(nb)
    if title:
        nb.metadata["title"] = title  # the page title; the template escapes it
    exporter = HTMLExporter(
        template_name="stakeholder",
        extra_template_basedirs=[str(_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    resources = {"loyalty_footer": footer, "loyalty_csp": CSP}  # read by the template
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def _headline(notebook: Path) -> str | None:
    """The text output of the cell tagged ``headline`` (markdown or plain text)."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if "headline" not in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in ("text/markdown", "text/plain"):
                if mime in data:
                    text = data[mime]
                    return "".join(text) if isinstance(text, list) else str(text)
    return None


def _kpis(notebook: Path) -> list[dict[str, Any]]:
    """Key figures shown with :func:`loyalty_lib.reporting.kpi.show_kpis`, in notebook order."""
    import nbformat

    from loyalty_lib.reporting.kpi import KPI_MIMETYPE

    nb = nbformat.read(str(notebook), as_version=4)
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            items = output.get("data", {}).get(KPI_MIMETYPE)
            if isinstance(items, list):
                found += [dict(i) for i in items if isinstance(i, dict) and "label" in i]
    return found
