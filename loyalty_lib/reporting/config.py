"""reports.yaml and command-line overrides: parsed, checked, and resolved per report.

Errors are :class:`ReportConfigError` with the entry and the fix in the message; the
runner exits with status 2 on them before running anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from loyalty_lib.errors import ReportConfigError

__all__ = ["ReportConfigError", "ReportSpec", "RunConfig", "load_config", "parse_overrides"]


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class ReportSpec:
    """One report: a notebook and the parameters it runs with."""

    name: str
    notebook: Path
    title: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunConfig:
    """The parsed ``reports.yaml``."""

    reports: list[ReportSpec]
    kernel: str = "loyalty"
    cell_timeout: int = 600
    root: Path = Path(".")
    sources: dict[str, Any] = field(default_factory=dict)  # name -> SalesSource/SurveySource
    path: Path | None = None  # the reports.yaml read; the runner hands it to the kernels


_TOP_KEYS = {"reports", "kernel", "cell_timeout", "sources", "language"}
_SOURCE_PARAMETERS = {"sales_source": "sales", "survey_source": "survey"}


def _check_sources(path: Path, raw: Any, root: Path) -> dict[str, Any]:
    """Parse the ``sources`` section and check each mapping against its file's header."""
    from loyalty_lib.errors import DataQualityError
    from loyalty_lib.inputs.reading import read_table
    from loyalty_lib.inputs.sources import check_columns, parse_sources

    sources = parse_sources(raw, root, f"{path}: sources")
    for key, source in sources.items():
        options = source.read_options()
        if source.kind == "survey":
            options["header_rows"] = source.header_rows
        try:
            head = read_table(source.path, nrows=5, **options)
        except FileNotFoundError as exc:
            raise ReportConfigError(
                f"{path}: sources.{key}.path: {exc} (paths are relative to {root}); fix the "
                "path or export the file there"
            ) from exc
        except (DataQualityError, ValueError) as exc:
            raise ReportConfigError(f"{path}: sources.{key}: {exc}") from exc
        try:
            check_columns(source, [str(c) for c in head.frame.columns], head.aliases)
        except ReportConfigError as exc:
            raise ReportConfigError(f"{path}: {exc}") from exc
    return sources


