"""Fixtures of the page tests: executed report notebooks shared between test modules (each
loyalty-drivers run takes about half a minute)."""

from __future__ import annotations

import pytest


def run_page(project_root, folder, name: str, parameters: dict) -> tuple:
    """Execute ``notebooks/<name>.ipynb`` as the runner does (its own private folder in
    $LOYALTY_PRIVATE_DIR): (private folder, executed notebook)."""
    import papermill

    private = folder / "private" / name
    out = folder / f"{name}.ipynb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOYALTY_PRIVATE_DIR", str(private))
        papermill.execute_notebook(
            str(project_root / "notebooks" / f"{name}.ipynb"),
            str(out),
            kernel_name="loyalty",
            parameters=parameters,
            progress_bar=False,
            cwd=str(project_root),
        )
    return private, out


@pytest.fixture(scope="session")
def drivers_demo_en(project_root, tmp_path_factory):
    """loyalty_drivers as reports.yaml runs loyalty_drivers_demo (events_source demo), in
    English: (private folder, executed notebook)."""
    folder = tmp_path_factory.mktemp("drivers_en")
    return run_page(project_root, folder, "loyalty_drivers", {"events_source": "demo"})


@pytest.fixture(scope="session")
def page_runner():
    """:func:`run_page`, for module fixtures that run other notebooks or parameters."""
    return run_page
