"""The event log as people write it: Excel's ;-separated CSV with day-first dates and
Windows-1251 Cyrillic, a YAML list, an .xlsx sheet; and the errors a wrong log gets.
Expected values are read off the hand-written inputs themselves."""

from __future__ import annotations

import pandas as pd
import pytest

from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.datasets import load_demo
from loyalty_lib.inputs.events import read_events, read_responses, scope_members

CUSTOMERS = pd.DataFrame(
    {"customer_id": ["1", "2", "3", "4"], "region": ["Восток", "Запад", "Восток", "Юг"]}
)


def test_excel_csv_semicolons_day_first_windows_1251(tmp_path):
    text = (
        "Start;End;Kind;Scope;Label;Response\n"
        "01.06.2024;30.06.2024;Stockout;segment:region=Восток;Нет товара на складе;Apology\n"
        "15.07.2024;;Price change;all;Новые цены;\n"
        "02.09.2024;03.09.2024;reminder_wave;customers;Напоминание;\n"
    )
    path = tmp_path / "события.csv"
    path.write_bytes(text.encode("cp1251"))
    # the ids of the customer-list event go in a customers column: add it as Excel would
    path.write_bytes(
        text.replace("Response\n", "Response;Customers\n", 1)
        .replace("Напоминание;\n", "Напоминание;;1, 3\n")
        .replace("Apology\n", "Apology;\n")
        .replace("Новые цены;\n", "Новые цены;;\n")
        .encode("cp1251")
    )
    events = read_events(path, customers=CUSTOMERS)
    assert events["kind"].tolist() == ["stock-out", "price change", "reminder wave"]
    assert events["label"].tolist() == ["Нет товара на складе", "Новые цены", "Напоминание"]
    # 01.06.2024 alone could be 6 January; 30.06.2024 in the end column says day-first
    assert events["start"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-06-01",
        "2024-07-15",
        "2024-09-02",
    ]
    # a missing end is a one-day event
    assert events["end"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-06-30",
        "2024-07-15",
        "2024-09-03",
    ]
    assert events["response"].tolist() == ["apology", None, None]
    assert events["scope_value"].iloc[0] == "Восток"
    assert events["customers"].iloc[2] == ("1", "3")
    assert events["row"].tolist() == [2, 3, 4]
    touched = scope_members(events.iloc[0], CUSTOMERS)
    assert touched.tolist() == [True, False, True, False]
    assert scope_members(events.iloc[2], CUSTOMERS).tolist() == [True, False, True, False]
    assert scope_members(events.iloc[1], CUSTOMERS).all()


def test_yaml_list_with_native_dates_and_a_customer_list(tmp_path):
    path = tmp_path / "events.yaml"
    path.write_text(
        "events:\n"
        "  - start: 2024-06-01\n"
        "    end: 2024-06-30\n"
        "    kind: stock-out\n"
        "    scope: segment:region=Запад\n"
        "    label: Пустые полки\n"
        "  - start: 2024-11-01\n"
        "    kind: VIP offer\n"
        "    scope: customers\n"
        "    customers: [2, 4]\n"
        "    label: VIP weekend\n",
        encoding="utf-8",
    )
    events = read_events(path, customers=CUSTOMERS)
    assert events["kind"].tolist() == ["stock-out", "VIP offer"]
    assert events["event_id"].tolist() == ["E1", "E2"]
    assert events["customers"].iloc[1] == ("2", "4")
    assert events["end"].iloc[1] == pd.Timestamp("2024-11-01")


def test_xlsx_sheet_and_customer_file_with_a_filter(tmp_path):
    pd.DataFrame({"customer_id": [1, 2, 3], "group": ["reminded", "holdout", "reminded"]}).to_csv(
        tmp_path / "campaign.csv", index=False
    )
    sheet = pd.DataFrame(
        {
            "start": [pd.Timestamp("2024-09-01")],
            "kind": ["Reminder wave"],
            "scope": ["customers:campaign.csv[group=reminded]"],
            "label": ["Reminder"],
        }
    )
    sheet.to_excel(tmp_path / "events.xlsx", index=False)
    events = read_events(tmp_path / "events.xlsx")
    assert events["customers"].iloc[0] == ("1", "3")
    assert events["start"].iloc[0] == pd.Timestamp("2024-09-01")


