"""Runner failure paths found by the adversarial review (issue 18): every one ends in a
sentence and an exit status (0 ok, 1 a report failed, 2 configuration or usage), never in a
raw traceback, a silently wrong parameter or a ``latest`` left on the wrong run.

The notebooks are tiny (one parameters cell, one cell that prints), so a run takes a couple
of seconds of kernel start-up."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from loyalty_lib.reporting import runner as runner_module
from loyalty_lib.reporting.cli import main
from loyalty_lib.reporting.config import (
    ReportConfigError,
    _resolve_parameters,
    load_config,
    parse_overrides,
)
from loyalty_lib.reporting.run_files import remove_stale_files
from loyalty_lib.reporting.runner import _new_run_id, run_reports

ROOT = Path(__file__).resolve().parents[2]
KERNEL = {"name": "loyalty", "display_name": "Python (loyalty)", "language": "python"}

PARAMETERS = (
    'code: str = "A1"  # a text code\n'
    "n: int = 1  # a count\n"
    "ratio: float = 0.5  # a share\n"
    "flag: bool = False  # a switch\n"
    "segment: Optional[str] = None  # a column or None\n"
    "wait: float = 0.0  # seconds to sleep\n"
    'marker: str = ""  # a file touched when the run is under way\n'
    'release: str = ""  # when set, the run waits (at most 2 minutes) for this file'
)


def _notebook(path: Path, body: str = "") -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.cells = [
        nbformat.v4.new_markdown_cell("# t"),
        nbformat.v4.new_code_cell("from typing import Optional"),
        nbformat.v4.new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import pathlib, time\n"
            "if marker:\n    pathlib.Path(marker).write_text('running')\n"
            "time.sleep(wait)\n"
            "for _ in range(1200):\n"
            "    if not release or pathlib.Path(release).exists():\n        break\n"
            "    time.sleep(0.1)\n" + body
        ),
        nbformat.v4.new_code_cell(
            "from IPython.display import Markdown, display\n"
            'display(Markdown(f"code {code!r} n {n!r} flag {flag!r}"))',
            metadata={"tags": ["headline"]},
        ),
    ]
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    _notebook(root / "t.ipynb")
    (root / "reports.yaml").write_text(
        "cell_timeout: 120\nreports:\n"
        "  - {name: a, notebook: t.ipynb}\n"
        "  - {name: b, notebook: t.ipynb}\n"
        "  - {name: c, notebook: t.ipynb}\n",
        encoding="utf-8",
    )
    (root / "one.yaml").write_text(
        "cell_timeout: 120\nreports:\n  - {name: a, notebook: t.ipynb}\n", encoding="utf-8"
    )
    return root


def _cli(config: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "loyalty_lib",
        "report",
        "--config",
        str(config),
        "--output-dir",
        str(out),
        "--no-progress",
        *extra,
    ]


def _main(config: Path, out: Path, *extra: str) -> int:
    return main(_cli(config, out, *extra)[3:])


def _latest(out: Path) -> str | None:
    link = out / "latest"
    return os.readlink(link) if link.is_symlink() else None


# --- publication -------------------------------------------------------------------------


def test_a_run_killed_before_latest_moved_is_published_by_its_retry(
    workspace, tmp_path, monkeypatch, capsys
):
    config = workspace / "one.yaml"
    assert _main(config, tmp_path, "--run-id", "r0") == 0
    assert _latest(tmp_path) == "r0"

    def killed(*_args, **_kwargs):  # the process dies between the rename and the link
        raise KeyboardInterrupt("SIGKILL stand-in")

    monkeypatch.setattr(runner_module, "point_latest", killed)
    with pytest.raises(KeyboardInterrupt):
        run_reports(load_config(config), output_dir=tmp_path, run_id="r1", progress=False)
    assert (tmp_path / "r1" / "summary.json").exists() and _latest(tmp_path) == "r0"
    monkeypatch.undo()
    capsys.readouterr()
    # the scheduler retries the job with the same id: the move is finished, status 0
    assert _main(config, tmp_path, "--run-id", "r1") == 0
    out = capsys.readouterr().out
    assert _latest(tmp_path) == "r1"
    assert "reports/latest -> r1" in out
    # a later retry of an older, superseded run never moves latest back
    assert _main(config, tmp_path, "--run-id", "r0") == 0
    assert _latest(tmp_path) == "r1"


def test_a_subset_run_never_replaces_the_full_index(workspace, tmp_path, capsys):
    config = workspace / "reports.yaml"
    assert _main(config, tmp_path, "--run-id", "full") == 0
    assert _latest(tmp_path) == "full"
    capsys.readouterr()
    assert _main(config, tmp_path, "--run-id", "part", "--only", "b") == 0
    out = capsys.readouterr().out
    assert _latest(tmp_path) == "full"  # managers' bookmark still lists a, b and c
    assert "reports/latest unchanged" in out and "--only" in out
    summary = json.loads((tmp_path / "part" / "summary.json").read_text())
    assert summary["complete"] is False and [r["name"] for r in summary["reports"]] == ["b"]
    assert "part of the configuration" in (tmp_path / "part" / "index.html").read_text()
    # --only naming every report is a complete run
    assert _main(config, tmp_path, "--run-id", "all", *("--only", "a", "--only", "b")) == 0
    assert _latest(tmp_path) == "full"
    assert _main(config, tmp_path, "--run-id", "abc", *"--only a --only b --only c".split()) == 0
    assert _latest(tmp_path) == "abc"


def test_a_full_disk_fails_the_current_report_and_the_rest_are_not_run(
    workspace, tmp_path, monkeypatch, capsys
):
    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name == "b.html":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    # one after another (test_parallel_reports.py has the same with --jobs 2)
    assert _main(workspace / "reports.yaml", tmp_path, "--run-id", "full", "--jobs", "1") == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    summary = json.loads((tmp_path / "full" / "summary.json").read_text())
    status = {r["name"]: r["status"] for r in summary["reports"]}
    assert status == {"a": "ok", "b": "failed", "c": "not run"}
    assert "disk is full" in summary["reports"][1]["error"]["sentence"]
    assert "c: not run: the disk was full (report b could not" in captured.out  # progress
    assert "FAILED b" in captured.err and "NOT RUN c: the disk was full" in captured.err
    assert _latest(tmp_path) is None


def test_a_full_disk_while_writing_the_summary_is_a_sentence(
    workspace, tmp_path, monkeypatch, capsys
):
    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name == "summary.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    assert _main(workspace / "one.yaml", tmp_path, "--run-id", "s") == 1
    err = capsys.readouterr().err
    assert "could not write" in err and "No space left on device" in err
    assert not (tmp_path / "s").exists() and not list(tmp_path.glob(".staging-*"))


# --- concurrency and run ids ---------------------------------------------------------------


def test_two_runs_with_one_id_are_serialised(workspace, tmp_path):
    marker, release = tmp_path / "first-is-running", tmp_path / "first-may-finish"
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    same = ("--run-id", "same", "-p", f"marker={marker}", "-p", f"release={release}")
    first = subprocess.Popen(
        _cli(workspace / "one.yaml", out, *same),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():  # the first run holds the lock and is executing
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        second = subprocess.run(
            _cli(workspace / "one.yaml", out, *same),
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        release.write_text("go")
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert second.returncode == 2, second.stderr
    assert "Traceback" not in second.stderr and "Errno" not in second.stderr
    assert f"another run is writing run 'same' (process {first.pid})" in second.stderr
    assert _latest(out) == "same"
    assert not list(out.glob(".lock-*"))  # the lock file goes with its run


def test_default_run_ids_are_unique_sortable_and_folder_safe():
    ids = [_new_run_id() for _ in range(200)]
    assert len(set(ids)) == 200  # 200 ids in well under a second
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z", i) for i in ids)


def test_two_default_runs_in_one_second_get_two_folders(workspace, tmp_path, monkeypatch):
    import datetime as dt

    frozen = dt.datetime(2026, 11, 23, 6, 0, 0, 123456, tzinfo=dt.UTC)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return frozen  # both runs see the very same instant

    monkeypatch.setattr(runner_module.dt, "datetime", Clock)
    config = load_config(workspace / "one.yaml")
    first = run_reports(config, output_dir=tmp_path, progress=False, log=lambda *_: None)
    second = run_reports(config, output_dir=tmp_path, progress=False, log=lambda *_: None)
    assert not first.reused and not second.reused
    assert first.run_id == "20261123T060000.123456Z"
    assert second.run_id != first.run_id and second.run_id > first.run_id
    assert (tmp_path / first.run_id).is_dir() and (tmp_path / second.run_id).is_dir()


def test_stale_latest_links_are_swept(tmp_path):
    (tmp_path / "r").mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = os.getpid()
    for name in (f".latest-{dead.pid}", f".latest-{alive}", ".latest-1"):
        os.symlink("r", tmp_path / name)
    # pid 1 is alive, but a .latest link lives for microseconds: one an hour old is stale
    hour_ago = time.time() - 3600
    os.utime(tmp_path / ".latest-1", (hour_ago, hour_ago), follow_symlinks=False)
    (tmp_path / ".latest-notes").write_text("not ours")  # not a link: kept
    remove_stale_files(tmp_path)
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {".latest-notes", f".latest-{alive}", "r"}


# --- the configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reports: []", r"reports: the list is empty.*nothing to run"),
        ("reports:\n  - {name: index, notebook: t.ipynb}", r"name 'index' is taken by the run"),
        ("reports:\n  - {name: Summary, notebook: t.ipynb}", r"name 'Summary' is taken"),
        ("reports:\n  - {name: latest, notebook: t.ipynb}", r"name 'latest' is taken"),
        ('reports:\n  - {name: "a\\n", notebook: t.ipynb}', r"name 'a\\n' must be"),
        (
            "reports:\n  - {name: a, notebook: /etc/passwd}",
            r"\(a\): notebook /etc/passwd is outside",
        ),
        (
            "reports:\n  - {name: a, notebook: " + "../" * 40 + "etc/hosts.ipynb}",
            r"\(a\): notebook (\.\./)+etc/hosts.ipynb is outside",
        ),
        ("reports:\n  - {name: a, notebook: sub}", r"\(a\): notebook sub is a folder"),
        ("reports:\n  - {name: a, notebook: t.ipynb/../passwd}", r"passwd is not a .ipynb"),
        ("reports:\n  - {name: a, notebook: data.json}", r"\(a\): notebook data.json is not"),
        (
            "reports:\n  - {name: a, notebook: fake.ipynb}",
            r"\(a\): notebook fake.ipynb does not read as a Jupyter",
        ),
        ("cell_timeout: -5\nreports:\n  - {name: a, notebook: t.ipynb}", r"cell_timeout: -5"),
        ("cell_timeout: ten\nreports:\n  - {name: a, notebook: t.ipynb}", r"cell_timeout: 'ten'"),
        ("cell_timeout: true\nreports:\n  - {name: a, notebook: t.ipynb}", r"cell_timeout: True"),
    ],
)
def test_config_refusals_are_sentences(workspace, tmp_path, text, message):
    (tmp_path / "t.ipynb").write_bytes((workspace / "t.ipynb").read_bytes())
    (tmp_path / "sub").mkdir()
    (tmp_path / "data.json").write_text('{"a": 1}')
    (tmp_path / "fake.ipynb").write_text('{"a": 1}')
    (tmp_path / "reports.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ReportConfigError, match=message):
        load_config(tmp_path / "reports.yaml")


def test_a_notebook_outside_the_workspace_needs_an_allowed_folder(workspace, tmp_path):
    (tmp_path / "conf").mkdir()
    config = tmp_path / "conf" / "reports.yaml"
    config.write_text(f"reports:\n  - {{name: a, notebook: {workspace / 't.ipynb'}}}\n")
    with pytest.raises(ReportConfigError, match=r"outside .*notebook_folders"):
        load_config(config)
    config.write_text(
        f"notebook_folders: [{workspace}]\nreports:\n"
        f"  - {{name: a, notebook: {workspace / 't.ipynb'}}}\n"
    )
    assert load_config(config).reports[0].notebook == (workspace / "t.ipynb").resolve()
    # the project's own notebooks are always allowed (`loyalty init` writes such configs)
    config.write_text(
        f"reports:\n  - {{name: a, notebook: {ROOT / 'notebooks' / 'data_overview.ipynb'}}}\n"
    )
    assert load_config(config).reports[0].name == "a"


def test_a_latin1_config_is_refused_with_the_line(workspace, tmp_path):
    (tmp_path / "t.ipynb").write_bytes((workspace / "t.ipynb").read_bytes())
    (tmp_path / "reports.yaml").write_bytes(
        "# Rapports de l'équipe\nreports:\n  - {name: a, notebook: t.ipynb}\n".encode("latin-1")
    )
    with pytest.raises(ReportConfigError, match=r"not UTF-8 \(line 1.*save it as UTF-8"):
        load_config(tmp_path / "reports.yaml")


@pytest.mark.parametrize(
    ("run_id", "message"),
    [
        ("r1\n", r"run id 'r1\\n'"),
        ("x" * 250, r"run id 'x{20}.*: at most 100 characters"),
        ("latest", r"run id 'latest'"),
        ("../up", r"run id '../up'"),
    ],
)
def test_run_ids_are_matched_whole_and_bounded(workspace, tmp_path, run_id, message):
    with pytest.raises(ReportConfigError, match=message):
        run_reports(load_config(workspace / "one.yaml"), output_dir=tmp_path, run_id=run_id)
    assert not list(tmp_path.iterdir())


def test_a_read_only_reports_folder_is_a_sentence(workspace, tmp_path, monkeypatch):
    # the tests may run as root, for whom chmod does not stop a write: the refusal the
    # operating system gives a read-only folder is raised by mkdir itself instead
    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(ReportConfigError, match=r"cannot write in .*out.*Permission denied"):
        run_reports(load_config(workspace / "one.yaml"), output_dir=tmp_path / "out")


# --- -p values typed by the notebook's annotations -----------------------------------------


def _resolved(workspace, *items):
    spec = load_config(workspace / "one.yaml").reports
    return _resolve_parameters(spec, parse_overrides(list(items)))["a"]


def test_overrides_take_the_annotated_type(workspace):
    # YAML 1.1 would read 010 as 8 (octal), NO as False and 1:30 as 90 (base 60)
    assert _resolved(workspace, "code=010") == {"code": "010"}
    assert _resolved(workspace, "code=NO") == {"code": "NO"}
    assert _resolved(workspace, "code=1:30") == {"code": "1:30"}
    assert _resolved(workspace, "code=null") == {"code": "null"}  # a str is the text typed
    assert _resolved(workspace, "n=010") == {"n": 10}
    assert _resolved(workspace, "n=-3") == {"n": -3}
    assert _resolved(workspace, "ratio=1e-3") == {"ratio": 0.001}
    assert _resolved(workspace, "ratio=2") == {"ratio": 2.0}
    assert _resolved(workspace, "flag=yes", "a.segment=null") == {"flag": True, "segment": None}
    assert _resolved(workspace, "flag=False", "segment=region") == {
        "flag": False,
        "segment": "region",
    }


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("n=abc", r"-p n=abc: report a: parameter 'n' is an int, and 'abc' is not a whole"),
        ("n=1.5", r"parameter 'n' is an int, and '1.5' is not"),
        ("ratio=fast", r"parameter 'ratio' is a float, and 'fast' is not a number"),
        ("ratio=nan", r"parameter 'ratio' is a float, and 'nan' is not a finite"),
        ("flag=maybe", r"parameter 'flag' is a bool, and 'maybe' is not"),
    ],
)
def test_an_override_of_the_wrong_type_names_parameter_type_and_value(workspace, item, message):
    with pytest.raises(ReportConfigError, match=message):
        _resolved(workspace, item)


# --- the command line: sentences and statuses, never a traceback ---------------------------


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("empty", [], "the list is empty"),
        ("latin1", [], "not UTF-8"),
        ("ok", ["-p", "n=abc"], "parameter 'n' is an int"),
        ("ok", ["--run-id", "x" * 250], "at most 100 characters"),
        ("timeout", [], "cell_timeout"),
    ],
)
def test_the_command_line_ends_in_a_sentence(workspace, tmp_path, setup, args, message):
    (tmp_path / "t.ipynb").write_bytes((workspace / "t.ipynb").read_bytes())
    config = tmp_path / "reports.yaml"
    body = {
        "empty": "reports: []\n",
        "latin1": "# équipe\nreports:\n  - {name: a, notebook: t.ipynb}\n",
        "ok": "reports:\n  - {name: a, notebook: t.ipynb}\n",
        "timeout": "cell_timeout: 1 minute\nreports:\n  - {name: a, notebook: t.ipynb}\n",
    }[setup]
    config.write_bytes(body.encode("latin-1" if setup == "latin1" else "utf-8"))
    done = subprocess.run(
        _cli(config, tmp_path / "out", *args),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert message in done.stderr
    assert done.stderr.startswith("loyalty report: ")


def test_a_run_folder_made_behind_the_lock_is_a_sentence(workspace, tmp_path, monkeypatch, capsys):
    # another tool creating reports/<run-id> while the run goes on: os.rename then fails
    # with ENOTEMPTY (Errno 39), which reached the console raw before
    def rename(src, dst):
        Path(dst).mkdir()
        (Path(dst) / "x").write_text("someone else's")
        raise OSError(errno.ENOTEMPTY, os.strerror(errno.ENOTEMPTY), str(src), None, str(dst))

    monkeypatch.setattr(runner_module.os, "rename", rename)
    assert _main(workspace / "one.yaml", tmp_path, "--run-id", "raced") == 1
    err = capsys.readouterr().err
    assert "run raced could not be moved into place (Directory not empty)" in err
    assert "appeared during the run; nothing was published" in err
    assert "Traceback" not in err and _latest(tmp_path) is None
    assert (tmp_path / "raced" / "x").read_text() == "someone else's"  # left as it was
    assert not list(tmp_path.glob(".staging-*"))


def test_cell_timeout_in_seconds_is_rounded_up_to_a_whole_second(workspace, tmp_path):
    # nbclient's timeout is an integer trait: 1.5 s becomes 2 s, never a TraitError
    (tmp_path / "t.ipynb").write_bytes((workspace / "t.ipynb").read_bytes())
    (tmp_path / "reports.yaml").write_text(
        "cell_timeout: 1.5\nreports: [{name: a, notebook: t.ipynb}]"
    )
    assert load_config(tmp_path / "reports.yaml").cell_timeout == 2


def test_every_report_kernel_masks_chart_texts(tmp_path):
    """A notebook that draws a label with a contact and never calls install_chart_masking
    itself: the runner's kernel option (exec_lines = KERNEL_SETUP_CODE) has wrapped
    Text.draw before the first cell, so the SVG it renders holds no contact."""
    body = (
        "import matplotlib\nmatplotlib.use('Agg')\nimport io\nimport matplotlib.pyplot as plt\n"
        "plt.rcParams['svg.fonttype'] = 'none'\n"
        "fig, ax = plt.subplots()\nax.bar(['anna.k@example.com', '+44 20 7946 0958'], [1, 2])\n"
        "buf = io.StringIO()\nfig.savefig(buf, format='svg')\nsvg = buf.getvalue()\n"
        "assert 'anna.k@example.com' not in svg and '7946 0958' not in svg, 'unmasked'\n"
        "assert '[e-mail]' in svg\n"
    )
    _notebook(tmp_path / "chart.ipynb", body)
    (tmp_path / "reports.yaml").write_text(
        "reports:\n  - {name: chart, notebook: chart.ipynb}\n", encoding="utf-8"
    )
    assert _main(tmp_path / "reports.yaml", tmp_path / "out", "--run-id", "r") == 0
