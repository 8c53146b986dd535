"""Files around a report run: which inputs it reads, their digests, the per-run-id lock,
stale staging folders and ``.latest-<pid>`` links, the ``latest`` link."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "RunLocked",
    "hash_inputs",
    "input_files",
    "point_latest",
    "remove_stale_files",
    "run_lock",
    "sha256",
]

#: A ``.latest-<pid>`` link lives for the microseconds between ``symlink`` and ``replace``;
#: one older than this is a leftover even when its pid has been reused by another process.
STALE_LINK_SECONDS = 10 * 60


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


def remove_stale_files(output_dir: Path) -> list[str]:
    """Remove what killed runs left behind; return the names removed.

    ``.staging-<run-id>-<pid>`` folders whose process is gone (a live run may take hours, so
    age alone never removes one), ``.latest-<pid>`` links whose process is gone or that
    are older than :data:`STALE_LINK_SECONDS` (only symbolic links named
    ``.latest-<digits>``), and ``.lock-<run-id>`` files no process holds (see
    :func:`run_lock`). Anything else is left alone.
    """
    removed = []
    for folder in output_dir.glob(".staging-*"):
        pid = folder.name.rpartition("-")[2]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    now = time.time()
    for link in output_dir.glob(".latest-*"):
        pid = link.name.partition("-")[2]
        if not pid.isdigit() or not link.is_symlink():
            continue
        try:
            old = now - link.lstat().st_mtime > STALE_LINK_SECONDS
            if old or not _alive(int(pid)):
                link.unlink()
                removed.append(link.name)
        except FileNotFoundError:  # another run swept it first
            continue
    for path in output_dir.glob(".lock-*"):
        fd = _try_lock(path) if path.is_file() and not path.is_symlink() else None
        if fd is None:
            continue  # a live run holds it
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path.name)
        os.close(fd)
    return removed


class RunLocked(Exception):
    """Another process holds the lock of this run id (``pid`` when it wrote it)."""

    def __init__(self, run_id: str, pid: str):
        super().__init__(run_id, pid)
        self.run_id, self.pid = run_id, pid


def _try_lock(path: Path) -> int | None:
    """An open descriptor holding ``path``'s exclusive flock, or None if another process
    holds it. The lock is taken on the file that is at ``path`` when it is taken: a file
    unlinked by its previous holder in between is detected (inode check) and retried."""
    import fcntl

    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return None
            raise
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextlib.contextmanager
def run_lock(output_dir: Path, run_id: str) -> Iterator[None]:
    """Hold ``output_dir/.lock-<run_id>`` (``fcntl.flock``, exclusive) while a run id is
    written or published; raise :class:`RunLocked` at once if another process holds it.

    The lock file holds the pid of its holder (for the message) and is removed when the
    run ends. The kernel releases a flock when its holder dies, even on SIGKILL: the file
    a killed run leaves is not locked, and :func:`remove_stale_files` removes it.
    """
    path = output_dir / f".lock-{run_id}"
    fd = _try_lock(path)
    if fd is None:
        try:
            holder = path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            holder = ""
        raise RunLocked(run_id, holder or "unknown")
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still holding it: a waiting process retries (inode check)
        os.close(fd)  # closing the descriptor releases the lock


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
