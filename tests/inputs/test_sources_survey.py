"""Foreign NPS exports (SurveyMonkey, Qualtrics, Google Forms, a Russian form), built here.

NPS by hand: % of 9-10 minus % of 0-6 among the answered, counted from the raw answers
written by each test (never through loyalty_lib); blank answers are skipped, labelled
answers are scores. Waves are the first day of the answer's month, worked out by hand.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.errors import DataQualityError, ReportConfigError
from loyalty_lib.inputs.datasets import load_survey, source_info
from loyalty_lib.inputs.sources import parse_source

QUESTION = "How likely is it that you would recommend us to a friend or colleague?"
REASON = "What is the main reason for your score?"
ANSWERS = [  # (customer, start date, answer, comment)
    ("17093", "10/26/2023 11:43:45 AM", "10 - Extremely likely", "Всё отлично"),
    ("12682.0", "10/27/2023 09:10:02 PM", "9", ""),
    ("13085", "11/02/2023 08:00:00 AM", "0 - Not at all likely", "Доставка запізнилася"),
    ("", "11/15/2023 12:30:00 PM", "6", "slow"),
    ("16321", "11/20/2023 01:05:09 PM", "", ""),
    ("13078", "12/01/2023 10:00:00 AM", "8", "ok"),
    ("14000", "12/02/2023 10:00:00 AM", "3", "плохо"),
]


def _nps_by_hand(answers: list[str]) -> float:
    scores = [int(a.split(" ")[0]) for a in answers if a.strip()]
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    return 100 * (promoters - detractors) / len(scores)


def _nps(frame: pd.DataFrame) -> float:
    answered = frame["score"].dropna()
    return 100 * ((answered >= 9).mean() - (answered <= 6).mean())


def write_surveymonkey(path: Path) -> Path:
    header = ["Respondent ID", "Start Date", "Customer ID", QUESTION, REASON, "Touch"]
    second = ["", "", "", "Response", "Open-Ended Response", "Delivery"]
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(second)
        for i, (cust, start, answer, comment) in enumerate(ANSWERS):
            writer.writerow([f"1140{i}", start, cust, answer, comment, str(1 + i % 5)])
    return path


SURVEYMONKEY = {
    "kind": "survey",
    "columns": {
        "customer": "Customer ID",
        "timestamp": "Start Date",
        "score": QUESTION,
        "comment": REASON,
        "touchpoints": ["Touch - Delivery"],
    },
    "labels": "auto",
    "wave": "month",
}


def test_surveymonkey_two_header_rows_labels_and_nps(tmp_path):
    path = write_surveymonkey(tmp_path / "surveymonkey.csv")
    survey = load_survey(parse_source("nps", {**SURVEYMONKEY, "path": path.name}, tmp_path))
    answers = [a[2] for a in ANSWERS]
    # by hand: answered 10, 9, 0, 6, 8, 3 -> 2 promoters, 3 detractors of 6: NPS -16.7
    assert _nps(survey) == pytest.approx(_nps_by_hand(answers)) == pytest.approx(-100 / 6)
    assert int(survey["score"].isna().sum()) == sum(not a for a in answers) == 1
    assert source_info(survey)["header_rows"] == 2 and len(survey) == len(ANSWERS)
    assert survey["customer_id"].tolist()[:2] == ["17093", "12682"]
    assert pd.isna(survey["customer_id"].iloc[3])
    assert survey["comment"].iloc[2] == "Доставка запізнилася"
    assert survey["Touch - Delivery"].tolist()[:3] == [1.0, 2.0, 3.0]
    # 9:10:02 PM is 21:10:02; waves are month starts (the MonthBegin TypeError regression)
    assert survey["response_date"].iloc[1] == pd.Timestamp(2023, 10, 27, 21, 10, 2)
    assert survey["wave"].tolist() == [
        pd.Timestamp(2023, m, 1) for m in (10, 10, 11, 11, 11, 12, 12)
    ]
    assert survey["wave"].dtype == "datetime64[ns]" and survey["score"].dtype == "float64"


def test_labelled_answers_are_scores_not_skipped(tmp_path):
    # regression: "10 - Extremely likely" was read as a skipped answer, so NPS came out as
    # the NPS of the plain numbers only (here 9, 6, 8, 3: -25) instead of -16.7
    path = write_surveymonkey(tmp_path / "surveymonkey.csv")
    survey = load_survey(parse_source("nps", {**SURVEYMONKEY, "path": path.name}, tmp_path))
    plain_only = _nps_by_hand([a[2] for a in ANSWERS if a[2].isdigit()])
    assert plain_only == -25.0
    assert _nps(survey) != pytest.approx(plain_only)
    assert survey["score"].iloc[0] == 10.0 and survey["score"].iloc[2] == 0.0


def test_an_unknown_label_is_an_error_with_value_and_count(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text(
        "Отметка времени,Оценка\n01.02.2024 10:00:00,Очень вероятно\n"
        "13.02.2024 11:00:00,Очень вероятно\n14.02.2024 12:00:00,5\n",
        encoding="utf-8",
    )
    declared = {
        "kind": "survey",
        "path": path.name,
        "columns": {"timestamp": "Отметка времени", "score": "Оценка"},
    }
    with pytest.raises(DataQualityError, match=r"Оценка: 2 answers .*'Очень вероятно' \(2\)"):
        load_survey(parse_source("f", declared, tmp_path))
    survey = load_survey(
        parse_source("f", {**declared, "labels": {"Очень вероятно": 10}}, tmp_path)
    )
    assert survey["score"].tolist() == [10.0, 10.0, 5.0]
    assert survey["wave"].tolist() == [pd.Timestamp(2024, 2, 1)] * 3
    assert survey["customer_id"].isna().all()


def test_qualtrics_three_header_rows_question_text_as_alias(tmp_path):
    path = tmp_path / "qualtrics.csv"
    rows = [
        ["StartDate", "ExternalReference", "Q1", "Q2"],
        ["Start Date", "External Data Reference", QUESTION, REASON],
        [
            json.dumps({"ImportId": "startDate", "timeZone": "Europe/Minsk"}),
            json.dumps({"ImportId": "externalDataReference"}),
            json.dumps({"ImportId": "QID1"}),
            json.dumps({"ImportId": "QID2_TEXT"}),
        ],
        ["2024-01-05 10:00:00", "A-1", "9", "хорошо"],
        ["2024-01-20 10:00:00", "A-2", "99", ""],  # a code kept as given
        ["2024-02-03 10:00:00", "", "", ""],
        ["2024-02-04 10:00:00", "A-3", "2", "bad"],
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    declared = {
        "kind": "survey",
        "path": path.name,
        "columns": {
            "customer": "ExternalReference",
            "timestamp": "Start Date",  # the question-text row works as well as StartDate
            "score": QUESTION,
            "comment": "Q2",
        },
    }
    survey = load_survey(parse_source("q", declared, tmp_path))
    assert source_info(survey)["header_rows"] == 3 and len(survey) == 4
    assert survey["score"].tolist()[:2] == [9.0, 99.0] and np.isnan(survey["score"].iloc[2])
    assert survey["customer_id"].tolist()[0] == "A-1"
    assert (
        survey["wave"].tolist() == [pd.Timestamp(2024, 1, 1)] * 2 + [pd.Timestamp(2024, 2, 1)] * 2
    )


def test_google_forms_timestamp_and_question_header(tmp_path):
    path = tmp_path / "Form Responses 1.csv"
    rows = [
        ["Timestamp", "Email", QUESTION, "Why?"],
        ["2/1/2024 10:15:30", "a@example.com", "10", "great"],
        ["2/13/2024 18:00:01", "b@example.com", "7", ""],
        ["3/2/2024 9:05:00", "c@example.com", "4", "meh"],
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    declared = {
        "kind": "survey",
        "path": "Form Responses 1.csv",
        "columns": {"timestamp": "Timestamp", "score": QUESTION, "comment": "Why?"},
        "wave": "quarter",
    }
    survey = load_survey(parse_source("g", declared, tmp_path))
    assert survey["response_date"].tolist() == [
        pd.Timestamp(2024, 2, 1, 10, 15, 30),
        pd.Timestamp(2024, 2, 13, 18, 0, 1),
        pd.Timestamp(2024, 3, 2, 9, 5),
    ]
    assert survey["wave"].tolist() == [pd.Timestamp(2024, 1, 1)] * 3  # Q1 2024
    assert _nps(survey) == pytest.approx(_nps_by_hand(["10", "7", "4"]))  # 0.0
    assert "month-first" in source_info(survey)["dates"]["label"]


def test_week_waves_start_on_monday(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("t,s\n2024-01-03,9\n2024-01-07,5\n2024-01-08,7\n", encoding="utf-8")
    declared = {
        "kind": "survey",
        "path": path.name,
        "columns": {"timestamp": "t", "score": "s"},
        "wave": "week",
    }
    survey = load_survey(parse_source("w", declared, tmp_path))
    # 3 and 7 January 2024 are in the week of Monday 1 January; 8 January is a Monday
    assert survey["wave"].tolist() == [pd.Timestamp(2024, 1, 1)] * 2 + [pd.Timestamp(2024, 1, 8)]


def test_a_mapping_naming_a_missing_column_lists_the_header(tmp_path):
    path = write_surveymonkey(tmp_path / "surveymonkey.csv")
    wrong = {
        **SURVEYMONKEY,
        "path": path.name,
        "columns": {**SURVEYMONKEY["columns"], "score": "NPS"},
    }
    with pytest.raises(ReportConfigError, match=r"'NPS' is not in the header.*'Respondent ID'"):
        load_survey(parse_source("nps", wrong, tmp_path))
