"""An export that names a column twice (issue 18: two `Date` columns gave a raw traceback or
were read silently) stops with a sentence naming the column and how often it appears."""

import pandas as pd
import pytest

from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.datasets import load_sales
from loyalty_lib.inputs.sources import parse_source
from loyalty_lib.inputs.validate import validate_sales

# two Date columns, as a spreadsheet export with an order date and a delivery date both
# headed "Date" writes them
EXPORT = "Customer,Date,Amount,Date\nC1,2024-01-05,1.0,2024-01-06\nC2,2024-01-07,2.0,2024-01-08\n"


def test_a_declared_source_with_two_date_columns_is_refused(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    columns = {"customer": "Customer", "date": "Date", "amount": "Amount"}
    entry = {"kind": "sales", "path": path.name, "columns": columns}
    source = parse_source("shop", entry, tmp_path)
    with pytest.raises(DataQualityError) as info:
        load_sales(source)
    text = str(info.value)
    assert "export.csv" in text and "'Date' appears 2 times" in text and "Traceback" not in text
    # the copy the reader means can be declared by its position name
    columns["date"] = "Date (2)"
    entry = {"kind": "sales", "path": path.name, "columns": columns}
    source = parse_source("shop", entry, tmp_path)
    assert load_sales(source)["order_date"].dt.day.tolist() == [6, 8]


def test_a_canonical_csv_with_a_repeated_column_is_refused(tmp_path):
    path = tmp_path / "sales.csv"  # pandas would read the copy as "order_date.1"
    path.write_text(
        "customer_id,order_date,amount,order_date\nC1,2024-01-05,1.0,2024-01-06\n",
        encoding="utf-8",
    )
    with pytest.raises(DataQualityError, match=r"sales.csv: the column 'order_date' appears 2"):
        load_sales(str(path))


def test_a_frame_with_duplicated_labels_is_refused_by_validation():
    frame = pd.DataFrame(
        [["C1", "2024-01-05", 1.0, "2024-01-06"]],
        columns=["customer_id", "order_date", "amount", "order_date"],
    )
    with pytest.raises(DataQualityError, match=r"data: the column 'order_date' appears 2 times"):
        validate_sales(frame)
