"""Time loyalty_lib against its peers and write benchmarks/results.md (``make bench``).

Every (workload, size, id kind, implementation) runs in its own Python process, so that
peak memory is that case's alone: the process loads the input from Parquet, resets the
kernel's peak-RSS mark (``/proc/self/clear_refs``), runs the case once (warm-up; its
result is compared with loyalty_lib's before any timing counts) and then ``repeats``
more times; the median of those runs is reported, and the peak memory above the
loaded input (``VmHWM`` − RSS before the first run) as a multiple of the input frame.

Usage: ``python -m benchmarks.run [--sizes 1000000 10000000] [--ooc-rows 100000000]``.
``--only nps`` (any workload names) times just those workloads and prints the figures
without touching results.md / results.json (for notes.md between full runs); with
``--merge`` as well, their rows replace that workload's rows in results.json and
results.md is rewritten, keeping every other section of the last full run (each
section says which run it comes from).

The ``clv`` workload (customer_summary + fit_bgnbd + fit_gamma_gamma against lifetimes'
summary_data_from_transaction_data + BetaGeoFitter + GammaGammaFitter) runs on a log drawn
from a BG/NBD population (:func:`benchmarks.synth.bgnbd_transactions`, ``rows // 10``
customers); its check compares the summaries' totals to 1e-9 and each estimate to 1e-3
relative (:func:`check_clv`).

The ``reports`` workload (:mod:`benchmarks.reports_at_scale`) runs every converted sales
report of reports.yaml through the real runner (``python -m loyalty_lib report``) on a
``--reports-rows`` Parquet glob with ``engine=duckdb`` and DuckDB capped at
``--ooc-memory``, measuring each kernel's peak RSS, and compares the key figures of the
pandas and duckdb engines on ``--reports-key-rows`` rows:
``make bench BENCH_ARGS="--only reports --merge"``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks.reports_at_scale import LOGS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# ----------------------------------------------------------------------------- worker


def _status(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak() -> None:
    """Make VmHWM (peak RSS) start again from the current RSS (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def worker(spec: dict) -> dict:
    import gc
    import warnings

    from benchmarks import impls

    warnings.simplefilter("ignore")  # lifetimes and PySpark warn about pandas 3 on import
    func, kind = impls.IMPLS[spec["workload"]][spec["impl"]]
    if kind == "polars":
        import polars as pl

        frame = pl.read_parquet(spec["input"])
        input_bytes = int(frame.estimated_size())
    else:
        frame = pd.read_parquet(spec["input"])
        input_bytes = int(frame.memory_usage(deep=True).sum())
    # libraries loaded before the peak is reset: their code is not the computation's memory
    import duckdb  # noqa: F401

    import loyalty_lib  # noqa: F401
    import loyalty_lib.engines  # noqa: F401

    if spec["impl"] == "lifetimes":
        import lifetimes  # noqa: F401  (its fitters import autograd, scipy.optimize, dill)
        import lifetimes.utils  # noqa: F401
    gc.collect()
    _reset_peak()
    baseline = _status("VmRSS")
    times = []
    start = time.perf_counter()
    result = func(frame)
    times.append(time.perf_counter() - start)
    result.to_pickle(spec["result"])
    repeats = spec["repeats"] if times[0] < spec["slow_seconds"] else 0
    for _ in range(repeats):
        start = time.perf_counter()
        func(frame)
        times.append(time.perf_counter() - start)
    peak = _status("VmHWM") - baseline
    timed = times[1:] if len(times) > 1 else times
    return {
        "times": times,
        "median": statistics.median(timed),
        "runs": len(timed),
        "input_bytes": input_bytes,
        "input_rows": len(frame),
        "peak_bytes": max(peak, 0),
    }


# ----------------------------------------------------------------------------- driver


def run_case(spec: dict, timeout: float) -> dict:
    command = [sys.executable, "-m", "benchmarks.run", "--worker", json.dumps(spec)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{spec['workload']} {spec['impl']} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_equal(reference: pd.DataFrame, other: pd.DataFrame) -> str:
    """ "equal" or the first difference (floats to 1e-9 relative)."""
    try:
        pd.testing.assert_frame_equal(reference, other, check_exact=False, rtol=1e-9)
    except AssertionError as exc:
        return "DIFFERENT: " + " ".join(str(exc).split())[:300]
    return "equal"


#: relative tolerance of the model estimates (issue 13: "same estimates to 1e-3 relative")
CLV_RTOL = 1e-3


def check_clv(reference: pd.DataFrame, other: pd.DataFrame) -> tuple[str, dict]:
    """Compare two ``clv`` results: the summary totals to 1e-9 relative, every estimate to
    :data:`CLV_RTOL`; returns the verdict and the relative difference of each quantity."""
    ref = reference[reference["kind"] != "seconds"].set_index("quantity")
    oth = other[other["kind"] != "seconds"].set_index("quantity")
    diffs = {}
    problems = []
    for name, row in ref.iterrows():
        if name not in oth.index:
            problems.append(f"{name} missing")
            continue
        diff = abs(oth.at[name, "value"] / row["value"] - 1) if row["value"] else 0.0
        diffs[name] = float(diff)
        limit = CLV_RTOL if row["kind"] == "parameter" else 1e-9
        if not diff <= limit:
            problems.append(f"{name} {oth.at[name, 'value']:.6g} vs {row['value']:.6g}")
    if problems:
        return "DIFFERENT: " + "; ".join(problems), diffs
    worst = max(v for k, v in diffs.items() if ref.at[k, "kind"] == "parameter")
    return f"equal (estimates within {worst:.1e} relative)", diffs


def machine_facts() -> dict:
    import duckdb
    import narwhals
    import numpy

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = _status_file("/proc/meminfo", "MemTotal")
    facts = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": f"{mem / 2**30:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": numpy.__version__,
        "narwhals": narwhals.__version__,
        "duckdb": duckdb.__version__,
    }
    for name in ("polars", "lifetimes", "autograd", "scipy", "pyarrow"):
        try:
            facts[name] = __import__(name).__version__
        except Exception:  # noqa: BLE001 - a missing peer is reported, not fatal
            facts[name] = "not installed"
    return facts


def _status_file(path: str, field: str) -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def merge_reports(saved: dict, new: dict) -> dict:
    """``new`` (a run of some reports) over ``saved``: its runs and checks replace those of
    the same report, engine, size and log; the others are kept, with a note of their date.
    A run on another log than the saved section's (``--reports-log``) keeps the section's
    description and adds its own under ``logs``."""

    def key(r: dict, *names: str) -> tuple:
        return (*(r[n] for n in names), r.get("log", "uniform"))

    mine = {key(r, "report", "engine", "rows") for r in new["runs"]}
    kept = [r for r in saved.get("runs", []) if key(r, "report", "engine", "rows") not in mine]
    for r in kept:
        r.setdefault("measured", (saved.get("facts") or {}).get("date"))
    checked = {key(c, "report", "rows") for c in new.get("checks", [])}
    checks = [c for c in saved.get("checks", []) if key(c, "report", "rows") not in checked]
    facts = {k: v for k, v in new.items() if k not in ("runs", "checks")}
    log = new.get("log", "uniform")
    if saved and log != saved.get("log", "uniform"):
        out = {**saved, "logs": {**saved.get("logs", {}), log: facts}}
    else:
        out = {**saved, **facts}
        if not new.get("key_rows"):  # no key-figure runs this time: the saved checks' size stays
            out["key_rows"] = saved.get("key_rows", 0)
    out["runs"] = kept + new["runs"]
    out["checks"] = checks + new.get("checks", [])
    return out


def _print_parallel(parallel: list[dict]) -> None:
    if parallel:
        from benchmarks.parallel_runs import section

        print("\n".join(section(parallel)))


def _print_only(rows: list[dict], facts: dict) -> None:
    """The figures of an ``--only`` run, as Markdown lines ready for notes.md."""
    print(
        f"date {facts['date']}; load (1/5/15 min) before {facts['load_before']}, "
        f"after {facts['load_after']}"
    )
    print(
        "| workload | rows | ids | implementation | median s | runs (s) | ratio ours/peer | check |"
    )
    print("|---|---:|---|---|---:|---|---:|---|")
    ours = {(r["workload"], r["rows"], r["ids"]): r for r in rows if r["impl"] == "loyalty_lib"}
    for r in rows:
        if "error" in r:
            print(
                f"| {r['workload']} | {r['rows']:,} | {r['ids']} | {r['impl']} | error: "
                f"{r['error'][-200:]} | | | |"
            )
            continue
        ref = ours.get((r["workload"], r["rows"], r["ids"]))
        ratio = (
            ""
            if r["impl"] == "loyalty_lib" or ref is None or "median" not in ref
            else f"{ref['median'] / r['median']:.2f}"
        )
        runs = ", ".join(f"{t:.3f}" for t in r["times"][1:] or r["times"])
        print(
            f"| {r['workload']} | {r['rows']:,} | {r['ids']} | {r['impl']} | "
            f"{r['median']:.3f} | {runs} | {ratio} | {r['check']} |"
        )
    for r in rows:
        if r["workload"] == "clv" and "median" in r:
            stages = ", ".join(f"{k} {v:.2f} s" for k, v in r.get("stages", {}).items())
            diffs = ", ".join(f"{k} {v:.1e}" for k, v in r.get("rel_diff", {}).items())
            print(
                f"clv {r['rows']:,} {r['impl']}: peak {r['peak_bytes'] / 2**20:,.0f} MB; "
                f"{stages}" + (f"; relative differences: {diffs}" if diffs else "")
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed runs after the warm-up (default: 5 at <= 1M rows, else 3)",
    )
    parser.add_argument(
        "--ooc-rows",
        type=int,
        default=100_000_000,
        help="rows of the out-of-core Parquet log (0 to skip)",
    )
    parser.add_argument("--ooc-memory", default="3GB", help="DuckDB memory_limit out of core")
    parser.add_argument(
        "--reports-rows",
        type=int,
        default=100_000_000,
        help="rows of the Parquet glob every sales report runs on (reports workload; 0 to skip)",
    )
    parser.add_argument(
        "--reports-key-rows",
        type=int,
        default=1_000_000,
        help="rows of the log on which the reports' key figures are compared, pandas vs duckdb",
    )
    parser.add_argument(
        "--reports-names",
        nargs="+",
        default=None,
        help="reports workload: only these reports (with --merge their runs replace the "
        "saved runs of the same report and size; the others are kept)",
    )
    parser.add_argument(
        "--reports-data",
        default=None,
        help="reports workload: a Parquet glob of --reports-rows rows written by this "
        "generator earlier (kept), instead of writing a new one",
    )
    parser.add_argument(
        "--reports-log",
        choices=LOGS,
        default="uniform",
        help="reports workload: the generated log; bgnbd draws it from a BG/NBD population, "
        "so that the loyalty-drivers page fits its customer-base models (default: uniform)",
    )
    parser.add_argument(
        "--reports-cell-timeout",
        type=int,
        default=None,
        help="reports workload: the runner's cell limit in seconds (default: reports.yaml's)",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="where to write generated data (default: a temporary folder, deleted at the end)",
    )
    parser.add_argument("--output", default=str(HERE / "results.md"))
    parser.add_argument(
        "--only",
        nargs="+",
        default=None,
        choices=["cohort", "cohort_sizes", "pareto", "nps", "clv", "parallel", "reports"],
        help="time only these workloads (no out-of-core run) and print the "
        "figures; results.md and results.json are left unchanged (unless --merge)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="with --only: replace those workloads' rows in results.json, rewrite "
        "results.md and keep the other sections of the last run",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="rewrite results.md from the last results.json (e.g. after "
        "editing notes.md) without running anything",
    )
    args = parser.parse_args(argv)
    if args.render_only:
        from benchmarks.report import write_results

        saved = json.loads((HERE / "results.json").read_text())
        write_results(
            Path(args.output),
            saved["rows"],
            saved["ooc"],
            saved["facts"],
            argv=saved.get("argv", []),
            partial=saved.get("partial", {}),
            reports=saved.get("reports"),
            parallel=saved.get("parallel", []),
        )
        return 0
    if args.worker:
        spec = json.loads(args.worker)
        if spec.get("workload") == "out_of_core":
            from benchmarks.out_of_core import worker as ooc_worker

            print(json.dumps(ooc_worker(spec)))
        else:
            print(json.dumps(worker(spec)))
        return 0

    from tqdm.auto import tqdm

    from benchmarks import impls, synth
    from benchmarks.report import write_results

    facts = machine_facts()
    facts["load_before"] = _load()
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="loyalty-bench-", dir="/tmp"))
    data_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        plan = []
        for size in args.sizes:
            repeats = args.repeats if args.repeats is not None else (5 if size <= 1_000_000 else 3)
            for ids in ("int", "str"):
                for workload in ("cohort", "cohort_sizes", "pareto"):
                    if args.only is None or workload in args.only:
                        plan += [
                            (workload, size, ids, impl, repeats) for impl in impls.IMPLS[workload]
                        ]
            if args.only is None or "nps" in args.only:
                plan += [("nps", size, "-", impl, repeats) for impl in impls.IMPLS["nps"]]
            if args.only is None or "clv" in args.only:
                plan += [("clv", size, "-", impl, repeats) for impl in impls.IMPLS["clv"]]
        inputs: dict[tuple, Path] = {}
        progress = tqdm(plan, desc="benchmarks", unit="case", file=sys.stderr, mininterval=5)
        for workload, size, ids, impl, repeats in progress:
            progress.set_postfix_str(f"{workload} {size:,} {ids} {impl}")
            key = {"nps": ("survey", size), "clv": ("bgnbd", size)}.get(workload, ("tx", size, ids))
            if key not in inputs:
                path = data_dir / ("_".join(map(str, key)) + ".parquet")
                if workload == "nps":
                    frame = synth.survey(size)
                elif workload == "clv":
                    frame = synth.bgnbd_transactions(size)
                else:
                    frame = synth.transactions(size, id_kind=ids)
                frame.to_parquet(path)
                del frame
                inputs[key] = path
            result_path = data_dir / f"result_{workload}_{size}_{ids}_{impl}.pkl".replace(" ", "_")
            spec = {
                "workload": workload,
                "impl": impl,
                "input": str(inputs[key]),
                "result": str(result_path),
                "repeats": repeats,
                "slow_seconds": 60.0,
            }
            try:
                measured = run_case(spec, timeout=3600)
                ours = data_dir / f"result_{workload}_{size}_{ids}_loyalty_lib.pkl"
                if workload == "clv":
                    mine = pd.read_pickle(result_path)
                    measured["stages"] = dict(
                        mine.loc[mine["kind"] == "seconds", ["quantity", "value"]].to_numpy()
                    )
                    measured["customers"] = int(mine.set_index("quantity").at["customers", "value"])
                if impl == "loyalty_lib":
                    measured["check"] = "reference"
                elif workload == "clv":
                    measured["check"], measured["rel_diff"] = check_clv(
                        pd.read_pickle(ours), pd.read_pickle(result_path)
                    )
                else:
                    measured["check"] = check_equal(
                        pd.read_pickle(ours), pd.read_pickle(result_path)
                    )
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                measured = {"error": str(exc)[-500:]}
            rows.append({"workload": workload, "rows": size, "ids": ids, "impl": impl, **measured})
        ooc = []
        if args.ooc_rows and args.only is None:
            from benchmarks.out_of_core import run_out_of_core

            ooc = run_out_of_core(args.ooc_rows, data_dir / "ooc", memory_limit=args.ooc_memory)
        parallel = []
        if args.only is None or "parallel" in args.only:
            from benchmarks.parallel_runs import run_parallel_benchmark
            from loyalty_lib.reporting.jobs import default_jobs

            parallel = run_parallel_benchmark(max(2, default_jobs()))
        reports = None
        if (args.only is None or "reports" in args.only) and (
            args.reports_rows or args.reports_key_rows
        ):
            from benchmarks.reports_at_scale import run_reports_at_scale

            reports = run_reports_at_scale(
                args.reports_rows,
                data_dir / "reports",
                key_rows=args.reports_key_rows,
                memory_limit=args.ooc_memory,
                names=args.reports_names,
                cell_timeout=args.reports_cell_timeout,
                data=args.reports_data,
                log=args.reports_log,
            )
            reports["facts"] = {
                "date": machine_facts()["date"],
                "load_before": facts["load_before"],
            }
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    facts["load_after"] = _load()
    if reports is not None:
        reports["facts"]["load_after"] = facts["load_after"]
        reports["facts"]["argv"] = " ".join(sys.argv[1:])
    if args.only is not None and not args.merge:
        _print_only(rows, facts)
        _print_parallel(parallel)
        if reports is not None:
            print(json.dumps(reports, indent=1, default=str))
        return 0
    if args.only is not None:
        _print_only(rows, facts)
        _print_parallel(parallel)
        saved = json.loads((HERE / "results.json").read_text())
        if reports is not None:
            if args.reports_names and saved.get("reports"):
                reports = merge_reports(saved["reports"], reports)
            saved["reports"] = reports
        kept = [r for r in saved["rows"] if r["workload"] not in args.only]
        partial = saved.get("partial", {})
        for workload in args.only:
            partial[workload] = {**facts, "argv": " ".join(sys.argv[1:])}
        saved.update(rows=kept + rows, partial=partial)
        if "parallel" in args.only:
            saved["parallel"] = parallel
        write_results(
            Path(args.output),
            saved["rows"],
            saved["ooc"],
            saved["facts"],
            argv=saved.get("argv", []),
            partial=partial,
            reports=saved.get("reports"),
            parallel=saved.get("parallel", []),
        )
        (HERE / "results.json").write_text(json.dumps(saved, indent=1, default=str))
        print(f"merged {', '.join(args.only)} into {args.output}")
        return 0
    write_results(
        Path(args.output),
        rows,
        ooc,
        facts,
        argv=sys.argv[1:],
        parallel=parallel,
        reports=reports,
    )
    (HERE / "results.json").write_text(
        json.dumps(
            {
                "facts": facts,
                "rows": rows,
                "ooc": ooc,
                "argv": sys.argv[1:],
                "parallel": parallel,
                "reports": reports,
            },
            indent=1,
            default=str,
        )
    )
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
