"""The declared mapping applied to a table as read: canonical sales and survey frames.

What runs as narwhals expressions (so the same mapping can later run where the data lives,
on DuckDB or Spark): choosing and renaming the columns, the id clean-up on text
(:func:`~loyalty_lib.inputs.ids.id_expr`: ``str.strip_chars``, ``str.contains``,
``str.replace_all``), revenue ``amount = quantity × price``, the cancellation flag
(``str.starts_with`` on the invoice, ``quantity < 0``) and the sign of a cancellation, the
counts of guests and cancellations.

What still needs pandas, and why:

- header-row detection and encoding detection (:mod:`loyalty_lib.inputs.reading`): bytes and
  the first rows of a file, before there is a frame;
- dates: the one reading is chosen from the distinct values
  (:func:`~loyalty_lib.inputs.dates.read_date_column`); a reading with one strptime format
  could be ``str.to_datetime`` on an engine, but times written with or without seconds and
  AM/PM need the pandas parser;
- numbers written with a decimal comma or thousands separators are checked value by value
  so a bad cell is named (an engine's cast would turn it into null);
- answer labels (``10 - Extremely likely``, a declared ``{"Очень вероятно": 10}``): a
  lookup over the distinct answers;
- id columns that arrive as floats or integers (Excel, Parquet): engines print floats
  differently (``1.7093e4``), so they are turned into text by
  :func:`~loyalty_lib.inputs.ids.normalise_ids`;
- the survey wave (start of the month, ISO week or quarter) from the answer time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.dates import read_date_column, single_format
from loyalty_lib.inputs.ids import id_expr, mask_id, normalise_ids
from loyalty_lib.inputs.reading import RawTable
from loyalty_lib.inputs.sources import SalesSource, SurveySource, check_columns

__all__ = ["map_sales", "map_survey", "parse_labels", "parse_numbers"]

_LABEL = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(?:[-–—:=)(.]\s*\S.*|\(.*\))?\s*$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_THOUSANDS_DOT = re.compile(r"^-?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")


def _show(values: list[Any], limit: int = 3) -> str:
    return ", ".join(repr(v) for v in values[:limit]) + (", …" if len(values) > limit else "")


def parse_numbers(values: pd.Series, *, column: str, decimal: str = ".") -> pd.Series:
    """Numbers written as text (``1 234,50`` with ``decimal=","``) as float64, or an error.

    With ``decimal="."`` a comma is never dropped (``1,5`` would become 15): such a value is
    refused with the hint to declare ``decimal: ","``.

    Examples
    --------
    >>> parse_numbers(pd.Series(["1 234,50", "-2,5", None]), column="Сумма", decimal=",").tolist()
    [1234.5, -2.5, nan]
    """
    if pd.api.types.is_bool_dtype(values):
        raise DataQualityError(f"{column}: holds true/false values, not numbers.")
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    present = values[values.notna()]
    text = present.map(lambda v: str(v) if not isinstance(v, (int, float)) else repr(v))
    text = text.map(lambda t: _SPACES.sub("", t))
    if decimal == ",":
        dotted = text.str.contains(".", regex=False)
        grouped = text.str.match(_THOUSANDS_DOT.pattern)
        text = text.where(~(dotted & grouped), text.str.replace(".", "", regex=False))
        text = text.where(~(dotted & ~grouped), "not a number")
        text = text.str.replace(",", ".", regex=False)
    number = pd.to_numeric(text.where(text != "", "nan"), errors="coerce")
    bad = present[number.isna() & (text != "")]
    if len(bad):
        counts = bad.astype(str).value_counts()
        hint = (
            ' Declare decimal: "," in the source if the file writes 2,5 for two and a half.'
            if decimal == "." and bad.astype(str).str.contains(",").any()
            else ""
        )
        raise DataQualityError(
            f"{column}: {len(bad):,} values are not numbers (e.g. "
            f"{_show([f'{v} ({n})' for v, n in counts.items()])}).{hint}"
        )
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    out.loc[number.index] = number.astype("float64")
    return out


def parse_labels(values: pd.Series, *, column: str, labels: Any = "auto") -> pd.Series:
    """Answers as scores: numbers, ``10 - Extremely likely`` → 10, declared labels; blank → NaN.

    An answer that is neither a number, a numbered label nor a declared label is an error
    naming the value and how often it occurs: it is never turned into a skipped answer.

    Examples
    --------
    >>> answers = pd.Series(["10 - Extremely likely", "0 - Not at all likely", "7", "", None])
    >>> parse_labels(answers, column="q").tolist()
    [10.0, 0.0, 7.0, nan, nan]
    >>> parse_labels(pd.Series(["Очень вероятно", "3"]), column="q",
    ...              labels={"Очень вероятно": 10}).tolist()
    [10.0, 3.0]
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    declared = {} if labels in (None, "auto") else labels
    lookup = {str(k).strip().casefold(): float(v) for k, v in declared.items()}
    distinct = pd.Series(values.dropna().map(str).str.strip().unique(), dtype="object")
    scores: dict[str, float] = {}
    unknown = []
    for text in distinct:
        if text == "":
            continue
        if text.casefold() in lookup:
            scores[text] = lookup[text.casefold()]
            continue
        match = _LABEL.match(text)
        if match:
            scores[text] = float(match.group(1).replace(",", "."))
        else:
            unknown.append(text)
    stripped = values.map(lambda v: v if pd.isna(v) else str(v).strip())
    if unknown:
        counts = stripped[stripped.isin(unknown)].value_counts()
        shown = _show([f"{v!r} ({n})" for v, n in counts.items()], 5).replace('"', "")
        raise DataQualityError(
            f"{column}: {int(counts.sum()):,} answers are neither numbers nor known labels: "
            f"{shown}. Declare them in the source, e.g. labels: {{{counts.index[0]!r}: 10}}; "
            "they are not treated as skipped answers."
        )
    return stripped.map(lambda v: scores.get(v, np.nan) if isinstance(v, str) else np.nan).astype(
        "float64"
    )


