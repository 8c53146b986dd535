"""Error sentences never quote a customer id whole (issue 18: loader errors put
`['C00042']` on the page and the index): ids are shown as `C00***`."""

import numpy as np
import pandas as pd
import pytest

from loyalty_lib import customer_summary, customer_value
from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.datasets import load_sales
from loyalty_lib.inputs.sources import parse_source

IDS = [f"C{i:05d}" for i in range(40, 46)]


def _log(**changes) -> pd.DataFrame:
    log = pd.DataFrame(
        {
            "customer_id": IDS,
            "order_date": pd.to_datetime(["2024-01-05"] * len(IDS)),
            "amount": [10.0] * len(IDS),
        }
    )
    return log.assign(**changes)


def _no_full_id(text: str) -> None:
    assert not any(i in text for i in IDS), text
    assert "C00***" in text, text


@pytest.mark.parametrize(
    "log",
    [
        _log(amount=[np.nan] * len(IDS)),  # missing amounts: "customers [...]"
        _log(amount=[np.inf] * len(IDS)),  # infinite amounts
        _log(order_date=pd.NaT),  # missing dates
    ],
    ids=["missing-amount", "infinite-amount", "missing-date"],
)
def test_customer_value_errors_mask_ids(log):
    with pytest.raises(ValueError) as info:
        customer_value(log, customer="customer_id", value="amount", date="order_date")
    _no_full_id(str(info.value))


def test_customer_summary_errors_mask_ids():
    with pytest.raises(DataQualityError) as info:
        customer_summary(
            _log(amount=[-1.0] * len(IDS)),
            customer="customer_id",
            date="order_date",
            value="amount",
            end="2024-12-31",
        )
    _no_full_id(str(info.value))


def test_a_loader_error_on_a_bad_customer_column_masks_ids(tmp_path):
    # a price column declared as the customer: float ids with a fraction are refused
    # (Parquet keeps the floats; a CSV is read as text and keeps ids as written)
    path = tmp_path / "export.parquet"
    pd.DataFrame(
        {"Kunde": [42.5, 43.25, 17093.5], "Datum": ["2024-01-05"] * 3, "Betrag": [1.0] * 3}
    ).to_parquet(path, index=False)
    source = parse_source(
        "shop",
        {
            "kind": "sales",
            "path": str(path),
            "columns": {"customer": "Kunde", "date": "Datum", "amount": "Betrag"},
        },
        tmp_path,
    )
    with pytest.raises(DataQualityError) as info:
        load_sales(source)
    text = str(info.value)
    assert "Kunde" in text and "3 ids" in text
    assert "42.5" not in text and "17093" not in text
    assert "42**" in text and "170****" in text  # half of each id kept
