"""``loyalty report --jobs N``: reports in parallel give the same outputs, statuses and
publication as one after another; each kernel has its own environment; a full disk and an
interrupt are handled as in a sequential run.

The notebooks are tiny (a parameters cell, a cell that may wait for a file, a headline);
two reports that each wait for the other's marker file can only both succeed when their
kernels run at the same time, which is how the tests know the run was parallel."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from loyalty_lib.reporting.cli import main

ROOT = Path(__file__).resolve().parents[2]
KERNEL = {"name": "loyalty", "display_name": "Python (loyalty)", "language": "python"}

PARAMETERS = (
    'code: str = "A1"  # a text code, also the name of the file written in the private folder\n'
    "wait: float = 0.0  # seconds to sleep\n"
    'marker: str = ""  # a file written (with the kernel pid) when the report is running\n'
    'release: str = ""  # when set, wait (at most 60 s, then fail) for this file\n'
    "fail: bool = False  # raise a planted error"
)

BODY = (
    "import os, pathlib, time\n"
    "if marker:\n    pathlib.Path(marker).write_text(str(os.getpid()))\n"
    "deadline = time.monotonic() + 60\n"
    "while release and not pathlib.Path(release).exists():\n"
    "    if time.monotonic() > deadline:\n"
    "        raise TimeoutError('the other report never ran at the same time')\n"
    "    time.sleep(0.1)\n"
    "time.sleep(wait)\n"
    "private = pathlib.Path(os.environ['LOYALTY_PRIVATE_DIR'])\n"
    "private.mkdir(parents=True, exist_ok=True)\n"
    "(private / f'{code}.txt').write_text(os.environ.get('LOYALTY_CONFIG', ''))\n"
    "if fail:\n    raise ValueError('planted failure')\n"
)


def _notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.cells = [
        nbformat.v4.new_markdown_cell("# t"),
        nbformat.v4.new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(BODY),
        nbformat.v4.new_code_cell(
            "from IPython.display import Markdown, display\n"
            'display(Markdown(f"code **{code}** waited {wait}"))',
            metadata={"tags": ["headline"]},
        ),
    ]
    nbformat.write(nb, str(path))


def _config(root: Path, name: str, reports: list[tuple[str, dict]]) -> Path:
    lines = ["cell_timeout: 120", "reports:"]
    for report, parameters in reports:
        lines.append(f"  - name: {report}\n    notebook: t.ipynb")
        if parameters:
            lines.append(f"    parameters: {json.dumps(parameters)}")
    path = root / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    _notebook(root / "t.ipynb")
    _config(root, "three.yaml", [("a", {"code": "a"}), ("b", {"code": "b"}), ("c", {"code": "c"})])
    _config(
        root,
        "failing.yaml",
        [("a", {"code": "a"}), ("bad", {"code": "bad", "fail": True}), ("c", {"code": "c"})],
    )
    _config(root, "one.yaml", [("a", {"code": "a"})])
    return root


def _cli(config: Path, out: Path, *extra: str) -> list[str]:
    return ["--config", str(config), "--output-dir", str(out), "--no-progress", *extra]


def _latest(out: Path) -> str | None:
    link = out / "latest"
    return os.readlink(link) if link.is_symlink() else None


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def _page(path: Path) -> str:
    text = re.sub(r"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", "generated", path.read_text())
    # papermill gives its injected-parameters cell a random id in every run
    return re.sub(r'id="cell-id=[0-9a-f-]+"', 'id="cell-id"', text)


def _comparable(folder: Path) -> dict:
    """What a run published, without what differs between two runs by nature (durations,
    start times, the page footer's generation time, the injected cell's random id)."""
    summary = _summary(folder)
    reports = [
        {k: v for k, v in r.items() if k != "seconds"} for r in summary["reports"]
    ]  # the configuration's order, kept as a list
    pages = {p.name: _page(p) for p in sorted(folder.glob("*.html")) if p.name != "index.html"}
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    return {
        "ok": summary["ok"],
        "complete": summary["complete"],
        "reports": reports,
        "pages": pages,
        "files": files,
    }


@pytest.mark.parametrize("config", ["three.yaml", "failing.yaml"])
def test_outputs_are_the_same_with_one_job_and_two(workspace, tmp_path, capsys, config):
    codes, runs = {}, {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        codes[jobs] = main(_cli(workspace / config, out, "--run-id", "r", "--jobs", jobs))
        runs[jobs] = _comparable(out / "r")
        # a run with a failure never becomes latest; a complete successful one does
        assert _latest(out) == (None if config == "failing.yaml" else "r")
    assert codes["1"] == codes["2"] == (1 if config == "failing.yaml" else 0)
    assert runs["1"] == runs["2"]
    names = [r["name"] for r in runs["2"]["reports"]]
    assert names == (["a", "bad", "c"] if config == "failing.yaml" else ["a", "b", "c"])
    status = {r["name"]: r["status"] for r in runs["2"]["reports"]}
    if config == "failing.yaml":  # the failure did not stop the other reports
        assert status == {"a": "ok", "bad": "failed", "c": "ok"}
        assert "FAILED bad" in capsys.readouterr().err
    else:
        assert set(status.values()) == {"ok"}
        assert {"a.html", "b.html", "c.html", "index.html"} <= set(runs["2"]["files"])


def test_two_reports_run_at_once_each_with_its_own_environment(
    workspace, tmp_path, monkeypatch, capsys
):
    # a waits for b's marker and b for a's: both succeed only if their kernels overlap
    ma, mb = tmp_path / "a-running", tmp_path / "b-running"
    config = _config(
        tmp_path,
        "pair.yaml",
        [
            ("a", {"code": "a", "marker": str(ma), "release": str(mb)}),
            ("b", {"code": "b", "marker": str(mb), "release": str(ma)}),
        ],
    )
    (tmp_path / "t.ipynb").write_bytes((workspace / "t.ipynb").read_bytes())
    monkeypatch.delenv("LOYALTY_PRIVATE_DIR", raising=False)
    monkeypatch.delenv("LOYALTY_CONFIG", raising=False)
    out = tmp_path / "out"
    assert main(_cli(config, out, "--run-id", "r", "--jobs", "2")) == 0
    # each kernel wrote into its own private folder the reports.yaml it was handed
    private = out / "r" / "private"
    assert sorted(str(p.relative_to(private)) for p in private.rglob("*.txt")) == [
        "a/a.txt",
        "b/b.txt",
    ]
    assert (private / "a" / "a.txt").read_text() == str(config.resolve())
    # the runner's own environment was never written
    assert "LOYALTY_PRIVATE_DIR" not in os.environ and "LOYALTY_CONFIG" not in os.environ
    assert ma.read_text() != mb.read_text()  # two kernel processes
    printed = capsys.readouterr().out
    # one line as each report starts and one as it ends; no progress bar, no kernel log
    lines = [line for line in printed.splitlines() if line.startswith("[")]
    started = {"[1/2] a: running t.ipynb ...", "[2/2] b: running t.ipynb ..."}
    assert len(lines) == 4 and set(lines[:2]) == started  # both start before either ends
    assert all(re.fullmatch(r"\[(1/2\] a|2/2\] b): ok \(\d+\.\d s\)", x) for x in lines[2:])
    assert "Kernel is running" not in printed and "Executing" not in printed


def test_a_full_disk_in_parallel_leaves_later_reports_not_run(
    workspace, tmp_path, monkeypatch, capsys
):
    # a and b start together; a's page hits a full disk while b is still waiting; c would
    # start in a's slot, after the full disk: it is not run (as in a sequential run)
    config = _config(
        tmp_path,
        "disk.yaml",
        [("a", {"code": "a"}), ("b", {"code": "b", "wait": 6.0}), ("c", {"code": "c"})],
    )
    (tmp_path / "t.ipynb").write_bytes((workspace / "t.ipynb").read_bytes())
    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name == "a.html":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    assert main(_cli(config, tmp_path / "out", "--run-id", "r", "--jobs", "2")) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    summary = _summary(tmp_path / "out" / "r")
    status = {r["name"]: r["status"] for r in summary["reports"]}
    assert status == {"a": "failed", "b": "ok", "c": "not run"}
    assert "NOT RUN c: the disk was full (report a could not" in captured.err
    assert _latest(tmp_path / "out") is None


def test_jobs_must_be_a_positive_number(workspace, tmp_path):
    for value in ("0", "-2", "two"):
        done = subprocess.run(
            [sys.executable, "-m", "loyalty_lib", "report"]
            + _cli(workspace / "one.yaml", tmp_path, "--jobs", value),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"argument --jobs/-j: '{value}' is not a number of reports" in done.stderr
    assert not list(tmp_path.iterdir())  # nothing was run


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_interrupted_parallel_run_stops_its_kernels_and_publishes_nothing(
    workspace, tmp_path, sig
):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "loyalty_lib", "report"]
    earlier = subprocess.run(
        cmd + _cli(workspace / "one.yaml", out, "--run-id", "good"),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert earlier.returncode == 0, earlier.stderr
    ma, mb = tmp_path / "a-running", tmp_path / "b-running"
    config = _config(
        tmp_path,
        "slow.yaml",
        [
            ("a", {"code": "a", "marker": str(ma), "wait": 60.0}),
            ("b", {"code": "b", "marker": str(mb), "wait": 60.0}),
            ("c", {"code": "c"}),
        ],
    )
    (tmp_path / "t.ipynb").write_bytes((workspace / "t.ipynb").read_bytes())
    proc = subprocess.Popen(
        cmd + _cli(config, out, "--run-id", "cut", "--jobs", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 120
    while not (ma.exists() and mb.exists() and ma.read_text() and mb.read_text()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the two reports never ran together"
        time.sleep(0.2)
    kernels = [int(ma.read_text()), int(mb.read_text())]
    sent = time.monotonic()
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert time.monotonic() - sent < 30  # the 60 s cells were cut short
    assert "nothing of this run was published" in stderr and "Traceback" not in stderr
    assert "[3/3] c: not run (the run was interrupted)" in stdout
    assert "c: running" not in stdout
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in kernels) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in kernels), "a report kernel outlived the run"
    assert not (out / "cut").exists()
    assert not list(out.glob(".staging-*")) and not list(out.glob(".lock-*"))
    assert _latest(out) == "good"


def test_a_parallel_run_starts_the_longest_reports_first(workspace, tmp_path, capsys):
    # the previous complete run (what latest points to) took c 30 s, b 20 s, a 5 s: with two
    # workers c and b start at once and a, the shortest, waits for one of them
    out = tmp_path / "out"
    previous = out / "prev"
    previous.mkdir(parents=True)
    (previous / "summary.json").write_text(
        json.dumps(
            {
                "run_id": "prev",
                "started": "2026-01-01T00:00:00+00:00",
                "ok": True,
                "complete": True,
                "reports": [
                    {"name": "a", "status": "ok", "seconds": 5.0},
                    {"name": "b", "status": "ok", "seconds": 20.0},
                    {"name": "c", "status": "ok", "seconds": 30.0},
                ],
            }
        ),
        encoding="utf-8",
    )
    os.symlink("prev", out / "latest")
    assert main(_cli(workspace / "three.yaml", out, "--run-id", "r", "--jobs", "2")) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "running" in line]
    started = [line.split("]")[1].split(":")[0].strip() for line in lines]
    assert sorted(started[:2]) == ["b", "c"] and started[2] == "a", lines
    # the numbering and the summary keep the configuration's order
    assert any(line.startswith("[1/3] a: running") for line in lines)
    assert [r["name"] for r in _summary(out / "r")["reports"]] == ["a", "b", "c"]
