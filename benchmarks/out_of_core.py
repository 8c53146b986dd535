"""Out of core: cohort retention and the 80/20 split on a Parquet log larger than memory.

The log is generated in chunks (``benchmarks.synth.write_transactions_parquet``) and
passed to ``loyalty_lib`` as a glob: DuckDB reads it with a ``memory_limit`` and spills
to a temporary folder; nothing is loaded into pandas. Each case runs in its own process;
its peak memory is the process's whole peak RSS (``VmHWM``: interpreter, libraries and
DuckDB included).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker(spec: dict) -> dict:
    import warnings

    import duckdb

    from loyalty_lib import cohort_retention, pareto_split

    warnings.simplefilter("ignore")
    con = duckdb.default_connection()
    con.execute(f"SET memory_limit = '{spec['memory_limit']}'")
    con.execute(f"SET temp_directory = '{spec['temp']}'")
    con.execute("SET preserve_insertion_order = false")
    start = time.perf_counter()
    if spec["case"] == "cohort":
        out = cohort_retention(spec["glob"], customer="customer_id", date="order_date")
        summary = {
            "cohorts": int(out["cohort"].nunique()),
            "customers": int(out.drop_duplicates("cohort")["cohort_size"].sum()),
        }
    else:
        out = pareto_split(spec["glob"], customer="customer_id", value="amount")
        row = out.iloc[0]
        summary = {
            "customers": int(row["customers"]),
            "top_value_share": round(float(row["top_value_share"]), 4),
        }
    seconds = time.perf_counter() - start
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) * 1024
    return {"seconds": seconds, "peak_bytes": peak, **summary}


def run_out_of_core(rows: int, folder: Path, *, memory_limit: str = "3GB") -> list[dict]:
    """Generate ``rows`` rows as Parquet in ``folder``, run both cases, delete the data."""
    from benchmarks.synth import write_transactions_parquet

    folder = Path(folder)
    temp = folder.parent / "duckdb_spill"
    results = []
    try:
        start = time.perf_counter()
        write_transactions_parquet(rows, folder)
        written = time.perf_counter() - start
        disk = sum(p.stat().st_size for p in folder.glob("*.parquet"))
        for case in ("cohort", "pareto"):
            temp.mkdir(parents=True, exist_ok=True)
            spec = {
                "workload": "out_of_core",
                "case": case,
                "glob": str(folder / "*.parquet"),
                "memory_limit": memory_limit,
                "temp": str(temp),
            }
            print(f"out of core: {case} on {rows:,} rows ...", file=sys.stderr, flush=True)
            command = [sys.executable, "-m", "benchmarks.run", "--worker", json.dumps(spec)]
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            if done.returncode != 0:
                results.append({"case": case, "rows": rows, "error": done.stderr[-1500:]})
            else:
                results.append(
                    {
                        "case": case,
                        "rows": rows,
                        "parquet_bytes": disk,
                        "generate_seconds": written,
                        "memory_limit": memory_limit,
                        **json.loads(done.stdout.strip().splitlines()[-1]),
                    }
                )
            shutil.rmtree(temp, ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(temp, ignore_errors=True)
    return results
