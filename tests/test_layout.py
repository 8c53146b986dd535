"""The package layout: no module shadowed by a function, and the old import paths of 0.1
still working for one release with a DeprecationWarning naming the new path."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import pytest

import loyalty_lib
from loyalty_lib._compat import OLD_PATHS

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(loyalty_lib.__path__, "loyalty_lib.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_is_reached_as_a_module(name):
    # `import loyalty_lib.x.y as m` gives the module, never a function re-exported over it
    module = importlib.import_module(name)
    parent, _, child = name.rpartition(".")
    assert isinstance(getattr(importlib.import_module(parent), child), types.ModuleType)
    assert isinstance(module, types.ModuleType)


def test_the_module_say_do_holds_answer_behaviour():
    # the bug of 0.1: loyalty_lib.say_do was the function, so this raised AttributeError
    import loyalty_lib.behaviour.say_do as m

    assert m.answer_behaviour is loyalty_lib.answer_behaviour


def test_root_exports_only_functions_and_classes_that_exist():
    for name in loyalty_lib.__all__:
        assert callable(getattr(loyalty_lib, name)), name


def _fresh(code: str) -> subprocess.CompletedProcess:
    # a new interpreter: the alias modules warn once per process, when first imported
    return subprocess.run(
        [sys.executable, "-W", "always::DeprecationWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_old_path_warns_and_names_the_new_one(old):
    out = _fresh(f"import loyalty_lib.{old}")
    assert out.returncode == 0, out.stderr
    assert "DeprecationWarning" in out.stderr
    assert f"loyalty_lib.{old} is deprecated" in out.stderr
    for target in OLD_PATHS[old]:
        assert f"loyalty_lib.{target}" in out.stderr


@pytest.mark.parametrize(
    ("statement", "new"),
    [
        (
            "from loyalty_lib.cohorts import cohort_retention, wilson_interval, retention_curve",
            "loyalty_lib.retention.cohorts",
        ),
        (
            "from loyalty_lib.netpromoter import nps, compare_nps, nps_drivers",
            "loyalty_lib.survey.score",
        ),
        ("from loyalty_lib.plotting.nps import plot_nps_trend", "loyalty_lib.survey.plots"),
        (
            "from loyalty_lib.plotting.lapse import plot_lapse_backtest",
            "loyalty_lib.behaviour.plots",
        ),
        ("from loyalty_lib.datasets import load_cdnow", "loyalty_lib.inputs.datasets"),
        (
            "from loyalty_lib.validate import validate_sales, stop_on_fatal",
            "loyalty_lib.inputs.validate",
        ),
        ("from loyalty_lib.pareto import pareto_split, abc_classes", "loyalty_lib.value.pareto"),
        (
            "from loyalty_lib.report import main, load_config, run_reports",
            "loyalty_lib.reporting.runner",
        ),
    ],
)
def test_old_names_still_resolve(statement, new):
    names = statement.split(" import ", 1)[1].split(", ")
    out = _fresh(f"{statement}\nprint(all(callable(n) for n in [{', '.join(names)}]))")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
    assert "is deprecated" in out.stderr and new in out.stderr


def test_old_say_do_module_is_still_callable_and_holds_its_helpers():
    out = _fresh(
        "import warnings; warnings.simplefilter('ignore')\n"
        "import loyalty_lib.say_do as m\n"
        "from loyalty_lib.behaviour.say_do import say_do, answer_behaviour\n"
        "assert m.answer_behaviour is answer_behaviour\n"
        "assert callable(m)\n"
        "import loyalty_lib\n"
        "assert callable(loyalty_lib.say_do)\n"
        "print('ok')"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_version_is_written_once():
    from importlib.metadata import version

    assert loyalty_lib.__version__ == version("loyalty-lib")
