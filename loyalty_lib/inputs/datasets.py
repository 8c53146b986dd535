"""Bundled data: the real CDNOW transaction log and a synthetic survey + sales shop.

Raw files under ``data/`` are read, never written. See ``data/README.md`` for provenance.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pandas as pd

from loyalty_lib.engines import duplicate_columns_message
from loyalty_lib.errors import DataQualityError, ReportConfigError
from loyalty_lib.inputs.demo import DemoShop, make_demo

__all__ = [
    "CDNOW_SAMPLE_SHA256",
    "CDNOW_SHA256",
    "DATA_DIR",
    "DemoShop",
    "cdnow_path",
    "load_cdnow",
    "load_cdnow_sample",
    "load_demo",
    "load_sales",
    "load_survey",
    "make_demo",
    "source_info",
    "write_demo",
]

_ZONED = re.compile(r"\d[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")

_DEMO_FILES = ("customers", "transactions", "survey")
# Added for issue 17 (events, stock-out responses, reminder campaign): optional in a folder
# written before them, so an older demo folder still loads.
_DEMO_EXTRA = ("events", "stockout_responses", "campaign")
_DEMO_DATES = {
    "customers": ["signup_date"],
    "transactions": ["order_date"],
    "survey": ["wave", "response_date"],
    "events": ["start", "end"],
    "stockout_responses": [],
    "campaign": ["reminder_date", "last_order_date"],
}
_DEMO_DTYPES = {
    "customers": {"customer_id": "str", "region": "str", "channel": "str"},
    "transactions": {
        "order_id": "str",
        "customer_id": "str",
        "quantity": "int64",
        "amount": "float64",
    },
    "survey": {
        "response_id": "str",
        "customer_id": "str",
        "score": "float64",
        "advertising": "float64",
        "website": "float64",
        "product": "float64",
        "support": "float64",
        "delivery": "float64",
        "comment": "str",
    },
    "events": {
        "event_id": "str",
        "kind": "str",
        "scope": "str",
        "label": "str",
        "response": "str",
    },
    "stockout_responses": {"event_id": "str", "customer_id": "str", "response": "str"},
    "campaign": {
        "customer_id": "str",
        "group": "str",
        "bought_within_30d": "bool",
        "revenue_30d": "float64",
    },
}

#: The folder holding the bundled data (``data/`` at the root of the workspace).
DATA_DIR = Path(__file__).resolve().parents[2] / "data"

#: SHA-256 of ``CDNOW_master.txt`` as shipped in ``lifetimes==0.11.3``.
CDNOW_SHA256 = "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef"


def cdnow_path() -> Path:
    """Path of the vendored, unmodified CDNOW master file."""
    return DATA_DIR / "raw" / "CDNOW_master.txt"


def load_cdnow(path: str | Path | None = None, *, verify: bool = True) -> pd.DataFrame:
    """Load the CDNOW master transaction log as a tidy frame.

    23,570 customers who made their first purchase at CDNOW in the first quarter of 1997,
    with every purchase up to the end of June 1998 (Fader & Hardie): 69,659 rows.

    Parameters
    ----------
    path
        The whitespace-separated file; defaults to the bundled ``data/raw/CDNOW_master.txt``.
    verify
        Check the bundled file's SHA-256 against the published wheel's copy, so a
        silently edited raw file never feeds a report.

    Returns
    -------
    pandas.DataFrame
        One row per transaction line, in file order:

        - ``customer_id`` (str): the zero-padded id, e.g. ``"00001"``.
        - ``order_date`` (datetime64): the purchase date.
        - ``quantity`` (int64): number of CDs bought.
        - ``amount`` (float64): dollar value of the purchase.

    Examples
    --------
    >>> log = load_cdnow()
    >>> len(log), log["customer_id"].nunique()
    (69659, 23570)
    >>> log.head(2)
      customer_id order_date  quantity  amount
    0       00001 1997-01-01         1   11.77
    1       00002 1997-01-12         1   12.00
    """
    source = Path(path) if path is not None else cdnow_path()
    if not source.exists():
        raise FileNotFoundError(f"CDNOW log not found at {source}")
    if verify and path is None:
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if digest != CDNOW_SHA256:
            raise ValueError(
                f"{source}: SHA-256 {digest[:12]}... differs from the published file "
                f"({CDNOW_SHA256[:12]}...); raw data must not be edited. Restore it with "
                "`git checkout -- data/raw`."
            )
    raw = pd.read_csv(
        source,
        sep=r"\s+",
        dtype={
            "customer_id": str,
            "date": str,
            "number_of_cds": "int64",
            "dollar_value": "float64",
        },
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype(str),
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "quantity": raw["number_of_cds"].astype("int64"),
            "amount": raw["dollar_value"].astype("float64"),
        }
    )


#: SHA-256 of ``CDNOW_sample.txt`` as shipped in ``lifetimes==0.11.3``.
CDNOW_SAMPLE_SHA256 = "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a"


def load_cdnow_sample(*, verify: bool = True) -> pd.DataFrame:
    """Load the CDNOW 1/10 sample, the data of Fader, Hardie & Lee's BG/NBD paper.

    2,357 customers (a 1/10 systematic sample of the master file's 23,570), every purchase
    from 1997-01-01 to 1998-06-30: 6,919 rows. The bundled file is
    ``lifetimes/datasets/CDNOW_sample.txt`` from ``lifetimes==0.11.3``, byte for byte; its
    SHA-256 is checked on every load (``verify``).

    Returns
    -------
    pandas.DataFrame
        One row per transaction line, in file order:

        - ``customer_id`` (str): the sample's id, ``"1"`` … ``"2357"``.
        - ``master_id`` (str): the master file's zero-padded id, e.g. ``"00004"``.
        - ``order_date`` (datetime64), ``quantity`` (int64, CDs), ``amount`` (float64, USD).

    Examples
    --------
    >>> log = load_cdnow_sample()
    >>> len(log), log["customer_id"].nunique()
    (6919, 2357)
    >>> log.head(2)
      customer_id master_id order_date  quantity  amount
    0           1     00004 1997-01-01         2   29.33
    1           1     00004 1997-01-18         2   29.73
    """
    source = DATA_DIR / "raw" / "CDNOW_sample.txt"
    if not source.exists():
        raise FileNotFoundError(f"CDNOW sample not found at {source}")
    if verify:
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if digest != CDNOW_SAMPLE_SHA256:
            raise ValueError(
                f"{source}: SHA-256 {digest[:12]}... differs from the published file "
                f"({CDNOW_SAMPLE_SHA256[:12]}...); raw data must not be edited. Restore it "
                "with `git checkout -- data/raw`."
            )
    raw = pd.read_csv(
        source,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "number_of_cds", "dollar_value"],
        dtype={"master_id": str, "customer_id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype(str).str.lstrip("0"),
            "master_id": raw["master_id"].astype(str),
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "quantity": raw["number_of_cds"].astype("int64"),
            "amount": raw["dollar_value"].astype("float64"),
        }
    )


def demo_dir() -> Path:
    """Folder of the bundled demo shop, ``make_demo()`` written by :func:`write_demo`."""
    return DATA_DIR / "demo"


def write_demo(shop: DemoShop, folder: str | Path) -> list[Path]:
    """Write a demo shop as CSV files: ``customers``, ``transactions``, ``survey``, and
    (issue 17) ``events``, ``stockout_responses``, ``campaign``.

    Scores and ratings are written as integers with empty cells for missing answers, amounts
    with two decimals, dates as ``YYYY-MM-DD``. Refuses to overwrite existing files: the
    bundled ``data/demo`` is raw data and is regenerated only by deleting it on purpose.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    names = [n for n in (*_DEMO_FILES, *_DEMO_EXTRA) if getattr(shop, n) is not None]
    for name in names:
        target = folder / f"{name}.csv"
        if target.exists():
            raise FileExistsError(f"{target} exists; raw data is never overwritten")
    for name in names:
        target = folder / f"{name}.csv"
        frame = getattr(shop, name).copy()
        for column, dtype in _DEMO_DTYPES[name].items():
            if dtype == "float64" and column not in ("amount", "revenue_30d"):
                frame[column] = frame[column].astype("Int64")
        for column in _DEMO_DATES[name]:
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
        frame.to_csv(target, index=False, float_format="%.2f", lineterminator="\n")
        written.append(target)
    return written


def load_demo(folder: str | Path | None = None) -> DemoShop:
    """Load the bundled demo shop (``data/demo``), identical to ``make_demo()``.

    Examples
    --------
    >>> shop = load_demo()
    >>> len(shop.customers), shop.survey["wave"].min().date().isoformat()
    (5000, '2023-02-01')
    """
    folder = Path(folder) if folder is not None else demo_dir()
    frames = {}
    for name in (*_DEMO_FILES, *_DEMO_EXTRA):
        path = folder / f"{name}.csv"
        if not path.exists() and name in _DEMO_EXTRA:
            continue  # a folder written before issue 17
        if not path.exists():
            raise FileNotFoundError(
                f"{path} not found; regenerate the demo shop with "
                "`python -m loyalty_lib.inputs.datasets write-demo <folder>`"
            )
        frame = pd.read_csv(
            path,
            dtype=_DEMO_DTYPES[name],
            parse_dates=_DEMO_DATES[name],
            keep_default_na=False,
            na_values=[""],
        )
        for column in _DEMO_DATES[name]:
            frame[column] = frame[column].astype("datetime64[ns]")
        frames[name] = frame
    return DemoShop(**frames)


_SALES_COLUMNS = ["customer_id", "order_date", "quantity", "amount"]


def N_(message: str) -> str:
    """Marks a message for the catalogue (loyalty_lib.i18n); it is translated where shown."""
    return message


_BUNDLED = {
    # titles marked for the catalogue (N_): pages show them translated, _(info["title"])
    "demo": {"title": N_("demo shop"), "path": "data/demo", "orders": "order_id"},
    "cdnow": {"title": N_("CDNOW (real data 1997-98)"), "path": "data/raw/CDNOW_master.txt"},
}


def _describe(
    frame: pd.DataFrame, *, name: str, title: str, kind: str, path: str, **info: Any
) -> pd.DataFrame:
    """Attach ``attrs["source"]`` (see :func:`source_info`) to a loaded frame."""
    guests = int(frame["customer_id"].isna().sum()) if "customer_id" in frame else 0
    frame.attrs["source"] = {
        "name": name,
        "title": title,
        "kind": kind,
        "currency": info.pop("currency", "USD"),
        "symbol": info.pop("symbol", "$"),
        "locale": info.pop("locale", None),
        "orders": "order_id" if "order_id" in frame.columns else "lines",
        "rows_read": info.pop("rows_read", len(frame)),
        "guests": info.pop("guests", guests),
        "cancellations": info.pop("cancellations", 0),
        "encoding": info.pop("encoding", None),
        "delimiter": info.pop("delimiter", None),
        "dates": info.pop("dates", None),
        "path": path,
        **info,
    }
    return frame


def source_info(frame: pd.DataFrame) -> dict[str, Any]:
    """What :func:`load_sales` / :func:`load_survey` recorded about a frame's source.

    Keys: ``name`` (the source key, ``"demo"``, ``"cdnow"`` or the file name), ``title``
    (display name for pages), ``kind`` (``sales`` or ``survey``), ``currency`` (ISO code),
    ``symbol``, ``locale`` (or None), ``orders`` (``"order_id"`` when orders are identified,
    else ``"lines"``), ``rows_read``, ``guests`` (rows without a customer id),
    ``cancellations`` (rows recognised as cancellations), ``encoding``, ``delimiter``,
    ``dates`` (the date reading's ``label`` and ``reason``), ``path``.

    Examples
    --------
    >>> info = source_info(load_sales("demo"))
    >>> info["title"], info["currency"], info["symbol"], info["orders"]
    ('demo shop', 'USD', '$', 'order_id')
    """
    info = getattr(frame, "attrs", {}).get("source")
    if not isinstance(info, dict):
        raise ValueError(
            "source_info: this frame carries no source description (pandas keeps attrs "
            "through most operations, not all); call it on the frame load_sales or "
            "load_survey returned."
        )
    return dict(info)


def _declared(key: str, kind: str) -> Any:
    """The declaration named ``key`` in the run's (or the working folder's) reports.yaml."""
    from loyalty_lib.inputs.sources import declared_sources, find_config

    config = find_config()
    sources = declared_sources(config) if config is not None else {}
    if key in sources:
        source = sources[key]
        if source.kind != kind:
            raise ReportConfigError(
                f"{key}: declared as a {source.kind} source in {config}; load it with "
                f"load_{source.kind}({key!r})"
            )
        return source
    return None


def _not_found(source: Any, kind: str) -> None:
    import difflib

    from loyalty_lib.inputs.sources import declared_sources, find_config

    config = find_config()
    names = sorted(declared_sources(config)) if config is not None else []
    options = ["demo", *(["cdnow"] if kind == "sales" else []), *names]
    close = difflib.get_close_matches(str(source), options, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    where = f"declared in {config}: {names}" if names else "no sources declared"
    raise FileNotFoundError(
        f"{source}: no such file and no such source ({where}; or use "
        f"{', '.join(repr(o) for o in options[:2])} or a path).{hint}"
    )


def _load_declared(source: Any) -> pd.DataFrame:
    from loyalty_lib.inputs.mapping import map_sales, map_survey
    from loyalty_lib.inputs.reading import read_table

    options = source.read_options()
    if source.kind == "survey":
        options["header_rows"] = source.header_rows
    raw = read_table(source.path, **options)
    mapper = map_sales if source.kind == "sales" else map_survey
    frame, found = mapper(raw, source)
    extra = {}
    if source.kind == "sales":
        extra = {"currency": source.currency, "symbol": source.symbol}
    return _describe(
        frame,
        name=source.key,
        title=source.title or source.key,
        kind=source.kind,
        path=raw.info["path"],
        locale=source.locale,
        encoding=raw.info.get("encoding"),
        delimiter=raw.info.get("delimiter"),
        files=raw.info.get("files"),
        header_rows=raw.info.get("header_rows"),
        **found,
        **extra,
    )


def _demo_frame(table: str, *, kind: str) -> pd.DataFrame:
    """A demo shop table with each customer's ``region`` and ``channel``, described."""
    shop = load_demo()
    frame = getattr(shop, table).merge(
        shop.customers[["customer_id", "region", "channel"]],
        on="customer_id",
        how="left",
        validate="many_to_one",
    )
    return _describe(
        frame,
        name="demo",
        title=_BUNDLED["demo"]["title"],
        kind=kind,
        path=str(demo_dir() / f"{table}.csv"),
        encoding="utf-8",
        delimiter=",",
        dates={"label": "ISO (yyyy-mm-dd)", "reason": "written so by write_demo"},
    )


def load_sales(source: Any = "demo") -> pd.DataFrame:
    """Load a transaction log: bundled, declared in reports.yaml, or a file in the canonical
    schema.

    Parameters
    ----------
    source
        ``"demo"`` (the demo shop's transactions with each customer's ``region`` and
        ``channel``), ``"cdnow"`` (the real CDNOW log), the name of a ``kind: sales`` source
        declared under ``sources:`` in reports.yaml (the file named by ``LOYALTY_CONFIG``
        in a report run, else the nearest reports.yaml from the working folder up), a
        :class:`~loyalty_lib.inputs.sources.SalesSource`, or the path of a CSV or Parquet
        file that already has ``customer_id``, ``order_date`` and ``amount`` columns.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (str; NaN for guests), ``order_date`` (datetime64[ns]),
        ``quantity`` (when present), ``amount`` (float64; negative for returns and
        cancellations), ``order_id`` and ``line_id`` (str, when declared or present), plus
        the kept columns (``region``, ``channel`` for the demo shop). ``attrs["source"]``
        describes the source: see :func:`source_info`.

    Examples
    --------
    >>> sales = load_sales("demo")
    >>> list(sales.columns)
    ['order_id', 'customer_id', 'order_date', 'quantity', 'amount', 'region', 'channel']
    """
    from loyalty_lib.inputs.sources import SalesSource, SurveySource

    if isinstance(source, SurveySource):
        raise ReportConfigError(f"{source.key}: a survey source; load it with load_survey")
    if isinstance(source, SalesSource):
        return _load_declared(source)
    key = str(source).lower()
    if key == "cdnow":
        return _describe(
            load_cdnow(),
            name="cdnow",
            title=_BUNDLED["cdnow"]["title"],
            kind="sales",
            path=str(cdnow_path()),
            encoding="ascii",
            delimiter="whitespace",
            dates={"label": "yyyymmdd", "reason": "the published format of the log"},
        )
    if key == "demo":
        return _demo_frame("transactions", kind="sales")
    if isinstance(source, str) and (declared := _declared(source, "sales")) is not None:
        return _load_declared(declared)
    path = Path(source)
    if not path.exists() and isinstance(source, str) and not any(c in source for c in "/\\."):
        _not_found(source, "sales")
    frame = _read_table(path, dates=["order_date"], ids=["customer_id"])
    missing = [c for c in ("customer_id", "order_date", "amount") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{source}: sales data needs columns {missing}; found {list(frame.columns)}"
        )
    return _describe(frame, name=path.name, title=path.stem, kind="sales", path=str(path))


def load_survey(source: Any = "demo") -> pd.DataFrame:
    """Load NPS survey answers: bundled, declared in reports.yaml, or a canonical file.

    Parameters
    ----------
    source
        ``"demo"`` (the demo shop's monthly survey with each customer's ``region`` and
        ``channel``), the name of a ``kind: survey`` source declared in reports.yaml, a
        :class:`~loyalty_lib.inputs.sources.SurveySource`, or the path of a CSV or Parquet
        file in the canonical schema.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (str or NaN), ``response_date`` (datetime64[ns]), ``wave``
        (datetime64[ns], the start of the answer's month, week or quarter), ``score``
        (float64, 0–10; NaN when blank or skipped; numeric codes such as 99 kept as given
        so validation flags them), the touchpoint ratings under their declared names,
        ``comment`` (untrusted free text), the kept columns. The demo adds
        ``response_id``, ``advertising``, ``website``, ``product``, ``support``,
        ``delivery`` (1–5), ``region`` and ``channel``. ``attrs["source"]``: see
        :func:`source_info`.

    Examples
    --------
    >>> survey = load_survey("demo")
    >>> int(survey["score"].isna().sum()) > 0
    True
    """
    from loyalty_lib.inputs.sources import SalesSource, SurveySource

    if isinstance(source, SalesSource):
        raise ReportConfigError(f"{source.key}: a sales source; load it with load_sales")
    if isinstance(source, SurveySource):
        return _load_declared(source)
    if str(source).lower() == "demo":
        return _demo_frame("survey", kind="survey")
    if str(source).lower() == "cdnow":
        raise ValueError("survey_source: the CDNOW log has no survey; use 'demo' or a path")
    if isinstance(source, str) and (declared := _declared(source, "survey")) is not None:
        return _load_declared(declared)
    path = Path(source)
    if not path.exists() and isinstance(source, str) and not any(c in source for c in "/\\."):
        _not_found(source, "survey")
    frame = _read_table(path, dates=["wave", "response_date"], ids=["customer_id"])
    return _describe(frame, name=path.name, title=path.stem, kind="survey", path=str(path))


def load_events(
    source: Any = "demo", *, customers: pd.DataFrame | None = None
) -> pd.DataFrame | None:
    """Load an event log (:func:`loyalty_lib.inputs.events.read_events`) named by a report.

    Parameters
    ----------
    source
        ``"none"`` or ``""`` (no events: returns None), ``"demo"`` (the demo shop's
        ``events.csv``: the East stock-out and the reminder wave), or the path of a CSV,
        Excel or YAML event log (customer files in its scopes are relative to it).
    customers
        A table with the segment columns, to check every ``segment:`` scope against it.

    Returns
    -------
    pandas.DataFrame or None
        As :func:`~loyalty_lib.inputs.events.read_events`; ``attrs["folder"]`` is the log's
        folder, where the files its report reads beside it (a campaign's groups, stock-out
        responses) are looked for.

    Examples
    --------
    >>> load_events("none") is None
    True
    >>> load_events("demo")["kind"].tolist()
    ['stock-out', 'reminder wave']
    """
    from loyalty_lib.inputs.events import read_events

    text = "" if source is None else str(source).strip()
    if text.lower() in ("", "none"):
        return None
    path = demo_dir() / "events.csv" if text.lower() == "demo" else Path(text)
    if not path.exists():
        raise FileNotFoundError(
            f"events_source: {text}: no such file; use 'demo', 'none' or the path of an "
            "event log (CSV, Excel or YAML)"
        )
    events = read_events(path, customers=customers)
    events.attrs["folder"] = str(path.parent)  # where its side files (campaign, responses) lie
    return events


def _read_table(path: Path, *, dates: list[str], ids: list[str]) -> pd.DataFrame:
    """Read a canonical CSV or Parquet file: ids normalised, dates read by the one parser."""
    from loyalty_lib.inputs.dates import read_date_column
    from loyalty_lib.inputs.ids import normalise_ids

    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file (expected 'demo', 'cdnow' or a path)")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif suffix in {".csv", ".txt", ".gz"}:
        try:
            frame = pd.read_csv(path, dtype={c: "str" for c in ids})
            header = pd.read_csv(path, header=None, nrows=1, dtype=str).iloc[0]
            names = [str(c) for c in header.tolist()]
            if len(set(names)) < len(names):  # pandas renamed the copies "Date.1"
                raise DataQualityError(duplicate_columns_message(names, path.name))
        except pd.errors.EmptyDataError as exc:
            raise DataQualityError(
                f"{path.name}: the file is empty (not even a header line); there is nothing "
                "to analyse."
            ) from exc
        except UnicodeDecodeError as exc:
            raise DataQualityError(
                f"{path.name}: the file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                "declare it as a source in reports.yaml, where the encoding is detected "
                "(or declare encoding: cp1251), instead of passing the path."
            ) from exc
    else:
        raise ValueError(f"{path}: unsupported file type {suffix!r}; use .csv or .parquet")
    for column in ids:
        if column in frame.columns:
            frame[column] = normalise_ids(frame[column])
    for column in dates:
        if column in frame.columns and not pd.api.types.is_datetime64_any_dtype(frame[column]):
            texts = frame[column].dropna().astype(str).str.strip()
            zones = {m.group(1) if (m := _ZONED.search(t)) else None for t in texts}
            if len(zones) > 1:
                raise DataQualityError(
                    f"{column}: the dates in {path.name} are written in different time "
                    "zones, so a date cannot be placed on one calendar; convert them to "
                    "one time zone first."
                )
            result = read_date_column(frame[column], column=column)
            failed = set(result.not_dates) | set(result.not_real)
            if failed:
                bad = [v for v in frame[column].dropna().tolist() if str(v).strip() in failed]
                raise DataQualityError(f"{column}: {len(bad)} values are not dates: {bad[:5]}")
            frame[column] = result.parsed
    return frame


def _main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m loyalty_lib.inputs.datasets")
    sub = parser.add_subparsers(dest="command", required=True)
    write = sub.add_parser("write-demo", help="write make_demo() as CSV files to a new folder")
    write.add_argument("folder")
    write.add_argument("--seed", type=int, default=2024)
    write.add_argument("--customers", type=int, default=5000)
    args = parser.parse_args(argv)
    for path in write_demo(make_demo(args.seed, args.customers), args.folder):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
