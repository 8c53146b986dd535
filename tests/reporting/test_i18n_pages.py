"""Pages in Russian: no English left by the translated notebooks, <html lang>, the index, and
reports.yaml's `language`."""

from __future__ import annotations

import html
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from loyalty_lib.errors import ReportConfigError
from loyalty_lib.reporting.config import _resolve_parameters, load_config
from loyalty_lib.reporting.html import notebook_to_html
from loyalty_lib.reporting.index import index_html

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [
    "data_overview",
    "cohort_retention",
    "pareto_customers",
    "nps_survey",
    "loyalty_drivers",
]
#: Words that stay as they are on a Russian page: units and acronyms.
ALLOWED = {"NPS", "UTC", "CDNOW", "SHA", "Rocks"}  # Rocks: the author cited (Rocks 2016)
# loyalty_drivers: the model's notation P(alive) and the file names of the run's private
# folder (private/reminders.csv), which the reader opens by that name
ALLOWED |= {"alive", "private", "reminders"}
#: The parameters reports.yaml gives the demo reports that differ from the defaults: the
#: event log, so the "Did it work?" section and the NPS trend's events run in Russian too.
DEMO_PARAMETERS = {
    "loyalty_drivers": {"events_source": "demo"},
    "nps_survey": {"events_source": "demo"},
}
#: The loyalty-drivers cells of "Did it work?" and the call-back lists (cell ids).
EVENT_CELLS = ("d1d0e001", "d1d0e002", "d1d0e003", "d1d0e004", "c7a1b0d1", "c7a1b0d2")


def _data_words() -> set[str]:
    """Column names and text values of the demo inputs: data, not the page's own words."""
    from loyalty_lib.inputs.datasets import load_sales, load_survey

    words = set()
    for frame in (load_sales("demo"), load_survey("demo")):
        words |= {str(c) for c in frame.columns}
        for column in frame.columns:
            if frame[column].dtype == object or str(frame[column].dtype) in ("string", "str"):
                words |= {str(v) for v in frame[column].dropna().unique()[:1000]}
        words |= {"True", "False"}
    return {w for text in words for w in re.findall(r"[A-Za-z]+", text)}


def _page_text(nb) -> str:
    """What the page shows in its Markdown and HTML outputs, tags and styles removed."""
    shown = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in ("text/markdown", "text/html"):
                if mime in data:
                    text = re.sub(r"<style.*?</style>", " ", "".join(data[mime]), flags=re.S)
                    shown.append(html.unescape(re.sub(r"<[^>]+>", " ", text)))
    return "\n".join(shown)


def _event_labels() -> list[str]:
    """The labels of the demo's event log: data (the shop's own words), shown as written."""
    from loyalty_lib.inputs.datasets import load_events

    return sorted(load_events("demo")["label"], key=len, reverse=True)


def _shown_text(cell) -> str:
    """The text of a cell's Markdown and HTML outputs, tags and styles removed."""
    parts = []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        for mime in ("text/markdown", "text/html"):
            if mime in data:
                text = re.sub(r"<style.*?</style>", " ", "".join(data[mime]), flags=re.S)
                parts.append(html.unescape(re.sub(r"<[^>]+>", " ", text)))
    return "\n".join(parts)


def without_data_text(text: str) -> str:
    """The text without what is data, not the page's words: the event log's labels (the
    shop's own words, shown as written) and the private folder's file names
    (private/detractors.csv), which the analyst opens by that name."""
    for label in _event_labels():
        text = text.replace(label, " ")
    return re.sub(r"private/[\w.-]+", " ", text)


def _english_words(nb) -> list[str]:
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in ("text/markdown", "text/html"):
                if mime not in data:
                    continue
                text = "".join(data[mime])
                text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
                text = html.unescape(re.sub(r"<[^>]+>", " ", text))
                found += re.findall(r"\b[A-Za-z]{4,}\b", without_data_text(text))
    return found


@pytest.fixture(scope="module")
def russian_runs(tmp_path_factory, page_runner):
    """Each translated notebook in Russian, with the demo reports' parameters and its own
    private folder (as the runner runs it): name -> executed notebook."""
    out = tmp_path_factory.mktemp("ru")
    done = {}
    for name in TRANSLATED:
        parameters = {**DEMO_PARAMETERS.get(name, {}), "language": "ru"}
        _, done[name] = page_runner(ROOT, out, name, parameters)
    return done


