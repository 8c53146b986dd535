"""The stakeholder pages in a real browser: Debian's headless Chromium driven by selenium,
with the network switched off. Every report of reports.yaml is run on the bundled data and
opened as a manager would open it; a screenshot of each page is saved under
test-artifacts/screenshots/ (or $LOYALTY_SCREENSHOTS) for a person to look at.

The same checks run on a run in each shipped language (`-p language=ru`...): <html lang>,
no English word left outside proper names and the data's own words, no request, no leak."""

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from loyalty_lib.reporting.config import load_config
from loyalty_lib.reporting.runner import run_reports

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("LOYALTY_SCREENSHOTS") or ROOT / "test-artifacts" / "screenshots")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HOOK = (
    "window.__alerts = []; window.alert = window.confirm = window.prompt = "
    "function (m) { window.__alerts.push(String(m)); };"
)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail(
            "Chromium not installed: `make test` installs Debian's chromium and "
            "chromium-driver (apt-get install chromium chromium-driver)"
        )
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,1600",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
    yield driver
    driver.quit()


def _open(driver, page: Path, shot: str | None = None) -> dict:
    """Load a page; return what a manager would meet: alerts, console errors, requests."""
    driver.get_log("browser")
    driver.get_log("performance")  # drop what earlier pages logged
    driver.get(page.as_uri())
    result = {
        "alerts": driver.execute_script("return window.__alerts"),
        "errors": [e for e in driver.get_log("browser") if e["level"] == "SEVERE"],
        "text": driver.execute_script("return document.body.innerText"),
        "images": driver.execute_script(
            "return Array.from(document.images).filter(i => i.naturalWidth > 0).length"
        ),
        "title": driver.title,
    }
    events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    result["requests"] = [
        m["params"]["request"]["url"] for m in events if m["method"] == "Network.requestWillBeSent"
    ]
    if shot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1200, min(max(height, 600), 8000))
        driver.save_screenshot(str(SHOTS / f"{shot}.png"))
        driver.set_window_size(1200, 1600)
    return result


def _external(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file://", "data:"))]


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    summary = run_reports(
        load_config(ROOT / "reports.yaml"),
        output_dir=out,
        run_id="browser",
        progress=False,
        log=lambda *_: None,
        jobs=LANGUAGE_JOBS,  # the pages are the same whatever --jobs (test_parallel_reports)
    )
    assert summary.ok, [(r.name, r.error) for r in summary.failed]
    return summary


def test_every_report_renders_offline_without_errors(browser, real_run):
    pages = [("index", real_run.folder / "index.html")] + [
        (r.name, real_run.folder / r.html) for r in real_run.reports
    ]
    for name, page in pages:
        seen = _open(browser, page, shot=name)
        assert seen["alerts"] == [], name
        assert seen["errors"] == [], (name, seen["errors"])
        assert _external(seen["requests"]) == [], (name, _external(seen["requests"]))
        assert len(seen["text"]) > 200, f"{name}: page looks empty"
        if name != "index":
            assert seen["images"] >= 1, f"{name}: no chart rendered"
            assert seen["title"] == next(r.title for r in real_run.reports if r.name == name)
            assert "def " not in seen["text"] and "import " not in seen["text"], name
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000


def test_script_typed_into_a_comment_shows_as_text_and_never_runs(browser, tmp_path):
    # A survey comment box is untrusted: here it reaches the page through a pandas table and
    # through a data-driven Markdown sentence, the two ways our notebooks show data.
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "loyalty",
        "display_name": "Python (loyalty)",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Comments"),
        nbformat.v4.new_code_cell('source: str = "x"  # unused', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import pandas as pd\nfrom IPython.display import Markdown, display\n"
            "comments = ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>',\n"
            "            '<a href=\"javascript:alert(3)\">click</a>',\n"
            "            '<iframe src=\"https://example.com\"></iframe>']\n"
            "display(pd.DataFrame({'comment': comments}))\n"
            "display(Markdown('Latest comment: ' + ' / '.join(comments)))"
        ),
        nbformat.v4.new_code_cell(
            'display(Markdown("**XSS probe**"))', metadata={"tags": ["headline"]}
        ),
    ]
    nbformat.write(nb, str(tmp_path / "xss.ipynb"))
    (tmp_path / "reports.yaml").write_text(
        "reports:\n  - {name: xss, title: '<script>alert(4)</script>', notebook: xss.ipynb}\n"
    )
    summary = run_reports(
        load_config(tmp_path / "reports.yaml"),
        output_dir=tmp_path / "out",
        progress=False,
        log=lambda *_: None,
    )
    assert summary.ok
    for page in ("xss.html", "index.html"):
        seen = _open(browser, summary.folder / page, shot=f"xss_{page.split('.')[0]}")
        assert seen["alerts"] == [], page
        assert _external(seen["requests"]) == [], page
        assert seen["errors"] == [], page
        assert "<script>alert(4)</script>" in seen["text"] or page == "xss.html"
    text = _open(browser, summary.folder / "xss.html")["text"]
    assert "<script>alert(1)</script>" in text  # shown to the reader as typed
    assert "<img src=x onerror=alert(2)>" in text
    links = browser.execute_script(
        "return Array.from(document.links).map(a => a.getAttribute('href'))"
    )
    assert not any(h and h.lower().startswith("javascript:") for h in links)
    assert browser.execute_script("return document.querySelectorAll('iframe,script').length") == 0


