"""Every case of the bad-input catalogue (tests/inputs/bad_inputs/catalogue.py) gives its expected
result: a clear error naming the column with examples, or a warning and a counted exclusion."""

import importlib.util
import re
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from loyalty_lib.inputs.validate import DataQualityError, drop_excluded, stop_on_fatal

_SPEC = importlib.util.spec_from_file_location(
    "bad_inputs_catalogue", Path(__file__).parent / "bad_inputs" / "catalogue.py"
)
catalogue = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = catalogue  # dataclasses look their module up while building
_SPEC.loader.exec_module(catalogue)
CASES = catalogue.CASES


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        yield pytest.param(case, id=case.name, marks=marks)


def test_catalogue_has_at_least_30_distinct_cases():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)) >= 30
    assert {c.expect for c in CASES} == {"fatal", "excluded", "kept", "error", "warning"}


@pytest.mark.parametrize("case", list(_params()))
def test_bad_input(case):
    if case.expect == "error":
        with pytest.raises(case.error, match=case.match):
            case.call()
        return
    if case.expect == "warning":
        with pytest.warns(case.warning, match=case.match or None):
            result = case.call()
        assert case.counted(result), result
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the validator reports; it never warns
        report = case.call()
    rows = report[report["check"] == case.check]
    assert len(rows) >= 1, report[["check", "column", "count"]]
    row = rows[rows["column"] == case.column].iloc[0]
    assert row["count"] == case.count
    assert re.search(case.match, row["examples"]), row["examples"]
    assert row["rows"] == report.attrs["rows"]
    expected_severity = "fatal" if case.expect == "fatal" else "warning"
    assert row["severity"] == expected_severity
    assert row["action"] == {"fatal": "stop", "excluded": "excluded", "kept": "kept"}[case.expect]
    if case.column:
        assert row["message"].startswith(case.column) or repr(case.column) in row["message"]
    if case.expect == "fatal":
        with pytest.raises(DataQualityError) as caught:
            stop_on_fatal(report)
        message = str(caught.value)
        assert "Traceback" not in message and "\n" not in message
        assert case.column in message
    else:
        stop_on_fatal(report)  # warnings never stop a report
    if case.expect == "excluded":
        assert len(report.attrs["excluded"]) >= case.count
        assert set(rows.iloc[0:1]["check"]) == {case.check}


def test_examples_never_show_customer_ids():
    data = catalogue.sales(
        customer_id=["C00042", None, "C00043", None],
        order_date=["2024-01-05", None, "x", "2024-01-01"],
    )
    report = catalogue.validate_sales(data, as_of="2024-12-31")
    text = " ".join(report["examples"]) + " ".join(report["message"])
    assert "C0004" not in text
    assert set(report["check"]) >= {"customer_missing", "date_unparseable", "date_missing"}


def test_excluded_rows_are_dropped_exactly():
    data = pd.concat([catalogue.sales(), catalogue.sales().iloc[[0]]], ignore_index=True)
    data.loc[1, "customer_id"] = None  # row 2: no customer
    data.loc[2, "order_date"] = pd.Timestamp("2030-01-01")  # row 3: future
    data["order_id"] = ["o1", "o2", "o3", "o4", "o1"]  # row 5 copies row 1
    report = catalogue.validate_sales(data, order_id="order_id", as_of="2024-12-31")
    assert report.attrs["excluded"] == [1, 2, 4]
    kept = drop_excluded(data, report)
    assert kept.index.tolist() == [0, 3]
    assert len(data) == 5  # the input is untouched


def test_quality_table_says_unusable_scores_are_not_scored():
    # A reader must not take "kept" for "counted in the NPS": invalid and skipped scores
    # stay in the data but every NPS leaves them out.
    from loyalty_lib.inputs.validate import quality_table, validate_survey

    answers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "wave": pd.to_datetime(["2024-01-01"] * 4),
            "score": [9.0, 99.0, None, 6.0],
        }
    )
    table = quality_table(validate_survey(answers, as_of="2024-12-31")).set_index("problem")
    assert table.loc["score outside the scale", "what happens"] == "kept, left out of NPS"
    assert table.loc["score skipped", "what happens"] == "kept, left out of NPS"
