"""Pages of a run on hostile data (issue 18, "Done when"): contacts in comments, segment
values, column names and chart labels, written plainly, as HTML entities and with invisible
characters; customer ids in a column with another name. The NPS and data-audit notebooks run
in real kernels (papermill), their pages are made by the runner's step
(:func:`loyalty_lib.reporting.html.notebook_to_html`), and the final HTML is scanned. PNG
pixels cannot be scanned, so every matplotlib text is recorded as it is drawn, after the
chart masking the runner installs (:data:`~loyalty_lib.reporting.chart_safety.KERNEL_SETUP_CODE`),
and the records are scanned instead."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from pathlib import Path

import nbformat
import papermill
import pytest

from loyalty_lib.inputs.datasets import load_sales, load_survey
from loyalty_lib.reporting.chart_safety import KERNEL_SETUP_CODE
from loyalty_lib.reporting.html import notebook_to_html

pytestmark = pytest.mark.slow  # two notebooks in real kernels: about a minute

ROOT = Path(__file__).resolve().parents[2]
CONTACTS = [
    "carl&#64;example.com",
    "dora&#x40;example.com",
    "bob\u200b@example.com",
    "\u202emoc.elpmaxe@nahtan",
    "anna.k@example.com",
    "call 020 7946 0001",
    "(555) 123-4567",
    "+375 29 123-45-67",
    "+44 20 7946 0958",
]
HOSTILE_DRIVER = "support anna.k@example.com"  # a column name that becomes a chart label
# What must not be seen, as a reader would read it (independent of the library's patterns)
FORBIDDEN = re.compile(
    r"[\w.+-]@[\w-]+\.|nathan|nahtan|7946|123-4567|123-45-67|\bC\d{5}\b|moc\.elpmaxe"
)

# Records the text of every matplotlib Text as drawn (after the masking installed above it).
RECORDER = """
import json as _json, os as _os
from matplotlib.text import Text as _Text
_drawn = _Text.draw
def _recording_draw(self, renderer, *args, **kwargs):
    result = _drawn(self, renderer, *args, **kwargs)
    with open(_os.environ["LOYALTY_TEST_CHART_LOG"], "a", encoding="utf-8") as _log:
        _log.write(_json.dumps(self.get_text()) + "\\n")
    return result
_Text.draw = _recording_draw
"""


def visible(page: str) -> str:
    """The page's text as a browser shows it: no style blocks or tags, entities decoded, NFKC,
    format characters (zero-width, bidi) removed."""
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S | re.I)
    text = unicodedata.normalize("NFKC", html.unescape(re.sub(r"<[^>]*>", " ", page)))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _hostile_data(folder: Path) -> tuple[Path, Path]:
    survey = load_survey("demo")
    survey["comment"] = [CONTACTS[i % len(CONTACTS)] for i in range(len(survey))]
    survey = survey.rename(columns={"support": HOSTILE_DRIVER})
    survey["channel"] = survey["channel"].replace({"organic": "dora&#x40;example.com"})
    survey["KundenRef"] = survey["customer_id"]  # ids under another name
    sales = load_sales("demo")
    sales["region"] = sales["region"].replace({"North": "carl&#64;example.com"})
    sales["CustomerRef"] = sales["customer_id"]
    sales = sales.rename(columns={"channel": "channel (+44 20 7946 0958)"})
    survey_path, sales_path = folder / "survey.parquet", folder / "sales.parquet"
    survey.to_parquet(survey_path, index=False)
    sales.to_parquet(sales_path, index=False)
    return survey_path, sales_path


def _run(notebook: str, parameters: dict, folder: Path, log: Path) -> str:
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    setup = nbformat.v4.new_code_cell(KERNEL_SETUP_CODE + RECORDER)
    setup.id = "hostile-test-setup"
    nb.cells.insert(0, setup)
    source = folder / f"in_{notebook}"
    nbformat.write(nb, source)
    executed = folder / notebook
    papermill.execute_notebook(
        str(source),
        str(executed),
        parameters=parameters,
        kernel_name="loyalty",
        cwd=str(ROOT),
        progress_bar=False,
        log_output=False,
    )
    return notebook_to_html(executed)


@pytest.fixture(scope="module")
def pages(tmp_path_factory, monkeypatch_module):
    folder = tmp_path_factory.mktemp("hostile")
    survey, sales = _hostile_data(folder)
    log = folder / "drawn.jsonl"
    monkeypatch_module.setenv("LOYALTY_TEST_CHART_LOG", str(log))
    drivers = f"advertising,website,product,{HOSTILE_DRIVER},delivery"
    nps_page = _run(
        "nps_survey.ipynb",
        {"survey_source": str(survey), "segment_column": "region", "driver_columns": drivers},
        folder,
        log,
    )
    audit_page = _run(
        "data_overview.ipynb",
        {"sales_source": str(sales), "survey_source": str(survey)},
        folder,
        log,
    )
    drawn = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return {"nps": nps_page, "audit": audit_page, "drawn": drawn}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("name", ["nps", "audit"])
def test_the_final_pages_show_no_contact_or_customer_id(pages, name):
    text = visible(pages[name])
    assert "This report stopped" not in text, text[-2000:]
    found = FORBIDDEN.findall(text)
    assert not found, found[:10]
    assert "[e-mail]" in text or "[phone]" in text  # the hostile values did reach the page


def test_every_chart_text_was_masked_when_drawn(pages):
    drawn = pages["drawn"]
    assert len(drawn) > 50  # both notebooks drew charts
    leaks = [t for t in drawn if FORBIDDEN.search(visible(t))]
    assert not leaks, leaks[:10]
    assert any("[e-mail]" in t for t in drawn)  # the hostile touchpoint label was drawn


def test_identifier_columns_are_hidden_on_the_audit_page(pages):
    text = visible(pages["audit"])
    # CustomerRef by its name (hide_identifiers: "(hidden: identifier)"), KundenRef by its values
    hidden = text.count("identifier-like, values hidden") + text.count("(hidden: identifier)")
    assert hidden >= 2