def _check_source_parameter(
    where: str, name: str, value: Any, sources: dict[str, Any], root: Path
) -> None:
    """A report's ``sales_source`` / ``survey_source`` names bundled data, a declared
    source of the right kind, or an existing file."""
    import difflib

    kind = _SOURCE_PARAMETERS[name]
    text = str(value)
    bundled = {"demo", "none", ""} | ({"cdnow"} if kind == "sales" else set())
    if text.lower() in bundled:
        return
    if text in sources:
        if sources[text].kind != kind:
            raise ReportConfigError(
                f"{where}: {name}: {text!r} is a {sources[text].kind} source; "
                f"{name} needs a {kind} source"
            )
        return
    candidate = Path(text) if Path(text).is_absolute() else root / text
    if candidate.exists():
        return
    options = sorted(bundled - {""}) + sorted(k for k, s in sources.items() if s.kind == kind)
    close = difflib.get_close_matches(text, options, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ReportConfigError(
        f"{where}: {name}: {text!r} is neither a declared {kind} source nor a file "
        f"(sources: {options}).{hint}"
    )


def load_config(path: str | Path = "reports.yaml") -> RunConfig:
    """Read and check ``reports.yaml``; notebook paths are relative to its folder.

    Raises :class:`ReportConfigError` naming the entry and the problem (unknown keys,
    duplicate or unsafe names, missing notebooks). The ``sources`` section is checked by
    :func:`loyalty_lib.inputs.sources.parse_source` and each mapping against the header of
    its file (the first rows are read); a report's ``sales_source`` / ``survey_source`` must
    name bundled data, a declared source of that kind, or an existing file.
    """
    path = Path(path)
    if not path.exists():
        raise ReportConfigError(f"{path}: report configuration not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ReportConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("reports"), list):
        raise ReportConfigError(f"{path}: expected a mapping with a 'reports' list")
    unknown = sorted(set(raw) - _TOP_KEYS, key=str)
    if unknown:
        import difflib

        close = difflib.get_close_matches(str(unknown[0]), sorted(_TOP_KEYS), n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ReportConfigError(
            f"{path}: unknown top-level keys {unknown}.{hint} Allowed: {sorted(_TOP_KEYS)}"
        )
    root = path.resolve().parent
    sources = _check_sources(path, raw.get("sources"), root)
    specs: list[ReportSpec] = []
    for i, entry in enumerate(raw["reports"], start=1):
        where = f"{path}: report #{i}"
        if not isinstance(entry, dict):
            raise ReportConfigError(f"{where}: expected a mapping, got {entry!r}")
        extra = set(entry) - {"name", "notebook", "title", "parameters"}
        if extra:
            raise ReportConfigError(f"{where}: unknown keys {sorted(extra)}")
        name = str(entry.get("name", ""))
        if not _NAME.match(name):
            raise ReportConfigError(
                f"{where}: name {name!r} must be letters, digits, '_', '-' or '.'"
            )
        if any(s.name == name for s in specs):
            raise ReportConfigError(f"{where}: duplicate name {name!r}")
        if "notebook" not in entry:
            raise ReportConfigError(f"{where} ({name}): missing 'notebook'")
        notebook = (root / entry["notebook"]).resolve()
        if not notebook.exists():
            raise ReportConfigError(f"{where} ({name}): notebook {entry['notebook']} not found")
        parameters = entry.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise ReportConfigError(f"{where} ({name}): 'parameters' must be a mapping")
        for key in _SOURCE_PARAMETERS.keys() & parameters.keys():
            _check_source_parameter(f"{where} ({name})", key, parameters[key], sources, root)
        specs.append(ReportSpec(name, notebook, str(entry.get("title", name)), parameters))
    specs = _with_language(path, raw.get("language"), specs)
    return RunConfig(
        reports=specs,
        kernel=str(raw.get("kernel", "loyalty")),
        cell_timeout=int(raw.get("cell_timeout", 600)),
        root=root,
        sources=sources,
        path=path.resolve(),
    )


def parse_overrides(items: Sequence[str]) -> dict[str | None, dict[str, Any]]:
    """Parse ``-p`` overrides: ``param=value`` (every report) or ``report.param=value``.

    Values are read as YAML scalars, so ``top=0.1`` is a float and ``segment=null`` is None.

    >>> parse_overrides(["top=0.1", "nps_survey_demo.min_base=50"])
    {None: {'top': 0.1}, 'nps_survey_demo': {'min_base': 50}}
    """
    out: dict[str | None, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ReportConfigError(f"-p {item!r}: expected param=value or report.param=value")
        report, _, param = key.rpartition(".")
        try:
            parsed = yaml.safe_load(value) if value != "" else ""
        except yaml.YAMLError as exc:
            raise ReportConfigError(f"-p {item!r}: value is not a YAML scalar: {exc}") from exc
        out.setdefault(report or None, {})[param] = parsed
    return out


def _notebook_parameters(notebook: Path) -> dict[str, Any]:
    import papermill

    return papermill.inspect_notebook(str(notebook))


def _resolve_parameters(
    specs: Sequence[ReportSpec], overrides: dict[str | None, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Each report's parameters with overrides applied; unknown names are errors."""
    names = {s.name for s in specs}
    for report in overrides:
        if report is not None and report not in names:
            raise ReportConfigError(
                f"-p {report}.*: no report named {report!r}; reports: {sorted(names)}"
            )
    declared = {s.name: _notebook_parameters(s.notebook) for s in specs}
    resolved = {}
    for spec in specs:
        params = dict(spec.parameters)
        unknown = set(params) - set(declared[spec.name])
        if unknown:
            raise ReportConfigError(
                f"report {spec.name}: parameters {sorted(unknown)} are not in "
                f"{spec.notebook.name}'s parameters cell {sorted(declared[spec.name])}"
            )
        for key, value in overrides.get(None, {}).items():
            if key in declared[spec.name]:
                params[key] = value
        for key, value in overrides.get(spec.name, {}).items():
            if key not in declared[spec.name]:
                raise ReportConfigError(
                    f"-p {spec.name}.{key}: {spec.notebook.name} has no parameter {key!r}; "
                    f"it has {sorted(declared[spec.name])}"
                )
            params[key] = value
        resolved[spec.name] = params
        if "language" in params:  # a report's language, from reports.yaml or -p (issue 16)
            _checked_language(f"report {spec.name}: language", params["language"])
    for key in overrides.get(None, {}):
        if not any(key in declared[s.name] for s in specs):
            raise ReportConfigError(f"-p {key}=...: no selected report has a parameter {key!r}")
    return resolved


# --- the language of the pages (issue 16) -------------------------------------------------
# reports.yaml's top-level `language:` is the default of every report whose notebook declares
# a `language` parameter; a report's own `parameters: {language: ...}` and `-p language=...`
# win over it. Every value must be a shipped language (loyalty_lib.i18n.LANGUAGES).


def _checked_language(where: str, value: Any) -> str:
    from loyalty_lib.i18n import check_language

    try:
        return check_language(value, where)
    except ValueError as exc:
        raise ReportConfigError(str(exc)) from None


def _with_language(path: Path, language: Any, specs: list[ReportSpec]) -> list[ReportSpec]:
    """Each report with the run's default language when its notebook declares one."""
    for spec in specs:
        if "language" in spec.parameters:
            _checked_language(f"{path}: report {spec.name}: language", spec.parameters["language"])
    if language is None:
        return specs
    language = _checked_language(f"{path}: language", language)
    out = []
    for spec in specs:
        if "language" not in spec.parameters and "language" in _notebook_parameters(spec.notebook):
            spec = ReportSpec(
                spec.name, spec.notebook, spec.title, {**spec.parameters, "language": language}
            )
        out.append(spec)
    return out
