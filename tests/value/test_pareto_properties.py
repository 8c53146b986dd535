"""Invariants of the 80/20 split (hypothesis): row order, bounds, Gini/Lorenz, grouping."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty_lib.value.abc import abc_classes
from loyalty_lib.value.pareto import lorenz_curve, pareto_split

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# transaction rows: (customer index, amount in cents); a few negative rows for returns
rows = st.lists(st.tuples(st.integers(0, 15), st.integers(-3_000, 50_000)), min_size=1, max_size=60)
shares = st.floats(0.01, 1.0)


def frame(data) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"k{c:02d}" for c, _ in data],
            "amount": [v / 100 for _, v in data],
            "seg": [("x", "y")[c % 2] for c, _ in data],
        }
    )


def split(data: pd.DataFrame, **kwargs) -> pd.DataFrame:
    return pareto_split(data, customer="customer_id", value="amount", min_customers=1, **kwargs)


def has_positive(data: pd.DataFrame) -> bool:
    return bool((data.groupby("customer_id")["amount"].sum() > 0).any())


@SETTINGS
@given(rows, st.randoms(use_true_random=False), shares, shares)
def test_row_order_does_not_matter(data, rnd, top, target):
    df = frame(data)
    if not has_positive(df):
        return
    shuffled = df.iloc[rnd.sample(range(len(df)), len(df))]
    pd.testing.assert_frame_equal(
        split(df, top=top, target=target), split(shuffled, top=top, target=target)
    )


@SETTINGS
@given(rows, shares, shares)
def test_bounds(data, top, target):
    df = frame(data)
    if not has_positive(df):
        return
    row = split(df, top=top, target=target).iloc[0]
    n = row["customers"]
    assert row["customers"] + row["non_positive_customers"] == df["customer_id"].nunique()
    assert 1 <= row["top_customers"] == math.ceil(round(top * n, 9)) <= n
    # the top customers bring at least their head-count share, at most everything
    assert row["top_customers"] / n - 1e-12 <= row["top_value_share"] <= 1 + 1e-12
    # ... so reaching `target` never needs more than ceil(target * n) customers
    assert 0 < row["customer_share_for_target"] <= math.ceil(round(target * n, 9)) / n
    assert 0 <= row["gini"] <= (n - 1) / n + 1e-12


@SETTINGS
@given(rows)
def test_gini_equals_one_minus_twice_lorenz_area(data):
    df = frame(data)
    if not has_positive(df):
        return
    curve = lorenz_curve(df, customer="customer_id", value="amount")
    area = np.trapezoid(curve["value_share"], curve["customer_share"])
    assert split(df)["gini"].iloc[0] == pytest.approx(1 - 2 * area, abs=1e-9)


@SETTINGS
@given(rows, shares)
def test_class_a_size_equals_target_customers(data, target):
    df = frame(data)
    if not has_positive(df):
        return
    cut = min(target, 0.99)
    classes = abc_classes(df, customer="customer_id", value="amount", cutoffs=(cut, 0.995))
    assert (classes["abc_class"] == "A").sum() == split(df, target=cut)["target_customers"][0]


@SETTINGS
@given(rows)
def test_grouping_equals_filtering(data):
    df = frame(data)
    if not all(has_positive(df[df["seg"] == s]) for s in df["seg"].unique()):
        return
    grouped = split(df, by="seg").set_index("seg")
    for seg in grouped.index:
        alone = split(df[df["seg"] == seg]).iloc[0]
        pd.testing.assert_series_equal(grouped.loc[seg], alone, check_names=False)
