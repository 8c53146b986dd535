"""Foreign sales exports, built here in tmp_path, read through a declared source.

Every expected value is computed independently from the raw file: the csv module with
Decimal (or openpyxl's cells, pyarrow's table, sqlite3) on the bytes written, never
loyalty_lib. The exports imitate UCI Online Retail II (invoice lines, ``C`` cancellations
with negative quantities, float customer ids with blanks for guests, ``12/1/2022 8:01``),
a Russian 1C/Excel export (Windows-1251, ``;``, decimal comma, ``dd.mm.yyyy``) and a
European ``dd/mm/yyyy`` file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from loyalty_lib.errors import DataQualityError, ReportConfigError
from loyalty_lib.inputs.datasets import load_sales, source_info
from loyalty_lib.inputs.sources import parse_source

UCI_ROWS = [
    # Invoice, StockCode, Description, Quantity, InvoiceDate, Price, Customer ID, Country
    ("489434", "85048", "LED BOX", "12", "12/1/2022 7:45", "6.95", "13085.0", "United Kingdom"),
    ("489434", "79323P", "PINK HEART", "12", "12/1/2022 7:45", "6.75", "13085.0", "United Kingdom"),
    (
        "489434",
        "22041",
        "RECORD FRAME",
        "48",
        "12/1/2022 7:45",
        "2.10",
        "13085.0",
        "United Kingdom",
    ),
    ("489435", "22350", "CAT BOWL", "12", "12/1/2022 7:46", "2.55", "", "United Kingdom"),
    ("489436", "48173C", "DOOR MAT", "10", "12/13/2022 9:06", "5.95", "13078.0", "United Kingdom"),
    (
        "489436",
        "21755",
        "LOVE BUILDING",
        "18",
        "12/13/2022 9:06",
        "5.45",
        "13078.0",
        "United Kingdom",
    ),
    (
        "C489449",
        "22087",
        "PAPER BUNTING",
        "-12",
        "12/14/2022 10:33",
        "2.95",
        "16321.0",
        "Australia",
    ),
    ("C489449", "85206A", "CREAM SCARF", "-6", "12/14/2022 10:33", "1.65", "16321.0", "Australia"),
    ("489450", "21871", "SAVE THE PLANET", "24", "1/5/2023 16:01", "1.25", "16321.0", "Australia"),
    ("489451", "POST", "POSTAGE", "1", "1/6/2023 8:00", "18.00", "", "France"),
    ("489452", "21232", "STRAWBERRY", "-3", "1/7/2023 8:00", "1.25", " 12682.0 ", "France"),
]
UCI_HEADER = [
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
]
UCI_COLUMNS = {
    "customer": "Customer ID",
    "date": "InvoiceDate",
    "quantity": "Quantity",
    "price": "Price",
    "order_id": "Invoice",
    "line_id": "StockCode",
}


def uci_source(path: Path, **extra) -> dict:
    return {
        "kind": "sales",
        "path": str(path),
        "columns": UCI_COLUMNS,
        "keep": ["Country"],
        "cancellations": {"negative_quantity": True, "invoice_prefix": "C"},
        "currency": "GBP",
        "name": "UCI Online Retail II",
        **extra,
    }


def write_uci_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(UCI_HEADER)
        writer.writerows(UCI_ROWS)
    return path


def _raw_figures(rows):
    """Independent: Decimal arithmetic over the raw text rows."""
    total = sum(Decimal(r[3]) * Decimal(r[5]) for r in rows)
    ids = {r[6].strip().removesuffix(".0") for r in rows if r[6].strip()}
    cancelled = sum(1 for r in rows if r[0].startswith("C") or Decimal(r[3]) < 0)
    guests = sum(1 for r in rows if not r[6].strip())
    return total, ids, cancelled, guests


def test_uci_csv_totals_customers_cancellations_and_guests(tmp_path):
    path = write_uci_csv(tmp_path / "online_retail.csv")
    sales = load_sales(parse_source("uci", uci_source(path), tmp_path))
    total, ids, cancelled, guests = _raw_figures(UCI_ROWS)
    # Decimal over the raw rows: 1,046.70 total, 4 customers, 3 cancellation lines, 2 guests
    assert round(Decimal(str(sales["amount"].sum())), 2) == total
    assert set(sales["customer_id"].dropna()) == ids
    info = source_info(sales)
    assert (info["cancellations"], info["guests"], info["rows_read"]) == (cancelled, guests, 11)
    assert info["currency"] == "GBP" and info["symbol"] == "£" and info["orders"] == "order_id"
    assert info["title"] == "UCI Online Retail II" and info["name"] == "uci"
    assert "month-first" in info["dates"]["label"] and "12/13/2022" in info["dates"]["reason"]
    # cancellations are negative: amount = quantity x price, by hand for C489449
    c = sales[sales["order_id"] == "C489449"]["amount"].sum()
    assert round(c, 2) == round(-12 * 2.95 - 6 * 1.65, 2)
    assert sales["order_date"].iloc[4] == pd.Timestamp(2022, 12, 13, 9, 6)
    assert sales["order_date"].iloc[0] == pd.Timestamp(2022, 12, 1, 7, 45)  # not 12 January
    assert list(sales.columns) == [
        "order_id",
        "line_id",
        "customer_id",
        "order_date",
        "quantity",
        "amount",
        "Country",
    ]
    assert sales["order_date"].dtype == "datetime64[ns]" and sales["amount"].dtype == "float64"
    assert pd.api.types.is_string_dtype(sales["customer_id"])


def test_uci_orders_are_invoices_not_lines_sqlite(tmp_path):
    path = write_uci_csv(tmp_path / "online_retail.csv")
    sales = load_sales(parse_source("uci", uci_source(path), tmp_path))
    con = sqlite3.connect(":memory:")  # independent: SQL on the raw rows
    con.execute("create table t (inv, code, d, q, dt, p, cust, country)")
    con.executemany("insert into t values (?,?,?,?,?,?,?,?)", UCI_ROWS)
    (orders,) = con.execute("select count(distinct inv) from t").fetchone()
    (spend,) = con.execute(
        "select round(sum(cast(q as real) * cast(p as real)), 2) from t "
        "where trim(cust) = '13085.0'"
    ).fetchone()
    assert sales["order_id"].nunique() == orders == 7
    assert round(sales.loc[sales["customer_id"] == "13085", "amount"].sum(), 2) == spend


def test_uci_xlsx_float_ids_and_excel_dates(tmp_path):
    import openpyxl

    frame = pd.DataFrame(UCI_ROWS, columns=UCI_HEADER)
    frame["Quantity"] = frame["Quantity"].astype(int)
    frame["Price"] = frame["Price"].astype(float)
    frame["Customer ID"] = pd.to_numeric(frame["Customer ID"].str.strip().replace("", None))
    frame["InvoiceDate"] = pd.to_datetime(frame["InvoiceDate"], format="%m/%d/%Y %H:%M")
    path = tmp_path / "online_retail_II.xlsx"
    frame.to_excel(path, sheet_name="Year 2022-2023", index=False)
    sales = load_sales(parse_source("uci", uci_source(path, sheet="Year 2022-2023"), tmp_path))
    # independent: openpyxl's cells
    book = openpyxl.load_workbook(path, read_only=True)
    cells = list(book["Year 2022-2023"].iter_rows(min_row=2, values_only=True))
    book.close()
    total = sum(Decimal(str(r[3])) * Decimal(str(r[5])) for r in cells)
    ids = {str(int(r[6])) for r in cells if r[6] is not None}
    assert round(Decimal(str(sales["amount"].sum())), 2) == round(total, 2)
    assert set(sales["customer_id"].dropna()) == ids  # '13085', not '13085.0'
    assert sales["order_date"].tolist() == [pd.Timestamp(r[4]) for r in cells]
    assert source_info(sales)["guests"] == sum(r[6] is None for r in cells) == 2


def test_windows_1251_semicolon_decimal_comma(tmp_path):
    text = (
        "Клиент;Дата;Сумма;Город\n"
        "  1001 ;05.02.2024;1 234,50;Минск\n"
        "1002;13.02.2024;99,90;Київ\n"
        "1001;01.03.2024;-10,00;Минск\n"
        ";02.03.2024;5,00;Гомель\n"
    )
    path = tmp_path / "продажи.csv"
    path.write_bytes(text.encode("cp1251"))
    declared = {
        "kind": "sales",
        "path": path.name,
        "columns": {"customer": "Клиент", "date": "Дата", "amount": "Сумма"},
        "keep": ["Город"],
        "decimal": ",",
        "currency": "BYN",
        "locale": "ru_RU",
    }
    sales = load_sales(parse_source("shop", declared, tmp_path))
    # independent: decode the bytes, split on ';', Decimal after removing spaces
    lines = path.read_bytes().decode("cp1251").splitlines()[1:]
    amounts = [Decimal(line.split(";")[2].replace(" ", "").replace(",", ".")) for line in lines]
    assert round(Decimal(str(sales["amount"].sum())), 2) == sum(amounts) == Decimal("1329.40")
    assert sales["customer_id"].tolist()[:3] == ["1001", "1002", "1001"]
    assert pd.isna(sales["customer_id"].iloc[3])
    assert sales["order_date"].tolist()[:2] == [pd.Timestamp(2024, 2, 5), pd.Timestamp(2024, 2, 13)]
    assert sales["Город"].tolist()[1] == "Київ"
    info = source_info(sales)
    assert info["encoding"].replace("_", "").lower() in {"cp1251", "windows1251"}
    assert info["delimiter"] == ";" and info["locale"] == "ru_RU" and info["symbol"] == "Br"
    assert info["orders"] == "lines"


def test_decimal_comma_without_declaration_is_an_error_not_a_wrong_number(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("c;d;a\n1;2024-01-05;2,50\n2;2024-01-06;3,00\n", encoding="utf-8")
    declared = {
        "kind": "sales",
        "path": path.name,
        "columns": {"customer": "c", "date": "d", "amount": "a"},
    }
    with pytest.raises(DataQualityError, match=r"a: 2 values are not numbers.*decimal: \",\""):
        load_sales(parse_source("s", declared, tmp_path))


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["05.02.2024", "13.02.2024", "28.02.2024"], "%d.%m.%Y"),
        (["05/02/2024", "13/02/2024", "28/02/2024"], "%d/%m/%Y"),
    ],
)
def test_day_first_exports_are_not_read_month_first(tmp_path, texts, expected):
    # regression: 05/02/2024 used to become 2 May while 13/02/2024 was 13 February
    path = tmp_path / "s.csv"
    path.write_text(
        "id,date,sum\n" + "".join(f"{i},{t},1\n" for i, t in enumerate(texts)), encoding="utf-8"
    )
    declared = {
        "kind": "sales",
        "path": path.name,
        "columns": {"customer": "id", "date": "date", "amount": "sum"},
    }
    sales = load_sales(parse_source("s", declared, tmp_path))
    assert sales["order_date"].tolist() == [dt.datetime.strptime(t, expected) for t in texts]


def test_an_ambiguous_date_column_stops_with_the_parsers_sentence(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id,date,sum\n1,01/02/2024,1\n2,03/04/2024,1\n", encoding="utf-8")
    columns = {"customer": "id", "date": "date", "amount": "sum"}
    declared = {"kind": "sales", "path": path.name, "columns": columns}
    with pytest.raises(DataQualityError, match="cannot be told apart"):
        load_sales(parse_source("s", declared, tmp_path))
    sales = load_sales(parse_source("s", {**declared, "dayfirst": True}, tmp_path))
    assert sales["order_date"].tolist() == [pd.Timestamp(2024, 2, 1), pd.Timestamp(2024, 4, 3)]


def test_integer_yyyymmdd_dates(tmp_path):
    path = tmp_path / "s.parquet"
    pd.DataFrame({"id": [1, 2], "day": [20240201, 20231231], "v": [1.5, 2.0]}).to_parquet(path)
    declared = {
        "kind": "sales",
        "path": path.name,
        "columns": {"customer": "id", "date": "day", "amount": "v"},
    }
    sales = load_sales(parse_source("s", declared, tmp_path))
    assert sales["order_date"].tolist() == [pd.Timestamp(2024, 2, 1), pd.Timestamp(2023, 12, 31)]


def test_float_id_parquet_joins_a_string_id_csv(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = [17093.0, 12682.0, None, 13085.0]
    pq.write_table(
        pa.table({"cust": ids, "when": ["2024-01-05"] * 4, "amount": [1.0, 2.0, 3.0, 4.0]}),
        tmp_path / "orders.parquet",
    )
    (tmp_path / "crm.csv").write_text(
        "customer_id,order_date,amount\n17093,2024-01-01,0\n"
        " 12682 ,2024-01-01,0\n13085,2024-01-01,0\n",
        encoding="utf-8",
    )
    declared = {
        "kind": "sales",
        "path": "orders.parquet",
        "columns": {"customer": "cust", "date": "when", "amount": "amount"},
    }
    parquet = load_sales(parse_source("p", declared, tmp_path))
    crm = load_sales(tmp_path / "crm.csv")  # a canonical path source, as with -p
    joined = parquet.merge(crm[["customer_id"]], on="customer_id", how="inner")
    # independent: pyarrow's table, whole floats printed as integers by hand
    table = pq.read_table(tmp_path / "orders.parquet").to_pydict()
    expected = {str(int(v)) for v in table["cust"] if v is not None}
    assert set(joined["customer_id"]) == expected and len(joined) == 3


def test_a_folder_and_a_glob_stack_the_files_in_name_order(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    write_uci_csv(folder / "2022.csv")
    with (folder / "2023.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([UCI_HEADER, UCI_ROWS[0]])
    for path in ("exports", "exports/*.csv"):
        sales = load_sales(parse_source("uci", uci_source(path), tmp_path))
        assert len(sales) == len(UCI_ROWS) + 1
        assert source_info(sales)["files"][-1].endswith("2023.csv")


def test_a_windows_1251_path_source_is_a_plain_error_not_a_unicode_error(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_bytes("customer_id,order_date,amount\nКлиент,2024-01-01,1\n".encode("cp1251"))
    with pytest.raises(DataQualityError, match="not UTF-8 text.*encoding"):
        load_sales(path)


def test_canonical_path_sources_still_work(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "customer_id,order_date,amount,region\n00017.0,2024-01-05,10.5,North\n00018,2024-02-05,2,South\n",
        encoding="utf-8",
    )
    sales = load_sales(str(path))
    assert sales["customer_id"].tolist() == ["00017", "00018"]  # zero padding kept, .0 gone
    assert sales["amount"].sum() == 12.5 and list(sales.columns)[-1] == "region"
    assert source_info(sales)["name"] == "log.csv"


def test_the_bundled_loaders_are_unchanged():
    # Pinned: pandas.util.hash_pandas_object(frame).sum() of the loaders at commit 99cffe7
    # (before the declared sources), computed with that commit's code.
    pinned = {
        "demo": 10758138526549076461,
        "cdnow": 2290089619241022660,
    }
    for name, value in pinned.items():
        frame = load_sales(name)
        assert int(pd.util.hash_pandas_object(frame, index=True).sum()) == value, name
    from loyalty_lib.inputs.datasets import load_survey

    survey = load_survey("demo")
    assert int(pd.util.hash_pandas_object(survey, index=True).sum()) == 7724547040913634763
    assert source_info(load_sales("cdnow"))["title"] == "CDNOW (real data 1997-98)"
    assert source_info(survey)["title"] == "demo shop"


def test_input_files_are_never_modified(tmp_path):
    path = write_uci_csv(tmp_path / "online_retail.csv")
    before = path.read_bytes()
    load_sales(parse_source("uci", uci_source(path), tmp_path))
    assert path.read_bytes() == before


def test_a_declared_name_is_found_through_loyalty_config(tmp_path, monkeypatch):
    write_uci_csv(tmp_path / "online_retail.csv")
    config = tmp_path / "my-reports.yaml"
    config.write_text(
        "reports: []\nsources:\n  uci:\n    kind: sales\n    path: online_retail.csv\n"
        "    columns: {customer: Customer ID, date: InvoiceDate, quantity: Quantity,\n"
        "              price: Price, order_id: Invoice}\n    currency: GBP\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("LOYALTY_CONFIG", str(config))
    monkeypatch.chdir(io.__file__.rsplit("/", 1)[0])  # anywhere else
    sales = load_sales("uci")
    assert round(Decimal(str(sales["amount"].sum())), 2) == _raw_figures(UCI_ROWS)[0]
    with pytest.raises(FileNotFoundError, match="Did you mean 'uci'"):
        load_sales("ucі")  # a Cyrillic і
    from loyalty_lib.inputs.datasets import load_survey

    with pytest.raises(ReportConfigError, match="load_sales"):
        load_survey("uci")


def test_fractional_float_ids_are_refused_with_masked_examples(tmp_path):
    path = tmp_path / "s.parquet"
    pd.DataFrame({"id": [17093.0, 4.95, 2.5], "d": ["2024-01-05"] * 3, "v": [1.0] * 3}).to_parquet(
        path
    )
    declared = {
        "kind": "sales",
        "path": path.name,
        "columns": {"customer": "id", "date": "d", "amount": "v"},
    }
    with pytest.raises(
        DataQualityError, match=r"id: 2 ids are numbers with a fraction \(e.g. 4\.\*\*, 2\*\*\)"
    ) as info:
        load_sales(parse_source("s", declared, tmp_path))
    assert "4.95" not in str(info.value)  # ids are masked in messages


def test_the_date_format_chosen_is_recorded_and_equals_strptime(tmp_path):
    path = write_uci_csv(tmp_path / "online_retail.csv")
    sales = load_sales(parse_source("uci", uci_source(path), tmp_path))
    assert source_info(sales)["dates"]["format"] == "%m/%d/%Y %H:%M"
    expected = [dt.datetime.strptime(r[4], "%m/%d/%Y %H:%M") for r in UCI_ROWS]
    assert sales["order_date"].tolist() == expected
