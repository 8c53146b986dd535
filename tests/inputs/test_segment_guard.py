"""A segment column never lists customers on a page: id-like columns (too many distinct
values) and values holding contacts stop with a plain sentence that quotes no value.

Regression for the issue-18 finding: `-p nps_survey_demo.segment_column=customer_id` listed
2,035 distinct customer ids on the NPS page before failing with a raw matplotlib error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.datasets import load_survey
from loyalty_lib.inputs.privacy import check_segment_column

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("column", ["region", "channel", "", None])
def test_real_segments_and_no_segment_pass(column):
    check_segment_column(load_survey("demo"), column)


def test_the_customer_id_column_is_refused_without_quoting_an_id():
    survey = load_survey("demo")
    distinct = survey["customer_id"].nunique()  # counted independently of the guard
    with pytest.raises(DataQualityError) as info:
        check_segment_column(survey, "customer_id")
    text = str(info.value)
    assert f"{distinct:,} distinct values" in text
    assert "C0" not in text  # no demo id (C00042...) in the sentence


@pytest.mark.parametrize("value", ["anna.k@example.com", "+44 20 7946 0958"])
def test_contacts_as_segment_names_are_refused(value):
    frame = pd.DataFrame({"segment": [value, "North", "South"]})
    with pytest.raises(DataQualityError, match="1 of its values contain") as info:
        check_segment_column(frame, "segment")
    assert value not in str(info.value)


def test_the_nps_report_stops_instead_of_listing_ids(tmp_path):
    import nbformat
    import papermill

    out = tmp_path / "nps.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(ROOT / "notebooks" / "nps_survey.ipynb"),
            str(out),
            parameters={"segment_column": "customer_id"},
            kernel_name="loyalty",
            progress_bar=False,
            cwd=str(ROOT),
        )
    assert info.value.ename == "DataQualityError"
    executed = nbformat.read(str(out), as_version=4)
    shown = "".join(str(o) for c in executed.cells for o in c.get("outputs", []))
    assert "C00042" not in shown and "C00001" not in shown
