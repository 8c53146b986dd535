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

from loyalty_lib._checks import as_frame, column_names
from loyalty_lib.errors import DataQualityError
from loyalty_lib.i18n import current, use_language
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
    """Row numbers as examples ("rows 3, 7, …") in the current language."""
    shown = ", ".join(f"{p + 1}" for p in list(positions)[:limit])
    shown += ", …" if len(positions) > limit else ""
    return current().ngettext("row {rows}", "rows {rows}", len(positions)).format(rows=shown)


def _n(count: int, rows: int) -> str:
    return f"{count:,} of {rows:,} rows"


def stop_on_fatal(
    report: pd.DataFrame, *, source: str | None = None, language: str | None = None
) -> None:
    """Raise :class:`DataQualityError` with a plain message when the report has a fatal row.

    The message is in ``language`` (default: the one of :func:`loyalty_lib.i18n.set_language`);
    in English it quotes each check's own sentence, in the other languages it names each
    problem, its column and its count.

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
    tr = _translator(language)
    table = report.attrs.get("table", "input")
    if tr.language == "en":
        what = f"The {table} data" + (f" ({source})" if source else "")
        reasons = " ".join(m if m.endswith(".") else m + "." for m in fatal["message"])
        raise DataQualityError(f"{what} cannot be analysed: {reasons}")
    what = (
        tr.gettext("The sales data ({source}) cannot be analysed:")
        if table == "sales"
        else tr.gettext("The survey data ({source}) cannot be analysed:")
    ).format(source=source or "")
    reasons = " ".join(
        tr.gettext("{problem}: column «{column}», {rows}.").format(
            problem=tr.gettext(_LABELS.get(check, check)),
            column=column,
            rows=_rows_text(tr, count, report.attrs.get("rows", 0)),
        )
        for check, column, count in zip(
            fatal["check"], fatal["column"], fatal["count"], strict=True
        )
    )
    raise DataQualityError(f"{what.replace(' ()', '')} {reasons}")


def _translator(language: str | None):
    return current() if language is None else use_language(language)


def _rows_text(tr, count: int, rows: int) -> str:
    return tr.ngettext("{count} of {rows} row", "{count} of {rows} rows", rows).format(
        count=tr.number(count), rows=tr.number(rows)
    )


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
    if report.attrs.get("lazy") and not isinstance(data, pd.DataFrame):  # exclusions: filters
        frame = as_frame(data)
        if isinstance(frame, nw.LazyFrame):
            return _drop_lazy(frame, report)
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
            "have no fixed order to exclude by position), or validate the lazy frame "
            "itself (validate_sales runs on the engine)"
        )
    keep = frame.with_row_index("__row").filter(~nw.col("__row").is_in(positions))
    return keep.drop("__row").to_native()


def N_(message: str) -> str:
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


_LABELS = {
    "empty": N_("empty table"),
    "missing_column": N_("column missing"),
    "date_unparseable": N_("not a date"),
    "date_mixed_timezones": N_("mixed time zones"),
    "date_missing": N_("date missing"),
    "date_future": N_("date in the future"),
    "customer_missing": N_("customer id missing"),
    "not_numeric": N_("not a number"),
    "not_finite": N_("infinite number"),
    "too_large": N_("number too large"),
    "sum_overflow": N_("total overflows"),
    "value_missing": N_("amount missing"),
    "value_negative": N_("negative amount (return)"),
    "duplicate_rows": N_("duplicate rows"),
    "score_missing": N_("score skipped"),
    "score_out_of_range": N_("score outside the scale"),
    "score_fractional": N_("score not a whole number"),
    "no_valid_score": N_("no usable score"),
    "duplicate_response": N_("answered the same wave twice"),
    "rating_out_of_range": N_("rating outside the scale"),
}
_ACTIONS = {"stop": N_("report stops"), "excluded": N_("left out"), "kept": N_("kept")}
# Rows these checks keep in the data are still left out of every NPS (and counted there):
# say so where a reader sees the action, so "kept" never reads as "scored".
_KEPT_UNSCORED = {"score_missing", "score_out_of_range", "score_fractional"}


def quality_table(report: pd.DataFrame, *, language: str | None = None) -> pd.DataFrame:
    """The report as a table for readers: problem, column, rows (n and %), examples, action.

    Headers and words are in ``language`` (default: the one of
    :func:`loyalty_lib.i18n.set_language`); the problem is the second column. The counts
    and percentages are printed in that language's number forms ("1,234" and "4.1" in
    English, "1 234" and "4,1" in Russian): the report frame keeps the numbers.

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
    tr = _translator(language)
    _ = tr.gettext
    rows = report.attrs.get("rows", 0)
    return pd.DataFrame(
        {
            _("severity"): report["severity"].map(lambda v: _(_SEVERITIES.get(v, v))),
            _("problem"): report["check"].map(lambda c: _(_LABELS.get(c, c))),
            _("column"): report["column"],
            # printed in the language's number forms (1 234 / 4,1 on a ru page): a table for
            # reading, the numbers stay in the report frame
            _("rows affected (n)"): report["count"].map(lambda n: tr.number(int(n))),
            _("of {rows} rows (%)").format(rows=tr.number(rows)): report["share"].map(
                lambda share: tr.number(100 * share, 1)
            ),
            _("examples"): report["examples"],
            _("what happens"): [
                _("kept, left out of NPS")
                if check in _KEPT_UNSCORED and action == "kept"
                else _(_ACTIONS.get(action, action))
                for check, action in zip(report["check"], report["action"], strict=True)
            ],
        }
    ).reset_index(drop=True)


