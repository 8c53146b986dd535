"""Events and actions on the timeline: a declared CSV, Excel or YAML log of dated events.

One event per row (CSV, TSV, Excel) or per item (a YAML list, or a mapping with an ``events:``
list). Keys, matched without regard to case or surrounding spaces:

``start`` (required)
    The first day, read by the one date parser (:mod:`loyalty_lib.inputs.dates`): ISO,
    ``01.06.2024``, ``01/06/2024`` (day or month first decided by the column or declared
    with ``dayfirst``), Excel dates, YAML dates.
``end`` (optional)
    The last day; empty means a one-day event (``end`` = ``start``). Never before ``start``.
``kind`` (required)
    One of :data:`EVENT_KINDS`: ``stock-out``, ``staffing gap``, ``price change``,
    ``campaign``, ``reminder wave``, ``VIP offer``, ``other`` (case, ``_`` and missing
    hyphens do not matter: ``Stockout``, ``stock_out``, ``vip offer``).
``scope`` (required)
    ``all``; ``segment:<column>=<value>`` (``segment:region=East``); or a list of customers:
    ``customers:<file>`` (a CSV/Excel file with a ``customer_id`` column, relative to the
    events file, optionally filtered ``customers:campaign.csv[group=reminded]``), or
    ``customers`` with the ids in the event's own ``customers`` cell (ids separated by
    ``,``, ``;`` or spaces; a YAML list).
``label`` (required)
    What the page shows (any language and encoding the reading layer recognises).
``response`` (optional, stock-outs only)
    How the shop answered: one of :data:`RESPONSES`. Per-customer responses are their own
    log, read by :func:`read_responses`.
``event_id`` (optional)
    Defaults to ``E1``, ``E2``... in file order.

Every problem is a :class:`~loyalty_lib.errors.DataQualityError` naming the column, the
number of rows and the first rows with their values: an unknown kind, a date that is not a
date, an end before its start, a scope that is not one of the forms, a scope column the
customer table does not have (with "did you mean"). Files are read, never written.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.dates import read_date_column
from loyalty_lib.inputs.ids import mask_id, normalise_ids
from loyalty_lib.inputs.reading import read_table

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_KINDS",
    "RESPONSES",
    "events_in_scope",
    "read_events",
    "read_responses",
    "scope_members",
]

#: The kinds of event the log may name.
EVENT_KINDS = (
    "stock-out",
    "staffing gap",
    "price change",
    "campaign",
    "reminder wave",
    "VIP offer",
    "other",
)
#: How a shop can answer a customer who met a stock-out.
RESPONSES = ("apology", "alternative", "competitor", "deferral", "none")
#: The columns of :func:`read_events`' result, in order.
EVENT_COLUMNS = (
    "event_id",
    "start",
    "end",
    "kind",
    "scope",
    "scope_type",
    "scope_column",
    "scope_value",
    "customers",
    "label",
    "response",
    "row",
)

_SEGMENT = re.compile(r"^segment\s*:\s*(?P<column>[^=]+?)\s*=\s*(?P<value>.+?)\s*$", re.I)
_FILE = re.compile(
    r"^customers\s*:\s*(?P<file>[^\[]+?)\s*"
    r"(?:\[\s*(?P<column>[^=\]]+?)\s*=\s*(?P<value>[^\]]+?)\s*\])?\s*$",
    re.I,
)
_REQUIRED = ("start", "kind", "scope", "label")
_KNOWN = (*_REQUIRED, "end", "response", "event_id", "customers")


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(text)).lower()


_KIND_KEYS = {_key(k): k for k in EVENT_KINDS}
_RESPONSE_KEYS = {_key(r): r for r in RESPONSES}


def _rows(rows: list[int], values: Iterable[Any], limit: int = 3) -> str:
    pairs = [f"row {r} {v!r}" for r, v in zip(rows, values, strict=False)][:limit]
    return ", ".join(pairs) + (", ..." if len(rows) > limit else "")


def _raw(source: Any, *, encoding: str | None, sheet: Any) -> tuple[pd.DataFrame, int, Path | None]:
    """The events as text cells, the row number of the first event, and the file's folder."""
    if isinstance(source, pd.DataFrame):
        return source.copy(), 1, None
    if isinstance(source, list):
        return _from_items(source, "the event list"), 1, None
    path = Path(source)
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file")
        try:
            loaded = yaml.safe_load(path.read_text(encoding=encoding or "utf-8"))
        except yaml.YAMLError as exc:
            raise DataQualityError(f"{path.name}: not valid YAML ({exc}).") from exc
        if isinstance(loaded, Mapping) and "events" in loaded:
            loaded = loaded["events"]
        if not isinstance(loaded, list):
            raise DataQualityError(
                f"{path.name}: expected a list of events (or a mapping with an 'events:' "
                f"list), found {type(loaded).__name__}."
            )
        return _from_items(loaded, path.name), 1, path.parent
    raw = read_table(path, encoding=encoding, sheet=sheet)
    return raw.frame, 1 + raw.info.get("header_rows", 1), path.parent


