"""customer_value: netting, ranking, purchase dates, and clear errors on bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalty_lib import ColumnNotFoundError
from loyalty_lib.value.pareto import customer_value


def sales() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["b", "a", "b", "c", "c", "a", "d"],
            "order_date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-10",
                    "2024-03-01",
                    "2024-02-01",
                    "2024-02-20",
                    "2024-02-09",
                    "2024-05-05",
                ]
            ),
            "amount": [30.0, 20.0, 30.0, 25.0, -25.0, 40.0, 60.0],
        }
    )


def test_nets_returns_and_ranks_by_value_then_id():
    cv = customer_value(sales(), customer="customer_id", value="amount", date="order_date")
    # by hand: a = 20 + 40 = 60, b = 30 + 30 = 60, c = 25 - 25 = 0, d = 60.
    # Ranking: value descending, ties (a, b, d all 60) by id ascending, then c.
    assert cv["customer_id"].tolist() == ["a", "b", "d", "c"]
    assert cv["value"].tolist() == [60.0, 60.0, 60.0, 0.0]
    assert cv["gross_value"].tolist() == [60.0, 60.0, 60.0, 25.0]
    assert cv["orders"].tolist() == [2, 2, 1, 1]
    assert cv["returns"].tolist() == [0, 0, 0, 1]


def test_purchase_dates_ignore_return_rows():
    cv = customer_value(sales(), customer="customer_id", value="amount", date="order_date")
    c = cv.set_index("customer_id")
    # c bought on 2024-02-01 and returned on 2024-02-20: the return is not a purchase.
    assert c.loc["c", "first_purchase"] == pd.Timestamp("2024-02-01")
    assert c.loc["c", "last_purchase"] == pd.Timestamp("2024-02-01")
    # a: 2024-01-10 .. 2024-02-09 = 30 days; b: 2024-01-01 .. 2024-03-01 = 31 + 29 = 60 days.
    assert c.loc["a", "tenure_days"] == 30.0
    assert c.loc["b", "tenure_days"] == 60.0
    assert c.loc["d", "tenure_days"] == 0.0


def test_customer_with_only_returns_has_no_purchase_date():
    data = pd.DataFrame(
        {"id": ["x", "y"], "d": pd.to_datetime(["2024-01-01", "2024-01-02"]), "v": [-5.0, 3.0]}
    )
    cv = customer_value(data, customer="id", value="v", date="d").set_index("id")
    assert pd.isna(cv.loc["x", "first_purchase"])
    assert cv.loc["x", "orders"] == 0 and cv.loc["x", "returns"] == 1


def test_without_date_has_no_date_columns_and_accepts_integers():
    data = pd.DataFrame({"id": [1, 2, 1], "v": [3, 4, 5]})
    cv = customer_value(data, customer="id", value="v")
    assert list(cv.columns) == ["id", "value", "gross_value", "orders", "returns"]
    # by hand: 1 -> 3 + 5 = 8, 2 -> 4.
    assert cv["id"].tolist() == [1, 2] and cv["value"].tolist() == [8.0, 4.0]
    assert cv["value"].dtype == np.float64


def test_by_gives_one_row_per_group_and_customer():
    data = sales().assign(region=["N", "N", "S", "S", "S", "N", "N"])
    cv = customer_value(data, customer="customer_id", value="amount", by="region")
    got = {(r.region, r.customer_id): r.value for r in cv.itertuples()}
    # b bought 30 in N and 30 in S; a 20 + 40 in N; c 25 - 25 in S; d 60 in N.
    assert got == {
        ("N", "a"): 60.0,
        ("N", "b"): 30.0,
        ("N", "d"): 60.0,
        ("S", "b"): 30.0,
        ("S", "c"): 0.0,
    }


def test_input_is_not_mutated():
    data = sales()
    before = data.copy()
    customer_value(data, customer="customer_id", value="amount", date="order_date")
    pd.testing.assert_frame_equal(data, before)


def test_non_numeric_values_name_column_count_and_examples():
    data = pd.DataFrame({"id": ["a", "b", "c", "d"], "v": ["10", "n/a", "abc", "n/a"]})
    with pytest.raises(ValueError, match=r"v: expected a numeric column") as err:
        customer_value(data, customer="id", value="v")
    # 'n/a' twice and 'abc' once: 3 rows do not parse as numbers.
    assert "3 non-numeric values" in str(err.value)
    assert "'n/a'" in str(err.value) and "'abc'" in str(err.value)


def test_numbers_stored_as_text_are_refused_with_a_hint():
    data = pd.DataFrame({"id": ["a", "b"], "v": ["10.5", "3"]})
    with pytest.raises(ValueError, match=r"v: expected a numeric column.*stored as text"):
        customer_value(data, customer="id", value="v")


def test_boolean_values_are_not_numbers():
    data = pd.DataFrame({"id": ["a", "b"], "v": [True, False]})
    with pytest.raises(ValueError, match=r"v: expected a numeric column"):
        customer_value(data, customer="id", value="v")


def test_missing_ids_are_counted_with_examples():
    data = pd.DataFrame({"id": ["a", None, "b", None], "v": [1.0, 2.5, 3.0, 4.5]})
    with pytest.raises(ValueError, match=r"id: 2 rows with a missing customer id") as err:
        customer_value(data, customer="id", value="v")
    assert "[2.5, 4.5]" in str(err.value)


def test_missing_values_are_an_error_not_a_silent_zero():
    data = pd.DataFrame({"id": ["a", "b", "c"], "v": [1.0, np.nan, np.nan]})
    with pytest.raises(ValueError, match=r"v: 2 missing values \(customers \['\*', '\*'\]\)"):
        customer_value(data, customer="id", value="v")


def test_infinite_values_are_refused():
    data = pd.DataFrame({"id": ["a", "b"], "v": [1.0, np.inf]})
    with pytest.raises(ValueError, match=r"v: 1 infinite values: \[inf\]"):
        customer_value(data, customer="id", value="v")


def test_dates_must_be_dates_and_present():
    data = pd.DataFrame({"id": ["a", "b"], "v": [1.0, 2.0], "d": ["2024-01-01", "x"]})
    with pytest.raises(ValueError, match=r"d: expected dates"):
        customer_value(data, customer="id", value="v", date="d")
    data["d"] = pd.to_datetime(["2024-01-01", None])
    with pytest.raises(ValueError, match=r"d: 1 missing dates \(customers \['\*'\]\)"):
        customer_value(data, customer="id", value="v", date="d")


def test_missing_group_keys_are_refused():
    data = pd.DataFrame({"id": ["a", "b"], "v": [1.0, 2.0], "region": ["N", None]})
    with pytest.raises(ValueError, match=r"region: 1 missing values in a grouping column"):
        customer_value(data, customer="id", value="v", by="region")


def test_unknown_column_suggests_the_close_name():
    with pytest.raises(ColumnNotFoundError, match=r"'amout' not found.*Did you mean 'amount'"):
        customer_value(sales(), customer="customer_id", value="amout")


def test_lazy_narwhals_input_gives_the_same_result():
    # the engine-agnostic path (docs/decisions/0001): a lazy frame is only collected after
    # the group-by, and the checks run lazily too
    import narwhals.stable.v2 as nw

    lazy = nw.from_native(sales()).lazy()
    eager = customer_value(sales(), customer="customer_id", value="amount", date="order_date")
    got = customer_value(lazy, customer="customer_id", value="amount", date="order_date")
    pd.testing.assert_frame_equal(got, eager)
    bad = nw.from_native(pd.DataFrame({"id": ["a", None], "v": [1.0, 2.0]})).lazy()
    with pytest.raises(ValueError, match=r"id: 1 rows with a missing customer id"):
        customer_value(bad, customer="id", value="v")


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_net_zero_customer_is_non_positive_whatever_the_float_residue(engine):
    # z's rows cancel: 0.1 + 0.2 - 0.3 = 0 by hand, but 5.6e-17 (or 2.8e-17) in floats, a
    # residue whose sign depends on the summation order; z must never count as positive
    import duckdb

    from loyalty_lib import abc_classes, pareto_split

    log = pd.DataFrame(
        {"customer_id": ["z", "z", "z", "a", "b"], "amount": [0.1, 0.2, -0.3, 10.0, 5.0]}
    )
    data = log if engine == "pandas" else duckdb.from_df(log)
    keys = {"customer": "customer_id", "value": "amount"}
    values = customer_value(data, **keys).set_index("customer_id")["value"]
    assert values["z"] == 0.0 and values["a"] == 10.0 and values["b"] == 5.0
    split = pareto_split(data, **keys, min_customers=1).iloc[0]
    assert (split["customers"], split["non_positive_customers"]) == (2, 1)
    classes = abc_classes(data, **keys).set_index("customer_id")["abc_class"]
    assert classes["z"] == "non-positive"
