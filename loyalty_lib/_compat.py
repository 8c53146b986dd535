"""Old import paths (before 0.2.0) kept working for one release, with a DeprecationWarning.

``import loyalty_lib.cohorts`` or ``from loyalty_lib.plotting.nps import plot_nps_trend``
still work: a finder on :data:`sys.meta_path` answers for the old module names with an alias
module that looks each name up in the new modules and warns once, naming the new path.
The aliases are removed in 0.3.0 (CHANGELOG.md).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

__all__ = ["OLD_PATHS", "install"]

#: old module (below ``loyalty_lib.``) -> the new modules its names now live in
OLD_PATHS: dict[str, tuple[str, ...]] = {
    "cohorts": ("retention.cohorts", "retention.curves", "stats.proportions"),
    "repeat_purchase": ("retention.repeat",),
    "netpromoter": ("survey.score", "survey.compare", "survey.drivers"),
    "netpromoter_input": ("survey.answers", "_checks"),
    "netpromoter_compare": ("survey.compare",),
    "netpromoter_drivers": ("survey.drivers",),
    "nps_intervals": ("stats.nps_intervals",),
    "_compare": ("stats.proportions", "stats.means"),
    "_pareto_stats": ("stats.concentration",),
    "_purchases": ("inputs.purchases",),
    "datasets": ("inputs.datasets",),
    "demo": ("inputs.demo",),
    "validate": ("inputs.validate",),
    "overview": ("inputs.overview",),
    "privacy": ("inputs.privacy",),
    "customers": ("value.customers",),
    "pareto": ("value.pareto", "value.abc"),
    "say_do": ("behaviour.say_do",),
    "rfm": ("behaviour.rfm",),
    "lapse": ("behaviour.lapse",),
    "economics": ("behaviour.economics",),
    "complaints": ("behaviour.complaints",),
    "report": ("reporting.runner", "reporting.cli", "reporting.config", "reporting.html"),
    "kpi": ("reporting.kpi",),
    "_html_safety": ("reporting.html_safety",),
    "_report_index": ("reporting.index",),
    "_run_files": ("reporting.run_files",),
    "plotting": (),
    "plotting.nps": ("survey.plots",),
    "plotting.pareto": ("value.plots",),
    "plotting.cohorts": ("retention.plots",),
    "plotting.overview": ("inputs.plots",),
    "plotting.say_do": ("behaviour.plots",),
    "plotting.rfm": ("behaviour.plots",),
    "plotting.lapse": ("behaviour.plots",),
}

_PACKAGE = __name__.rpartition(".")[0]


class _Alias(types.ModuleType):
    """A module whose names are looked up in the new modules (and that can be called when
    the old module was named like the function it held, as ``loyalty_lib.say_do`` was)."""

    _targets: tuple[str, ...] = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        for target in self._targets:
            module = importlib.import_module(target)
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        names: set[str] = set()
        for target in self._targets:
            names.update(getattr(importlib.import_module(target), "__all__", ()))
        return sorted(names)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        function = self.__getattr__(self.__name__.rpartition(".")[2])
        return function(*args, **kwargs)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        prefix = _PACKAGE + "."
        if not fullname.startswith(prefix) or fullname[len(prefix) :] not in OLD_PATHS:
            return None
        old = fullname[len(prefix) :]
        is_package = any(key.startswith(old + ".") for key in OLD_PATHS)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

    def create_module(self, spec: Any) -> types.ModuleType:
        module = _Alias(spec.name)
        old = spec.name[len(_PACKAGE) + 1 :]
        module._targets = tuple(f"{_PACKAGE}.{t}" for t in OLD_PATHS[old])
        if module._targets:
            module.__all__ = module.__dir__()
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        targets = getattr(module, "_targets", ())
        new = ", ".join(targets) if targets else "the topic packages"
        warnings.warn(
            f"{module.__name__} is deprecated and will be removed in 0.3.0; import from {new} "
            "(or from loyalty_lib itself) instead",
            DeprecationWarning,
            stacklevel=2,
        )


def install() -> None:
    """Put the finder on :data:`sys.meta_path` once (called by ``loyalty_lib/__init__``)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.append(_Finder())
