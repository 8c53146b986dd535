"""abc_classes and abc_summary: class rule, ties at a cut-off, consistency with the split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.value.abc import abc_classes, abc_summary, abc_values
from loyalty_lib.value.pareto import pareto_split


def frame(values, ids=None) -> pd.DataFrame:
    ids = ids if ids is not None else [f"c{i:02d}" for i in range(len(values))]
    return pd.DataFrame({"customer_id": ids, "amount": [float(v) for v in values]})


def classes_of(data, **kwargs) -> dict:
    out = abc_classes(data, customer="customer_id", value="amount", **kwargs)
    return dict(zip(out["customer_id"], out["abc_class"].astype(str), strict=True))


def test_hand_worked_classes():
    # a 60, b 25, c 10, d 5 (total 100), e -3.
    # share before each: a 0 (<0.8: A), b 0.60 (<0.8: A), c 0.85 (<0.95: B), d 0.95 (C).
    data = frame([60, 25, 10, 5, -3], ids=list("abcde"))
    out = abc_classes(data, customer="customer_id", value="amount")
    assert out["abc_class"].astype(str).tolist() == ["A", "A", "B", "C", "non-positive"]
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]
    assert out["cum_value_share"].tolist()[:4] == pytest.approx([0.6, 0.85, 0.95, 1.0])
    assert np.isnan(out["cum_value_share"].iloc[4])


def test_customer_crossing_the_cut_off_is_in_a():
    # 50, 20, 20, 10: before the third customer 0.70 < 0.8, so it is A although the
    # running share becomes 0.90 > 0.8 with it (A is the smallest set reaching 80%).
    assert classes_of(frame([50, 20, 20, 10], ids=list("abcd"))) == {
        "a": "A",
        "b": "A",
        "c": "A",
        "d": "B",
    }


def test_ties_at_a_cut_off_split_by_customer_id():
    # 40, 20, 20, 20 (total 100): shares before 0, 0.4, 0.6, 0.8 -> A, A, A, B.
    # The three tied customers (20 each) are ordered by id: the last id falls in B.
    got = classes_of(frame([20, 40, 20, 20], ids=["z", "m", "b", "k"]))
    assert got == {"m": "A", "b": "A", "k": "A", "z": "B"}
    # relabelling the ids moves the B label to another tied customer, never the counts
    relabelled = classes_of(frame([20, 40, 20, 20], ids=["a", "m", "y", "k"]))
    assert relabelled == {"m": "A", "a": "A", "k": "A", "y": "B"}


def test_class_a_is_the_target_customers_of_the_split():
    rng = np.random.default_rng(3)
    data = frame(np.round(rng.lognormal(3, 1.3, size=400), 2))
    for cut in (0.5, 0.8, 0.9):
        out = abc_classes(data, customer="customer_id", value="amount", cutoffs=(cut, 0.97))
        split = pareto_split(data, customer="customer_id", value="amount", target=cut)
        assert (out["abc_class"] == "A").sum() == split["target_customers"].iloc[0]


def test_all_equal_values():
    # 10 customers of 1: shares before 0, 0.1, ..., 0.9 -> 8 in A (< 0.8), then 0.8 and
    # 0.9 are < 0.95 -> B; nothing is left for C.
    summary = abc_summary(abc_classes(frame([1] * 10), customer="customer_id", value="amount"))
    assert summary["customers"].tolist() == [8, 2, 0, 0]
    assert np.isnan(summary.loc[2, "mean_value"])


def test_summary_counts_and_value_add_up():
    data = frame([60, 25, 10, 5, -3, 0], ids=list("abcdef"))
    summary = abc_summary(abc_classes(data, customer="customer_id", value="amount"))
    assert summary["abc_class"].astype(str).tolist() == ["A", "B", "C", "non-positive"]
    assert summary["customers"].tolist() == [2, 1, 1, 2]
    # A = 60 + 25 = 85 of 100; non-positive = -3 + 0 = -3 (no share: outside the base)
    assert summary["value"].tolist() == [85.0, 10.0, 5.0, -3.0]
    assert summary["value_share"].tolist()[:3] == pytest.approx([0.85, 0.10, 0.05])
    assert summary["customer_share"].tolist()[:3] == pytest.approx([0.5, 0.25, 0.25])
    assert np.isnan(summary["customer_share"].iloc[3])
    assert summary["mean_value"].iloc[0] == pytest.approx(42.5)
    # orders count rows with a positive value: e (-3) and f (0) have none
    assert summary["mean_orders"].tolist() == [1.0, 1.0, 1.0, 0.0]


def test_date_columns_pass_through():
    data = frame([5, 3], ids=["a", "b"]).assign(d=pd.to_datetime(["2024-01-01", "2024-02-01"]))
    out = abc_classes(data, customer="customer_id", value="amount", date="d")
    assert {"first_purchase", "last_purchase", "tenure_days"} <= set(out.columns)


@pytest.mark.parametrize(
    ("cutoffs", "message"),
    [
        ((0.95, 0.8), r"cutoffs\[0\] < cutoffs\[1\]"),
        ((0.8,), r"expected two shares"),
        ((0.0, 0.9), r"cutoffs\[0\]: must satisfy"),
        ((0.8, 1.2), r"cutoffs\[1\]: must satisfy"),
    ],
)
def test_bad_cutoffs(cutoffs, message):
    with pytest.raises(ValueError, match=message):
        abc_classes(frame([1, 2]), customer="customer_id", value="amount", cutoffs=cutoffs)


def test_summary_needs_the_classes_frame():
    with pytest.raises(ValueError, match=r"pass the result of abc_classes"):
        abc_summary(frame([1, 2]))


# --- abc_values: the classes without the ids ------------------------------------------

LEAN = ["value", "orders", "returns", "tenure_days", "rank", "cum_value_share", "abc_class"]


def tied_log(n_customers=3000, seed=5) -> pd.DataFrame:
    """Many customers tied on value (prices on a grid), ids in no particular order, returns,
    net-zero customers and several rows per customer: ties at every cut-off."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:07d}" for i in rng.permutation(10 * n_customers)[:n_customers]])
    rows = rng.integers(0, n_customers, size=4 * n_customers)
    amount = rng.choice([5.0, 10.0, 10.0, 20.0, 35.5, -5.0], size=rows.size)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, rows.size), "D")
    return pd.DataFrame(
        {"customer_id": ids[rows], "order_date": days, "amount": amount,
         "order_id": [f"o{i // 2}" for i in range(rows.size)]}
    )  # fmt: skip


