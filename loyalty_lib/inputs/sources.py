"""Declared sources: a user's own export described once, under ``sources:`` in reports.yaml.

A declaration names the file and says which column is what; :func:`parse_source` checks it
with errors that name the key and the fix, :func:`find_config` finds the reports.yaml of a
run (``LOYALTY_CONFIG``, set by the runner) or of the working folder, and
:func:`declared_sources` reads its ``sources`` section. The data is read by
:mod:`loyalty_lib.inputs.mapping`, never here.

A sales source::

    sources:
      uci:
        kind: sales
        path: data/raw/online_retail_II.csv      # a file, a folder or a glob
        columns: {customer: Customer ID, date: InvoiceDate, quantity: Quantity,
                  price: Price, order_id: Invoice, line_id: StockCode}
        keep: [Country]
        cancellations: {negative_quantity: true, invoice_prefix: "C"}
        currency: GBP
        name: "UCI Online Retail II"

A survey source::

      nps_2024:
        kind: survey
        path: exports/nps.csv
        columns: {customer: Customer ID, timestamp: Start Date,
                  score: "How likely are you to recommend us to a friend or colleague?",
                  comment: "What is the main reason for your score?"}
        labels: auto                            # "10 - Extremely likely" -> 10
        wave: month
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loyalty_lib.errors import ReportConfigError

__all__ = [
    "SalesSource",
    "SurveySource",
    "check_columns",
    "declared_sources",
    "find_config",
    "parse_source",
    "parse_sources",
]

#: Display symbols of the currencies the workspace knows; others show the ISO code.
SYMBOLS = {
    "USD": "$",
    "GBP": "£",
    "EUR": "€",
    "RUB": "₽",
    "UAH": "₴",
    "BYN": "Br",
    "KZT": "₸",
    "PLN": "zł",
    "CHF": "CHF",
    "JPY": "¥",
}
WAVES = ("month", "week", "quarter")
_READ_KEYS = {"kind", "path", "format", "encoding", "delimiter", "sheet", "decimal", "name"}
SALES_KEYS = _READ_KEYS | {
    "columns",
    "keep",
    "date_format",
    "dayfirst",
    "cancellations",
    "currency",
    "symbol",
    "locale",
}
SURVEY_KEYS = _READ_KEYS | {
    "columns",
    "keep",
    "header_rows",
    "labels",
    "wave",
    "date_format",
    "dayfirst",
    "locale",
}
SALES_COLUMNS = ("customer", "date", "amount", "quantity", "price", "order_id", "line_id")
SURVEY_COLUMNS = ("customer", "timestamp", "score", "touchpoints", "comment")
_CANCEL_KEYS = {"negative_quantity", "invoice_prefix"}


@dataclass(frozen=True)
class _Source:
    key: str
    path: str
    format: str = "auto"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: Any = None
    decimal: str = "."
    columns: dict[str, Any] = field(default_factory=dict)
    keep: tuple[str, ...] = ()
    date_format: str | None = None
    dayfirst: bool | None = None
    locale: str | None = None
    title: str | None = None
    root: Path = Path(".")

    def read_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`~loyalty_lib.inputs.reading.read_table`."""
        return {
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "root": self.root,
        }

    def named_columns(self) -> list[str]:
        """Every header the declaration names (mapped columns and kept ones)."""
        names: list[str] = []
        for value in self.columns.values():
            names += list(value) if isinstance(value, (list, tuple)) else [value]
        return [str(n) for n in names + list(self.keep)]


@dataclass(frozen=True)
class SalesSource(_Source):
    """A declared sales export (see the module docs); ``columns`` maps roles to headers."""

    kind: str = "sales"
    negative_quantity: bool = False
    invoice_prefix: str | None = None
    currency: str = "USD"
    symbol: str = "$"


@dataclass(frozen=True)
class SurveySource(_Source):
    """A declared survey export; ``labels`` is ``"auto"`` or a mapping label → score."""

    kind: str = "survey"
    header_rows: int | None = None
    labels: Any = "auto"
    wave: str = "month"


