"""reports.yaml and command-line overrides: parsed, checked, and resolved per report.

Errors are :class:`ReportConfigError` with the entry and the fix in the message; the
runner exits with status 2 on them before running anything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from loyalty_lib.errors import ReportConfigError

__all__ = [
    "ReportConfigError",
    "ReportSpec",
    "RunConfig",
    "load_config",
    "parse_overrides",
    "whole_seconds",
]


#: Report names and run ids: folder-safe, matched whole (``fullmatch``: a trailing newline
#: is refused) and at most ``_NAME_MAX`` characters (a file name is 255 bytes at most).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_NAME_MAX = 100
#: Names of the files and links a run writes beside the reports (``index.html``,
#: ``summary.json``, ``latest``): a report named like one of them would be overwritten.
_RESERVED = {"index", "summary", "latest"}


def _check_name(name: str, what: str) -> None:
    """Refuse a report name or run id that is not a safe folder or file name."""
    if not _NAME.fullmatch(name):
        raise ReportConfigError(
            f"{what} {name!r} must be letters, digits, '_', '-' or '.' "
            "(starting with a letter or digit)"
        )
    if len(name) > _NAME_MAX:
        raise ReportConfigError(
            f"{what} {name[:20]!r}... ({len(name)} characters): at most {_NAME_MAX} characters"
        )


@dataclass(frozen=True)
class ReportSpec:
    """One report: a notebook and the parameters it runs with."""

    name: str
    notebook: Path
    title: str
    parameters: dict[str, Any] = field(default_factory=dict)
    #: reports.yaml's ``title:`` as a mapping (language -> title); ``title`` is its English
    #: one, or the run's default language's when it has no English title
    titles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunConfig:
    """The parsed ``reports.yaml``."""

    reports: list[ReportSpec]
    kernel: str = "loyalty"
    cell_timeout: int = 600
    root: Path = Path(".")
    sources: dict[str, Any] = field(default_factory=dict)  # name -> SalesSource/SurveySource
    path: Path | None = None  # the reports.yaml read; the runner hands it to the kernels


_TOP_KEYS = {"reports", "kernel", "cell_timeout", "sources", "language", "notebook_folders"}
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
    raw = _read_yaml(path)
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
    if not raw["reports"]:
        raise ReportConfigError(
            f"{path}: reports: the list is empty, so there is nothing to run; add at least "
            "one report (name and notebook)"
        )
    root = path.resolve().parent
    cell_timeout = _check_timeout(path, raw.get("cell_timeout", 600))
    folders = _notebook_folders(path, raw.get("notebook_folders"), root)
    sources = _check_sources(path, raw.get("sources"), root)
    specs: list[ReportSpec] = []
    for i, entry in enumerate(raw["reports"], start=1):
        where = f"{path}: report #{i}"
        if not isinstance(entry, dict):
            raise ReportConfigError(f"{where}: expected a mapping, got {entry!r}")
        extra = set(entry) - {"name", "notebook", "title", "parameters"}
        if extra:
            raise ReportConfigError(f"{where}: unknown keys {sorted(extra, key=str)}")
        name = str(entry.get("name", ""))
        _check_name(name, f"{where}: name")
        if name.casefold() in _RESERVED:
            raise ReportConfigError(
                f"{where}: name {name!r} is taken by the run's own files (index.html, "
                "summary.json, the latest link): choose another name"
            )
        if any(s.name.casefold() == name.casefold() for s in specs):
            raise ReportConfigError(f"{where}: duplicate name {name!r}")
        if "notebook" not in entry:
            raise ReportConfigError(f"{where} ({name}): missing 'notebook'")
        notebook = _check_notebook(f"{where} ({name})", str(entry["notebook"]), root, folders)
        parameters = entry.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise ReportConfigError(f"{where} ({name}): 'parameters' must be a mapping")
        for key in _SOURCE_PARAMETERS.keys() & parameters.keys():
            _check_source_parameter(f"{where} ({name})", key, parameters[key], sources, root)
        title, titles = _check_title(f"{where} ({name})", entry.get("title", name), raw)
        specs.append(ReportSpec(name, notebook, title, parameters, titles))
    specs = _with_language(path, raw.get("language"), specs)
    return RunConfig(
        reports=specs,
        kernel=str(raw.get("kernel", "loyalty")),
        cell_timeout=cell_timeout,
        root=root,
        sources=sources,
        path=path.resolve(),
    )


def _read_yaml(path: Path) -> Any:
    """The YAML document of ``path``; a missing, unreadable or non-UTF-8 file is a sentence.

    YAML files are UTF-8 (a BOM is accepted); a file in another encoding (latin-1,
    Windows-1252 from an old editor) is refused with the line of the first byte that is not
    UTF-8 rather than guessed: a guess could read a path or a title differently.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReportConfigError(f"{path}: report configuration not found") from None
    except IsADirectoryError:
        raise ReportConfigError(f"{path}: is a folder, not a reports.yaml file") from None
    except OSError as exc:
        raise ReportConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReportConfigError(
            f"{path}: not UTF-8 (line {line}: byte 0x{data[exc.start]:02x} cannot be read "
            "as UTF-8; the file looks saved as latin-1 or Windows-1252): save it as UTF-8"
        ) from None
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ReportConfigError(f"{path}: not valid YAML: {exc}") from None