def _customer_ids() -> set[str]:
    from loyalty_lib.inputs.datasets import load_cdnow, load_demo

    # CDNOW ids 10000-23570 cannot be told apart from counts such as "23500 customers";
    # the zero-padded ones (00001-09999) can: a count is never written with a leading zero
    return set(load_demo().customers["customer_id"]) | {
        i for i in load_cdnow()["customer_id"] if i.startswith("0")
    }


def _assert_no_leak(name: str, text: str, ids: set[str]) -> None:
    from loyalty_lib.inputs.privacy import EMAIL

    words = set(re.findall(r"[A-Za-z0-9]+", text))
    assert not words & ids, (name, sorted(words & ids)[:5])
    assert not re.search(r"\bC\d{5}\b", text), name
    assert not EMAIL.search(text), (name, EMAIL.search(text))
    assert not re.search(r"\+\d{1,3}[\s-]?\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}", text), name


def test_report_pages_show_no_customer_ids_emails_or_phones(browser, real_run):
    # Privacy: stakeholder pages show aggregates. Every visible word of every page of a real
    # run is compared with the actual customer ids of the bundled data (demo "C00042",
    # CDNOW "00042"), and searched for e-mail addresses and international phone numbers.
    ids = _customer_ids()
    pages = [real_run.folder / "index.html"] + [real_run.folder / r.html for r in real_run.reports]
    for page in pages:
        _assert_no_leak(page.name, _open(browser, page)["text"], ids)


# --- a run in each language (issue 16) ------------------------------------------------------

#: The Russian run holds every report of reports.yaml, as the English one does: the CDNOW
#: pages take the no-survey branches of the same notebooks (sentences the demo pages never
#: show). Ukrainian and Belarusian run the demo reports, loyalty_drivers included: every
#: notebook in every language, and the catalogue test (tests/test_i18n.py) checks every
#: entry of every language; the CDNOW branches' wording is shared, so running them three
#: times more would cost minutes and check the same code. One run per language, two
#: reports at a time (the pages are the same whatever --jobs).
LANGUAGE_JOBS = 2
FULL_RUN_LANGUAGES = ("ru",)
#: The NPS page's survey span, a month after a preposition: genitive after "с" / "з", the
#: accusative (= nominative) after "по" / "па"; worked from the grammars (the demo survey
#: runs from February 2023 to December 2024).
SPAN = {
    "ru": "с февраля 2023 по декабрь 2024",
    "uk": "з лютого 2023 по грудень 2024",
    "be": "з лютага 2023 па снежань 2024",
}
#: Notebooks still written in English only (no `language` parameter): their pages must say
#: lang="en" (so this entry has to go when the notebook is translated) and their English is
#: not counted, on their page nor in their headline and key figures on the index. Their
#: title on the index is checked: reports.yaml gives it in every language.
UNTRANSLATED: dict[str, str] = {}  # every notebook is translated (issue 16)
#: Written as they are on every page: the run folder's name and the runner's option (not prose).
PATHS = ("reports/latest", "--only")
#: Drops from the index what an UNTRANSLATED report wrote: its key figures' rows and its
#: headline (its title stays: it is the run's language's).
DROP_UNTRANSLATED = """
for (const href of arguments[0]) {
  document.querySelectorAll(`a[href="${href}"]`).forEach(a => {
    const row = a.closest('tr');
    if (row) { row.remove(); return; }
    const item = a.closest('li');
    if (item) Array.from(item.children).forEach(c => {
      if (c.tagName !== 'H2' && !c.classList.contains('meta')) c.remove();
    });
  });
}
return document.body.innerText;
"""


