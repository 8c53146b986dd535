"""Call-back lists (issue 17, item 7): the loyalty-drivers notebook, run with papermill as
the runner runs it ($LOYALTY_PRIVATE_DIR set), writes the detractor, overdue-VIP and
open-complaint lists to the private folder; the page states each file's row count, and no
customer id from any file reaches the executed notebook's outputs or the stakeholder page."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from loyalty_lib.reporting.html import notebook_to_html

LISTS = ("detractors.csv", "overdue_vips.csv", "unresolved_complaints.csv")


@pytest.fixture(scope="module")
def run(drivers_demo_en):
    return drivers_demo_en  # run as reports.yaml runs the demo page (tests/reporting/conftest.py)


def _output_text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for value in output.get("data", {}).values():
                parts.append(value if isinstance(value, str) else str(value))
    return "\n".join(parts)


def test_the_lists_are_written_and_the_page_says_how_many_rows(run):
    private, out = run
    text = _output_text(nbformat.read(str(out), as_version=4))
    for name in LISTS:
        frame = pd.read_csv(private / name, dtype=str)
        assert len(frame) > 0, name  # the demo shop plants detractors, complaints, VIPs
        assert "customer_id" in frame.columns
        assert frame["customer_id"].is_unique, name  # one row per customer
        # the count on the page is the file's own row count, read back independently
        assert re.search(rf"private/{re.escape(name)}: \*\*{len(frame):,} rows\*\*", text), name
    # demo survey, counted with pandas independently of the library: open complaints are
    # answers with complained true and no resolution time, one row per customer
    from loyalty_lib.inputs.datasets import load_survey

    survey = load_survey("demo")
    expected = survey[survey["complained"] & survey["resolution_days"].isna()]
    opened = pd.read_csv(private / "unresolved_complaints.csv", dtype=str)
    assert set(opened["customer_id"]) == set(expected["customer_id"])


def test_no_customer_id_from_the_lists_reaches_the_outputs_or_the_page(run):
    private, out = run
    ids = set()
    for name in LISTS:
        ids |= set(pd.read_csv(private / name, dtype=str)["customer_id"])
    assert ids
    shown = _output_text(nbformat.read(str(out), as_version=4))
    page = notebook_to_html(out)
    leaked = sorted(i for i in ids if re.search(rf"\b{re.escape(i)}\b", shown + page))
    assert leaked == []
    # nor their digits (the browser test's rule): long p-values are written "< 0.001"
    digits = {re.sub(r"\D", "", i) for i in ids} - {""}
    assert not digits & set(re.findall(r"\d{5,}", page))


def test_the_events_section_ran_on_the_demo(run):
    _, out = run
    text = _output_text(nbformat.read(str(out), as_version=4))
    # the planted East stock-out (data/README.md, effect 2) and the reminder's holdout
    assert "Stock-out in East (June 2024)" in text and "difference-in-differences" in text
    assert "Did the campaign work?" in text and "Who came back after" in text
