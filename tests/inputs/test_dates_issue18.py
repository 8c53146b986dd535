"""Issue 18's date findings, through validation and loading (the parser is tested in
test_dates.py): integer YYYYMMDD dates all became 1970-01-01 and validation found nothing;
05/02/2023 was read as 2 May while 13/02/2023 was 13 February in the same column."""

import pandas as pd
import pytest

from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.datasets import load_sales
from loyalty_lib.inputs.validate import stop_on_fatal, validate_sales


def _sales(dates) -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": ["a", "b", "c"][: len(dates)], "order_date": dates, "amount": 1.0}
    )


def test_integer_yyyymmdd_dates_are_read_as_dates_from_a_file(tmp_path):
    path = tmp_path / "sales.csv"
    _sales([20230201, 20230213]).to_csv(path, index=False)  # an integer column in the CSV
    loaded = load_sales(str(path))
    assert loaded["order_date"].tolist() == [pd.Timestamp(2023, 2, 1), pd.Timestamp(2023, 2, 13)]
    assert validate_sales(_sales([20230201, 20230213]), as_of="2024-01-01").empty


def test_a_day_first_column_is_read_day_first_for_every_value(tmp_path):
    path = tmp_path / "sales.csv"
    _sales(["05/02/2023", "13/02/2023"]).to_csv(path, index=False)
    # 13/02 can only be day-first, so 05/02 is 5 February, never 2 May
    assert load_sales(str(path))["order_date"].tolist() == [
        pd.Timestamp(2023, 2, 5),
        pd.Timestamp(2023, 2, 13),
    ]


def test_a_column_written_both_ways_is_a_fatal_problem_naming_the_column():
    report = validate_sales(_sales(["05/02/2023", "13/02/2023", "02/13/2023"]), as_of="2024-01-01")
    with pytest.raises(DataQualityError, match=r"'order_date' reads two ways"):
        stop_on_fatal(report)