def _log(tmp_path, *lines: str) -> object:
    path = tmp_path / "events.csv"
    path.write_text("start,end,kind,scope,label,response\n" + "\n".join(lines) + "\n")
    return path


def test_unknown_kind_names_column_count_and_rows(tmp_path):
    path = _log(
        tmp_path,
        "2024-06-01,,stock-out,all,a,",
        "2024-06-02,,sale,all,b,",
        "2024-06-03,,flood,all,c,",
    )
    with pytest.raises(
        DataQualityError,
        match=r"kind: 2 events have an unknown kind: row 3 'sale', row 4 'flood'; "
        r"use one of stock-out",
    ):
        read_events(path)


def test_dates_that_are_not_dates_and_ends_before_starts(tmp_path):
    path = _log(tmp_path, "2024-06-01,,other,all,a,", "2024-13-45,,other,all,b,")
    with pytest.raises(
        DataQualityError, match=r"start: 1 values are not dates: row 3 '2024-13-45'"
    ):
        read_events(path)
    path = _log(
        tmp_path, "2024-06-10,2024-06-01,other,all,a,", "2024-06-01,2024-06-02,other,all,b,"
    )
    with pytest.raises(
        DataQualityError,
        match=r"end: 1 events end before they start: row 2 '2024-06-10 > 2024-06-01'",
    ):
        read_events(path)
    path = _log(tmp_path, "01/02/2024,,other,all,a,")
    with pytest.raises(DataQualityError, match="day and the month cannot be told apart"):
        read_events(path)
    assert read_events(path, dayfirst=True)["start"].iloc[0] == pd.Timestamp("2024-02-01")


def test_unknown_scope_column_value_and_form(tmp_path):
    path = _log(tmp_path, "2024-06-01,,stock-out,segment:regoin=Восток,a,")
    with pytest.raises(
        DataQualityError,
        match=r"1 events name the segment column 'regoin'.*rows \[2\].*Did you mean 'region'\?",
    ):
        read_events(path, customers=CUSTOMERS)
    path = _log(tmp_path, "2024-06-01,,stock-out,segment:region=Север,a,")
    with pytest.raises(
        DataQualityError, match=r"1 events name a region no customer has: row 2 'Север'"
    ):
        read_events(path, customers=CUSTOMERS)
    path = _log(tmp_path, "2024-06-01,,stock-out,East only,a,")
    with pytest.raises(DataQualityError, match=r"scope: row 2 'East only' is not a scope"):
        read_events(path)
    path = _log(tmp_path, "2024-06-01,,other,customers:missing.csv,a,")
    with pytest.raises(DataQualityError, match="no such file"):
        read_events(path)


def test_responses_checked(tmp_path):
    path = _log(tmp_path, "2024-06-01,,stock-out,all,a,shrug")
    with pytest.raises(
        DataQualityError, match=r"response: 1 events have an unknown response: row 2 'shrug'"
    ):
        read_events(path)
    path = _log(tmp_path, "2024-06-01,,campaign,all,a,apology")
    with pytest.raises(DataQualityError, match="a response is recorded for stock-outs only"):
        read_events(path)
    log = pd.DataFrame({"customer_id": ["C001", "C002"], "response": ["deferral", "sorry"]})
    with pytest.raises(
        DataQualityError,
        match=r"response: 1 rows have an unknown or empty response: row 2 'sorry' "
        r"\(customers \['C0\*\*'\]\)",
    ):
        read_responses(log)


def test_missing_required_column(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("date,kind,scope,label\n2024-06-01,other,all,a\n")
    with pytest.raises(DataQualityError, match=r"needs the columns \['start'\]"):
        read_events(path)


def test_the_demo_log_reads_and_never_changes_its_files():
    from loyalty_lib.inputs.datasets import demo_dir

    before = {p.name: p.read_bytes() for p in demo_dir().glob("*.csv")}
    shop = load_demo()
    events = read_events(demo_dir() / "events.csv", customers=shop.customers)
    assert events["kind"].tolist() == ["stock-out", "reminder wave"]
    reminded = set(shop.campaign.loc[shop.campaign["group"] == "reminded", "customer_id"])
    assert set(events["customers"].iloc[1]) == reminded
    responses = read_responses(demo_dir() / "stockout_responses.csv")
    assert len(responses) == len(shop.stockout_responses)
    assert {p.name: p.read_bytes() for p in demo_dir().glob("*.csv")} == before
