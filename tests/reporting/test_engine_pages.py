"""Pages on the engine: a notebook run with ``engine=duckdb`` shows the key figures of the
same notebook run with ``engine=pandas``.

Each notebook runs through papermill on one Parquet copy of the demo shop's transactions
(22,446 rows, given as a path): with ``engine=pandas`` the file is read into pandas; with
``engine=duckdb`` DuckDB reads it itself (``open_sales``) and every table, sentence and
chart is built from aggregates collected from DuckDB. The pages must agree on their
headline, their key figures (:mod:`loyalty_lib.reporting.kpi`) and the text of the cells
listed per page. The figures themselves are pinned to sources outside the library: the
headline of the data audit to DuckDB SQL over the file, the 80/20 key figure to a plain
pandas recipe (net value per customer, sorted, top ceil(20 %)).

The table is meant to grow: add a page to ``PAGES``, an engine to ``ENGINES``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import papermill
import pytest

from loyalty_lib.reporting.html import _headline, _kpis

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # four notebook runs in real kernels: about a minute


@dataclass(frozen=True)
class Page:
    """A notebook, its parameters besides the data and the engine, what must agree."""

    notebook: str
    parameters: dict[str, Any] = field(default_factory=dict)
    kpis: int = 0  # how many key figures the page shows (0: the headline only)
    cells: tuple[str, ...] = ()  # ids of further cells whose text output must be equal


PAGES: dict[str, Page] = {
    "pareto_customers": Page(
        "pareto_customers",
        kpis=1,
        # data basis, ABC table, class A profile, segments, concentration over time
        cells=("0ac61581", "b62e5fa9", "705e93c4", "c4dd99b3", "af287979", "aa3bd869"),
    ),
    "data_overview": Page(
        "data_overview",
        # sales log facts, months, purchase-value quantiles, NPS section
        cells=("8e23ba58", "9a67cbb6", "0a85d019", "72b7db9d"),
    ),
}
#: engines compared with pandas
ENGINES = ["duckdb"]


@pytest.fixture(scope="module")
def parquet_log(tmp_path_factory) -> Path:
    from loyalty_lib.inputs.datasets import load_sales

    path = tmp_path_factory.mktemp("engine_pages") / "shop_sales.parquet"
    load_sales("demo").to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def run_page(parquet_log, tmp_path_factory):
    out = tmp_path_factory.mktemp("engine_pages_runs")
    done: dict[tuple[str, str], Path] = {}

    def run(name: str, engine: str) -> Path:
        if (name, engine) not in done:
            page = PAGES[name]
            target = out / f"{name}-{engine}.ipynb"
            papermill.execute_notebook(
                str(ROOT / "notebooks" / f"{page.notebook}.ipynb"), str(target),
                parameters={**page.parameters, "sales_source": str(parquet_log),
                            "engine": engine},
                kernel_name="loyalty", progress_bar=False, cwd=str(ROOT),
            )  # fmt: skip
            done[(name, engine)] = target
        return done[(name, engine)]

    return run


def _cell_texts(notebook: Path, ids: tuple[str, ...]) -> dict[str, list[str]]:
    """Text outputs (Markdown, plain, HTML) of the cells, without per-run object ids."""
    cells = {c.get("id"): c for c in nbformat.read(str(notebook), as_version=4).cells}
    texts = {}
    for cell_id in ids:
        assert cell_id in cells, f"{notebook.name}: no cell {cell_id} (was it re-created?)"
        shown = []
        for output in cells[cell_id].get("outputs", []):
            for mime in ("text/markdown", "text/plain", "text/html"):
                if mime in output.get("data", {}):
                    text = output["data"][mime]
                    text = "".join(text) if isinstance(text, list) else str(text)
                    text = re.sub(r" at 0x[0-9a-f]+", "", text)  # Styler reprs
                    shown.append(re.sub(r"T_[0-9a-f_]+", "T_", text))  # Styler table ids
        assert shown, f"{notebook.name}: cell {cell_id} shows nothing"
        texts[cell_id] = shown
    return texts


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_on_the_engine_shows_the_pandas_figures(run_page, name, engine):
    page = PAGES[name]
    reference, got = run_page(name, "pandas"), run_page(name, engine)
    assert _headline(got) is not None
    assert _headline(got) == _headline(reference)
    expected, shown = _kpis(reference), _kpis(got)
    assert len(expected) == len(shown) == page.kpis
    for want, have in zip(expected, shown, strict=True):
        # the raw value may differ in the last bits (engines add floats in other orders)
        assert have["value"] == pytest.approx(want["value"], rel=1e-12)
        assert {**have, "value": None} == {**want, "value": None}
    assert _cell_texts(got, page.cells) == _cell_texts(reference, page.cells)


def test_audit_headline_counts_match_sql_on_the_file(run_page, parquet_log):
    import duckdb

    # independent source: DuckDB SQL straight on the Parquet file, not the library
    rows, customers, net, first, last = duckdb.sql(
        "SELECT count(*), count(DISTINCT customer_id), sum(amount), min(order_date), "
        f"max(order_date) FROM read_parquet('{parquet_log}')"
    ).fetchall()[0]
    for engine in ["pandas", *ENGINES]:
        headline = _headline(run_page("data_overview", engine))
        assert f"**{rows:,} transactions** from **{customers:,} customers**" in headline
        assert f"{first:%B} {first.day}, {first.year} to {last:%B} {last.day}, {last.year}" in (
            headline
        )
        assert f"net sales ${net:,.0f}" in headline, headline


def test_pareto_key_figure_matches_a_plain_pandas_recipe(run_page, parquet_log):
    # independent source: net value per customer, positive ones sorted, the top ceil(20 %)
    log = pd.read_parquet(parquet_log)
    net = log.groupby("customer_id")["amount"].sum().round(9)
    positive = net[net > 0].sort_values(ascending=False)
    top = math.ceil(0.2 * len(positive))
    share = positive.iloc[:top].sum() / positive.sum()
    for engine in ["pandas", *ENGINES]:
        (figure,) = _kpis(run_page("pareto_customers", engine))
        assert figure["value"] == pytest.approx(share, rel=1e-12)
        assert figure["base"] == len(positive)
        assert figure["text"] == f"{100 * share:.1f}%"
