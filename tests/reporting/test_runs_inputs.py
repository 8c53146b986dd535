"""Trustworthy runs: inputs hashed before and after into summary.json, a run that changes its
inputs is not trusted, a failed notebook is listed with its cell and error (exit 1), and a
data-quality stop reaches the index, the console and the page as a plain sentence."""

import hashlib
import json
from pathlib import Path

import nbformat
import pytest

from loyalty_lib.reporting.cli import main

KERNEL = {"name": "loyalty", "display_name": "Python (loyalty)", "language": "python"}


def _notebook(path: Path, cells: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.cells = [
        nbformat.v4.new_markdown_cell("# t"),
        nbformat.v4.new_code_cell(
            'source: str = "sales.csv"  # input file', metadata={"tags": ["parameters"]}
        ),
    ]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    (root / "sales.csv").write_text(
        "customer_id,order_date,amount\nC00001,2024-01-05,10.0\nC00002,2024-02-01,5.5\n"
    )
    (root / "bad.csv").write_text(
        "customer_id,order_date,amount\nC00001,2024-01-05,10.0\nC00002,2024-02-01,ten\n"
        "C00003,2024-02-03,twelve\n"
    )
    load = (
        "from IPython.display import Markdown, display\n"
        "from loyalty_lib.inputs.datasets import load_sales\n"
        "from loyalty_lib.inputs.validate import describe_quality, quality_table, stop_on_fatal, "
        "validate_sales\nsales = load_sales(source)"
    )
    check = (
        "quality = validate_sales(sales)\ndisplay(Markdown(describe_quality(quality)))\n"
        "display(quality_table(quality))\nstop_on_fatal(quality, source=source)"
    )
    _notebook(root / "checked.ipynb", [load, check, "print('total', sales['amount'].sum())"])
    _notebook(root / "tamper.ipynb", ["open(source, 'a').write('C00009,2024-03-01,1.0\\n')"])
    _notebook(root / "broken.ipynb", ["x = 1", "import pandas as pd\npd.Series([1])['nope']"])
    (root / "reports.yaml").write_text(
        "reports:\n"
        "  - {name: checked, notebook: checked.ipynb}\n"
        "  - {name: stops, notebook: checked.ipynb, parameters: {source: bad.csv}}\n"
        "  - {name: broken, notebook: broken.ipynb}\n"
        "  - {name: tamper, notebook: tamper.ipynb, parameters: {source: copy.csv}}\n"
    )
    return root


def _run(root, out, *extra):
    return main(
        ["--config", str(root / "reports.yaml"), "--output-dir", str(out), "--no-progress", *extra]
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_inputs_are_hashed_before_and_after(workspace, tmp_path):
    before = _sha(workspace / "sales.csv")
    assert _run(workspace, tmp_path, "--run-id", "h", "--only", "checked") == 0
    summary = json.loads((tmp_path / "h" / "summary.json").read_text())
    inputs = {i["path"]: i for i in summary["inputs"]}
    assert summary["inputs_unchanged"] is True
    assert inputs["sales.csv"]["sha256"] == inputs["sales.csv"]["sha256_after"] == before
    assert inputs["checked.ipynb"]["sha256"] == _sha(workspace / "checked.ipynb")
    assert any(p.endswith("CDNOW_master.txt") for p in inputs)  # the bundled data too
    assert _sha(workspace / "sales.csv") == before


def test_a_run_that_changes_an_input_is_not_trusted(workspace, tmp_path, capsys):
    (workspace / "copy.csv").write_bytes((workspace / "sales.csv").read_bytes())
    assert _run(workspace, tmp_path, "--run-id", "t", "--only", "tamper") == 1
    summary = json.loads((tmp_path / "t" / "summary.json").read_text())
    assert summary["ok"] is False and summary["inputs_unchanged"] is False
    changed = [i for i in summary["inputs"] if i["sha256"] != i["sha256_after"]]
    assert [i["path"] for i in changed] == ["copy.csv"]
    assert "input changed during the run: copy.csv" in capsys.readouterr().err
    assert not (tmp_path / "latest").exists()
    assert "not trusted" in (tmp_path / "t" / "index.html").read_text()


def test_failed_notebook_listed_with_cell_and_error(workspace, tmp_path, capsys):
    assert _run(workspace, tmp_path, "--run-id", "f", "--only", "broken") == 1
    summary = json.loads((tmp_path / "f" / "summary.json").read_text())
    (report,) = summary["reports"]
    # cells: markdown 0, parameters 1 (In [1]), "x = 1" 2 (In [2]), the failing lookup 3
    # (In [3]); no parameter was passed, so papermill injects no cell
    assert report["status"] == "failed"
    assert (report["error"]["cell_index"], report["error"]["cell"]) == (3, 3)
    assert report["error"]["ename"] == "KeyError"
    assert "FAILED broken" in capsys.readouterr().err
    page = (tmp_path / "f" / "broken.html").read_text()
    assert "This report stopped here." in page and "unexpected error (KeyError" in page
    assert "Traceback" not in page and "pandas/core" not in page


def test_data_quality_stop_is_a_plain_message_everywhere(workspace, tmp_path, capsys):
    assert _run(workspace, tmp_path, "--run-id", "q", "--only", "stops") == 1
    summary = json.loads((tmp_path / "q" / "summary.json").read_text())
    error = summary["reports"][0]["error"]
    assert error["ename"] == "DataQualityError"
    expected = (
        "The sales data (bad.csv) cannot be analysed: amount: the amount column must "
        "hold numbers, but 2 of 3 rows are not numbers (e.g. 'ten', 'twelve')"
    )
    assert error["evalue"].startswith(expected)
    err = capsys.readouterr().err
    assert "STOPPED by the data-quality check: " + expected in err
    index = (tmp_path / "q" / "index.html").read_text()
    # the quotes are escaped by Jinja2's autoescape (&#39;; html.escape wrote &#x27;)
    assert "data-quality check" in index and "&#39;ten&#39;" in index
    page = (tmp_path / "q" / "stops.html").read_text()
    assert "This report stopped here." in page and "not numbers" in page
    assert "Traceback" not in page and "DataQualityError" not in page
    assert "C00002" not in page and "C00002" not in index  # no customer id in the message
    assert not (tmp_path / "latest").exists()
