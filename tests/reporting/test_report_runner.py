"""The report runner end to end, with real papermill kernels on small notebooks made here and
on the real data_overview notebook."""

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pytest

from loyalty_lib.inputs.datasets import DATA_DIR
from loyalty_lib.reporting.cli import main
from loyalty_lib.reporting.config import ReportConfigError, load_config, parse_overrides
from loyalty_lib.reporting.runner import run_reports

ROOT = Path(__file__).resolve().parents[2]
KERNEL = {"name": "loyalty", "display_name": "Python (loyalty)", "language": "python"}


def _notebook(path: Path, parameters: str, cells: list[str], headline: str | None = None):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.cells.append(nbformat.v4.new_markdown_cell("# Test report"))
    nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells += [nbformat.v4.new_code_cell(src) for src in cells]
    if headline:
        nb.cells.append(nbformat.v4.new_code_cell(headline, metadata={"tags": ["headline"]}))
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("workspace")
    _notebook(
        root / "ok.ipynb",
        'greeting: str = "hello"  # text shown in the headline\nn: int = 2  # a count',
        [
            "from IPython.display import Markdown, display\nimport sys",
            "code_marker_7f3 = n * 2\nprint('stdout_marker', code_marker_7f3)",
            "print('stderr_marker', file=sys.stderr)",
            'display(Markdown("<script>alert(1)</script> <img src=x onerror=alert(2)> '
            'comment_marker"))',
        ],
        headline='display(Markdown(f"Headline: **{greeting}** counted {n}"))',
    )
    nb = nbformat.read(str(root / "ok.ipynb"), as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "from loyalty_lib.reporting.kpi import kpi, show_kpis\n"
            "show_kpis(kpi('Share <b>bold</b>', 0.5, text='50.0%', interval=('40.0%', '60.0%'),\n"
            "              base=n * 100, base_unit='customers', note=greeting))"
        )
    )
    nbformat.write(nb, str(root / "ok.ipynb"))
    _notebook(
        root / "fail.ipynb",
        "x: int = 1  # a number",
        ["y = x + 1", 'raise ValueError("planted failure")', "z = 3"],
    )
    (root / "reports.yaml").write_text(
        "kernel: loyalty\ncell_timeout: 120\nreports:\n"
        "  - name: ok_a\n    title: First <b>report</b>\n    notebook: ok.ipynb\n"
        "    parameters: {greeting: first}\n"
        "  - name: bad\n    title: Broken report\n    notebook: fail.ipynb\n"
        "  - name: ok_b\n    title: Second report\n    notebook: ok.ipynb\n",
        encoding="utf-8",
    )
    # one report each: a complete run of such a file may become latest (a --only run never)
    for name, notebook in (("ok_a", "ok.ipynb"), ("ok_b", "ok.ipynb"), ("bad", "fail.ipynb")):
        (root / f"{name}.yaml").write_text(
            f"kernel: loyalty\ncell_timeout: 120\nreports:\n"
            f"  - {{name: {name}, notebook: {notebook}}}\n",
            encoding="utf-8",
        )
    return root


def _run(workspace, out, *extra, config="reports.yaml"):
    return main(
        [
            "--config",
            str(workspace / config),
            "--output-dir",
            str(out),
            "--no-progress",
            *extra,
        ]
    )


