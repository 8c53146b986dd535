"""Strict tooling, run by `make test`: layer contracts, no import cycle, every import
declared, ruff lint and format. Each test fails with the tool's own findings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*command], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_import_layers_hold():
    # contracts in pyproject.toml [tool.importlinter]: statistics never import reporting,
    # topic packages import only stats, inputs and the base modules, no Jupyter in the core
    out = _run(str(BIN / "lint-imports"), "--no-cache")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    modules = sorted(m for m in graph.modules if m.startswith("loyalty_lib"))

    def edges(v):
        return sorted(
            w for w in graph.find_modules_directly_imported_by(v) if w.startswith("loyalty_lib")
        )

    for root in modules:
        if root in index:
            continue
        work = [(root, iter(edges(root)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(edges(w))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycle_anywhere():
    # imports inside functions count: they are how cycles hide
    graph = grimp.build_graph("loyalty_lib")
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_planted_cycle():
    # the cycle of 0.1 (engines imported _checks inside a function, _checks imported engines)
    graph = grimp.build_graph("loyalty_lib")
    graph.add_import(importer="loyalty_lib.engines", imported="loyalty_lib._checks")
    assert ["loyalty_lib._checks", "loyalty_lib.engines"] in _cycles(graph)


def test_every_import_is_declared():
    # deptry: no undeclared, transitive-only or unused dependency ([tool.deptry])
    out = _run(str(BIN / "deptry"), ".")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]


@pytest.mark.parametrize(
    "command",
    [("check",), ("format", "--check")],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff_finds_nothing(command):
    out = _run(str(BIN / "ruff"), *command, "loyalty_lib", "tests", "benchmarks")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
