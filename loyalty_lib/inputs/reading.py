"""Reading an export as it is: one file, a folder or a glob; CSV, TSV, Excel or Parquet.

Every value of a text file is read as text (ids, dates and numbers are interpreted later by
the declared mapping, :mod:`loyalty_lib.inputs.mapping`), so nothing is guessed here that
could change a number. What this module decides, and records in :class:`RawTable.info`:

- the **format** from the file name (``.csv``/``.txt``/``.gz`` text, ``.tsv``/``.tab``,
  ``.xlsx``/``.xlsm``/``.xls``, ``.parquet``/``.pq``) unless declared;
- the **encoding** of a text file: UTF-8 with a byte-order mark, UTF-8, or, when the bytes
  are not UTF-8, the encoding charset-normalizer finds (Windows-1251 for a Russian Excel
  export). A file no encoding explains is refused; latin-1 (which decodes any bytes) is
  never used as a silent fallback. A declared ``encoding`` is used as given;
- the **delimiter** (``,`` ``;`` tab ``|``): the one that splits the first lines into the
  same number of fields, more than one;
- the **header rows**: SurveyMonkey writes two (the question, then ``Response`` or the
  option), Qualtrics three (short name, question text, ``{"ImportId": ...}``). Both are
  recognised; a declared ``header_rows`` decides otherwise. Qualtrics' question texts are
  kept as aliases of the short names, so a mapping may name either.

This part needs pandas and the Python standard library (the bytes of a file, csv dialects,
Excel cells); the mapping applied afterwards is written in narwhals.
"""

from __future__ import annotations

import csv
import glob as globbing
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from loyalty_lib.errors import DataQualityError

__all__ = ["RawTable", "detect_encoding", "list_files", "read_table"]

_TEXT = {".csv", ".txt", ".gz"}
_TSV = {".tsv", ".tab"}
_EXCEL = {".xlsx", ".xlsm", ".xls"}
_PARQUET = {".parquet", ".pq"}
FORMATS = ("auto", "csv", "tsv", "excel", "parquet")
_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class RawTable:
    """A table as read: text cells (native types for Excel and Parquet), raw headers."""

    frame: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # other header text -> column