@pytest.mark.parametrize("name", TRANSLATED)
def test_russian_page_has_no_english_outside_data_and_names(russian_runs, name):
    nb = nbformat.read(str(russian_runs[name]), as_version=4)
    allowed = ALLOWED | _data_words()
    left = sorted({w for w in _english_words(nb) if w not in allowed})
    assert left == [], f"{name}: English words on the Russian page: {left}"
    # and the page does say things in Russian, with Russian number forms
    headline = next(c for c in nb.cells if "headline" in c.metadata.get("tags", []))
    shown = "".join(headline.outputs[0]["data"]["text/markdown"])
    assert re.search("[а-я]{4,}", shown) and "\u00a0" in shown, shown


def _figures(text: str, language: str) -> list[float]:
    """Every number of a text, read in its language's forms (1,234.5 / 1\u00a0234,5), sorted:
    word order differs between languages, the figures do not."""
    if language == "en":
        # a sign may stand before the currency symbol: -$3.83
        found = re.findall(r"[-+\u2212]?[$£€]?\d[\d,]*(?:\.\d+)?", text)
        values = [re.sub(r"[$£€,]", "", t) for t in found]
    else:
        found = re.findall(r"[-+\u2212]?\d(?:[\d\u00a0\u202f]*\d)?(?:,\d+)?", text)
        values = [re.sub(r"[\u00a0\u202f]", "", t).replace(",", ".") for t in found]
    return sorted(float(v.replace("\u2212", "-")) for v in values)


def _cells(nb, ids) -> dict[str, str]:
    return {c["id"]: _shown_text(c) for c in nb.cells if c.get("id") in ids}


def test_did_it_work_is_in_russian_with_the_english_figures_and_lists(
    russian_runs, drivers_demo_en
):
    # the demo page in both languages, as reports.yaml runs it (events_source: demo)
    english_private, english_out = drivers_demo_en
    russian_out = russian_runs["loyalty_drivers"]
    english = _cells(nbformat.read(str(english_out), as_version=4), EVENT_CELLS)
    russian = _cells(nbformat.read(str(russian_out), as_version=4), EVENT_CELLS)
    assert set(english) == set(russian) == set(EVENT_CELLS)
    # the section is there, in Russian (the headings are the catalogue's, the stock-out's
    # kind and the campaign's verdict too), and no English-only notice is left
    assert "Сработало ли? События и действия" in russian["d1d0e001"]
    assert "нехватка товара" in russian["d1d0e002"] and "разность разностей" in russian["d1d0e003"]
    assert "Сработала ли кампания?" in russian["d1d0e004"]
    assert "Кому перезвонить" in russian["c7a1b0d1"]
    assert "English" not in " ".join(russian.values())
    for cell in EVENT_CELLS:
        # the same figures: every number of the cell, read in each language's own forms
        assert _figures(russian[cell], "ru") == _figures(english[cell], "en"), cell
    assert len(_figures(english["d1d0e003"], "en")) > 40  # the comparison has its numbers
    # the same call-back lists, byte for byte, in the Russian run's private folder
    russian_private = russian_out.parent / "private" / "loyalty_drivers"
    names = sorted(p.name for p in english_private.iterdir())
    assert {"detractors.csv", "overdue_vips.csv", "unresolved_complaints.csv"} <= set(names)
    assert sorted(p.name for p in russian_private.iterdir()) == names
    for name in names:
        assert (russian_private / name).read_bytes() == (english_private / name).read_bytes()


def test_the_nps_trend_names_the_stock_out_in_russian(russian_runs):
    # data/README.md, effect 2: the East stock-out, 2024-06-01 to 2024-06-30
    nb = nbformat.read(str(russian_runs["nps_survey"]), as_version=4)
    trend = next(c for c in nb.cells if c.get("id") == "595d63bc")
    text = _shown_text(trend)
    assert "Отмечены события: Stock-out in East (June 2024) (нехватка товара, с 1 июня 2024" in text


@pytest.mark.parametrize("name", TRANSLATED)
def test_russian_page_declares_its_language(russian_runs, name):
    page = notebook_to_html(russian_runs[name], title="t")
    assert '<html lang="ru">' in page
    assert "Все отчёты этого запуска" in page
    assert "Data audit" not in page and "Cohort retention:" not in page  # analyst-only title


