"""Files for the analyst, never for the stakeholder page: customer lists of a run.

A notebook that builds a list of customers (whom to remind, who is likely lost) writes it
with ``frame.to_csv(analyst_file("reminders.csv"))`` and says on the page only how many
customers the file holds. The folder is ``$LOYALTY_PRIVATE_DIR`` when the report runner
sets it (``<run folder>/private/<report>``, readable by its owner only), else ``private/`` in
the current working directory (an analyst's JupyterLab session). Nothing in the folder is
linked from a page; the runner's summary (console and ``summary.json``) lists its files with
their row counts. Never publish the folder with the HTML (README, "The report runner").
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PRIVATE_DIR_VARIABLE", "analyst_file"]

#: Environment variable naming the run's private folder.
PRIVATE_DIR_VARIABLE = "LOYALTY_PRIVATE_DIR"


def analyst_file(name: str) -> Path:
    """The path of ``name`` in the private folder of this run (the folder is created).

    Parameters
    ----------
    name
        A plain file name such as ``"reminders.csv"``: no folder part, not hidden.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     os.environ["LOYALTY_PRIVATE_DIR"] = tmp
    ...     path = analyst_file("reminders.csv")
    ...     (path.parent == Path(tmp), path.name)
    (True, 'reminders.csv')
    >>> del os.environ["LOYALTY_PRIVATE_DIR"]
    """
    text = str(name)
    if not text or Path(text).name != text or text.startswith(".") or "\\" in text:
        raise ValueError(
            f"name: expected a plain file name such as 'reminders.csv', got {name!r}; "
            "the folder is set by $LOYALTY_PRIVATE_DIR"
        )
    folder = os.environ.get(PRIVATE_DIR_VARIABLE) or str(Path.cwd() / "private")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path / text
