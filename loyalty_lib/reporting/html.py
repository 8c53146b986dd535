"""Executed notebooks to stakeholder pages: no code, no external request, untrusted text
escaped; and what the index takes from a page (its headline and key figures).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["notebook_language", "notebook_to_html"]


_TEMPLATES = Path(__file__).resolve().parent / "templates"


def notebook_to_html(
    notebook: str | Path,
    *,
    title: str | None = None,
    footer: str = "",
    language: str | None = None,
) -> str:
    """Render an executed notebook as a stakeholder page: no code, no external requests.

    ``<html lang>`` and the page's own words are in ``language``; by default the
    ``language`` parameter the notebook ran with (:func:`notebook_language`).

    Code inputs and prompts are removed, warnings printed to stderr are dropped, outputs are
    reduced to presentational HTML with untrusted markup escaped
    (:mod:`loyalty_lib.reporting.html_safety`), and the page carries the Content-Security-Policy
    :data:`~loyalty_lib.reporting.html_safety.CSP`, which forbids scripts and remote resources.
    """
    import nbformat
    from nbconvert import HTMLExporter

    from loyalty_lib.i18n import check_language, use_language
    from loyalty_lib.reporting.html_safety import CSP, sanitize_notebook

    nb = nbformat.read(str(notebook), as_version=4)
    language = check_language(language) if language else _language_of(nb)
    tr = use_language(language)
    sanitize_notebook(nb, tr)
    if title:
        nb.metadata["title"] = title  # the page title; the template escapes it
    exporter = HTMLExporter(
        template_name="stakeholder",
        extra_template_basedirs=[str(_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=language,
    )
    # cells tagged analyst-only (the English title a translated notebook opens with in
    # JupyterLab) are not on the page: its translated title is an output further down
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"analyst-only"}, enabled=True), enabled=True
    )
    resources = {  # read by the template
        "loyalty_footer": footer,
        "loyalty_csp": CSP,
        "loyalty_nav": tr.gettext("All reports of this run"),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def _language_of(nb: Any) -> str:
    """The ``language`` parameter an executed notebook ran with (papermill's record), else
    its parameters cell's default; English when it has none."""
    import ast

    from loyalty_lib.i18n import check_language

    ran = nb.metadata.get("papermill", {}).get("parameters", {})
    if ran.get("language"):
        return check_language(ran["language"])
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            for node in ast.parse(cell.source).body:
                target = getattr(node, "target", None)
                if getattr(target, "id", None) == "language" and node.value is not None:
                    return check_language(ast.literal_eval(node.value))
    return "en"


def notebook_language(notebook: str | Path) -> str:
    """The language a notebook ran in (its ``language`` parameter; English without one)."""
    import nbformat

    return _language_of(nbformat.read(str(notebook), as_version=4))


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