def whole_seconds(value: Any) -> int | None:
    """A cell limit in whole seconds (nbclient takes an integer): a positive finite number
    rounded up, or None for anything else (a bool, a text, 0, a negative, inf, NaN)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        return None
    return math.ceil(value)


def _check_timeout(path: Path, value: Any) -> int:
    """``cell_timeout``: seconds, a positive finite number (:func:`whole_seconds`)."""
    seconds = whole_seconds(value)
    if seconds is None:
        raise ReportConfigError(
            f"{path}: cell_timeout: {value!r} is not a positive number of seconds "
            "(e.g. cell_timeout: 600)"
        )
    return seconds


def _notebook_folders(path: Path, raw: Any, root: Path) -> list[Path]:
    """Where notebooks may live: the configuration's folder, the project's ``notebooks/``
    (``loyalty init`` writes configurations that use them) and ``notebook_folders``."""
    from loyalty_lib.inputs.datasets import DATA_DIR

    folders = [root, (DATA_DIR.parent / "notebooks").resolve()]
    if raw is None:
        return folders
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        raise ReportConfigError(
            f"{path}: notebook_folders: expected a list of folder paths, got {raw!r}"
        )
    for folder in raw:
        resolved = (root / folder).resolve()
        if not resolved.is_dir():
            raise ReportConfigError(
                f"{path}: notebook_folders: {folder!r} is not a folder (paths are relative "
                f"to {root})"
            )
        folders.append(resolved)
    return folders


def _check_notebook(where: str, given: str, root: Path, folders: Sequence[Path]) -> Path:
    """The notebook of a report: a ``.ipynb`` file inside an allowed folder that reads as a
    notebook (nbformat 4)."""
    import nbformat

    notebook = (root / given).resolve()
    if not any(notebook.is_relative_to(folder) for folder in folders):
        raise ReportConfigError(
            f"{where}: notebook {given} is outside the configuration's folder {root}; "
            "move it there or list its folder under notebook_folders"
        )
    if notebook.is_dir():
        raise ReportConfigError(f"{where}: notebook {given} is a folder, not a .ipynb file")
    if notebook.suffix != ".ipynb":
        raise ReportConfigError(f"{where}: notebook {given} is not a .ipynb file")
    if not notebook.exists():
        raise ReportConfigError(f"{where}: notebook {given} not found")
    try:
        nb = nbformat.read(str(notebook), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises JSON, schema and conversion errors alike
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReportConfigError(
            f"{where}: notebook {given} does not read as a Jupyter notebook ({first[:200]})"
        ) from None
    return notebook


class CommandLineValue(str):
    """A ``-p`` value as it was typed; :func:`_resolve_parameters` reads it as the annotated
    type of the notebook parameter it sets (``item`` is the whole ``-p`` argument)."""

    item: str

    def __new__(cls, text: str, item: str = ""):
        value = super().__new__(cls, text)
        value.item = item or text
        return value


def parse_overrides(items: Sequence[str]) -> dict[str | None, dict[str, Any]]:
    """Parse ``-p`` overrides: ``param=value`` (every report) or ``report.param=value``.

    Values are kept as typed (:class:`CommandLineValue`): each is read as the type its
    notebook's parameters cell annotates (``n: int``, ``code: str``) when the overrides are
    applied, so ``code=010`` stays the text ``"010"`` for a ``str`` and is ``10`` for an
    ``int``; YAML's guesses (``010`` as 8, ``NO`` as False, ``1:30`` as 90) never apply.

    >>> parse_overrides(["top=0.1", "nps_survey_demo.min_base=50"])
    {None: {'top': '0.1'}, 'nps_survey_demo': {'min_base': '50'}}
    """
    out: dict[str | None, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ReportConfigError(f"-p {item!r}: expected param=value or report.param=value")
        report, _, param = key.rpartition(".")
        if not param.isidentifier():
            raise ReportConfigError(f"-p {item!r}: {param!r} is not a parameter name")
        out.setdefault(report or None, {})[param] = CommandLineValue(value, item)
    return out


_NO_DEFAULT = object()
_NULLS = {"null", "Null", "NULL", "~"}  # YAML's spellings of null, as -p read them before
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _parameter_types(notebook: Path) -> dict[str, tuple[str | None, Any]]:
    """Each parameter of the notebook's ``parameters`` cell: its annotation (source text,
    None when unannotated) and its literal default (``_NO_DEFAULT`` when not a literal).

    Read with :mod:`ast` (papermill's ``inspect_notebook`` skips ``x: str | None = None``).
    """
    import ast

    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        return {}
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return {}
    out: dict[str, tuple[str | None, Any]] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation, value = node.target.id, ast.unparse(node.annotation), node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, annotation, value = node.targets[0].id, None, node.value
        else:
            continue
        try:
            default = ast.literal_eval(value) if value is not None else _NO_DEFAULT
        except ValueError:
            default = _NO_DEFAULT
        out[name] = (annotation, default)
    return out


def _base_type(annotation: str | None, default: Any) -> tuple[str | None, bool]:
    """``(type name, None allowed)`` from an annotation (``int``, ``Optional[str]``,
    ``str | None``), else from the default's type; ``(None, True)`` when unknown."""
    import ast

    if annotation is None:
        if isinstance(default, bool | int | float | str) and default is not _NO_DEFAULT:
            return type(default).__name__, False
        return None, True
    try:
        node = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return None, True
    optional = False
    members = [node]
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) in {"Optional", "Union"}:
        inner = node.slice
        members = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
        optional = ast.unparse(node.value) == "Optional"
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        members = [node.left, node.right]
    names = [ast.unparse(m) for m in members]
    if "None" in names:
        optional = True
        names.remove("None")
    if len(names) != 1:
        return None, True
    base = names[0].split("[")[0].rpartition(".")[2]
    return base, optional


