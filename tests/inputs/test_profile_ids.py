"""The data audit's column profile never lists identifiers (issue 18): a column is judged by
its values as well as its name, so `CustomerRef` holding C00001... is hidden."""

import numpy as np
import pandas as pd

from loyalty_lib.inputs.overview import ID_HIDDEN, column_profile
from loyalty_lib.inputs.privacy import identifier_like


def _export(tmp_path) -> pd.DataFrame:
    """A sales export as a shop system writes it: 400 lines, 150 customers buying 1 to 5
    times, an invoice number, a text date, an amount, a region; read back from CSV."""
    rng = np.random.default_rng(11)
    customers = [f"C{i:05d}" for i in rng.integers(1, 151, 400)]
    frame = pd.DataFrame(
        {
            "InvoiceNo": [str(536365 + i) for i in range(400)],
            "CustomerRef": customers,
            "Kunde": [c.replace("C", "K-") for c in customers],  # a name that says nothing
            "OrderDate": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 365, 400), "D"),
            "DateKey": None,
            "Amount": rng.gamma(2.0, 30.0, 400).round(2),
            "Region": rng.choice(["North", "South", "East"], 400),
            "Note": rng.choice(["", "call me on 020 7946 0001", "thanks"], 400),
        }
    )
    frame["DateKey"] = frame["OrderDate"].dt.strftime("%Y%m%d").astype(int)
    frame["OrderDate"] = frame["OrderDate"].dt.strftime("%d.%m.%Y")
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    return pd.read_csv(path)


def test_id_like_columns_are_hidden_whatever_their_name(tmp_path):
    data = _export(tmp_path)
    profile = column_profile(data).set_index("column")
    for column in ("CustomerRef", "Kunde", "InvoiceNo"):
        assert profile.loc[column, "examples"] == ID_HIDDEN, column
        assert profile.loc[column, "distinct"] > 50  # the count stays: it is an aggregate
    shown = " ".join(profile["examples"])
    assert "C00" not in shown and "K-00" not in shown and "5363" not in shown
    # ordinary columns keep their examples: dates (also YYYYMMDD numbers), amounts, regions
    assert profile.loc["Region", "examples"].split(", ")[0] in {"North", "South", "East"}
    assert profile.loc["OrderDate", "examples"].count(".") == 6
    assert profile.loc["DateKey", "examples"].startswith("2023")
    assert profile.loc["Amount", "examples"] != ID_HIDDEN
    assert "7946" not in profile.loc["Note", "examples"]  # contacts in examples are masked


def test_identifier_like_needs_codes_and_many_values():
    assert identifier_like(pd.Series(["C00001", "C00002", "C00003", "C00004", "C00005"]))
    assert not identifier_like(pd.Series(["C00001", "C00002"] * 40))  # two codes: a segment
    assert not identifier_like(pd.Series(["North", "South", "East", "West", "Mid"] * 20))
    assert not identifier_like(pd.Series(np.arange(200) * 1.5))
    assert identifier_like(pd.Series([f"{i:012d}" for i in range(100)]))  # long digit strings


def test_id_columns_named_as_exports_name_them_are_hidden_even_with_few_values(tmp_path):
    """UCI Online Retail's `Customer ID` holds floats (17850.0) and, in a small extract, few
    distinct values: its name alone hides it, as `customer_id` always was."""
    frame = pd.DataFrame(
        {
            "Customer ID": [17850.0, 17850.0, 13047.0, 13047.0, 12583.0] * 4,
            "CustomerID": ["17850"] * 20,
            "Member No": ["M-1", "M-2"] * 10,
            "Country": ["United Kingdom"] * 20,
            "Price": [2.55, 3.39, 2.75, 7.65, 4.25] * 4,
        }
    )
    path = tmp_path / "retail.csv"
    frame.to_csv(path, index=False)
    profile = column_profile(pd.read_csv(path)).set_index("column")
    for column in ("Customer ID", "CustomerID", "Member No"):
        assert profile.loc[column, "examples"] == ID_HIDDEN, column
    shown = " ".join(profile["examples"])
    assert "17850" not in shown and "13047" not in shown and "M-1" not in shown
    assert profile.loc["Country", "examples"] == "United Kingdom"
    assert profile.loc["Price", "examples"] != ID_HIDDEN
