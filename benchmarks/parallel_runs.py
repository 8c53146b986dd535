"""Reports in parallel: the whole bundled run with ``--jobs 1`` and ``--jobs N`` against its floor.

The run is the real one (``loyalty report`` on reports.yaml, every report, a fresh output
folder each time). The **floor** is what no scheduling can beat: the same number of
kernels as there are reports, started ``N`` at a time, each importing what a report notebook
imports (pandas, matplotlib, the library's topic packages) and doing nothing else. Goal
(issue 15): the parallel run within 1.5x its floor.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What every report notebook's first code cell imports, and nothing else.
IMPORTS = (
    "import warnings\n"
    "import matplotlib.pyplot as plt\n"
    "import numpy as np\n"
    "import pandas as pd\n"
    "from IPython.display import Markdown, display\n"
    "import loyalty_lib.behaviour, loyalty_lib.retention, loyalty_lib.survey, loyalty_lib.value\n"
    "import loyalty_lib.inputs.datasets, loyalty_lib.reporting.kpi\n"
)


def _one_kernel(kernel: str) -> float:
    from jupyter_client.manager import start_new_kernel

    start = time.perf_counter()
    manager, client = start_new_kernel(kernel_name=kernel, stderr=subprocess.DEVNULL)
    try:
        reply = client.execute_interactive(IMPORTS, timeout=300)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the floor's imports failed: {reply['content']}")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
    return time.perf_counter() - start


def floor(kernels: int, jobs: int, kernel: str = "loyalty") -> float:
    """Wall seconds to start ``kernels`` kernels ``jobs`` at a time, each doing the imports."""
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda _: _one_kernel(kernel), range(kernels)))
    return time.perf_counter() - start


def full_run(jobs: int, config: Path) -> tuple[float, int, str]:
    """Wall seconds, exit status and the last line of one complete ``loyalty report`` run."""
    out = Path(tempfile.mkdtemp(prefix="loyalty-parallel-"))
    try:
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "loyalty_lib",
                "report",
                "--config",
                str(config),
                "--output-dir",
                str(out),
                "--no-progress",
                "--jobs",
                str(jobs),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=3600,
        )
        seconds = time.perf_counter() - start
        tail = (proc.stdout.strip().splitlines() or [""])[-1]
        return seconds, proc.returncode, tail
    finally:
        shutil.rmtree(out, ignore_errors=True)


def run_parallel_benchmark(jobs: int, *, config: Path | None = None) -> list[dict]:
    """Full runs with --jobs 1 and --jobs ``jobs``, and the floor for each; one row each."""
    import yaml

    config = config or ROOT / "reports.yaml"
    reports = len(yaml.safe_load(config.read_text(encoding="utf-8"))["reports"])
    _one_kernel("loyalty")  # warm-up: the first kernel start pays for cold files
    rows = []
    for n in sorted({1, jobs}):
        seconds, code, tail = full_run(n, config)
        base = floor(reports, n)
        rows.append(
            {
                "jobs": n,
                "reports": reports,
                "run_seconds": round(seconds, 1),
                "floor_seconds": round(base, 1),
                "ratio": round(seconds / base, 2),
                "exit": code,
                "summary": tail,
            }
        )
    return rows


def section(rows: list[dict]) -> list[str]:
    """The results.md section of the parallel runs."""
    if not rows:
        return []
    lines = [
        "## Reports in parallel: the bundled run against its floor",
        "",
        "`loyalty report --jobs N` on reports.yaml (every report, a fresh output folder), wall "
        "time of the whole command. **Floor**: as many kernels as reports, started N at a time, "
        "each importing what a report notebook imports (pandas, matplotlib, loyalty_lib's "
        "packages) and doing nothing else. Goal: the run within 1.5x its floor.",
        "",
        "| jobs | reports | run s | floor s | run / floor | exit |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['jobs']} | {r['reports']} | {r['run_seconds']:.1f} | {r['floor_seconds']:.1f} "
            f"| {r['ratio']:.2f} | {r['exit']} |"
        )
    if len(rows) >= 2:
        one, many = rows[0], rows[-1]
        lines += [
            "",
            f"--jobs {many['jobs']} takes {many['run_seconds'] / one['run_seconds']:.2f}x the "
            f"time of --jobs 1 ({many['run_seconds']:.1f} s against {one['run_seconds']:.1f} s).",
        ]
    return [*lines, ""]
