"""Every sales report through the real runner on a 100M-row Parquet glob (``--only reports``).

The reports are the ``*_cdnow`` entries of ``reports.yaml`` whose notebook opens its log
with ``open_sales`` (converted to run on the engine end to end; the others still load the
log into pandas and are listed as not measured). Each one runs alone, exactly as an
analyst would start it::

    LOYALTY_DUCKDB_MEMORY=3GB LOYALTY_DUCKDB_TEMP=<folder on disk> \\
    python -m loyalty_lib report --config reports.yaml --only NAME \\
        -p NAME.sales_source=<glob> -p engine=duckdb --jobs 1 --no-progress \\
        --output-dir <its own folder> --run-id NAME-duckdb-<rows>

in a wrapper process (``python -m benchmarks.reports_at_scale --measure SPEC``) that
starts the runner, polls the process tree every 0.2 s and, once the runner has exited,
reads ``getrusage(RUSAGE_CHILDREN)``. Peak memory is the **kernel's peak RSS** as the
Linux kernel records it (``VmHWM`` of the ``ipykernel_launcher`` process, read from
``/proc`` until it exits); ``ru_maxrss`` of the children (the largest process of the run,
runner or kernel, once reaped) and their CPU seconds are recorded beside it.

Key figures: on a 1M-row log of the same generator (one Parquet file: ``engine=pandas``
reads a plain path as one file, not a glob) each report runs with
``engine=pandas`` and with ``engine=duckdb``; the key figures (``summary.json``:
``kpis``, recorded from the executed notebook's ``KPI_MIMETYPE`` outputs) and the
headline text must be equal (values to 1e-9 relative, texts exactly).

The generated logs and DuckDB's spill folder are deleted at the end.
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "reports.yaml"
#: bytes of disk a run needs per row of the large log: the Parquet files (about 13 bytes
#: a row with string ids) and DuckDB's spill files (measured below 20 bytes a row), with
#: room to spare
DISK_PER_ROW = 60
POLL_SECONDS = 0.2


# ----------------------------------------------------------------------------- reports


def sales_reports(config: Path = CONFIG) -> list[dict[str, Any]]:
    """The ``*_cdnow`` entries of ``config``: name, notebook and whether it is converted
    (its code opens the log with ``open_sales``, so the engine reads the files)."""
    import nbformat
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    out = []
    for entry in data["reports"]:
        if not entry["name"].endswith("_cdnow"):
            continue
        notebook = config.parent / entry["notebook"]
        nb = nbformat.read(str(notebook), as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        out.append(
            {
                "name": entry["name"],
                "notebook": entry["notebook"],
                "converted": "open_sales(" in code,
            }
        )
    return out


# ----------------------------------------------------------------------------- measuring


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` alive now (from /proc/*/stat)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name (field 2) is in parentheses and may contain spaces
        fields = stat[stat.rindex(")") + 2 :].split()
        parent[int(entry.name)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        kids = [p for p, pp in parent.items() if pp == current]
        found += kids
        todo += kids
    return found


def _peak(pid: int) -> tuple[int, str] | None:
    """(VmHWM in bytes, command line) of a live process, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024, cmdline
    return None


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*") if folder.is_dir() else []:
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``spec["command"]`` with ``spec["env"]``; its time, the kernel's peak RSS and
    the children's rusage (this function runs in a fresh wrapper process per report, so
    RUSAGE_CHILDREN covers that report's runner and kernel only)."""
    env = {**os.environ, **spec["env"]}
    spill = Path(spec["spill"]) if spec.get("spill") else None
    peaks: dict[int, tuple[int, str]] = {}
    spill_peak = 0
    start = time.perf_counter()
    process = subprocess.Popen(
        spec["command"],
        cwd=spec["cwd"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: log.extend(process.stdout), daemon=True)
    reader.start()
    while process.poll() is None:
        for pid in _children(process.pid):
            got = _peak(pid)
            if got is not None and got[0] >= peaks.get(pid, (0, ""))[0]:
                peaks[pid] = got
        if spill is not None:
            spill_peak = max(spill_peak, _folder_bytes(spill))
        time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - start
    reader.join(timeout=5)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    kernels = [v for v in peaks.values() if "ipykernel_launcher" in v[1]]
    return {
        "returncode": process.returncode,
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "kernel_peak_bytes": max((v[0] for v in kernels), default=None),
        "kernels_seen": len(kernels),
        "largest_process_bytes": usage.ru_maxrss * 1024,
        "spill_peak_bytes": spill_peak,
        "log": "".join(log)[-3000:],
    }


def _measured(spec: dict[str, Any]) -> dict[str, Any]:
    """:func:`measure` in a fresh wrapper process (its RUSAGE_CHILDREN is this run's)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.reports_at_scale", "--measure", json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"the measuring wrapper failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_report(
    name: str,
    glob: str,
    engine: str,
    out: Path,
    *,
    rows: int,
    memory_limit: str,
    spill: Path,
    config: Path = CONFIG,
    cell_timeout: int | None = None,
) -> dict[str, Any]:
    """One report through ``python -m loyalty_lib report``, measured; its key figures.
    ``cell_timeout``: ``--cell-timeout`` (default: reports.yaml's ``cell_timeout``)."""
    run_id = f"{name}-{engine}-{rows}"
    command = [
        sys.executable,
        "-m",
        "loyalty_lib",
        "report",
        "--config",
        str(config),
        "--only",
        name,
        "-p",
        f"{name}.sales_source={glob}",
        "-p",
        f"engine={engine}",
        "--jobs",
        "1",
        "--no-progress",
        "--output-dir",
        str(out),
        "--run-id",
        run_id,
        *(["--cell-timeout", str(int(cell_timeout))] if cell_timeout else []),
    ]
    env = {"PYTHONPATH": str(ROOT), "LOYALTY_DUCKDB_MEMORY": memory_limit}
    timeout = re.search(r"(?m)^cell_timeout:\s*(\d+)", Path(config).read_text(encoding="utf-8"))
    limit = int(cell_timeout) if cell_timeout else int(timeout.group(1)) if timeout else None
    env["LOYALTY_DUCKDB_TEMP"] = str(spill)
    print(f"reports at scale: {name} on {rows:,} rows, engine={engine} ...", file=sys.stderr)
    got = _measured(
        {"command": command, "env": env, "cwd": str(config.parent), "spill": str(spill)}
    )
    shutil.rmtree(spill, ignore_errors=True)
    result: dict[str, Any] = {
        "report": name,
        "engine": engine,
        "rows": rows,
        "memory_limit": memory_limit if engine == "duckdb" else None,
        "cell_timeout": limit,
        **{k: v for k, v in got.items() if k != "log"},
    }
    summary_path = out / run_id / "summary.json"
    if not summary_path.exists():
        result.update(status="failed", error=got["log"][-1500:])
        return result
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    outcome = summary["reports"][0]
    result.update(
        status=outcome["status"],
        report_seconds=outcome["seconds"],
        headline=outcome.get("headline"),
        kpis=outcome.get("kpis") or [],
    )
    if outcome["status"] != "ok":
        error = outcome.get("error") or {}
        result["error"] = (
            f"cell {error.get('cell_index')}: {error.get('sentence') or error.get('evalue')}"
        )
    return result


# ----------------------------------------------------------------------------- key figures


def compare_key_figures(reference: dict[str, Any], other: dict[str, Any]) -> str:
    """``"equal"`` or every difference between two runs' headline and key figures."""
    if reference.get("status") != "ok" or other.get("status") != "ok":
        return "not compared: a run failed"
    problems = []
    if reference.get("headline") != other.get("headline"):
        problems.append(f"headline {other.get('headline')!r} vs {reference.get('headline')!r}")
    ref, oth = reference.get("kpis") or [], other.get("kpis") or []
    if len(ref) != len(oth):
        problems.append(f"{len(oth)} key figures vs {len(ref)}")
    for a, b in zip(ref, oth, strict=False):
        for key in sorted(set(a) | set(b)):
            x, y = a.get(key), b.get(key)
            if isinstance(x, float) and isinstance(y, float):
                if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12):
                    problems.append(f"{a.get('label')}: {key} {y!r} vs {x!r}")
            elif key == "interval_values" and x and y:
                if not all(math.isclose(p, q, rel_tol=1e-9) for p, q in zip(x, y, strict=True)):
                    problems.append(f"{a.get('label')}: {key} {y!r} vs {x!r}")
            elif x != y:
                problems.append(f"{a.get('label')}: {key} {y!r} vs {x!r}")
    if not ref and not reference.get("headline"):
        problems.append("nothing to compare: no headline and no key figure")
    return "equal" if not problems else "DIFFERENT: " + "; ".join(problems)


# ----------------------------------------------------------------------------- the workload


#: The logs the reports can run on (``--reports-log``), see :func:`run_reports_at_scale`.
LOGS = ("uniform", "bgnbd")


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def run_reports_at_scale(
    rows: int,
    folder: Path,
    *,
    key_rows: int = 1_000_000,
    memory_limit: str = "3GB",
    chunk_rows: int = 5_000_000,
    config: Path = CONFIG,
    names: list[str] | None = None,
    cell_timeout: int | None = None,
    data: str | None = None,
    log: str = "uniform",
) -> dict[str, Any]:
    """Generate the logs in ``folder``, run every converted sales report, delete the data.

    ``log``: ``"uniform"`` (:func:`~benchmarks.synth.write_transactions_parquet`, the
    default) or ``"bgnbd"`` (:func:`~benchmarks.synth.write_bgnbd_parquet`: a log drawn
    from a BG/NBD population, on which the loyalty-drivers page fits its customer-base
    models, where the uniform log makes the fit refuse and those sections stop).

    ``names``: only these reports. ``cell_timeout``: the runner's cell limit for these
    runs (``loyalty report --cell-timeout``; reports.yaml's 600 s may stop a 100M-row page).
    ``data``: a glob of ``rows`` rows this generator wrote earlier (kept), instead of
    writing a new one.
    """
    from benchmarks.synth import write_bgnbd_parquet, write_transactions_parquet

    if log not in LOGS:
        raise ValueError(f"reports at scale: log {log!r}; use one of {sorted(LOGS)}")

    def write(n: int, where: Path, chunk: int) -> None:
        if log == "bgnbd":
            write_bgnbd_parquet(n, where, chunk_rows=chunk)
        else:
            write_transactions_parquet(n, where, chunk_rows=chunk, id_kind="str")

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    need = DISK_PER_ROW * (rows + key_rows)
    free = shutil.disk_usage(folder).free
    if free < need:
        raise RuntimeError(
            f"reports at scale: {free / 2**30:.1f} GiB free in {folder}, "
            f"{need / 2**30:.1f} GiB needed for {rows:,} + {key_rows:,} rows and the spill "
            "files; pass --data-dir on a larger disk or fewer --reports-rows"
        )
    reports = sales_reports(config)
    converted = [r["name"] for r in reports if r["converted"]]
    if names:
        unknown = sorted(set(names) - set(converted))
        if unknown:
            raise ValueError(f"reports at scale: not a converted sales report: {unknown}")
        converted = [n for n in converted if n in names]
    out: dict[str, Any] = {
        "rows": rows,
        "key_rows": key_rows,
        "log": log,
        "memory_limit": memory_limit,
        "cell_timeout": cell_timeout,
        "disk_free_before": free,
        "skipped": [r["name"] for r in reports if not r["converted"]],
        "runs": [],
        "checks": [],
    }
    spill = folder / "duckdb_spill"
    # every finished run is saved beside the data folder at once, so that an interrupted
    # run of an hour keeps what it measured (python -m benchmarks.run --render-only after
    # copying it into results.json's "reports")
    progress = folder.parent / "reports_progress.json"

    def save() -> None:
        progress.write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")

    try:
        if key_rows:
            small = folder / "key"
            # one file: engine=pandas reads a plain path only as a single file
            write(key_rows, small, key_rows)
            for name in converted:
                pair = {
                    engine: run_report(
                        name,
                        str(small / "part-0000.parquet"),
                        engine,
                        folder / "out",
                        rows=key_rows,
                        memory_limit=memory_limit,
                        spill=spill,
                        config=config,
                        cell_timeout=cell_timeout,
                    )
                    for engine in ("pandas", "duckdb")
                }
                for run in pair.values():
                    run["log"] = log
                out["runs"] += list(pair.values())
                out["checks"].append(
                    {
                        "report": name,
                        "rows": key_rows,
                        "log": log,
                        "verdict": compare_key_figures(pair["pandas"], pair["duckdb"]),
                    }
                )
                save()
            shutil.rmtree(small, ignore_errors=True)
        if rows:
            large = folder / "large"
            glob = str(large / "*.parquet")
            if data:
                glob, files = data, sorted(Path(data).parent.glob(Path(data).name))
            else:
                start = time.perf_counter()
                write(rows, large, chunk_rows)
                out["generate_seconds"] = time.perf_counter() - start
                files = sorted(large.glob("*.parquet"))
            out["parquet_bytes"] = sum(p.stat().st_size for p in files)
            out["parquet_files"] = len(files)
            out["input_rows"] = sum(_parquet_rows(p) for p in files)
            for name in converted:
                out["runs"].append(
                    {"log": log, "input_rows": out["input_rows"]}
                    | run_report(
                        name,
                        glob,
                        "duckdb",
                        folder / "out",
                        rows=rows,
                        memory_limit=memory_limit,
                        spill=spill,
                        config=config,
                        cell_timeout=cell_timeout,
                    )
                )
                save()
    finally:
        for sub in ("key", "large", "duckdb_spill", "out"):
            shutil.rmtree(folder / sub, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.reports_at_scale")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure))))
        return 0
    parser.error("run it through benchmarks.run: python -m benchmarks.run --only reports")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