def test_index_is_in_the_reports_language():
    report = SimpleNamespace(
        name="r", title="T", status="ok", seconds=1.0, html="r.html", headline="**x**",
        kpis=[{"label": "L", "text": "25,6 %", "interval": ["24,4 %", "26,8 %"],
               "confidence": 0.95, "base": 5, "base_unit": "customers", "note": ""}],
        error=None, parameters={"language": "uk"},
    )  # fmt: skip
    summary = SimpleNamespace(
        run_id="x",
        started="2026-01-01T00:00:00",
        seconds=3.0,
        reports=[report],
        failed=[],
        inputs_changed=[],
        inputs=[{"path": "a"}, {"path": "b"}],
    )
    page = index_html(summary, str)
    assert '<html lang="uk">' in page
    # 5 -> "5 клієнтів" (many), 2 files -> "2 вхідні файли" (few)
    assert "5 клієнтів" in page and "2 вхідні файли не змінилися" in page
    assert "Зведення для керівника" in page and "Executive summary" not in page
    assert '<html lang="en">' in index_html(summary, str, language="en")


def _config(tmp_path: Path, top: str, report_language: str | None = None) -> Path:
    params = {"sales_source": "demo"}
    if report_language:
        params["language"] = report_language
    lines = [f"language: {top}"] if top else []
    lines += ["reports:"]
    for name, nb in (("co", "cohort_retention"), ("nps", "nps_survey")):
        lines += [f"  - name: {name}", f"    notebook: {ROOT}/notebooks/{nb}.ipynb"]
    if report_language:
        lines += ["    parameters:", f"      language: {report_language}"]
    path = tmp_path / "reports.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_top_level_language_reaches_every_report_that_declares_it(tmp_path):
    config = load_config(_config(tmp_path, "be"))
    params = {s.name: s.parameters for s in config.reports}
    assert params["co"] == {"language": "be"}
    assert params["nps"] == {"language": "be"}  # nps_survey is translated too
    resolved = _resolve_parameters(config.reports, {None: {"language": "uk"}})
    assert resolved["co"]["language"] == "uk"  # -p language=... wins


@pytest.mark.parametrize("bad", ["de", "russian"])
def test_an_unshipped_language_is_a_config_error(tmp_path, bad):
    with pytest.raises(ReportConfigError, match=rf"{bad!r} is not a shipped language"):
        load_config(_config(tmp_path, bad))
    config = load_config(_config(tmp_path, "ru"))
    with pytest.raises(ReportConfigError, match="report co: language"):
        _resolve_parameters(config.reports, {None: {"language": bad}})


def test_the_allow_list_holds_data_words_only():
    # built from the demo's column names and values; no word of the page's own text
    words = _data_words()
    assert {"customer", "region"} <= {w.lower() for w in words}
    assert not {"customers", "cohort", "retention", "interval", "figures"} & words


# --- months in the case the sentence asks for, never ISO (issue 16) -----------------------

#: Russian month names in the nominative; after "с", "до", "от", "относительно", "после" a
#: month takes the genitive ("с февраля 2023"), by any Russian grammar. "по" (up to and
#: including) takes the accusative, which is the nominative for these names: "по декабрь".
NOMINATIVE = "январь|февраль|март|апрель|май|июнь|июль|август|сентябрь|октябрь|ноябрь|декабрь"
ISO_MONTH = re.compile(r"\b(?:19|20)\d\d-(?:0[1-9]|1[0-2])\b(?!-\d)|\b(?:19|20)\d\d-?Q[1-4]\b")


@pytest.mark.parametrize("name", TRANSLATED)
def test_russian_page_months_follow_their_preposition_and_are_never_iso(russian_runs, name):
    text = _page_text(nbformat.read(str(russian_runs[name]), as_version=4))
    wrong = re.findall(rf"\b(?:с|до|от|относительно|после)\s+(?:{NOMINATIVE})\b", text, re.I)
    assert wrong == [], f"{name}: a nominative month after a preposition: {wrong[:3]}"
    assert ISO_MONTH.findall(text) == [], f"{name}: ISO months: {ISO_MONTH.findall(text)[:5]}"


def test_russian_nps_page_names_its_span_in_the_genitive(russian_runs):
    # the demo survey's waves run from February 2023 to December 2024 (data/README.md):
    # "с февраля 2023 по декабрь 2024" (genitive after "с", accusative after "по")
    text = _page_text(nbformat.read(str(russian_runs["nps_survey"]), as_version=4))
    assert "с февраля 2023 по декабрь 2024" in text
    assert "с февраль" not in text
    # the trend table's month column: the month alone, nominative, not "2023-02"
    assert "февраль 2023" in text and "2023-02" not in text