@pytest.mark.parametrize("order", [None, "order_id"])
def test_values_are_the_classes_without_the_ids(order):
    log = tied_log()
    keys = {"customer": "customer_id", "value": "amount", "date": "order_date", "order": order}
    for cutoffs in ((0.8, 0.95), (0.5, 0.6)):
        full = abc_classes(log, **keys, cutoffs=cutoffs)
        lean = abc_values(log, **keys, cutoffs=cutoffs)
        assert "customer_id" not in lean.columns
        pd.testing.assert_frame_equal(lean, full[LEAN])
        assert lean.attrs == full.attrs
        pd.testing.assert_frame_equal(abc_summary(lean), abc_summary(full))


def test_values_break_ties_by_customer_id():
    # the hand-worked ties above: the last id of the tied customers falls in B
    lean = abc_values(frame([20, 40, 20, 20], ids=["z", "m", "b", "k"]), customer="customer_id",
                      value="amount", ids=["z", "m", "b", "k"])  # fmt: skip
    assert lean["customer_id"].tolist() == ["m", "b", "k", "z"]
    assert lean["abc_class"].astype(str).tolist() == ["A", "A", "A", "B"]


def test_values_carry_only_the_listed_ids():
    log = tied_log(500)
    keys = {"customer": "customer_id", "value": "amount"}
    full = abc_classes(log, **keys)
    some = full["customer_id"].sample(20, random_state=1).tolist()
    lean = abc_values(log, **keys, ids=[*some, "not a customer", None, some[0]])
    shown = lean.dropna(subset=["customer_id"])
    assert sorted(shown["customer_id"]) == sorted(some)
    # each listed id sits on its own row of abc_classes
    pd.testing.assert_frame_equal(shown, full.loc[shown.index, shown.columns])
    assert abc_values(log, **keys, ids=[])["customer_id"].isna().all()


def test_values_on_duckdb_keep_the_id_order_without_insertion_order():
    # reports set preserve_insertion_order = false (open_sales): the sort must still hold
    import duckdb

    log = tied_log(20_000)
    keys = {"customer": "customer_id", "value": "amount", "date": "order_date"}
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET threads = 4")
    lean = abc_values(con.from_df(log), **keys)
    pd.testing.assert_frame_equal(lean, abc_classes(log, **keys)[LEAN], rtol=1e-9)


def test_values_bad_cutoffs():
    with pytest.raises(ValueError, match=r"cutoffs\[0\] < cutoffs\[1\]"):
        abc_values(frame([1, 2]), customer="customer_id", value="amount", cutoffs=(0.9, 0.5))
