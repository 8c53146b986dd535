"""Fixtures shared by every test folder (the folders mirror the packages of loyalty_lib).

The bundled data sets are loaded once per test process: loading checks their SHA-256, and
the tests never modify what they receive (every function under test returns a fresh frame).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root (reports.yaml, notebooks/, data/)."""
    return ROOT


@pytest.fixture(scope="session")
def cdnow():
    """The real CDNOW master log (69,659 rows), SHA-256 checked."""
    from loyalty_lib.inputs.datasets import load_cdnow

    return load_cdnow()


@pytest.fixture(scope="session")
def demo_shop():
    """The bundled synthetic demo shop (customers, transactions, survey)."""
    from loyalty_lib.inputs.datasets import load_demo

    return load_demo()


#: Test files whose fixtures run report notebooks, Spark or a browser, longest first
#: (seconds measured alone with `pytest --durations`, 2026-12-03). `make test` hands whole
#: files to its two workers (`--dist loadfile --no-loadscope-reorder`) in collection order:
#: these go first, so the many short files fill the end of the run instead of one long
#: file running alone while the other worker has nothing left.
LONGEST_FIRST = (
    "tests/reporting/test_browser.py",
    "tests/reporting/test_engine_reports_spark.py",
    "tests/engines/test_engines_spark.py",
    "tests/reporting/test_parallel_reports.py",
    "tests/reporting/test_i18n_pages.py",
    "tests/reporting/test_runner_failures.py",
    "tests/reporting/test_engine_drivers_page.py",
    "tests/reporting/test_analyst_lists.py",
    "tests/stats/test_changes.py",
    "tests/inputs/test_on_engine.py",
    "tests/reporting/test_runs_interrupted.py",
    "tests/reporting/test_page_inference.py",
    "tests/reporting/test_own_data_e2e.py",
    "tests/reporting/test_report_runner.py",
    "notebooks/loyalty_drivers.ipynb",
)


def pytest_collection_modifyitems(session, config, items):
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}

    def key(item):
        path = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        return rank.get(path, len(rank))

    items.sort(key=key)  # stable: the other files and every file's tests keep their order