def _hint(word: str, options: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""


def _unknown(where: str, keys: Any, allowed: set[str]) -> None:
    for key in sorted(set(keys) - allowed, key=str):
        raise ReportConfigError(
            f"{where}: unknown key {key!r}.{_hint(key, allowed)} Allowed keys: "
            f"{', '.join(sorted(allowed))}."
        )


# long: one check per key of the declaration, each with its own message
def parse_source(key: str, entry: Any, root: Path, where: str = "sources") -> _Source:
    """Check one declaration and return a :class:`SalesSource` or :class:`SurveySource`.

    Examples
    --------
    >>> src = parse_source("shop", {"kind": "sales", "path": "s.csv",
    ...     "columns": {"customer": "Клиент", "date": "Дата", "amount": "Сумма"}}, Path("."))
    >>> src.kind, src.columns["amount"], src.currency, src.symbol
    ('sales', 'Сумма', 'USD', '$')
    >>> parse_source("shop", {"kind": "sales", "paht": "s.csv"}, Path("."))
    Traceback (most recent call last):
    ...
    loyalty_lib.errors.ReportConfigError: sources.shop: unknown key 'paht'. Did you mean 'path'? ...
    """
    where = f"{where}.{key}"
    if not isinstance(entry, dict):
        raise ReportConfigError(f"{where}: expected a mapping of keys (kind, path, columns...)")
    kind = entry.get("kind")
    if kind not in ("sales", "survey"):
        raise ReportConfigError(
            f"{where}: 'kind' must be sales or survey, got {kind!r}."
            + _hint(kind, ["sales", "survey"])
        )
    allowed = SALES_KEYS if kind == "sales" else SURVEY_KEYS
    _unknown(where, entry, allowed)
    if not entry.get("path"):
        raise ReportConfigError(
            f"{where}: missing 'path' (the export file, a folder or a glob such as "
            "exports/*.csv, relative to reports.yaml)"
        )
    columns = entry.get("columns") or {}
    if not isinstance(columns, dict):
        raise ReportConfigError(f"{where}.columns: expected a mapping role: header")
    roles = SALES_COLUMNS if kind == "sales" else SURVEY_COLUMNS
    _unknown(f"{where}.columns", columns, set(roles))
    keep = entry.get("keep") or []
    if isinstance(keep, str):
        keep = [keep]
    fmt = str(entry.get("format", "auto"))
    if fmt not in ("auto", "csv", "tsv", "excel", "parquet"):
        raise ReportConfigError(
            f"{where}.format: {fmt!r} is not a format; use auto, csv, tsv, excel or "
            f"parquet.{_hint(fmt, ['auto', 'csv', 'tsv', 'excel', 'parquet'])}"
        )
    decimal = str(entry.get("decimal", "."))
    if decimal not in (".", ","):
        raise ReportConfigError(f"{where}.decimal: use '.' or ',' (got {decimal!r})")
    dayfirst = entry.get("dayfirst")
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise ReportConfigError(f"{where}.dayfirst: use true or false (got {dayfirst!r})")
    common = {
        "key": key,
        "path": str(entry["path"]),
        "format": fmt,
        "encoding": entry.get("encoding"),
        "delimiter": entry.get("delimiter"),
        "sheet": entry.get("sheet"),
        "decimal": decimal,
        "columns": dict(columns),
        "keep": tuple(str(k) for k in keep),
        "date_format": entry.get("date_format"),
        "dayfirst": dayfirst,
        "locale": entry.get("locale"),
        "title": str(entry["name"]) if entry.get("name") else None,
        "root": Path(root),
    }
    if kind == "sales":
        return _sales(where, entry, common)
    return _survey(where, entry, common)


def _sales(where: str, entry: dict, common: dict) -> SalesSource:
    columns = common["columns"]
    for role in ("customer", "date"):
        if not columns.get(role):
            raise ReportConfigError(
                f"{where}.columns: missing '{role}' (the header of the {role} column)"
            )
    has_amount = bool(columns.get("amount"))
    has_product = bool(columns.get("quantity")) and bool(columns.get("price"))
    if not has_amount and not has_product:
        raise ReportConfigError(
            f"{where}.columns: declare 'amount', or 'quantity' and 'price' "
            "(amount = quantity × price)"
        )
    cancel = entry.get("cancellations") or {}
    if not isinstance(cancel, dict):
        raise ReportConfigError(
            f"{where}.cancellations: expected a mapping such as "
            '{negative_quantity: true, invoice_prefix: "C"}'
        )
    _unknown(f"{where}.cancellations", cancel, _CANCEL_KEYS)
    prefix = cancel.get("invoice_prefix")
    if prefix is not None and not columns.get("order_id"):
        raise ReportConfigError(
            f"{where}.cancellations.invoice_prefix needs columns.order_id (the invoice column)"
        )
    if cancel.get("negative_quantity") and not columns.get("quantity"):
        raise ReportConfigError(f"{where}.cancellations.negative_quantity needs columns.quantity")
    currency = str(entry.get("currency", "USD")).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ReportConfigError(
            f"{where}.currency: {currency!r} is not an ISO 4217 code (GBP, EUR, USD, RUB...)"
        )
    symbol = str(entry.get("symbol") or SYMBOLS.get(currency, currency))
    return SalesSource(
        **common,
        negative_quantity=bool(cancel.get("negative_quantity", False)),
        invoice_prefix=None if prefix is None else str(prefix),
        currency=currency,
        symbol=symbol,
    )


def _survey(where: str, entry: dict, common: dict) -> SurveySource:
    columns = common["columns"]
    if not columns.get("score"):
        raise ReportConfigError(
            f"{where}.columns: missing 'score' (the header of the 0-10 recommendation "
            "question, however long)"
        )
    touch = columns.get("touchpoints") or []
    columns["touchpoints"] = [touch] if isinstance(touch, str) else list(touch)
    wave = str(entry.get("wave", "month"))
    if wave not in WAVES:
        raise ReportConfigError(
            f"{where}.wave: {wave!r}; use month, week or quarter.{_hint(wave, WAVES)}"
        )
    if entry.get("wave") and not columns.get("timestamp"):
        raise ReportConfigError(f"{where}: 'wave' needs columns.timestamp (the answer time)")
    labels = entry.get("labels", "auto")
    if labels != "auto" and not isinstance(labels, dict):
        raise ReportConfigError(
            f'{where}.labels: use auto or a mapping label: score (e.g. {{"Очень вероятно": 10}})'
        )
    rows = entry.get("header_rows")
    if rows is not None and (not isinstance(rows, int) or not 1 <= rows <= 3):
        raise ReportConfigError(f"{where}.header_rows: use 1, 2 or 3 (got {rows!r})")
    return SurveySource(**common, header_rows=rows, labels=labels, wave=wave)


def parse_sources(raw: Any, root: Path, where: str = "sources") -> dict[str, _Source]:
    """Every declaration of a ``sources`` mapping, checked."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ReportConfigError(f"{where}: expected a mapping of source names to declarations")
    reserved = {"demo", "cdnow", "none"}
    out = {}
    for key, entry in raw.items():
        if str(key).lower() in reserved:
            raise ReportConfigError(
                f"{where}.{key}: the name is reserved for the bundled data; choose another"
            )
        out[str(key)] = parse_source(str(key), entry, root, where)
    return out


def check_columns(source: _Source, header: list[str], aliases: dict | None = None) -> None:
    """Every column the declaration names must be in the file's header (or its aliases)."""
    known = set(header) | set(aliases or {})
    for name in source.named_columns():
        if name not in known:
            shown = ", ".join(repr(h) for h in header[:30])
            raise ReportConfigError(
                f"sources.{source.key}: the column {name!r} is not in the header of "
                f"{source.path}.{_hint(name, header)} The header is: {shown}"
                + (" …" if len(header) > 30 else "")
            )


def find_config(start: Path | None = None) -> Path | None:
    """The reports.yaml of a run (``LOYALTY_CONFIG``), else the nearest in the folder tree."""
    env = os.environ.get("LOYALTY_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ReportConfigError(f"LOYALTY_CONFIG={env}: no such file")
        return path
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "reports.yaml"
        if candidate.is_file():
            return candidate
    return None


def declared_sources(config: Path | None = None) -> dict[str, _Source]:
    """The ``sources`` of a reports.yaml (the one :func:`find_config` finds by default)."""
    import yaml

    path = config or find_config()
    if path is None:
        return {}
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ReportConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        return {}
    return parse_sources(raw.get("sources"), Path(path).resolve().parent, f"{path}: sources")