def _typed(value: Any, annotation: str | None, default: Any, where: str, param: str) -> Any:
    """A ``-p`` value read as its parameter's type; a value of another type is refused."""
    if not isinstance(value, CommandLineValue):
        return value  # given by reports.yaml or by a caller: already typed
    text = str(value)
    base, optional = _base_type(annotation, default)
    prefix = f"-p {value.item}: {where}: parameter {param!r}"
    if optional and text in _NULLS:
        return None
    if base == "str":
        return text
    if base == "int":
        if re.fullmatch(r"[+-]?\d+(_\d+)*", text.strip()):
            return int(text)
        raise ReportConfigError(f"{prefix} is an int, and {text!r} is not a whole number")
    if base == "float":
        try:
            number = float(text)
        except ValueError:
            raise ReportConfigError(f"{prefix} is a float, and {text!r} is not a number") from None
        if not math.isfinite(number):
            raise ReportConfigError(f"{prefix} is a float, and {text!r} is not a finite number")
        return number
    if base == "bool":
        if text.strip().lower() in _TRUE | _FALSE:
            return text.strip().lower() in _TRUE
        raise ReportConfigError(
            f"{prefix} is a bool, and {text!r} is not true or false (true/false, yes/no, "
            "on/off, 1/0)"
        )
    try:  # lists, mappings, unannotated parameters: a YAML value, as before
        parsed = yaml.safe_load(text) if text != "" else ""
    except yaml.YAMLError as exc:
        raise ReportConfigError(f"{prefix}: {text!r} is not a YAML value: {exc}") from None
    expected = {"list": list, "dict": dict, "tuple": list}.get(base or "")
    if expected is not None and not isinstance(parsed, expected):
        raise ReportConfigError(f"{prefix} is a {base}, and {text!r} is not one")
    return parsed


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
    types = {s.name: _parameter_types(s.notebook) for s in specs}
    declared = {s.name: {**types[s.name], **_notebook_parameters(s.notebook)} for s in specs}
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
        resolved[spec.name] = {
            key: _typed(
                value, *types[spec.name].get(key, (None, _NO_DEFAULT)), f"report {spec.name}", key
            )
            for key, value in params.items()
        }
        if (
            "language" in resolved[spec.name]
        ):  # a report's language, from reports.yaml or -p (issue 16)
            _checked_language(f"report {spec.name}: language", resolved[spec.name]["language"])
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
            spec = replace(spec, parameters={**spec.parameters, "language": language})
        out.append(spec)
    return out


def _check_title(where: str, title: Any, raw: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A report's ``title:``: a text, or a mapping of languages to texts
    (``{en: ..., ru: ..., uk: ..., be: ...}``): keys among the shipped languages, an English
    title or one in the run's default language (top-level ``language:``) required.

    Returns the default title and the mapping (empty for a plain text).
    """
    if not isinstance(title, dict):
        return str(title), {}
    from loyalty_lib.i18n import LANGUAGES

    titles: dict[str, str] = {}
    for key, text in title.items():
        lang = _checked_language(f"{where}: title: language", key)
        if not isinstance(text, str) or not text.strip():
            raise ReportConfigError(
                f"{where}: title: {key!r} must be a non-empty text, got {text!r}"
            )
        titles[lang] = text
    default = raw.get("language")
    default = _checked_language("language", default) if default is not None else None
    for lang in ("en", default):
        if lang in titles:
            return titles[lang], titles
    wanted = "'en'" + (f" or {default!r} (the run's language)" if default else "")
    raise ReportConfigError(
        f"{where}: title: a title per language needs {wanted}, the title every other "
        f"language falls back to; it has {sorted(titles)} (languages: {', '.join(LANGUAGES)})"
    )
