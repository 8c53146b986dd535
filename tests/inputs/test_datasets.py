"""Loading the bundled data: figures pinned to the published description of CDNOW and to an
independent parse of the raw file with the standard library."""

import hashlib
import shutil
from decimal import Decimal

import pandas as pd
import pytest

import loyalty_lib.inputs.datasets as datasets
from loyalty_lib.inputs.datasets import load_cdnow, load_sales, load_survey


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow()


def test_cdnow_matches_published_counts(cdnow):
    # Fader & Hardie: 23,570 customers, first purchase in Q1 1997, purchases to June 1998,
    # 69,659 transaction rows.
    assert len(cdnow) == 69_659
    assert cdnow["customer_id"].nunique() == 23_570
    first = cdnow.groupby("customer_id")["order_date"].min()
    assert first.min() == pd.Timestamp("1997-01-01")
    assert first.max() <= pd.Timestamp("1997-03-31")
    assert cdnow["order_date"].max() == pd.Timestamp("1998-06-30")


def test_cdnow_schema(cdnow):
    assert list(cdnow.columns) == ["customer_id", "order_date", "quantity", "amount"]
    assert pd.api.types.is_string_dtype(cdnow["customer_id"])
    assert pd.api.types.is_datetime64_any_dtype(cdnow["order_date"])
    assert cdnow["quantity"].dtype == "int64"
    assert cdnow["amount"].dtype == "float64"
    assert cdnow["customer_id"].str.len().eq(5).all()  # zero padding kept: "00001"


def test_cdnow_values_equal_independent_parse(cdnow):
    # Independent source: the raw file read with str.split and Decimal, no pandas.
    lines = datasets.cdnow_path().read_text().splitlines()[1:]
    fields = [line.split() for line in lines]
    total = sum(Decimal(f[3]) for f in fields)
    cds = sum(int(f[2]) for f in fields)
    assert len(fields) == 69_659
    assert round(Decimal(str(float(cdnow["amount"].sum()))), 2) == total  # 2,500,315.63
    assert int(cdnow["quantity"].sum()) == cds
    assert cdnow["customer_id"].tolist()[:3] == [f[0] for f in fields[:3]]


def test_raw_file_checksum_guard(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(datasets.cdnow_path(), raw / "CDNOW_master.txt")
    with open(raw / "CDNOW_master.txt", "ab") as handle:
        handle.write(b" 23571 19980630  1   1.00\r\n")
    monkeypatch.setattr(datasets, "DATA_DIR", tmp_path)
    with pytest.raises(ValueError, match="SHA-256 .* differs from the published file"):
        load_cdnow()


def test_bundled_cdnow_is_the_published_file():
    digest = hashlib.sha256(datasets.cdnow_path().read_bytes()).hexdigest()
    assert digest == datasets.CDNOW_SHA256


def test_load_sales_by_name():
    demo = load_sales("demo")
    assert {"customer_id", "order_date", "quantity", "amount", "region", "channel"} <= set(
        demo.columns
    )
    assert demo["region"].notna().all()
    assert len(load_sales("CDNOW")) == 69_659


def test_load_sales_from_csv_path(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("customer_id,order_date,amount\n007,2024-01-02,10.5\n008,2024-01-03,4\n")
    sales = load_sales(path)
    assert sales["customer_id"].tolist() == ["007", "008"]  # ids stay strings
    assert sales["order_date"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]


def test_load_sales_errors_name_the_problem(tmp_path):
    missing = tmp_path / "nosuch.csv"
    with pytest.raises(FileNotFoundError, match="nosuch.csv: no such file"):
        load_sales(missing)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("client,day,amount\n1,2024-01-01,3\n")
    with pytest.raises(ValueError, match=r"needs columns \['customer_id', 'order_date'\]"):
        load_sales(wrong)
    dates = tmp_path / "dates.csv"
    dates.write_text(
        "customer_id,order_date,amount\n1,2024-01-01,3\n2,yesterday,4\n3,2024-02-31,1\n"
    )
    with pytest.raises(
        ValueError,
        match=r"order_date: 2 values are not dates: "
        r"\['yesterday', '2024-02-31'\]",
    ):
        load_sales(dates)
    # the one parser reads a column one way: ISO and day/month text in one column is refused
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("customer_id,order_date,amount\n1,2024-01-01,3\n3,13/02/2024,1\n")
    with pytest.raises(ValueError, match="'order_date' mixes date formats"):
        load_sales(mixed)
    excel = tmp_path / "sales.xlsx"
    excel.write_bytes(b"")
    with pytest.raises(ValueError, match="unsupported file type '.xlsx'"):
        load_sales(excel)


def test_load_survey():
    survey = load_survey("demo")
    assert {"score", "wave", "comment", "region", "delivery"} <= set(survey.columns)
    with pytest.raises(ValueError, match="CDNOW log has no survey"):
        load_survey("cdnow")


def test_write_demo_never_overwrites(tmp_path):
    shop = datasets.make_demo(seed=3, n_customers=50)
    datasets.write_demo(shop, tmp_path)
    again = datasets.load_demo(tmp_path)
    pd.testing.assert_frame_equal(again.survey, shop.survey)
    pd.testing.assert_frame_equal(again.transactions, shop.transactions)
    with pytest.raises(FileExistsError, match="raw data is never overwritten"):
        datasets.write_demo(shop, tmp_path)