@pytest.fixture(scope="module")
def failed_run(workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    code = _run(workspace, out, "--run-id", "r1")
    return code, out


def test_failing_notebook_does_not_stop_the_others(failed_run):
    code, out = failed_run
    assert code == 1
    summary = json.loads((out / "r1" / "summary.json").read_text())
    status = {r["name"]: r["status"] for r in summary["reports"]}
    assert status == {"ok_a": "ok", "bad": "failed", "ok_b": "ok"}
    error = next(r["error"] for r in summary["reports"] if r["name"] == "bad")
    # cells: markdown, parameters, y = x + 1, raise -> index 3 (no parameters were passed,
    # so papermill injects no cell), the third code cell executed -> In [3]
    assert error["ename"] == "ValueError" and error["evalue"] == "planted failure"
    assert (error["cell_index"], error["cell"]) == (3, 3)
    index = (out / "r1" / "index.html").read_text()
    assert "planted failure" in index and "1 of 3 reports failed" in index
    assert (out / "r1" / "bad.ipynb").exists()  # the executed notebook shows the traceback


def test_failed_run_never_becomes_latest(failed_run):
    _, out = failed_run
    assert not (out / "latest").exists()
    assert not list(out.glob(".staging-*"))


def test_failure_is_reported_on_the_console(workspace, tmp_path, capsys):
    assert _run(workspace, tmp_path, "--run-id", "r9", "--only", "bad") == 1
    err = capsys.readouterr().err
    assert "FAILED bad" in err
    assert "at cell 4 of the notebook (In [3]): ValueError: planted failure" in err


def test_latest_moves_only_on_success_and_runs_are_never_overwritten(workspace, tmp_path, capsys):
    assert _run(workspace, tmp_path, "--run-id", "good1", config="ok_a.yaml") == 0
    assert (tmp_path / "latest").resolve() == (tmp_path / "good1").resolve()
    page = (tmp_path / "good1" / "ok_a.html").read_bytes()
    # the same run id again runs nothing: it returns the recorded result, files untouched
    before = _digest_tree(tmp_path / "good1")
    capsys.readouterr()
    assert _run(workspace, tmp_path, "--run-id", "good1", config="ok_a.yaml") == 0
    assert "was recorded earlier (not run again)" in capsys.readouterr().out
    assert _digest_tree(tmp_path / "good1") == before
    assert (tmp_path / "good1" / "ok_a.html").read_bytes() == page
    # ... but the same id for a different request is refused
    assert _run(workspace, tmp_path, "--run-id", "good1", config="ok_b.yaml") == 2
    assert "already exists with other reports or parameters" in capsys.readouterr().err
    assert (
        _run(workspace, tmp_path, "--run-id", "good1", "-p", "greeting=x", config="ok_a.yaml") == 2
    )
    assert _digest_tree(tmp_path / "good1") == before
    # a failing run keeps latest where it was
    assert _run(workspace, tmp_path, "--run-id", "bad1", config="bad.yaml") == 1
    assert (tmp_path / "latest").resolve() == (tmp_path / "good1").resolve()
    # a failed run asked for again reports the same failure (exit 1), latest stays
    assert _run(workspace, tmp_path, "--run-id", "bad1", config="bad.yaml") == 1
    assert "planted failure" in capsys.readouterr().err
    assert (tmp_path / "latest").resolve() == (tmp_path / "good1").resolve()
    assert _run(workspace, tmp_path, "--run-id", "good2", config="ok_b.yaml") == 0
    assert (tmp_path / "latest").resolve() == (tmp_path / "good2").resolve()
    assert (tmp_path / "good1" / "ok_a.html").exists()


def test_stakeholder_html_has_no_code_and_no_live_markup(failed_run):
    _, out = failed_run
    page = (out / "r1" / "ok_a.html").read_text()
    assert "stdout_marker 4" in page  # outputs are shown
    assert "code_marker_7f3" not in page  # code is not
    assert "stderr_marker" not in page  # neither are warnings on stderr
    assert "comment_marker" in page
    assert "<script" not in page.lower()  # no script at all: neither CDN nor injected
    # no live tag carries an event handler; the untrusted text is shown, escaped
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", page, re.IGNORECASE)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Content-Security-Policy" in page
    for attribute in ('src="http', 'href="http', "src='http", "@import"):
        assert attribute not in page


def test_index_shows_headlines_with_titles_escaped(failed_run):
    _, out = failed_run
    index = (out / "r1" / "index.html").read_text()
    assert "Headline: <strong>first</strong> counted 2" in index
    assert "Headline: <strong>hello</strong> counted 2" in index  # ok_b keeps the default
    assert "First &lt;b&gt;report&lt;/b&gt;" in index
    assert '<a href="ok_a.html">' in index


def test_parameter_overrides(workspace, tmp_path, capsys):
    assert (
        _run(
            workspace,
            tmp_path,
            "--run-id",
            "o1",
            "--only",
            "ok_a",
            "--only",
            "ok_b",
            "-p",
            "greeting=everyone",
            "-p",
            "ok_b.n=5",
        )
        == 0
    )
    summary = json.loads((tmp_path / "o1" / "summary.json").read_text())
    params = {r["name"]: r["parameters"] for r in summary["reports"]}
    assert params == {"ok_a": {"greeting": "everyone"}, "ok_b": {"greeting": "everyone", "n": 5}}
    heads = {r["name"]: r["headline"] for r in summary["reports"]}
    assert heads["ok_b"] == "Headline: **everyone** counted 5"
    assert _run(workspace, tmp_path, "-p", "ok_a.nosuch=1") == 2
    assert "ok.ipynb has no parameter 'nosuch'" in capsys.readouterr().err
    assert _run(workspace, tmp_path, "-p", "nosuch=1") == 2
    assert "no selected report has a parameter 'nosuch'" in capsys.readouterr().err
    assert _run(workspace, tmp_path, "--only", "missing") == 2
    assert not (tmp_path / "latest").exists() or (tmp_path / "latest").resolve().name == "o1"


def test_a_cell_over_the_limit_is_named_in_one_sentence_and_cell_timeout_raises_it(tmp_path, capfd):
    # reports.yaml allows 2 s per cell; the notebook's third cell (In [2]) sleeps 4 s.
    _notebook(
        tmp_path / "slow.ipynb",
        "seconds: float = 4  # how long the slow cell takes",
        ["import time\ntime.sleep(seconds)"],
        headline='from IPython.display import Markdown, display\ndisplay(Markdown("**done**"))',
    )
    (tmp_path / "reports.yaml").write_text(
        "kernel: loyalty\ncell_timeout: 2\nreports:\n  - {name: slow, notebook: slow.ipynb}\n",
        encoding="utf-8",
    )
    assert _run(tmp_path, tmp_path / "out", "--run-id", "limited") == 1
    console = capfd.readouterr()
    sentence = (
        "cell 3 of the notebook (In [2]) ran longer than the limit of 2 s and was stopped; "
        "raise cell_timeout in reports.yaml, or run with --cell-timeout SECONDS"
    )
    assert f"FAILED slow (slow.ipynb): FAILED: {sentence}" in console.err
    # the kernel stopped mid-cell writes no traceback, nbclient no log line, to the console
    assert "Traceback" not in console.err + console.out
    assert "Timeout waiting" not in console.err + console.out
    error = json.loads((tmp_path / "out" / "limited" / "summary.json").read_text())["reports"]
    assert (error[0]["error"]["cell_index"], error[0]["error"]["cell"]) == (2, 2)
    # a Russian run's index page tells it in Russian (the catalogue's entry, same figures)
    from loyalty_lib.reporting.runner import _describe_error

    assert _describe_error(error[0]["error"], "ru") == (
        "ОШИБКА: ячейка 3 блокнота (In [2]) выполнялась дольше предела в 2 с и была "
        "остановлена; увеличьте cell_timeout в reports.yaml или запустите с --cell-timeout "
        "SECONDS"
    )
    # the same configuration with a longer limit for this run only: the report completes
    assert _run(tmp_path, tmp_path / "out", "--run-id", "longer", "--cell-timeout", "30") == 0
    for bad in ("0", "-5", "soon", "inf"):
        with pytest.raises(SystemExit) as stop:
            _run(tmp_path, tmp_path / "out", "--cell-timeout", bad)
        assert stop.value.code == 2
        assert "is not a positive number of seconds" in capfd.readouterr().err


def test_parse_overrides_keeps_the_text_for_the_annotated_type():
    # the values are read as the notebook's annotated types when applied
    # (tests/reporting/test_runner_failures.py); here they are the text as typed
    parsed = parse_overrides(["a=1", "b=0.5", "c=none", "d=null", "r.e=[1, 2]", "f=x=y"])
    assert parsed == {
        None: {"a": "1", "b": "0.5", "c": "none", "d": "null", "f": "x=y"},
        "r": {"e": "[1, 2]"},
    }
    assert parsed["r"]["e"].item == "r.e=[1, 2]"
    with pytest.raises(ReportConfigError, match="expected param=value"):
        parse_overrides(["novalue"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reports: {}", "expected a mapping with a 'reports' list"),
        (
            "reports:\n  - {name: a, notebook: ok.ipynb}\n  - {name: a, notebook: ok.ipynb}",
            "duplicate name 'a'",
        ),
        ("reports:\n  - {name: a, notebook: nope.ipynb}", "notebook nope.ipynb not found"),
        ("reports:\n  - {name: 'a b', notebook: ok.ipynb}", "name 'a b' must be"),
        ("reports:\n  - {name: a, notebook: ok.ipynb, params: {}}", "unknown keys \\['params'\\]"),
        ("kernal: x\nreports: []", "unknown top-level keys \\['kernal'\\]"),
        ("reports: [", "not valid YAML"),
    ],
)
def test_config_errors_name_the_entry(workspace, tmp_path, text, message):
    (tmp_path / "ok.ipynb").write_bytes((workspace / "ok.ipynb").read_bytes())
    (tmp_path / "reports.yaml").write_text(text)
    with pytest.raises(ReportConfigError, match=message):
        load_config(tmp_path / "reports.yaml")


def test_parameter_unknown_to_notebook_is_refused_before_running(workspace, tmp_path):
    (tmp_path / "ok.ipynb").write_bytes((workspace / "ok.ipynb").read_bytes())
    (tmp_path / "reports.yaml").write_text(
        "reports:\n  - {name: a, notebook: ok.ipynb, parameters: {greting: x}}"
    )
    with pytest.raises(ReportConfigError, match=r"parameters \['greting'\] are not in ok.ipynb"):
        run_reports(load_config(tmp_path / "reports.yaml"), output_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def _digest_tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_real_reports_leave_bundled_data_byte_for_byte_unchanged(tmp_path):
    before = _digest_tree(DATA_DIR)
    config = load_config(ROOT / "reports.yaml")
    names = [s.name for s in config.reports if s.name.startswith("data_overview")]
    summary = run_reports(
        config, output_dir=tmp_path, only=names, run_id="data", progress=False, log=lambda *_: None
    )
    assert summary.ok, [r.error for r in summary.failed]
    assert _digest_tree(DATA_DIR) == before
    assert len(before) >= 4  # CDNOW + the three demo files (and the README)
    heads = {r.name: r.headline for r in summary.reports}
    assert "69,659 transactions" in heads["data_overview_cdnow"]
    assert "23,570 customers" in heads["data_overview_cdnow"]
    assert not summary.complete  # two of the nine reports: never latest
    assert not (tmp_path / "latest").exists()


def test_index_executive_summary_lists_key_figures_with_links(failed_run):
    _, out = failed_run
    index = (out / "r1" / "index.html").read_text()
    summary = json.loads((out / "r1" / "summary.json").read_text())
    figures = {r["name"]: r["kpis"] for r in summary["reports"]}
    assert figures["bad"] == []
    assert figures["ok_a"] == [
        {
            "label": "Share <b>bold</b>",
            "value": 0.5,
            "text": "50.0%",
            "interval": ["40.0%", "60.0%"],
            "confidence": 0.95,
            "base": 200,
            "base_unit": "customers",
            "note": "first",
        }
    ]
    assert "Executive summary" in index
    assert '<a href="ok_a.html">Share &lt;b&gt;bold&lt;/b&gt;</a>' in index  # label escaped
    assert "95%: 40.0% to 60.0%" in index and "200 customers" in index
    page = (out / "r1" / "ok_a.html").read_text()
    assert "Key figures" in page and "application/vnd.loyalty.kpi+json" not in page


def _uci_workspace(root: Path) -> Path:
    """A UCI-style export, a notebook that loads it by its declared name, and a config."""
    (root / "exports").mkdir(parents=True, exist_ok=True)
    (root / "exports" / "online_retail.csv").write_text(
        "Invoice,StockCode,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        "489434,85048,12,12/1/2022 7:45,6.95,13085.0,United Kingdom\n"
        "489435,22350,12,12/13/2022 7:46,2.55,,United Kingdom\n"
        "C489449,22087,-12,12/14/2022 10:33,2.95,16321.0,Australia\n",
        encoding="utf-8",
    )
    (root / "nb").mkdir(exist_ok=True)
    _notebook(
        root / "nb" / "uses_source.ipynb",
        'sales_source: str = "demo"  # a declared source name',
        [
            "import os\nfrom IPython.display import Markdown, display\n"
            "from loyalty_lib.inputs.datasets import load_sales, source_info",
            "sales = load_sales(sales_source)\ninfo = source_info(sales)",
        ],
        headline="display(Markdown(f\"total {sales.amount.sum():.2f} {info['currency']} "
        "guests {info['guests']} cancellations {info['cancellations']} "
        "config {os.path.basename(os.environ['LOYALTY_CONFIG'])}\"))",
    )
    config = root / "my-reports.yaml"
    config.write_text(
        "kernel: loyalty\ncell_timeout: 120\n"
        "sources:\n  uci:\n    kind: sales\n    path: exports/online_retail.csv\n"
        "    columns: {customer: Customer ID, date: InvoiceDate, quantity: Quantity,\n"
        "              price: Price, order_id: Invoice}\n"
        '    cancellations: {invoice_prefix: "C"}\n    currency: GBP\n'
        "reports:\n  - name: uci\n    notebook: nb/uses_source.ipynb\n"
        "    parameters: {sales_source: uci}\n",
        encoding="utf-8",
    )
    return config


def test_a_declared_source_reaches_the_kernel_through_loyalty_config(tmp_path, monkeypatch):
    config = _uci_workspace(tmp_path / "ws")
    monkeypatch.delenv("LOYALTY_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no reports.yaml here: only LOYALTY_CONFIG can find it
    out = tmp_path / "out"
    code = main(["--config", str(config), "--output-dir", str(out), "--run-id", "s1"])
    assert code == 0
    summary = json.loads((out / "s1" / "summary.json").read_text())
    # by hand: 12 x 6.95 + 12 x 2.55 - 12 x 2.95 = 78.60; one guest; one C invoice
    assert summary["reports"][0]["headline"] == (
        "total 78.60 GBP guests 1 cancellations 1 config my-reports.yaml"
    )
    assert "LOYALTY_CONFIG" not in __import__("os").environ  # restored after the run


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("Customer ID", "CustomerID"), r"'CustomerID' is not in the header.*'Customer ID'"),
        (("exports/online_retail.csv", "exports/nope.csv"), r"sources.uci.path: .*no such file"),
        (("sales_source: uci", "sales_source: ucj"), r"'ucj' is neither.*Did you mean 'uci'"),
        (("sources:", "sourcse:"), r"unknown top-level keys \['sourcse'\]\. Did you mean"),
    ],
)
def test_source_errors_are_config_errors_before_running(tmp_path, change, message):
    config = _uci_workspace(tmp_path / "ws")
    config.write_text(config.read_text().replace(*change))
    with pytest.raises(ReportConfigError, match=message):
        load_config(config)


def test_init_writes_a_config_that_loads(tmp_path, capsys):
    config = _uci_workspace(tmp_path / "ws")
    export = config.parent / "exports" / "online_retail.csv"
    output = tmp_path / "my-reports.yaml"
    assert main(["init", str(export), "--output", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    assert "# TODO: currency" in text and 'invoice_prefix": "C"' in text
    loaded = load_config(output)
    assert set(loaded.sources) == {"online_retail"}
    assert {s.parameters.get("sales_source") for s in loaded.reports} == {"online_retail"}
    assert main(["init", str(export), "--output", str(output)]) == 2  # never overwritten
    assert "exists" in capsys.readouterr().err
