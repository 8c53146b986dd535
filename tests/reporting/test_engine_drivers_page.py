"""The loyalty-drivers page on the engine: ``engine=duckdb`` shows the pandas page's figures.

loyalty_drivers runs through papermill twice on one Parquet copy of the demo shop's
transactions (22,446 rows with ``region`` and ``channel``, given as a path), with the demo
survey and the demo event log: once with ``engine=pandas`` (the file read into pandas) and
once with ``engine=duckdb`` (DuckDB reads the file itself through ``open_sales``; the say-do
join, the first-purchase segment and the events' customer table come back as aggregates).
Both pages must show the same headline, the same key figures (value, text, interval, base)
and the same text in every cell but the data-quality table (see ``QUALITY_CELL``).

Independent pins: the data-basis sentence's row and customer counts are checked against
DuckDB SQL over the Parquet file (``count(*)``, ``count(DISTINCT customer_id)``).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import papermill
import pytest

from loyalty_lib.reporting.html import _headline, _kpis

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # two loyalty-drivers runs in real kernels: about a minute

PARAMETERS = {"survey_source": "demo", "events_source": "demo"}
#: the data-quality cell lists example amounts of tied frequency in another order on the
#: engine (most frequent, then the lowest) than the pandas checks: its counts are compared
#: in tests/inputs/test_on_engine.py, not here
QUALITY_CELL = "dbad2347"


@pytest.fixture(scope="module")
def parquet_log(tmp_path_factory) -> Path:
    from loyalty_lib.inputs.datasets import load_sales

    path = tmp_path_factory.mktemp("engine_drivers") / "shop_sales.parquet"
    load_sales("demo").to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def pages(parquet_log, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("engine_drivers_runs")
    done = {}
    for engine in ("pandas", "duckdb"):
        target = out / f"loyalty_drivers-{engine}.ipynb"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("LOYALTY_PRIVATE_DIR", str(out / "private" / engine))
            papermill.execute_notebook(
                str(ROOT / "notebooks" / "loyalty_drivers.ipynb"), str(target),
                parameters={**PARAMETERS, "sales_source": str(parquet_log), "engine": engine},
                kernel_name="loyalty", progress_bar=False, cwd=str(ROOT),
            )  # fmt: skip
        done[engine] = target
    return done


def _text(path: Path, cell_id: str) -> str:
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    parts = []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        parts.append(data.get("text/markdown") or data.get("text/html") or data.get("text/plain")
                     or output.get("text", ""))  # fmt: skip
    # pandas' Styler names each table with a random id (T_5da92): not part of the page's text
    return re.sub(r"T_[0-9a-f]{5}", "T_", "\n".join(str(p) for p in parts))


def test_headline_and_key_figures_equal(pages):
    pandas_page, duckdb_page = pages["pandas"], pages["duckdb"]
    assert _headline(duckdb_page) == _headline(pandas_page)
    assert _headline(pandas_page)  # a page without a headline would pass vacuously
    expected, got = _kpis(pandas_page), _kpis(duckdb_page)
    # retention of promoters and of detractors, customer value, likely lost, to remind
    assert len(expected) == 5
    assert [k["label"] for k in got] == [k["label"] for k in expected]
    for want, have in zip(expected, got, strict=True):
        assert have["text"] == want["text"], want["label"]
        assert have.get("interval") == want.get("interval"), want["label"]
        assert have.get("base") == want.get("base"), want["label"]
        assert have["value"] == pytest.approx(want["value"], rel=1e-9), want["label"]


def test_every_cell_equal(pages):
    nb = nbformat.read(pages["pandas"], as_version=4)
    ids = [c.id for c in nb.cells if c.cell_type == "code" and c.id != QUALITY_CELL
           and "injected-parameters" not in c.metadata.get("tags", [])]  # fmt: skip
    # data basis, value by ABC class and by region, events: cells that must have printed
    assert {"67711dbb", "8d2f4a63", "d1d0e003"} <= {i for i in ids if _text(pages["pandas"], i)}
    differ = [i for i in ids if _text(pages["duckdb"], i) != _text(pages["pandas"], i)]
    assert differ == []


def test_data_basis_pinned_to_sql(pages, parquet_log):
    import duckdb

    rows, customers = duckdb.sql(
        f"SELECT count(*), count(DISTINCT customer_id) FROM read_parquet('{parquet_log}')"
    ).fetchall()[0]  # DuckDB SQL over the file: 22,446 rows, 5,000 customers
    text = _text(pages["duckdb"], "67711dbb")
    numbers = [int(re.sub(r"\D", "", n)) for n in re.findall(r"\d[\d,]*", text)[:2]]
    assert numbers == [rows, customers]