_SEVERITIES = {"fatal": N_("fatal"), "warning": N_("warning"), "info": N_("info")}


def describe_quality(report: pd.DataFrame, *, language: str | None = None) -> str:
    """One Markdown sentence: rows checked, problems found, rows left out, stop or go.

    In ``language`` (default: the one of :func:`loyalty_lib.i18n.set_language`).

    >>> import pandas as pd
    >>> from loyalty_lib.inputs.validate import validate_sales
    >>> sales = pd.DataFrame({"customer_id": ["a", None], "order_date": ["2024-01-01"] * 2,
    ...                       "amount": [1.0, 2.0]})
    >>> describe_quality(validate_sales(sales, as_of="2024-12-31"))
    '**2 sales rows checked**: 1 problem found; 1 row (50.0%) is left out of the analysis.'
    >>> describe_quality(validate_sales(sales, as_of="2024-12-31"), language="ru")
    '**Проверено 2 строки продаж**: найдена 1 проблема; 1 строка (50,0\xa0%) исключена из анализа.'
    """  # noqa: E501
    tr = _translator(language)
    _ = tr.gettext
    table, rows = report.attrs.get("table", "input"), report.attrs.get("rows", 0)
    if table == "survey":
        checked = tr.ngettext(
            "**{n} survey row checked**", "**{n} survey rows checked**", rows
        ).format(n=tr.number(rows))
    else:
        checked = tr.ngettext(
            "**{n} sales row checked**", "**{n} sales rows checked**", rows
        ).format(n=tr.number(rows))
    if report.empty:
        labels = ", ".join(_(_LABELS.get(c, c)) for c in report.attrs.get("checks", []))
        return _("{checked}: no problem found (checked: {labels}).").format(
            checked=checked, labels=labels
        )
    fatal = int((report["severity"] == "fatal").sum())
    found = tr.ngettext("{n} problem found", "{n} problems found", len(report)).format(
        n=tr.number(len(report))
    )
    text = f"{checked}: {found}"
    if fatal:
        return text + tr.ngettext(
            ", {n} of them fatal: **the report stops here**.",
            ", {n} of them fatal: **the report stops here**.",
            fatal,
        ).format(n=tr.number(fatal))
    excluded = len(report.attrs.get("excluded", []))
    if excluded:
        return text + tr.ngettext(
            "; {n} row ({share}) is left out of the analysis.",
            "; {n} rows ({share}) are left out of the analysis.",
            excluded,
        ).format(n=tr.number(excluded), share=tr.percent(excluded / rows))
    return text + _("; no row is left out (see what happens to each below).")


def _distinct_rows(frame: nw.LazyFrame) -> nw.LazyFrame:
    """The distinct rows of a lazy frame, as a hash aggregation over every column.

    narwhals writes ``unique()`` on lazy backends as a ``row_number()`` window, which sorts;
    a group-by on every column gives the same rows (missing values form one group, as in
    ``unique()``) at about half the time on 10M rows.
    """
    names = column_names(frame)
    marker = "__copies"
    while marker in names:
        marker += "_"
    return frame.group_by(*names).agg(nw.len().alias(marker)).drop(marker)


def _drop_lazy(frame: nw.LazyFrame, report: pd.DataFrame) -> Any:
    """The lazy frame without the rows the report excludes, as filters (same kind)."""
    from loyalty_lib.engines import local_datetimes

    spec = report.attrs.get("filters") or {}
    checks = set(spec.get("checks", ()))
    if not checks:
        return frame.to_native()
    customer, date, value = spec["customer"], spec["date"], spec["value"]
    frame = local_datetimes(frame, [date])
    keep = nw.lit(True)
    if "customer_missing" in checks:
        keep = keep & ~(
            nw.col(customer).is_null() | (nw.col(customer).cast(nw.String).str.strip_chars() == "")
        ).fill_null(True)
    if "date_missing" in checks:
        keep = keep & ~nw.col(date).is_null()
    if "date_future" in checks:
        limit = dt.datetime.combine(spec["as_of"].date(), dt.time()) + dt.timedelta(days=1)
        keep = keep & (nw.col(date) < nw.lit(limit)).fill_null(True)
    if "value_missing" in checks and value:
        amount = nw.col(value).cast(nw.Float64)
        keep = keep & ~(amount.is_null() | amount.is_nan()).fill_null(True)
    out = frame.filter(keep)
    if "duplicate_rows" in checks:
        out = _distinct_rows(out)
    return out.to_native()