def list_files(path: str | Path, root: Path | None = None) -> list[Path]:
    """The files a source names: the file, the data files of a folder, or a glob's matches."""
    text = str(path)
    base = Path(text) if Path(text).is_absolute() or root is None else root / text
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in globbing.glob(str(base)) if Path(p).is_file())
        if not files:
            raise FileNotFoundError(f"{text}: the pattern matches no file")
        return files
    if base.is_dir():
        suffixes = _TEXT | _TSV | _EXCEL | _PARQUET
        files = sorted(p for p in base.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
        if not files:
            raise FileNotFoundError(f"{text}: the folder holds no CSV, Excel or Parquet file")
        return files
    if not base.exists():
        raise FileNotFoundError(f"{base}: no such file")
    return [base]


def _format_of(path: Path, declared: str) -> str:
    if declared not in FORMATS:
        raise ValueError(f"format {declared!r}: use one of {', '.join(FORMATS)}")
    if declared != "auto":
        return declared
    suffix = path.suffix.lower()
    for name, suffixes in (
        ("csv", _TEXT),
        ("tsv", _TSV),
        ("excel", _EXCEL),
        ("parquet", _PARQUET),
    ):
        if suffix in suffixes:
            return name
    raise ValueError(
        f"{path.name}: unsupported file type {suffix!r}; use .csv, .tsv, .xlsx or .parquet, "
        "or declare the format"
    )


def detect_encoding(data: bytes, name: str = "the file") -> str:
    """UTF-8 (with or without a BOM) when the bytes are UTF-8, else charset-normalizer's.

    Examples
    --------
    >>> detect_encoding("Клиент;Дата;Сумма\\n".encode("utf-8"))
    'utf-8'
    >>> detect_encoding("\\ufeffa,b\\n".encode("utf-8"))
    'utf-8-sig'
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:2_000_000]).best()  # a sample; the whole file is decoded after
    if best is None:
        raise DataQualityError(
            f"{name}: the bytes are not UTF-8 and no text encoding explains them; declare the "
            "encoding in the source (e.g. encoding: cp1251 for a Russian Windows export)."
        )
    return str(best.encoding)


def _detect_delimiter(text: str, name: str) -> str:
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_fields = ",", 1
    for delimiter in _DELIMITERS:
        counts = {
            len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
        }
        if len(counts) == 1 and (fields := counts.pop()) > best_fields:
            best, best_fields = delimiter, fields
    if best_fields == 1 and len(lines) > 1:
        # one column, or rows of different lengths: take the delimiter of the header line
        header = lines[0]
        found = [(header.count(d), d) for d in _DELIMITERS if header.count(d)]
        if found:
            best = max(found)[1]
    return best


def _decode(path: Path, encoding: str | None) -> tuple[str, str]:
    data = path.read_bytes()
    if path.suffix.lower() == ".gz":
        import gzip

        data = gzip.decompress(data)
    chosen = encoding or detect_encoding(data, path.name)
    try:
        text = data.decode(chosen)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataQualityError(
            f"{path.name}: the file cannot be read as {chosen} ({exc}); declare the right "
            "encoding in the source (utf-8, cp1251, ...)."
        ) from exc
    return text.removeprefix("\ufeff"), chosen


def _header(rows: pd.DataFrame, header_rows: int | None) -> tuple[int, list[str], dict]:
    """How many header rows, the column names, and aliases (other header text -> name)."""
    cells = rows.astype("object").where(rows.notna(), "")
    cells = cells.map(lambda v: str(v).strip())
    if header_rows is None:
        header_rows = 1
        if len(cells) >= 3 and any(v.startswith('{"ImportId"') for v in cells.iloc[2]):
            header_rows = 3  # Qualtrics: name, question text, ImportId
        elif len(cells) >= 2 and any(
            v in ("Response", "Open-Ended Response") for v in cells.iloc[1]
        ):
            header_rows = 2  # SurveyMonkey: question, then Response / the option
    first = list(cells.iloc[0]) if len(cells) else []
    aliases: dict[str, str] = {}
    names: list[str] = []
    last = ""
    for j, name in enumerate(first):
        if header_rows == 2:  # SurveyMonkey: a question over its options (matrix rows)
            below = cells.iloc[1, j] if len(cells) > 1 else ""
            if name:
                last = name
            if below and below not in ("Response", "Open-Ended Response"):
                name = f"{last} - {below}" if last else below
        if not name:
            name = f"column_{j + 1}"
        base, k = name, 2
        while name in names:
            name, k = f"{base} ({k})", k + 1
        names.append(name)
        if header_rows == 3 and len(cells) > 1 and cells.iloc[1, j]:
            aliases.setdefault(cells.iloc[1, j], name)
    return header_rows, names, aliases


def _read_one(
    path: Path,
    fmt: str,
    *,
    encoding: str | None,
    delimiter: str | None,
    sheet: Any,
    header_rows: int | None,
    nrows: int | None,
) -> RawTable:
    info: dict[str, Any] = {"format": fmt, "encoding": None, "delimiter": None}
    if fmt == "parquet":
        frame = pd.read_parquet(path)
        if nrows is not None:
            frame = frame.head(nrows)
        return RawTable(frame, {**info, "header_rows": 1})
    extra = 3 + (nrows or 0)
    if fmt == "excel":
        cells = pd.read_excel(
            path,
            sheet_name=0 if sheet is None else sheet,
            header=None,
            dtype=object,
            nrows=None if nrows is None else extra,
        )
    else:
        text, used = _decode(path, encoding)
        sep = "\t" if fmt == "tsv" and delimiter is None else delimiter
        sep = sep or _detect_delimiter(text, path.name)
        info.update(encoding=used, delimiter=sep)
        if not text.strip():
            raise DataQualityError(
                f"{path.name}: the file is empty (not even a header line); there is nothing "
                "to analyse."
            )
        cells = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            nrows=None if nrows is None else extra,
        )
    top = cells.head(3)
    count, names, aliases = _header(top, header_rows)
    frame = cells.iloc[count:].reset_index(drop=True)
    frame.columns = names
    if nrows is not None:
        frame = frame.head(nrows)
    # a header row naming a column twice (two "Date" columns): the copy is read as "Date (2)"
    header = [str(c) for c in top.iloc[0].dropna()] if count == 1 and len(top) else []
    repeated = {n: header.count(n) for n in header if n and header.count(n) > 1}
    return RawTable(frame, {**info, "header_rows": count, "duplicated": repeated}, aliases)


def read_table(
    path: str | Path,
    *,
    format: str = "auto",  # noqa: A002 - the key of the declaration
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: Any = None,
    header_rows: int | None = None,
    nrows: int | None = None,
    root: Path | None = None,
) -> RawTable:
    """Read every file a source names into one raw table (see the module docs).

    Files of a folder or glob must share the header; they are stacked in name order.
    ``nrows`` reads only a sample (for ``loyalty init`` and header checks).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "s.csv").write_bytes("Клиент;Сумма\\n1;2,5\\n".encode("cp1251"))
    >>> raw = read_table(folder / "s.csv")
    >>> list(raw.frame.columns), raw.info["delimiter"], raw.frame.iloc[0].tolist()
    (['Клиент', 'Сумма'], ';', ['1', '2,5'])
    """
    files = list_files(path, root)
    parts = []
    for file in files:
        part = _read_one(
            file,
            _format_of(file, format),
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
            header_rows=header_rows,
            nrows=nrows,
        )
        if parts and list(part.frame.columns) != list(parts[0].frame.columns):
            raise DataQualityError(
                f"{file.name}: its header {list(part.frame.columns)[:8]} differs from "
                f"{files[0].name}'s {list(parts[0].frame.columns)[:8]}; the files of one "
                "source must have the same columns."
            )
        parts.append(part)
        if nrows is not None:
            break
    frame = parts[0].frame if len(parts) == 1 else pd.concat([p.frame for p in parts])
    where = Path(str(path)) if Path(str(path)).is_absolute() or root is None else root / str(path)
    info = {**parts[0].info, "files": [str(f) for f in files], "path": str(where)}
    return RawTable(frame.reset_index(drop=True), info, parts[0].aliases)
