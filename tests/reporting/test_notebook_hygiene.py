"""Every committed notebook follows the conventions the report runner and papermill rely on."""

import ast
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param, nbformat.read(str(request.param), as_version=4)


def _tagged(nb, tag):
    return [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]


def test_committed_without_outputs(notebook):
    path, nb = notebook
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


def test_exactly_one_literal_annotated_commented_parameters_cell(notebook):
    path, nb = notebook
    cells = _tagged(nb, "parameters")
    assert len(cells) == 1, f"{path.name}: {len(cells)} cells tagged 'parameters', expected 1"
    source = cells[0].source
    for node in ast.parse(source).body:
        assert isinstance(node, ast.AnnAssign), (
            f"{path.name}: line {node.lineno} of the parameters cell is not `name: type = value`"
        )
        ast.literal_eval(node.value)  # raises if the value is not a literal
        line = source.splitlines()[node.lineno - 1]
        assert "#" in line.split("=", 1)[1], (
            f"{path.name}: parameter {node.target.id} has no comment explaining it"
        )


def test_one_headline_cell_after_parameters(notebook):
    path, nb = notebook
    heads = _tagged(nb, "headline")
    assert len(heads) == 1, f"{path.name}: needs exactly one cell tagged 'headline'"
    assert nb.cells.index(heads[0]) > nb.cells.index(_tagged(nb, "parameters")[0])


def test_project_kernel_and_title(notebook):
    path, nb = notebook
    assert nb.metadata["kernelspec"]["name"] == "loyalty", path.name
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_no_reusable_functions_in_notebooks(notebook):
    path, nb = notebook
    for cell in nb.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            defs = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
            assert not defs, f"{path.name}: defines {defs}; move them to loyalty_lib"


def test_every_notebook_is_a_report():
    config = yaml.safe_load((ROOT / "reports.yaml").read_text())
    used = {(ROOT / r["notebook"]).resolve() for r in config["reports"]}
    missing = [p.name for p in NOTEBOOKS if p.resolve() not in used]
    assert not missing, f"notebooks not in reports.yaml: {missing}"


def test_papermill_documents_every_parameter(notebook):
    # papermill --help-notebook silently drops a parameter it cannot parse (for example
    # one whose comment contains "="); every parameter must reach it with its comment.
    import papermill

    path, nb = notebook
    source = _tagged(nb, "parameters")[0].source
    names = [n.target.id for n in ast.parse(source).body]
    seen = papermill.inspect_notebook(str(path))
    assert list(seen) == names, f"{path.name}: papermill sees {list(seen)}"
    assert all(seen[n]["help"] for n in names), f"{path.name}: a parameter lacks help text"