def _untranslated(report) -> bool:
    """Whether the report's notebook (reports.yaml) is listed in UNTRANSLATED."""
    notebooks = {s.name: s.notebook.stem for s in load_config(ROOT / "reports.yaml").reports}
    return notebooks[report.name] in UNTRANSLATED


@pytest.fixture(scope="module")
def language_runs(tmp_path_factory):
    """One run per non-English language, shared by the tests below."""
    out = tmp_path_factory.mktemp("languages")
    config = load_config(ROOT / "reports.yaml")
    runs = {}
    for language in SPAN:
        everything = language in FULL_RUN_LANGUAGES
        summary = run_reports(
            config,
            output_dir=out,
            run_id=language,
            only=None if everything else [s.name for s in config.reports if "demo" in s.name],
            overrides={None: {"language": language}},
            progress=False,
            log=lambda *_: None,
            jobs=LANGUAGE_JOBS,
        )
        assert summary.ok, [(r.name, r.error) for r in summary.failed]
        runs[language] = summary
    return runs


def _english_left(text: str) -> list[str]:
    # the Russian page test's allow-list, and what it removes as data (event labels, files)
    from test_i18n_pages import ALLOWED, _data_words, without_data_text

    text = without_data_text(text)
    for path in PATHS:
        text = text.replace(path, " ")
    allowed = ALLOWED | _data_words()
    return sorted({w for w in re.findall(r"\b[A-Za-z]{4,}\b", text) if w not in allowed})


@pytest.mark.parametrize("language", ["en", "ru", "uk", "be"])
def test_a_run_in_each_language_is_in_that_language(browser, request, language):
    # English: the full run above; the others: language_runs (each made once, if asked for)
    run = request.getfixturevalue("real_run" if language == "en" else "language_runs")
    run = run if language == "en" else run[language]
    ids = _customer_ids()
    pages = [("index", run.folder / "index.html", None)] + [
        (r.name, run.folder / r.html, r) for r in run.reports
    ]
    untranslated = [r.html for r in run.reports if _untranslated(r)]
    for name, page, report in pages:
        shot = f"{language}_nps" if name == "nps_survey_demo" else f"{language}_{name}"
        seen = _open(browser, page, shot=shot)
        lang = browser.execute_script("return document.documentElement.lang")
        expected = "en" if report is not None and _untranslated(report) else language
        assert lang == expected, (language, name, lang)
        assert _external(seen["requests"]) == [], (name, _external(seen["requests"]))
        assert seen["alerts"] == [] and seen["errors"] == [], (name, seen["errors"])
        _assert_no_leak(f"{language}/{name}", seen["text"], ids)
        if language == "en" or expected == "en":
            continue
        text = browser.execute_script(DROP_UNTRANSLATED, untranslated if name == "index" else [])
        assert _english_left(text) == [], (language, name, _english_left(text))
        assert re.search("[а-яіўєї]{4,}", text), f"{language}/{name}: no Cyrillic word"
        if report is not None:
            assert seen["title"] == report.title and re.search("[А-Яа-яІЎЄЇіўєї]", report.title)
        if name == "nps_survey_demo":
            assert SPAN[language] in text, (language, "the survey span's month forms")
    if language != "en":
        # every report of reports.yaml (uk, be: every demo report) was run and opened
        names = [s.name for s in load_config(ROOT / "reports.yaml").reports]
        if language not in FULL_RUN_LANGUAGES:
            names = [n for n in names if "demo" in n]
        assert sorted(r.name for r in run.reports) == sorted(names), language
        notebook_of = {s.name: s.notebook.stem for s in load_config(ROOT / "reports.yaml").reports}
        assert set(notebook_of.values()) == {notebook_of[r.name] for r in run.reports}, (
            "every notebook is opened in every language"
        )
        # the index names every report, the untranslated ones too, in the run's language
        index = _open(browser, run.folder / "index.html")["text"]
        for r in run.reports:
            assert r.titles[language] in index, (language, r.name)