def _resolve(raw: RawTable, source: Any) -> dict[str, str]:
    """Declared header → column of the raw table (Qualtrics question texts are aliases)."""
    header = [str(c) for c in raw.frame.columns]
    repeated = raw.info.get("duplicated", {})
    ambiguous = [n for n in source.named_columns() if n in repeated]
    if ambiguous:
        name = ambiguous[0]
        raise DataQualityError(
            f"{Path(str(source.path)).name}: the column {name!r} appears {repeated[name]} times "
            "in the header, so it is not clear which one to read; rename or remove the copies "
            f"in the export, or declare the copy you mean by its position name ({name!r} is "
            f"the first, {name + ' (2)'!r} the second)."
        )
    check_columns(source, header, raw.aliases)
    return {name: raw.aliases.get(name, name) for name in source.named_columns()}


def _as_text_ids(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Non-text id columns (Excel, Parquet floats) turned into text by pandas first.

    A float id with a fraction (``1.5``) is refused: it is almost surely a wrong column
    (a price declared as the customer), and rounding it would invent a customer.
    """
    out = frame.copy()
    for column in columns:
        values = out[column]
        numeric = pd.to_numeric(values, errors="coerce") if values.dtype == object else values
        if pd.api.types.is_float_dtype(numeric):
            given = numeric.notna() & (values.notna() if values.dtype == object else True)
            fractional = values[given & (numeric % 1 != 0)]
            if values.dtype == object:  # text ids such as "1.5" are kept as written
                fractional = fractional[fractional.map(lambda v: not isinstance(v, str))]
            if len(fractional):
                shown = ", ".join(mask_id(v) for v in fractional.head(3))
                raise DataQualityError(
                    f"{column}: {len(fractional):,} ids are numbers with a fraction (e.g. "
                    f"{shown}); an id is a whole number or a text. Is the right column "
                    "declared as the id?"
                )
        if (
            not pd.api.types.is_string_dtype(out[column])
            or out[column].map(lambda v: not isinstance(v, str) and not pd.isna(v)).any()
        ):
            out[column] = normalise_ids(out[column])
    return out


def _dates(values: pd.Series, column: str, source: Any) -> tuple[pd.Series, dict]:
    result = read_date_column(
        values, column=column, dayfirst=source.dayfirst, format=source.date_format
    )
    bad = result.not_dates + result.not_real
    if bad:
        raise DataQualityError(
            f"{column}: {len(bad):,} distinct values are not dates"
            + (f" read {result.reading.label}" if result.reading is not None else "")
            + f" (e.g. {_show(bad)}); fix them in the export or declare date_format."
        )
    reading = result.reading
    label = reading.label if reading is not None else "dates stored as dates"
    reason = reading.reason if reading is not None else "the file stores dates"
    parsed = result.parsed
    texts = values.dropna()
    fmt = None
    if reading is not None and len(texts) and texts.map(lambda v: isinstance(v, str)).all():
        fmt = single_format(texts.str.strip().unique().tolist(), reading)
    if fmt is not None:  # the engine's str.to_datetime with the one format chosen
        frame = nw.from_native(pd.DataFrame({"d": values.str.strip()}), eager_only=True)
        native = frame.select(nw.col("d").str.to_datetime(format=fmt)).to_native()["d"]
        parsed = native.astype("datetime64[ns]").rename(values.name)
    return parsed, {"column": column, "label": label, "reason": reason, "format": fmt}


# long: select, ids, numbers, dates, amount and cancellations in the order they depend
def map_sales(raw: RawTable, source: SalesSource) -> tuple[pd.DataFrame, dict]:
    """The canonical sales frame of a declared source and what the reading found."""
    names = _resolve(raw, source)
    col = {role: names[str(h)] for role, h in source.columns.items() if h}
    ids = {"customer": "customer_id", "order_id": "order_id", "line_id": "line_id"}
    id_cols = [col[r] for r in ids if r in col]
    frame = _as_text_ids(raw.frame, id_cols)
    numbers = {}
    for role in ("amount", "quantity", "price"):
        if role in col:
            numbers[role] = parse_numbers(
                frame[col[role]], column=col[role], decimal=source.decimal
            )
    order_date, dates = _dates(frame[col["date"]], col["date"], source)
    work = pd.DataFrame(
        {
            **{out: frame[col[role]].astype("object") for role, out in ids.items() if role in col},
            "order_date": order_date,
            **{f"__{role}": v for role, v in numbers.items()},
            **{k: frame[names[k]] for k in source.keep},
        }
    )
    lf = nw.from_native(work, eager_only=True)
    lf = lf.with_columns(*(id_expr(c) for c in ids.values() if c in work.columns))
    if "amount" in numbers:
        amount = nw.col("__amount")
    else:
        amount = nw.col("__quantity") * nw.col("__price")
    cancel = nw.lit(False)
    if source.negative_quantity:
        cancel = cancel | (nw.col("__quantity") < 0).fill_null(False)
    if source.invoice_prefix:
        starts = nw.col("order_id").str.starts_with(source.invoice_prefix).fill_null(False)
        cancel = cancel | starts
    lf = lf.with_columns(__cancel=cancel)
    lf = lf.with_columns(
        amount=nw.when(nw.col("__cancel")).then(-(amount.abs())).otherwise(amount).cast(nw.Float64)
    )
    if "quantity" in numbers:
        lf = lf.with_columns(quantity=nw.col("__quantity"))
    counts = lf.select(
        guests=nw.col("customer_id").is_null().sum(),
        cancellations=nw.col("__cancel").sum(),
        rows=nw.len(),
    ).to_pandas()
    ordered = [
        *(c for c in ("order_id", "line_id") if c in work.columns),
        "customer_id",
        "order_date",
        *(["quantity"] if "quantity" in numbers else []),
        "amount",
        *source.keep,
    ]
    out = lf.select(ordered).to_native()
    for c in ("order_id", "line_id", "customer_id"):
        if c in out.columns:
            out[c] = out[c].astype("str")  # pandas' string dtype, NaN for missing
    if "quantity" in out.columns:
        whole = out["quantity"].notna().all() and (out["quantity"] % 1 == 0).all()
        out["quantity"] = out["quantity"].astype("int64" if whole else "float64")
    info = {
        "rows_read": int(counts["rows"].iloc[0]),
        "guests": int(counts["guests"].iloc[0]),
        "cancellations": int(counts["cancellations"].iloc[0]),
        "dates": dates,
    }
    return out.reset_index(drop=True), info


def _wave(dates: pd.Series, wave: str) -> pd.Series:
    code = {"month": "M", "week": "W-SUN", "quarter": "Q"}[wave]
    present = dates.notna()
    out = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[ns]")
    if present.any():
        starts = dates[present].dt.to_period(code).dt.start_time
        out.loc[present] = starts.astype("datetime64[ns]")
    return out


def map_survey(raw: RawTable, source: SurveySource) -> tuple[pd.DataFrame, dict]:
    """The canonical survey frame of a declared source and what the reading found."""
    names = _resolve(raw, source)
    cols = source.columns
    frame = raw.frame
    customer = cols.get("customer")
    if customer:
        frame = _as_text_ids(frame, [names[customer]])
    stamp = cols.get("timestamp")
    if stamp:
        response_date, dates = _dates(frame[names[stamp]], names[stamp], source)
    else:
        response_date = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        dates = {"column": None, "label": "no answer time", "reason": "not declared"}
    score_col = names[cols["score"]]
    work = pd.DataFrame(
        {
            "customer_id": (
                frame[names[customer]].astype("object")
                if customer
                else pd.Series(np.nan, index=frame.index, dtype="object")
            ),
            "response_date": response_date,
            "wave": _wave(response_date, source.wave),
            "score": parse_labels(frame[score_col], column=score_col, labels=source.labels),
        }
    )
    for name in cols.get("touchpoints") or []:
        work[name] = parse_labels(frame[names[name]], column=names[name], labels=source.labels)
    comment = cols.get("comment")
    work["comment"] = (
        frame[names[comment]].astype("object")
        if comment
        else pd.Series(np.nan, index=frame.index, dtype="object")
    )
    for name in source.keep:
        work[name] = frame[names[name]]
    lf = nw.from_native(work, eager_only=True).with_columns(id_expr("customer_id"))
    out = lf.to_native()
    out["customer_id"] = out["customer_id"].astype("str")
    info = {
        "rows_read": len(out),
        "guests": int(out["customer_id"].isna().sum()),
        "cancellations": 0,
        "dates": dates,
    }
    return out.reset_index(drop=True), info
