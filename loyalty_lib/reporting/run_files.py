"""Files around a report run: which inputs it reads, their digests, stale staging folders."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["hash_inputs", "input_files", "point_latest", "remove_stale_staging", "sha256"]


def input_files(
    specs: Sequence[Any], parameters: dict[str, dict[str, Any]], root: Path
) -> list[Path]:
    """The files a run reads: notebooks, the bundled data, files named by a parameter."""
    from loyalty_lib.inputs.datasets import DATA_DIR

    files = {s.notebook.resolve() for s in specs}
    if DATA_DIR.is_dir():
        files |= {p.resolve() for p in DATA_DIR.rglob("*") if p.is_file()}
    values = [v for params in parameters.values() for v in params.values()]
    for spec in specs:  # defaults of the parameters cell may name files too
        values += list(_defaults(spec.notebook).values())
    for value in values:
        if isinstance(value, str) and value and len(value) < 4096:
            candidate = Path(value) if Path(value).is_absolute() else root / value
            try:
                if candidate.is_file():
                    files.add(candidate.resolve())
            except OSError:
                continue
    return sorted(files)


def _defaults(notebook: Path) -> dict[str, Any]:
    """Literal default values of a notebook's parameters cell (others are skipped)."""
    import ast

    import papermill

    out = {}
    for name, info in papermill.inspect_notebook(str(notebook)).items():
        try:
            out[name] = ast.literal_eval(str(info.get("default")))
        except (ValueError, SyntaxError):
            continue
    return out


def sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def hash_inputs(files: Sequence[Path], root: Path) -> list[dict[str, Any]]:
    out = []
    for path in files:
        try:
            shown = str(path.relative_to(root))
        except ValueError:
            shown = str(path)
        out.append({"path": shown, "file": path, "sha256": sha256(path)})
    return out


def remove_stale_staging(output_dir: Path) -> None:
    """Remove staging folders left by runs that were killed (their process is gone)."""
    for folder in output_dir.glob(".staging-*"):
        pid = folder.name.rpartition("-")[2]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def point_latest(output_dir: Path, run_id: str) -> None:
    """Atomically point ``output_dir/latest`` at ``run_id`` (relative symbolic link)."""
    link = output_dir / "latest"
    tmp = output_dir / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(run_id, tmp, target_is_directory=True)
    os.replace(tmp, link)
