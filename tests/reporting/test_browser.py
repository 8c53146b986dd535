"""The stakeholder pages in a real browser: Debian's headless Chromium driven by selenium,
with the network switched off. Every report of reports.yaml is run on the bundled data and
opened as a manager would open it; a screenshot of each page is saved under
test-artifacts/screenshots/ for a person to look at."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from loyalty_lib.reporting.config import load_config
from loyalty_lib.reporting.runner import run_reports

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
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


def test_report_pages_show_no_customer_ids_emails_or_phones(browser, real_run):
    # Privacy: stakeholder pages show aggregates. Every visible word of every page of a real
    # run is compared with the actual customer ids of the bundled data (demo "C00042",
    # CDNOW "00042"), and searched for e-mail addresses and international phone numbers.
    import re

    from loyalty_lib.inputs.datasets import load_cdnow, load_demo
    from loyalty_lib.inputs.privacy import EMAIL

    # CDNOW ids 10000-23570 cannot be told apart from counts such as "23500 customers";
    # the zero-padded ones (00001-09999) can: a count is never written with a leading zero
    ids = set(load_demo().customers["customer_id"]) | {
        i for i in load_cdnow()["customer_id"] if i.startswith("0")
    }
    pages = [real_run.folder / "index.html"] + [real_run.folder / r.html for r in real_run.reports]
    for page in pages:
        text = _open(browser, page)["text"]
        words = set(re.findall(r"[A-Za-z0-9]+", text))
        assert not words & ids, (page.name, sorted(words & ids)[:5])
        assert not re.search(r"\bC\d{5}\b", text), page.name
        assert not EMAIL.search(text), (page.name, EMAIL.search(text))
        assert not re.search(r"\+\d{1,3}[\s-]?\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}", text), page.name
