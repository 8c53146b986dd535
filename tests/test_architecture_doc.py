"""docs/architecture.md matches the code: every module of loyalty_lib is in its tree, and
every module the tree names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _tree() -> set[str]:
    block = DOC.split("## The tree", 1)[1].split("```", 2)[1]
    found, folders = set(), []
    for line in block.splitlines():
        match = re.match(r"^(\s*)(\S+)", line)
        if not match or match.group(2) == "loyalty_lib/":
            continue
        depth = (len(match.group(1)) - 2) // 2
        name = match.group(2)
        folders = folders[:depth]
        if name.endswith("/"):
            folders.append(name.rstrip("/"))
        elif name.endswith(".py"):
            found.add("/".join([*folders, name]))
    return found


def test_every_module_is_in_the_tree_and_every_listed_module_exists():
    actual = {
        str(p.relative_to(ROOT / "loyalty_lib"))
        for p in (ROOT / "loyalty_lib").rglob("*.py")
        if not p.name == "__init__.py" or p.parent == ROOT / "loyalty_lib"
    }
    listed = _tree()
    assert sorted(actual - listed) == [], "modules missing from docs/architecture.md"
    assert sorted(listed - actual) == [], "docs/architecture.md names modules that do not exist"
