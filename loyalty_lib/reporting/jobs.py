"""Reports in parallel: each report's kernel gets its own environment, and an interrupted run
stops every kernel it started.

The runner used to set ``LOYALTY_PRIVATE_DIR`` and ``LOYALTY_CONFIG`` in its own
``os.environ`` before each papermill call; with several reports running at once in threads
that would race (a kernel could start with the private folder of another report). Instead,
:func:`kernel_manager_class` gives papermill (``kernel_manager_class=``, handed on to
nbclient's ``NotebookClient``) a jupyter_client ``AsyncKernelManager`` whose kernel is
launched with ``env=`` the report's own environment; ``os.environ`` is never written.

A :class:`KernelGroup` records the kernels it started. :meth:`KernelGroup.stop` (an
interrupt) refuses new kernels and terminates the running ones, so the worker threads
waiting on them (nbclient notices a dead kernel within a second) return promptly.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Mapping
from typing import Any

from loyalty_lib._checks import usable_cores

__all__ = ["KernelGroup", "default_jobs", "kernel_manager_class"]


def default_jobs() -> int:
    """The number of cores this process may use (its CPU affinity; else ``os.cpu_count()``)."""
    return usable_cores()


class KernelGroup:
    """The kernels of one run; :meth:`stop` terminates them and refuses new ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processes: list[subprocess.Popen] = []
        self.stopping = False

    def _started(self, process: subprocess.Popen | None) -> None:
        if process is None:
            return
        with self._lock:
            self._processes.append(process)
            stop = self.stopping
        if stop:  # started while the run was being stopped
            _terminate_process(process)

    def stop(self) -> None:
        """Refuse new kernels and send SIGTERM to every running one (idempotent)."""
        with self._lock:
            self.stopping = True
            processes = list(self._processes)
        for process in processes:
            _terminate_process(process)


def _terminate_process(process: subprocess.Popen) -> None:
    # Popen.send_signal polls first, so a finished (and reaped) kernel is never signalled
    try:
        process.send_signal(signal.SIGTERM)
    except OSError:  # already gone
        pass


def kernel_manager_class(env: Mapping[str, str], group: KernelGroup | None = None) -> type:
    """An ``AsyncKernelManager`` subclass whose kernels start with ``env`` as environment.

    ``env`` is the whole environment of the kernel process (jupyter_client still adds its
    ``JPY_PARENT_PID``, so a kernel whose runner is killed notices and exits). With
    ``group``, each kernel is recorded there and none starts once the group is stopping.
    """
    from jupyter_client.manager import AsyncKernelManager

    environment = dict(env)

    class ReportKernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw: Any):
            if group is not None and group.stopping:
                raise RuntimeError("the run was interrupted: the kernel was not started")
            kw["env"] = dict(environment)
            return await super()._async_pre_start_kernel(**kw)

        async def _async_post_start_kernel(self, **kw: Any) -> None:
            if group is not None:
                group._started(getattr(self.provisioner, "process", None))
            await super()._async_post_start_kernel(**kw)

    return ReportKernelManager
