"""The runner's summary says where the analyst lists are and what changed since the last run
(issue 17, items 3 and 7): summary.json and the console name, per report, the files in
reports/<run>/private/<report>/ with their row counts, and the key figures that moved beyond
noise since the previous complete run. The private folder is readable by its owner only
and no page links it.

Expected values are independent of the runner: the row counts are the rows the notebook was
told to write (read back with pandas), and the change test is the hand computation of
tests/reporting/test_since_last.py: NPS 20.0 (16.08 to 23.92) then 30.0 (26.08 to 33.92),
se = 7.84 / (2 x 1.959964) = 2.000037 in both runs, z = 10 / (2.000037 x sqrt 2) = 3.535469,
two-sided p = 0.00040705; Holm over the one figure tested leaves it unchanged."""

from __future__ import annotations

import json
import stat

import nbformat
import pandas as pd
import pytest

from loyalty_lib.reporting.cli import main

KERNEL = {"name": "loyalty", "display_name": "Python (loyalty)", "language": "python"}
WRITE = """
import pandas as pd
from loyalty_lib.reporting.analyst_files import analyst_file
from loyalty_lib.reporting.kpi import kpi, show_kpis
# one cell holds a line break: a CSV row is not a line of the file
pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(rows)],
              "note": ["two\\nlines"] + ["x"] * (rows - 1)}).to_csv(
    analyst_file("callbacks.csv"), index=False)
analyst_file("readme.txt").write_text("not a table")
show_kpis(kpi("Net Promoter Score", nps_value, text=f"{nps_value:+.1f}",
              interval=(f"{nps_value - 3.92:+.2f}", f"{nps_value + 3.92:+.2f}"), base=3000),
          kpi("Customers to remind", rows, text=str(rows), base=5000, base_unit="customers"))
"""


def _notebook(path, parameters, code):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell(code))
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("lists")
    _notebook(
        root / "lists.ipynb",
        "rows: int = 3  # rows of the call-back list\nnps_value: float = 20.0  # key figure",
        WRITE,
    )
    _notebook(root / "plain.ipynb", "n: int = 1  # a number", "print(n)")
    (root / "reports.yaml").write_text(
        "kernel: loyalty\ncell_timeout: 120\nreports:\n"
        "  - {name: lists_a, notebook: lists.ipynb}\n"
        "  - {name: plain, notebook: plain.ipynb}\n",
        encoding="utf-8",
    )
    out = root / "reports"
    for run_id, value in (("r1", "20.0"), ("r2", "30.0")):
        code = main(
            ["--config", str(root / "reports.yaml"), "--output-dir", str(out), "--no-progress",
             "--run-id", run_id, "-p", f"lists_a.rows={4 if run_id == 'r2' else 3}",
             "-p", f"lists_a.nps_value={value}"]
        )  # fmt: skip
        assert code == 0
    return out


def _summary(out, run_id):
    data = json.loads((out / run_id / "summary.json").read_text(encoding="utf-8"))
    return {r["name"]: r for r in data["reports"]}


def test_summary_json_names_the_lists_with_their_rows(two_runs):
    report = _summary(two_runs, "r2")["lists_a"]
    assert report["private_files"] == [
        {"file": "private/lists_a/callbacks.csv", "rows": 4},
        {"file": "private/lists_a/readme.txt", "rows": None},  # not a table: no row count
    ]
    # the count is the file's rows, read back independently (the line break is one row)
    frame = pd.read_csv(two_runs / "r2" / "private" / "lists_a" / "callbacks.csv")
    assert len(frame) == 4
    assert _summary(two_runs, "r2")["plain"]["private_files"] == []


def test_summary_json_flags_the_change_beyond_noise(two_runs):
    first = _summary(two_runs, "r1")["lists_a"]
    assert first["since_last"] is None  # nothing to compare with
    since = _summary(two_runs, "r2")["lists_a"]["since_last"]
    assert since["previous_run"] == "r1"
    assert (since["compared"], since["tested"], since["family"]) == (2, 1, 1)
    [change] = since["beyond_noise"]  # the count (no interval) is compared, not tested
    assert change["label"] == "Net Promoter Score"
    assert (change["previous"], change["now"]) == ("+20.0", "+30.0")
    assert change["change"] == pytest.approx(10.0)
    assert change["p_value"] == pytest.approx(0.00040705, rel=1e-4)  # hand computation above
    assert change["p_value_adjusted"] == pytest.approx(0.00040705, rel=1e-4)
    assert _summary(two_runs, "r2")["plain"]["since_last"] is None  # no key figures


def test_the_console_says_where_the_lists_are_and_what_changed(two_runs, capsys):
    # the same run id again prints the recorded result: the same lines as the run itself
    code = main(
        ["--config", str(two_runs.parent / "reports.yaml"), "--output-dir", str(two_runs),
         "--no-progress", "--run-id", "r2", "-p", "lists_a.rows=4",
         "-p", "lists_a.nps_value=30.0"]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert f"Analyst lists in {two_runs / 'r2' / 'private'}/" in out
    assert "  lists_a/: callbacks.csv (4 rows), readme.txt" in out
    assert "plain/" not in out
    assert (
        "  lists_a: Net Promoter Score: +20.0 -> +30.0, beyond noise (Holm-adjusted p < 0.001; "
        "run r1)" in out
    )


def test_the_private_folder_is_the_owners_only_and_no_page_links_it(two_runs):
    private = two_runs / "r2" / "private"
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    for page in (two_runs / "r2").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "private/" not in text and "C00001" not in text, page.name