def _from_items(items: list, name: str) -> pd.DataFrame:
    bad = [i + 1 for i, item in enumerate(items) if not isinstance(item, Mapping)]
    if bad:
        raise DataQualityError(
            f"{name}: {len(bad)} items are not mappings of start/kind/scope/label "
            f"(items {bad[:5]})."
        )
    rows = []
    for item in items:
        row = {}
        for k, v in item.items():
            if isinstance(v, list):
                v = ",".join(str(x) for x in v)  # customers: [C1, C2]
            row[str(k)] = v
        rows.append(row)
    return pd.DataFrame(rows, dtype="object")


def _columns(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    renamed = {}
    for column in frame.columns:
        wanted = {_key(k): k for k in _KNOWN}.get(_key(column))
        renamed[column] = wanted or str(column)
    frame = frame.rename(columns=renamed)
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        found = [str(c) for c in frame.columns]
        hints = [
            f"{close[0]!r} for {m!r}"
            for m in missing
            if (close := difflib.get_close_matches(m, found, n=1, cutoff=0.5))
        ]
        hint = f" Did you mean {', '.join(hints)}?" if hints else ""
        raise DataQualityError(
            f"{name}: the event log needs the columns {missing}; found {found}.{hint}"
        )
    for column in _KNOWN:
        if column not in frame.columns:
            frame[column] = None
    return frame


def _text(values: pd.Series) -> pd.Series:
    """Stripped texts, None for missing or blank cells (object dtype, never NaN)."""
    texts = [None if pd.isna(v) or str(v).strip() == "" else str(v).strip() for v in values]
    return pd.Series(texts, index=values.index, dtype="object")


def _dates(
    frame: pd.DataFrame, rows: list[int], dayfirst: bool | None
) -> tuple[pd.Series, pd.Series]:
    """``start`` and ``end`` read as one column (one reading: ``30.06.2024`` in ``end``
    tells the order of ``01.06.2024`` in ``start``), split back."""
    n = len(frame)
    both = pd.concat([frame["start"], frame["end"]], ignore_index=True)
    try:
        result = read_date_column(both, column="start/end", dayfirst=dayfirst)
    except DataQualityError as exc:
        raise DataQualityError(f"event log: {exc}") from exc
    failed = set(result.not_dates) | set(result.not_real)
    if failed:
        bad = [
            (column, r, v)
            for column in ("start", "end")
            for r, v in zip(rows, frame[column], strict=True)
            if v is not None and not pd.isna(v) and str(v).strip() in failed
        ]
        column = bad[0][0]
        bad = [b for b in bad if b[0] == column]
        raise DataQualityError(
            f"{column}: {len(bad)} values are not dates: "
            f"{_rows([r for _, r, _ in bad], [v for _, _, v in bad])}; write them as "
            "2024-06-01 or 01.06.2024."
        )
    parsed = result.parsed.reset_index(drop=True)
    return parsed.iloc[:n].reset_index(drop=True), parsed.iloc[n:].reset_index(drop=True)


def read_events(
    source: Any,
    *,
    customers: pd.DataFrame | None = None,
    customer: str = "customer_id",
    dayfirst: bool | None = None,
    encoding: str | None = None,
    sheet: Any = None,
) -> pd.DataFrame:
    """Read an event log (see the module docs) into one checked row per event.

    Parameters
    ----------
    source
        A CSV/TSV/Excel file, a ``.yaml``/``.yml`` file, a list of mappings, or a frame.
    customers
        A table with one row per customer (or per order) holding ``customer`` and the
        segment columns: when given, every ``segment:<column>=<value>`` scope is checked
        against it (a missing column or a value no customer has is an error).
    customer
        The id column of ``customers`` and of customer files.
    dayfirst
        Declares the order of ``01/06/2024``-style dates when no value tells.
    encoding, sheet
        As for declared sources (the encoding is detected when not given).

    Returns
    -------
    pandas.DataFrame
        One row per event, in file order: ``event_id`` (str), ``start``, ``end``
        (datetime64[ns]; ``end`` = ``start`` for a one-day event), ``kind`` (one of
        :data:`EVENT_KINDS`), ``scope`` (as written), ``scope_type`` (``all``, ``segment``,
        ``customers``), ``scope_column``, ``scope_value`` (for segments and filtered
        customer files), ``customers`` (tuple of ids for customer scopes, else None),
        ``label``, ``response`` (None unless given), ``row`` (row number in the file, the
        header being row 1; item number in a YAML list).

    Examples
    --------
    >>> events = read_events(
    ...     [{"start": "01.06.2024", "end": "30.06.2024", "kind": "Stockout",
    ...       "scope": "segment:region=East", "label": "No stock in East"}]
    ... )
    >>> row = events.iloc[0]
    >>> f"{row.start:%Y-%m-%d}", f"{row.end:%Y-%m-%d}", row.kind, row.scope_column, row.scope_value
    ('2024-06-01', '2024-06-30', 'stock-out', 'region', 'East')
    """
    raw, first_row, folder = _raw(source, encoding=encoding, sheet=sheet)
    name = getattr(source, "name", None) or (
        Path(source).name if isinstance(source, (str, Path)) else "event log"
    )
    frame = _columns(raw, name)
    frame = frame[~frame[list(_REQUIRED)].isna().all(axis=1)].reset_index(drop=True)
    rows = (frame.index + first_row).tolist()
    if frame.empty:
        raise DataQualityError(f"{name}: the event log holds no event.")
    for column in ("kind", "scope", "label"):
        text = _text(frame[column])
        empty = [r for r, v in zip(rows, text, strict=True) if v is None]
        if empty:
            raise DataQualityError(
                f"{column}: {len(empty)} events have no {column} (rows {empty[:5]})."
            )
        frame[column] = text
    kinds = frame["kind"].map(lambda v: _KIND_KEYS.get(_key(v)))
    unknown = kinds.isna().to_numpy()
    if unknown.any():
        bad_rows = [r for r, u in zip(rows, unknown, strict=True) if u]
        raise DataQualityError(
            f"kind: {int(unknown.sum())} events have an unknown kind: "
            f"{_rows(bad_rows, frame.loc[unknown, 'kind'])}; use one of "
            f"{', '.join(EVENT_KINDS)}."
        )
    start, end = _dates(frame, rows, dayfirst)
    if start.isna().any():
        missing = [r for r, v in zip(rows, start, strict=True) if pd.isna(v)]
        raise DataQualityError(
            f"start: {len(missing)} events have no start date (rows {missing[:5]})."
        )
    end = end.fillna(start)
    before = (end < start).to_numpy()
    if before.any():
        bad_rows = [r for r, b in zip(rows, before, strict=True) if b]
        shown = [
            f"{s:%Y-%m-%d} > {e:%Y-%m-%d}" for s, e in zip(start[before], end[before], strict=True)
        ]
        raise DataQualityError(
            f"end: {int(before.sum())} events end before they start: "
            f"{_rows(bad_rows, shown)}; swap the dates or fix the end."
        )
    responses = _responses(_text(frame["response"]), kinds, rows)
    scopes = [
        _scope(text, cell, row, folder, customer)
        for text, cell, row in zip(frame["scope"], _text(frame["customers"]), rows, strict=True)
    ]
    out = pd.DataFrame(
        {
            "event_id": [
                str(v) if v is not None else f"E{i + 1}"
                for i, v in enumerate(_text(frame["event_id"]))
            ],
            "start": start.to_numpy(),
            "end": end.to_numpy(),
            "kind": kinds.to_numpy(),
            "scope": frame["scope"].to_numpy(),
            "scope_type": [s[0] for s in scopes],
            "scope_column": pd.Series([s[1] for s in scopes], dtype="object"),
            "scope_value": pd.Series([s[2] for s in scopes], dtype="object"),
            "customers": pd.Series([s[3] for s in scopes], dtype="object"),
            "label": frame["label"].to_numpy(),
            "response": pd.Series(responses, dtype="object"),
            "row": rows,
        }
    )
    duplicated = out["event_id"].duplicated(keep=False)
    if duplicated.any():
        raise DataQualityError(
            f"event_id: {int(duplicated.sum())} events share an id: "
            f"{_rows(out.loc[duplicated, 'row'].tolist(), out.loc[duplicated, 'event_id'])}."
        )
    if customers is not None:
        _check_segments(out, customers)
    return out


def _responses(values: pd.Series, kinds: pd.Series, rows: list[int]) -> list[Any]:
    out, unknown, misplaced = [], [], []
    for value, kind, row in zip(values, kinds, rows, strict=True):
        if value is None:
            out.append(None)
            continue
        known = _RESPONSE_KEYS.get(_key(value))
        if known is None:
            unknown.append((row, value))
        elif kind != "stock-out":
            misplaced.append((row, value))
        out.append(known)
    if unknown:
        raise DataQualityError(
            f"response: {len(unknown)} events have an unknown response: "
            f"{_rows([r for r, _ in unknown], [v for _, v in unknown])}; use one of "
            f"{', '.join(RESPONSES)}."
        )
    if misplaced:
        raise DataQualityError(
            f"response: {len(misplaced)} events that are not stock-outs give a response "
            f"({_rows([r for r, _ in misplaced], [v for _, v in misplaced])}); a response "
            "is recorded for stock-outs only."
        )
    return out


def _scope(
    text: str, cell: str | None, row: int, folder: Path | None, customer: str
) -> tuple[str, str | None, str | None, tuple[str, ...] | None]:
    if text.lower() == "all":
        return "all", None, None, None
    if match := _SEGMENT.match(text):
        return "segment", match["column"], match["value"], None
    if text.lower() == "customers":
        ids = [] if cell is None else [t for t in re.split(r"[,;\s]+", cell) if t]
        if not ids:
            raise DataQualityError(
                f"scope: row {row} names 'customers' but its 'customers' cell lists no id."
            )
        return "customers", None, None, tuple(normalise_ids(pd.Series(ids, dtype="str")))
    if match := _FILE.match(text):
        return (
            "customers",
            match["column"],
            match["value"],
            _customer_file(match["file"], match["column"], match["value"], row, folder, customer),
        )
    raise DataQualityError(
        f"scope: row {row} {text!r} is not a scope; write all, segment:<column>=<value> "
        "(segment:region=East), customers:<file> or customers with the ids in the "
        "'customers' column."
    )


def _customer_file(
    file: str, column: str | None, value: str | None, row: int, folder: Path | None, customer: str
) -> tuple[str, ...]:
    path = Path(file)
    if not path.is_absolute() and folder is not None:
        path = folder / path
    if not path.exists():
        raise DataQualityError(f"scope: row {row} names the customer file {file!r}: no such file.")
    table = read_table(path).frame
    for needed in (customer, column):
        if needed is not None and needed not in table.columns:
            raise DataQualityError(
                f"scope: row {row}: the customer file {path.name} has no column {needed!r}; "
                f"found {list(table.columns)}."
            )
    if column is not None:
        table = table[table[column].astype("str").str.strip() == value]
        if table.empty:
            raise DataQualityError(
                f"scope: row {row}: no row of {path.name} has {column} = {value!r}."
            )
    return tuple(normalise_ids(table[customer]).dropna().drop_duplicates())


def _check_segments(events: pd.DataFrame, customers: pd.DataFrame) -> None:
    segments = events[events["scope_type"] == "segment"]
    available = [str(c) for c in customers.columns]
    for column, group in segments.groupby("scope_column", sort=False):
        if column not in customers.columns:
            close = difflib.get_close_matches(str(column), available, n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise DataQualityError(
                f"scope: {len(group)} events name the segment column {column!r}, which the "
                f"customer table does not have (rows {group['row'].tolist()[:5]}); its "
                f"columns are {available}.{hint}"
            )
        values = set(customers[column].dropna().astype("str"))
        unknown = group[~group["scope_value"].isin(values)]
        if len(unknown):
            raise DataQualityError(
                f"scope: {len(unknown)} events name a {column} no customer has: "
                f"{_rows(unknown['row'].tolist(), unknown['scope_value'])}; the values are "
                f"{sorted(values)[:10]}."
            )


def scope_members(
    event: Mapping[str, Any] | pd.Series,
    customers: pd.DataFrame,
    *,
    customer: str = "customer_id",
) -> pd.Series:
    """Which customers an event touched: a boolean Series indexed like ``customers``.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "region": ["E", "W", "E"]})
    >>> event = {"scope_type": "segment", "scope_column": "region", "scope_value": "E"}
    >>> scope_members(event, customers).tolist()
    [True, False, True]
    """
    kind = event["scope_type"]
    if kind == "all":
        return pd.Series(True, index=customers.index)
    if kind == "segment":
        column = event["scope_column"]
        if column not in customers.columns:
            raise DataQualityError(
                f"scope: the segment column {column!r} is not in the data; its columns are "
                f"{[str(c) for c in customers.columns]}."
            )
        return customers[column].astype("str").eq(str(event["scope_value"]))
    ids = set(event["customers"] or ())
    return normalise_ids(customers[customer]).isin(ids)


def read_responses(
    source: Any,
    *,
    customer: str = "customer_id",
    response: str = "response",
    encoding: str | None = None,
    sheet: Any = None,
) -> pd.DataFrame:
    """Read a per-customer stock-out response log: ``customer_id``, ``response``
    (``event_id`` optional), responses checked against :data:`RESPONSES`.

    Returns ``event_id`` (str or None), ``customer_id`` (str), ``response``, ``row``.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["1", "2"], "response": ["Apology", "alternative"]})
    >>> read_responses(log)["response"].tolist()
    ['apology', 'alternative']
    """
    if isinstance(source, pd.DataFrame):
        frame, first = source.copy(), 1
    else:
        raw = read_table(source, encoding=encoding, sheet=sheet)
        frame, first = raw.frame, 1 + raw.info.get("header_rows", 1)
    missing = [c for c in (customer, response) if c not in frame.columns]
    if missing:
        raise DataQualityError(
            f"response log: needs the columns {missing}; found {[str(c) for c in frame.columns]}."
        )
    rows = (frame.reset_index(drop=True).index + first).tolist()
    ids = normalise_ids(frame[customer].reset_index(drop=True))
    if ids.isna().any():
        empty = [r for r, v in zip(rows, ids, strict=True) if pd.isna(v)]
        raise DataQualityError(
            f"{customer}: {len(empty)} responses have no customer id (rows {empty[:5]})."
        )
    text = _text(frame[response].reset_index(drop=True))
    known = text.map(lambda v: None if v is None else _RESPONSE_KEYS.get(_key(v)))
    bad = known.isna().to_numpy()
    if bad.any():
        bad_rows = [r for r, b in zip(rows, bad, strict=True) if b]
        raise DataQualityError(
            f"{response}: {int(bad.sum())} rows have an unknown or empty response: "
            f"{_rows(bad_rows, text[bad])} (customers {[mask_id(v) for v in ids[bad][:3]]}); "
            f"use one of {', '.join(RESPONSES)}."
        )
    event_id = frame["event_id"] if "event_id" in frame.columns else None
    return pd.DataFrame(
        {
            "event_id": None if event_id is None else _text(event_id.reset_index(drop=True)),
            "customer_id": ids.astype("str"),
            "response": known.astype("str"),
            "row": rows,
        }
    )


def events_in_scope(
    events: pd.DataFrame | None,
    *,
    segment: tuple[str, Any] | None = None,
    customers: pd.DataFrame | None = None,
    customer: str = "customer_id",
) -> pd.DataFrame:
    """The events that touch a chart's customers: all of them, or one segment.

    With ``segment=None`` (a chart of all customers) every event is in scope. With
    ``segment=(column, value)`` an event is in scope when it touches everyone
    (``scope_type`` ``all``), names that very segment, or (when ``customers``, one row per
    customer or per order with ``customer`` and ``column``, is given) touches at least one
    customer of the segment through another segment or a customer list. Without
    ``customers`` such events are left out: whether they touch the segment is unknown.

    Examples
    --------
    >>> events = read_events([
    ...     {"start": "2024-06-01", "kind": "stock-out", "scope": "segment:region=East",
    ...      "label": "East"},
    ...     {"start": "2024-09-01", "kind": "campaign", "scope": "all", "label": "All"}])
    >>> events_in_scope(events, segment=("region", "West"))["label"].tolist()
    ['All']
    >>> len(events_in_scope(events)), len(events_in_scope(None))
    (2, 0)
    """
    if events is None:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in EVENT_COLUMNS})
    if segment is None:
        return events.reset_index(drop=True)
    column, value = segment
    keep = []
    members = None
    if customers is not None:
        if column not in customers.columns:
            raise DataQualityError(
                f"segment: the column {column!r} is not in the customers table; its columns "
                f"are {[str(c) for c in customers.columns]}."
            )
        members = customers[customers[column].astype("str").eq(str(value))]
    for _, event in events.iterrows():
        if event["scope_type"] == "all":
            keep.append(True)
        elif event["scope_type"] == "segment" and event["scope_column"] == column:
            keep.append(str(event["scope_value"]) == str(value))
        elif members is not None:
            keep.append(bool(scope_members(event, members, customer=customer).any()))
        else:
            keep.append(False)
    return events[pd.Series(keep, index=events.index, dtype=bool)].reset_index(drop=True)
