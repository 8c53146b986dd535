"""Nothing lost: a report run killed half-way (SIGINT, SIGTERM, SIGKILL) leaves every earlier
run intact, publishes nothing and never moves reports/latest. The runner is a subprocess
running real papermill kernels; a marker file written by the second notebook tells the test
that the run is half-way (the first report is done, the second is executing). The same
with reports in parallel: tests/reporting/test_parallel_reports.py."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

KERNEL = {"name": "loyalty", "display_name": "Python (loyalty)", "language": "python"}


def _notebook(path: Path, body: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.cells = [
        nbformat.v4.new_markdown_cell("# t"),
        nbformat.v4.new_code_cell(
            'marker: str = ""  # file touched when running', metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell(body),
    ]
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    _notebook(root / "quick.ipynb", "print('quick report')")
    _notebook(
        root / "slow.ipynb",
        "import pathlib, time\npathlib.Path(marker).write_text('running')\ntime.sleep(60)",
    )
    (root / "reports.yaml").write_text(
        "cell_timeout: 120\nreports:\n"
        "  - {name: quick, notebook: quick.ipynb}\n"
        "  - {name: slow, notebook: slow.ipynb}\n"
    )
    # a subset run (--only quick) never becomes latest: the earlier complete runs use this
    (root / "quick.yaml").write_text(
        "cell_timeout: 120\nreports:\n  - {name: quick, notebook: quick.ipynb}\n"
    )
    return root


def _runner(workspace, out, run_id, *extra, config="reports.yaml"):
    return [
        sys.executable,
        "-m",
        "loyalty_lib",
        "--config",
        str(workspace / config),
        "--output-dir",
        str(out),
        "--run-id",
        run_id,
        "--no-progress",
        "--jobs",  # one after another: report 1 is done when report 2 runs
        "1",
        *extra,
    ]


def _group_gone(pgid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.5)
    os.killpg(pgid, signal.SIGKILL)  # our own session only; then report the failure
    return False


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def earlier(workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    done = subprocess.run(
        _runner(workspace, out, "good", config="quick.yaml"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
def test_killed_run_leaves_earlier_reports_intact(workspace, earlier, tmp_path, sig):
    before = _tree(earlier)
    latest = os.readlink(earlier / "latest")
    marker = tmp_path / f"running-{sig.name}"
    run_id = f"killed-{sig.name}"
    proc = subprocess.Popen(
        _runner(workspace, earlier, run_id, "-p", f"marker={marker}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while not marker.exists():  # half-way: report 1 done, report 2 running
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never reached the second report"
        time.sleep(0.2)
    staging = list(earlier.glob(f".staging-{run_id}-*"))
    assert len(staging) == 1 and (staging[0] / "quick.html").exists()  # work was under way
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    # no notebook kernel outlives the runner (after SIGKILL it notices its parent is gone)
    assert _group_gone(proc.pid, within=20), "the notebook kernel outlived the runner"
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130, err
        assert "nothing of this run was published" in err
        assert not list(earlier.glob(".staging-*"))  # cleaned up on the way out
        assert not list(earlier.glob(".lock-*"))
    assert not (earlier / run_id).exists()  # no half-written run folder
    assert os.readlink(earlier / "latest") == latest
    # a SIGKILLed run leaves its staging folder and its (no longer held) lock file
    after = {k: v for k, v in _tree(earlier).items() if not k.startswith((".staging-", ".lock-"))}
    assert after == before  # every earlier report byte for byte
    if sig == signal.SIGKILL:
        # the killed run's hidden staging folder is swept by the next run
        rerun = subprocess.run(
            _runner(workspace, earlier, "after-kill", config="quick.yaml"),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert rerun.returncode == 0, rerun.stderr
        assert not list(earlier.glob(".staging-*")) and not list(earlier.glob(".lock-*"))
        assert os.readlink(earlier / "latest") == "after-kill"
