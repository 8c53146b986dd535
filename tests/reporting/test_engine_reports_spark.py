"""The sales reports on Spark give the key figures of the pandas pages (issue 15, item 3).

Every sales notebook that opens its log with ``open_sales`` (converted to run on the engine
end to end) runs twice through the real runner, ``python -m loyalty_lib report --only
NAME_demo``, on one small Parquet log: the demo shop's 22,446 transactions written to a
file in tmp (timestamps in microseconds, as Spark reads them). Once with ``engine=pandas``
(the reference: the pandas pages are pinned to hand-worked and SQL values in
``tests/retention``, ``tests/value``...), once with ``engine=spark``; the headline and every
key figure of ``summary.json`` must be equal (values to 1e-9 relative, printed texts,
intervals and bases exactly).

The kernel's Spark session comes from the README's cluster configuration ("Pointing Spark
at a cluster"): the runner is started with ``PYSPARK_SUBMIT_ARGS="--master local[2] ...
pyspark-shell"`` in its environment, each kernel inherits it, and ``to_engine``'s
``SparkSession.builder.getOrCreate()`` builds the session from it. Nothing is added to
the notebooks to prove it: the same configuration asks Spark for its event log
(``spark.eventLog.dir``), in which every application records its properties and the
physical plan of every query. The test reads that record: one application per Spark
report, its master ``local[2]`` and its session time zone UTC, and queries whose plans read
the log with Spark's own Parquet scan of the file (``Scan parquet ... Location:
InMemoryFileIndex [file:...]``), none from rows shipped by the driver (a ``LocalTableScan``
or ``Scan ExistingRDD`` holding the log's columns). One JVM per notebook: about 10 s each
on a quiet machine, plus the notebook's queries.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # make test installs it (make java)
    pytest.skip("Spark needs Java 17 on the PATH (make java)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "reports.yaml"


def _converted_reports() -> list[str]:
    """The ``*_demo`` report of every sales notebook that opens its log with open_sales."""
    reports = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["reports"]
    names = []
    for entry in reports:
        if not entry["name"].endswith("_demo") or "sales_source" not in entry["parameters"]:
            continue
        nb = nbformat.read(str(ROOT / entry["notebook"]), as_version=4)
        if "open_sales(" in "\n".join(c.source for c in nb.cells if c.cell_type == "code"):
            names.append(entry["name"])
    return names


REPORTS = _converted_reports()


def test_cohort_retention_is_among_the_converted_reports():
    # the parametrized tests below must never run over an empty list
    assert "cohort_retention_demo" in REPORTS


def _run(engine: str, sales: Path, out: Path, env: dict[str, str]) -> dict[str, dict]:
    command = [sys.executable, "-m", "loyalty_lib", "report", "--config", str(CONFIG)]
    for name in REPORTS:
        command += ["--only", name, "-p", f"{name}.sales_source={sales}"]
    command += ["-p", f"engine={engine}", "--jobs", "2", "--no-progress"]
    command += ["--output-dir", str(out), "--run-id", engine]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    summary = out / engine / "summary.json"
    assert summary.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return {r["name"]: r for r in json.loads(summary.read_text(encoding="utf-8"))["reports"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from loyalty_lib.inputs.datasets import load_sales

    folder = tmp_path_factory.mktemp("spark_reports")
    sales = folder / "demo_sales.parquet"
    frame = load_sales("demo")
    frame["order_date"] = frame["order_date"].astype("datetime64[us]")
    frame.to_parquet(sales, index=False)
    events = folder / "spark-events"
    events.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_REMOTE", "SPARK_HOME")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # README "Pointing Spark at a cluster", with a local master and a small driver; the
    # event log is Spark's own record of the session each kernel built
    env["PYSPARK_SUBMIT_ARGS"] = (
        "--master local[2] --driver-memory 1g "
        "--conf spark.sql.session.timeZone=UTC "
        "--conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false "
        "--conf spark.sql.shuffle.partitions=2 "
        "--conf spark.eventLog.enabled=true --conf spark.eventLog.compress=false "
        "--conf spark.eventLog.rolling.enabled=false "
        f"--conf spark.eventLog.dir={events.as_uri()} "
        "pyspark-shell"
    )
    pandas_runs = _run("pandas", sales, folder / "out", env)
    spark_runs = _run("spark", sales, folder / "out", env)
    return {"pandas": pandas_runs, "spark": spark_runs, "sales": sales, "events": events}


def _same_figures(reference: list[dict], other: list[dict]) -> list[str]:
    problems = []
    if len(reference) != len(other):
        problems.append(f"{len(other)} key figures on Spark, {len(reference)} on pandas")
    for a, b in zip(reference, other, strict=False):
        for key in sorted(set(a) | set(b)):
            x, y = a.get(key), b.get(key)
            if isinstance(x, float) and isinstance(y, float):
                same = math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
            elif key == "interval_values" and x and y:
                same = all(math.isclose(p, q, rel_tol=1e-9) for p, q in zip(x, y, strict=True))
            else:
                same = x == y
            if not same:
                problems.append(f"{a.get('label')}: {key} {y!r} on Spark, {x!r} on pandas")
    return problems


@pytest.mark.parametrize("name", REPORTS)
def test_spark_pages_have_the_pandas_key_figures(runs, name):
    reference, spark = runs["pandas"][name], runs["spark"][name]
    assert reference["status"] == "ok", reference.get("error")
    assert spark["status"] == "ok", spark.get("error")
    # something to compare: a headline with a number, key figures with values
    assert reference["headline"] and re.search(r"\d", reference["headline"])
    if name.startswith("data_overview"):  # the data audit shows no key figures: its headline
        assert reference["kpis"] == spark["kpis"] == []  # carries them (rows, customers, dates)
    else:
        assert reference["kpis"] and all(k["value"] is not None for k in reference["kpis"])
    assert spark["headline"] == reference["headline"]
    assert _same_figures(reference["kpis"], spark["kpis"]) == []


def _event_logs(folder: Path) -> list[list[dict]]:
    logs = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("local-"):  # one file per application (local master)
            logs.append([json.loads(line) for line in path.read_text().splitlines() if line])
    return logs


def test_each_spark_kernel_built_the_readme_session_and_read_the_file_itself(runs):
    logs = _event_logs(runs["events"])
    assert len(logs) == len(REPORTS)  # one session per notebook kernel, no other
    columns = set(pd.read_parquet(runs["sales"]).columns)
    location = f"file:{runs['sales']}"
    for events in logs:
        environment = next(e for e in events if e["Event"] == "SparkListenerEnvironmentUpdate")
        properties = dict(environment["Spark Properties"])
        assert properties["spark.master"] == "local[2]"
        assert properties["spark.sql.session.timeZone"] == "UTC"
        plans = [
            e["physicalPlanDescription"]
            for e in events
            if e["Event"].endswith("SparkListenerSQLExecutionStart")
        ]
        scans = [p for p in plans if "Scan parquet" in p]
        assert scans and all(location in p for p in scans)
        for plan in plans:
            for node in re.findall(r"(?:LocalTableScan|Scan ExistingRDD)[^\n]*", plan):
                held = {c for c in columns if re.search(rf"\b{c}#", node)}
                assert not {"customer_id", "order_date"} <= held, node
