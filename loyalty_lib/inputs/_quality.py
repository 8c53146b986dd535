"""The data-quality report: its rows, and what a caller does with one.

:func:`~loyalty_lib.inputs.validate.validate_sales` and
:func:`~loyalty_lib.inputs.validate.validate_survey` fill a :class:`_Report` (the columns are
:data:`REPORT_COLUMNS`, described in :mod:`loyalty_lib.inputs.validate`); this module holds
that model, the formatting of examples (contacts masked, customer ids shown as row numbers),
and the functions that act on a finished report: :func:`stop_on_fatal`, :func:`drop_excluded`,
:func:`quality_table` and :func:`describe_quality`. Import them from
:mod:`loyalty_lib.inputs.validate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import as_frame
from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.privacy import mask_contacts

__all__ = ["REPORT_COLUMNS", "describe_quality", "drop_excluded", "quality_table", "stop_on_fatal"]

REPORT_COLUMNS = [
    "check",
    "severity",
    "column",
    "count",
    "rows",
    "share",
    "examples",
    "action",
    "message",
]


class _Report:
    """Collects problems and excluded row positions while the checks run."""

    def __init__(self, table: str, rows: int) -> None:
        self.table, self.rows = table, rows
        self.found: list[dict[str, Any]] = []
        self.checks: list[str] = []
        self.excluded: set[int] = set()

    def check(self, name: str) -> None:
        if name not in self.checks:
            self.checks.append(name)

    def add(
        self,
        check: str,
        severity: str,
        column: str,
        count: int,
        examples: str,
        action: str,
        message: str,
        positions: Any = (),
    ) -> None:
        self.check(check)
        if count <= 0:
            return
        self.found.append(
            {
                "check": check,
                "severity": severity,
                "column": column,
                "count": int(count),
                "rows": self.rows,
                "share": count / self.rows if self.rows else np.nan,
                "examples": examples,
                "action": action,
                "message": message,
            }
        )
        if action == "excluded":
            self.excluded.update(int(p) for p in positions)

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame(self.found, columns=REPORT_COLUMNS)
        out["count"] = out["count"].astype("int64")
        out["rows"] = out["rows"].astype("int64")
        out["share"] = out["share"].astype("float64")
        out.attrs = {
            "table": self.table,
            "rows": self.rows,
            "checks": list(self.checks),
            "excluded": sorted(self.excluded),
        }
        return out


def _show(values: Sequence[Any], limit: int = 5) -> str:
    """The first offending values as text: quoted, shortened, contacts masked."""
    shown = []
    for v in list(values)[:limit]:
        v = v.item() if isinstance(v, np.generic) else v
        if isinstance(v, float):
            shown.append(f"{v:g}")
        elif isinstance(v, (int, pd.Timestamp, dt.date)):
            shown.append(str(v))
        else:
            text = mask_contacts(str(v))
            shown.append(repr(text[:40] + ("…" if len(text) > 40 else "")))
    return ", ".join(shown) + (", …" if len(values) > limit else "")


def _counted(values: pd.Series, limit: int = 5) -> str:
    """Distinct offending values, most frequent first, with their counts when repeated."""
    counts = values.value_counts(sort=True, dropna=True)
    parts = [_show([v]) + (f" ({n:,}×)" if n > 1 else "") for v, n in counts.head(limit).items()]
    return ", ".join(parts) + (", …" if len(counts) > limit else "")


def _rows(positions: Sequence[int], limit: int = 5) -> str:
    shown = [f"{p + 1}" for p in list(positions)[:limit]]
    return (
        ("row " if len(positions) == 1 else "rows ")
        + ", ".join(shown)
        + (", …" if len(positions) > limit else "")
    )


def _n(count: int, rows: int) -> str:
    return f"{count:,} of {rows:,} rows"


def stop_on_fatal(report: pd.DataFrame, *, source: str | None = None) -> None:
    """Raise :class:`DataQualityError` with a plain message when the report has a fatal row.

    >>> import pandas as pd
    >>> from loyalty_lib.inputs.validate import validate_sales
    >>> stop_on_fatal(validate_sales(pd.DataFrame({"customer_id": ["a"]})), source="x.csv")
    Traceback (most recent call last):
    ...
    loyalty_lib.errors.DataQualityError: The sales data (x.csv) cannot be analysed: The order date column 'order_date' is missing (columns found: customer_id). The amount column 'amount' is missing (columns found: customer_id).
    """  # noqa: E501
    fatal = report[report["severity"] == "fatal"]
    if fatal.empty:
        return
    what = f"The {report.attrs.get('table', 'input')} data" + (f" ({source})" if source else "")
    reasons = " ".join(m if m.endswith(".") else m + "." for m in fatal["message"])
    raise DataQualityError(f"{what} cannot be analysed: {reasons}")


def drop_excluded(data: Any, report: pd.DataFrame) -> Any:
    """The data without the rows the report excludes (a new frame of the same kind).

    >>> import pandas as pd
    >>> from loyalty_lib.inputs.validate import validate_sales
    >>> sales = pd.DataFrame({"customer_id": ["a", None], "order_date": ["2024-01-01"] * 2,
    ...                       "amount": [1.0, 2.0]})
    >>> drop_excluded(sales, validate_sales(sales, as_of="2024-12-31"))
      customer_id  order_date  amount
    0           a  2024-01-01     1.0
    """
    positions = list(report.attrs.get("excluded", []))
    if isinstance(data, pd.DataFrame):
        keep = np.ones(len(data), dtype=bool)
        keep[positions] = False
        return data.iloc[keep].copy()
    frame = as_frame(data)
    if not positions:
        return data
    if isinstance(frame, nw.LazyFrame):
        raise TypeError(
            "drop_excluded: collect the lazy frame first (rows of a lazy frame "
            "have no fixed order to exclude by position)"
        )
    keep = frame.with_row_index("__row").filter(~nw.col("__row").is_in(positions))
    return keep.drop("__row").to_native()


_LABELS = {
    "empty": "empty table",
    "missing_column": "column missing",
    "date_unparseable": "not a date",
    "date_mixed_timezones": "mixed time zones",
    "date_missing": "date missing",
    "date_future": "date in the future",
    "customer_missing": "customer id missing",
    "not_numeric": "not a number",
    "not_finite": "infinite number",
    "too_large": "number too large",
    "sum_overflow": "total overflows",
    "value_missing": "amount missing",
    "value_negative": "negative amount (return)",
    "duplicate_rows": "duplicate rows",
    "score_missing": "score skipped",
    "score_out_of_range": "score outside the scale",
    "score_fractional": "score not a whole number",
    "no_valid_score": "no usable score",
    "duplicate_response": "answered the same wave twice",
    "rating_out_of_range": "rating outside the scale",
}
_ACTIONS = {"stop": "report stops", "excluded": "left out", "kept": "kept"}
# Rows these checks keep in the data are still left out of every NPS (and counted there):
# say so where a reader sees the action, so "kept" never reads as "scored".
_KEPT_UNSCORED = {"score_missing", "score_out_of_range", "score_fractional"}


def quality_table(report: pd.DataFrame) -> pd.DataFrame:
    """The report as a table for readers: problem, column, rows (n and %), examples, action.

    >>> import pandas as pd
    >>> from loyalty_lib.inputs.validate import validate_sales
    >>> sales = pd.DataFrame({"customer_id": ["a", "b"], "order_date": ["2024-01-01"] * 2,
    ...                       "amount": [1.0, -1.0]})
    >>> print(quality_table(validate_sales(sales, as_of="2024-12-31")).T.to_string())
                                              0
    severity                            warning
    problem            negative amount (return)
    column                               amount
    rows affected (n)                         1
    of 2 rows (%)                          50.0
    examples                                 -1
    what happens                           kept
    """
    rows = report.attrs.get("rows", 0)
    return pd.DataFrame(
        {
            "severity": report["severity"],
            "problem": report["check"].map(lambda c: _LABELS.get(c, c)),
            "column": report["column"],
            "rows affected (n)": report["count"],
            f"of {rows:,} rows (%)": (100 * report["share"]).round(1),
            "examples": report["examples"],
            "what happens": [
                "kept, left out of NPS"
                if check in _KEPT_UNSCORED and action == "kept"
                else _ACTIONS.get(action, action)
                for check, action in zip(report["check"], report["action"], strict=True)
            ],
        }
    ).reset_index(drop=True)


def describe_quality(report: pd.DataFrame) -> str:
    """One Markdown sentence: rows checked, problems found, rows left out, stop or go.

    >>> import pandas as pd
    >>> from loyalty_lib.inputs.validate import validate_sales
    >>> sales = pd.DataFrame({"customer_id": ["a", None], "order_date": ["2024-01-01"] * 2,
    ...                       "amount": [1.0, 2.0]})
    >>> describe_quality(validate_sales(sales, as_of="2024-12-31"))
    '**2 sales rows checked**: 1 problem found; 1 row (50.0%) is left out of the analysis.'
    """
    table, rows = report.attrs.get("table", "input"), report.attrs.get("rows", 0)
    checked = f"**{rows:,} {table} rows checked**"
    if report.empty:
        labels = ", ".join(_LABELS.get(c, c) for c in report.attrs.get("checks", []))
        return f"{checked}: no problem found (checked: {labels})."
    fatal = int((report["severity"] == "fatal").sum())
    text = f"{checked}: {len(report)} problem{'s' if len(report) != 1 else ''} found"
    if fatal:
        return text + f", {fatal} of them fatal: **the report stops here**."
    excluded = len(report.attrs.get("excluded", []))
    if excluded:
        verb = "is" if excluded == 1 else "are"
        return (
            text + f"; {excluded:,} row{'s' if excluded != 1 else ''} "
            f"({100 * excluded / rows:.1f}%) {verb} left out of the analysis."
        )
    return text + "; no row is left out (see what happens to each below)."
