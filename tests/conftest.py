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
