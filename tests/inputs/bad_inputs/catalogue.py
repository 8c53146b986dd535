"""A catalogue of bad inputs and what each must produce (issue 7).

Every case builds one bad input (inline frames, or a file under ``files/``) and names the
expected outcome:

- ``fatal``: the validator reports a fatal problem of ``check`` in ``column`` with ``count``
  rows and examples matching ``match``; ``stop_on_fatal`` then raises ``DataQualityError``
  whose plain message names the column;
- ``excluded`` / ``kept``: a warning row of ``check`` with ``count`` rows; for ``excluded``,
  ``drop_excluded`` removes exactly ``count`` rows;
- ``error``: a core function raises ``error`` whose message matches ``match`` (it names the
  column, and the count and first examples where the input has them);
- ``warning``: a core function warns ``warning`` matching ``match`` and ``counted(result)``
  holds (the exclusion is counted in the result, never silent).

The counts are worked out by hand from the few rows of each input (see the comments).
``tests/test_validate_catalogue.py`` runs every case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyalty_lib import (
    ColumnNotFoundError,
    ExcludedRowsWarning,
    LoyaltyWarning,
    cohort_retention,
    customer_value,
    nps,
    pareto_split,
    repeat_purchase_rate,
)
from loyalty_lib.inputs.datasets import load_sales, load_survey
from loyalty_lib.inputs.validate import DataQualityError, validate_sales, validate_survey

FILES = Path(__file__).resolve().parent / "files"
AS_OF = "2024-12-31"


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[], Any]
    expect: str  # fatal, excluded, kept, error, warning
    column: str = ""
    match: str = ""
    check: str = ""
    count: int | None = None
    error: type[BaseException] = ValueError
    warning: type[Warning] = LoyaltyWarning
    counted: Callable[[Any], bool] | None = None
    xfail: str = ""


def sales(**changes: Any) -> pd.DataFrame:
    """Four clean rows (a buys twice); ``changes`` replace whole columns."""
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "order_date": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-01-20", "2024-03-01"]),
            "amount": [10.0, 5.0, 20.0, 8.0],
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def survey(**changes: Any) -> pd.DataFrame:
    """Four clean answers in one wave; ``changes`` replace whole columns."""
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "wave": pd.to_datetime(["2024-01-01"] * 4),
            "score": [10.0, 9.0, 6.0, 8.0],
            "product": [5.0, 4.0, 2.0, 3.0],
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def vs(**kw: Any) -> Callable[[], pd.DataFrame]:
    data = kw.pop("data")
    return lambda: validate_sales(data() if callable(data) else data, as_of=AS_OF, **kw)


def vv(**kw: Any) -> Callable[[], pd.DataFrame]:
    data = kw.pop("data")
    return lambda: validate_survey(data() if callable(data) else data, as_of=AS_OF, **kw)


KEYS = {"customer": "customer_id", "value": "amount"}
LOG = {"customer": "customer_id", "date": "order_date"}
BERLIN = dt.timezone(dt.timedelta(hours=1))
KYIV = dt.timezone(dt.timedelta(hours=2))

CASES = [
    # ---- validate_sales -------------------------------------------------------------------
    Case("sales_empty_frame", vs(data=sales().iloc[:0]), "fatal", "", "", "empty", 1),
    Case(
        "sales_header_only_file",
        vs(data=lambda: load_sales(FILES / "header_only.csv")),
        "fatal",
        "",
        "",
        "empty",
        1,
    ),
    Case(
        "sales_missing_amount_column",
        vs(data=sales().drop(columns="amount")),
        "fatal",
        "amount",
        "customer_id",
        "missing_column",
        4,
    ),  # count = every row (4 rows)
    Case(
        "sales_typo_column",
        vs(data=sales().rename(columns={"amount": "ammount"})),
        "fatal",
        "amount",
        "ammount",
        "missing_column",
        4,
    ),
    Case(
        "sales_unparseable_dates",
        vs(data=sales(order_date=["2024-01-05", "2024-13-45", "yesterday", "2024-03-01"])),
        "fatal",
        "order_date",
        "2024-13-45.*yesterday|yesterday.*2024-13-45",
        "date_unparseable",
        2,
    ),
    Case(
        "sales_unparseable_dates_file",
        vs(data=lambda: load_sales(FILES / "bad_dates.csv")),
        "error",
        "order_date",
        r"order_date: 2 values are not dates: \['2024-02-30', 'next "
        r"tuesday'\]",
    ),
    Case(
        "sales_mixed_timezone_strings",
        vs(
            data=sales(
                order_date=[
                    "2024-01-05T10:00:00+01:00",
                    "2024-02-10T10:00:00+02:00",
                    "2024-01-20T09:00:00+01:00",
                    "2024-03-01T12:00:00+01:00",
                ]
            )
        ),
        "fatal",
        "order_date",
        r"\+01:00.*\+02:00",
        "date_mixed_timezones",
        4,
    ),
    Case(
        "sales_mixed_timezone_objects",
        vs(
            data=sales(
                order_date=[
                    dt.datetime(2024, 1, 5, 10, tzinfo=BERLIN),
                    dt.datetime(2024, 2, 10, 10, tzinfo=KYIV),
                    dt.datetime(2024, 1, 20, tzinfo=BERLIN),
                    dt.datetime(2024, 3, 1, tzinfo=KYIV),
                ]
            )
        ),
        "fatal",
        "order_date",
        "1:00:00.*2:00:00",
        "date_mixed_timezones",
        4,
    ),
    Case(
        "sales_mixed_timezone_file",
        lambda: load_sales(FILES / "mixed_timezones.csv"),
        "error",
        "order_date",
        "order_date: the dates in mixed_timezones.csv are written in different time zones",
        error=DataQualityError,
    ),
    Case(
        "sales_empty_file",
        lambda: load_sales(FILES / "empty.csv"),
        "error",
        "",
        "empty.csv: the file is empty",
        error=DataQualityError,
    ),
    Case(
        "sales_future_dates",
        vs(
            data=sales(
                order_date=pd.to_datetime(["2024-01-05", "2031-02-10", "2024-01-20", "2030-03-01"])
            )
        ),
        "excluded",
        "order_date",
        "2031-02-10|2030-03-01",
        "date_future",
        2,
    ),
    Case(
        "sales_missing_dates",
        vs(data=sales(order_date=pd.to_datetime(["2024-01-05", None, "2024-01-20", None]))),
        "excluded",
        "order_date",
        "rows 2, 4",
        "date_missing",
        2,
    ),
    Case(
        "sales_missing_customer",
        vs(data=sales(customer_id=["a", None, "b", "  "])),
        "excluded",
        "customer_id",
        "rows 2, 4",
        "customer_missing",
        2,
    ),
    Case(
        "sales_text_amounts",
        vs(data=sales(amount=["10", "12,50", "ten", "8"])),
        "fatal",
        "amount",
        "12,50.*ten|ten.*12,50",
        "not_numeric",
        2,
    ),
    Case(
        "sales_text_amounts_file",
        vs(data=lambda: load_sales(FILES / "text_amounts.csv")),
        "fatal",
        "amount",
        "12,50",
        "not_numeric",
        2,
    ),
    Case(
        "sales_numbers_stored_as_text",
        vs(data=sales(amount=["10", "5", "20", "8"])),
        "fatal",
        "amount",
        "'10'",
        "not_numeric",
        4,
    ),
    Case(
        "sales_infinite_amount",
        vs(data=sales(amount=[10.0, np.inf, 20.0, -np.inf])),
        "fatal",
        "amount",
        "inf",
        "not_finite",
        2,
    ),
    Case(
        "sales_missing_amount",
        vs(data=sales(amount=[10.0, np.nan, 20.0, 8.0])),
        "excluded",
        "amount",
        "row 2",
        "value_missing",
        1,
    ),
    Case(
        "sales_negative_amounts",
        vs(data=sales(amount=[10.0, -5.0, 20.0, -5.0])),
        "kept",
        "amount",
        r"-5 \(2×\)",
        "value_negative",
        2,
    ),
    Case(
        "sales_duplicate_rows_no_order_id",
        vs(data=pd.concat([sales(), sales().iloc[[1]]])),
        "kept",
        "",
        "row 5",
        "duplicate_rows",
        1,
    ),
    Case(
        "sales_duplicate_rows_with_order_id",
        vs(
            data=pd.concat([sales(), sales().iloc[[0, 0]]]).assign(
                order_id=["o1", "o2", "o3", "o4", "o1", "o1"]
            ),
            order_id="order_id",
        ),
        "excluded",
        "",
        "rows 5, 6",
        "duplicate_rows",
        2,
    ),
    Case(
        "sales_contact_in_date_column",
        vs(
            data=sales(
                order_date=["2024-01-05", "mail bob@example.com", "2024-01-20", "2024-03-01"]
            )
        ),
        "fatal",
        "order_date",
        r"\[e-mail\]",
        "date_unparseable",
        1,
    ),
    # ---- validate_survey ------------------------------------------------------------------
    Case("survey_empty", vv(data=survey().iloc[:0]), "fatal", "", "", "empty", 1),
    Case(
        "survey_missing_score_column",
        vv(data=survey().drop(columns="score")),
        "fatal",
        "score",
        "customer_id",
        "missing_column",
        4,
    ),
    Case(
        "survey_out_of_range_scores",
        vv(data=survey(score=[99.0, 11.0, 9.0, 99.0])),
        "kept",
        "score",
        r"99 \(2×\), 11",
        "score_out_of_range",
        3,
    ),
    Case(
        "survey_fractional_scores",
        vv(data=survey(score=[7.5, 9.0, 6.2, 8.0])),
        "kept",
        "score",
        "7.5, 6.2",
        "score_fractional",
        2,
    ),
    Case(
        "survey_text_scores",
        vv(data=survey(score=["ten", "9", "six", "8"])),
        "fatal",
        "score",
        "ten.*six",
        "not_numeric",
        2,
    ),
    Case(
        "survey_no_usable_score",
        vv(data=survey(score=[99.0, np.nan, 11.0, np.nan])),
        "fatal",
        "score",
        "",
        "no_valid_score",
        4,
    ),
    Case(
        "survey_skipped_scores",
        vv(data=survey(score=[np.nan, 9.0, np.nan, 8.0])),
        "kept",
        "score",
        "rows 1, 3",
        "score_missing",
        2,
    ),
    Case(
        "survey_duplicate_response",
        vv(data=survey(customer_id=["a", "b", "a", "a"])),
        "excluded",
        "",
        "rows 3, 4",
        "duplicate_response",
        2,
    ),
    Case(
        "survey_duplicate_file",
        vv(data=lambda: load_survey(FILES / "messy_survey.csv")),
        "excluded",
        "",
        "row 3",
        "duplicate_response",
        1,
    ),
    # "2024-01" and "Jan" are not full dates: the analyses would refuse them too
    Case(
        "survey_unparseable_wave",
        vv(data=survey(wave=["2024-01", "Jan", "2024-01-01", "?"])),
        "fatal",
        "wave",
        "'2024-01'.*'Jan'.*'\\?'|'2024-01'.*'\\?'.*'Jan'",
        "date_unparseable",
        3,
    ),
    Case(
        "survey_future_wave",
        vv(
            data=survey(
                wave=pd.to_datetime(["2024-01-01", "2029-01-01", "2024-01-01", "2024-01-01"])
            )
        ),
        "excluded",
        "wave",
        "2029-01-01",
        "date_future",
        1,
    ),
    Case(
        "survey_rating_out_of_range",
        vv(data=survey(product=[5.0, 6.0, 0.0, 3.5]), ratings=["product"]),
        "kept",
        "product",
        "6, 0, 3.5",
        "rating_out_of_range",
        3,
    ),
    Case(
        "survey_missing_rating_column",
        vv(data=survey(), ratings=["delivery"]),
        "fatal",
        "delivery",
        "product",
        "missing_column",
        4,
    ),
    # ---- core functions -------------------------------------------------------------------
    Case(
        "nps_invalid_scores_raise",
        lambda: nps(survey(score=[99.0, 11.0, 7.5, 9.0]), "score"),
        "error",
        "score",
        r"score: 2 values outside 0–10: \[99, 11\]; score: 1 fractional values .*\[7.5\]",
    ),
    Case(
        "nps_invalid_scores_excluded",
        lambda: nps(survey(score=[99.0, 11.0, 7.5, 9.0]), "score", errors="exclude", min_base=1),
        "warning",
        "score",
        "score: 2 values outside 0–10",
        warning=LoyaltyWarning,
        counted=lambda r: int(r["excluded"].iloc[0]) == 3 and int(r["n"].iloc[0]) == 1,
    ),
    Case(
        "nps_text_scores",
        lambda: nps(survey(score=["ten", "9", "6", "8"]), "score"),
        "error",
        "score",
        r"score: expected numeric scores .*\['ten', '9'",
    ),
    Case(
        "nps_missing_column",
        lambda: nps(survey(), "scor"),
        "error",
        "scor",
        "column 'scor' not found.*Did you mean 'score'",
        error=ColumnNotFoundError,
    ),
    Case(
        "pareto_missing_customer",
        lambda: pareto_split(sales(customer_id=["a", None, "b", None]), **KEYS),
        "error",
        "customer_id",
        r"customer_id: 2 rows with a missing customer id \(amount on those rows: \[5.0, 8.0\]",
    ),
    Case(
        "pareto_text_amounts",
        lambda: pareto_split(sales(amount=["10", "12,50", "ten", "8"]), **KEYS),
        "error",
        "amount",
        r"amount: expected a numeric column, got String with 2 non-numeric values",
    ),
    Case(
        "customer_value_infinite",
        lambda: customer_value(sales(amount=[10.0, np.inf, 20.0, 8.0]), **KEYS),
        "error",
        "amount",
        r"amount: 1 infinite values: \[inf\]",
    ),
    Case(
        "customer_value_missing_amount",
        lambda: customer_value(sales(amount=[10.0, np.nan, 20.0, np.nan]), **KEYS),
        "error",
        "amount",
        r"amount: 2 missing values",
    ),
    Case(
        "cohort_missing_dates",
        lambda: cohort_retention(
            sales(order_date=pd.to_datetime(["2024-01-05", None, "2024-01-20", "2024-03-01"])),
            **LOG,
            as_of="2024-03-31",
        ),
        "warning",
        "",
        "excluded rows: 1 missing date",
        warning=ExcludedRowsWarning,
        counted=lambda r: r.attrs["excluded"]["missing_date"] == 1,
    ),
    Case(
        "cohort_unparseable_dates",
        lambda: cohort_retention(
            sales(order_date=["2024-01-05", "2024-13-45", "x", "2024-03-01"]), **LOG
        ),
        "error",
        "order_date",
        r"order_date: 2 distinct date strings are not dates .*\['2024-13-45', "
        r"'x'\]",
    ),
    Case(
        "cohort_rows_after_as_of",
        lambda: cohort_retention(sales(), **LOG, as_of="2024-01-31"),
        "warning",
        "",
        "excluded rows: 2 dated after as_of 2024-01-31",
        warning=ExcludedRowsWarning,  # 2024-02-10 and 2024-03-01 are after January
        counted=lambda r: r.attrs["excluded"]["after_as_of"] == 2,
    ),
    Case(
        "cohort_empty",
        lambda: cohort_retention(sales().iloc[:0], **LOG),
        "error",
        "order_date",
        "order_date: no rows with a date; nothing to analyse",
    ),
    Case(
        "repeat_missing_customer",
        lambda: repeat_purchase_rate(sales(customer_id=["a", None, "b", "c"]), **LOG),
        "warning",
        "",
        "excluded rows: 1 missing customer id",
        warning=ExcludedRowsWarning,
        # a's second row lost its id: a, b, c have one purchase each -> 0 repeaters of 3
        counted=lambda r: int(r["customers"].iloc[0]) == 3 and int(r["repeaters"].iloc[0]) == 0,
    ),
    Case(
        "repeat_text_amounts",
        lambda: repeat_purchase_rate(sales(amount=["1", "x", "2", "3"]), **LOG, value="amount"),
        "error",
        "amount",
        "amount: expected a numeric column of amounts, got dtype String",
        error=TypeError,
    ),
]
