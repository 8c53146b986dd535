"""Invariants of nps(): bounds, row order, grouping equals filtering (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty_lib import compare_nps, nps

# fewer than 2,000 resamples keep these property/plumbing tests fast; the warning itself is
# tested in tests/survey/test_nps_bootstrap.py
pytestmark = pytest.mark.filterwarnings(
    "ignore:n_boot.*resamples:loyalty_lib.errors.LoyaltyWarning"
)


answers = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(0, 10)),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from([0.5, 1.0, 2.0, 3.5]),
    ),
    min_size=0,
    max_size=60,
)


def to_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "score": pd.Series([r[0] for r in rows], dtype="float64"),
            "g": pd.Series([r[1] for r in rows], dtype="str"),
            "w": pd.Series([r[2] for r in rows], dtype="float64"),
        }
    )


METHODS = ["wald", "adjusted_wald", "score", "bootstrap"]
SETTINGS = settings(max_examples=40, deadline=None)


@SETTINGS
@given(rows=answers, method=st.sampled_from(METHODS), weighted=st.booleans())
def test_bounds_and_counts(rows, method, weighted):
    data = to_frame(rows)
    result = nps(
        data,
        "score",
        by="g",
        method=method,
        weight="w" if weighted else None,
        n_boot=200,
        random_state=0,
    )
    assert (result["n"] + result["excluded"]).sum() == len(data)
    assert (result["promoters"] + result["passives"] + result["detractors"]).equals(result["n"])
    filled = result[result["n"] > 0]
    assert filled["nps"].between(-100, 100).all()
    shares = filled[["pct_promoters", "pct_passives", "pct_detractors"]].sum(axis=1)
    assert np.allclose(shares, 100)
    lower, upper = filled["nps_ci_lower"], filled["nps_ci_upper"]
    assert (lower >= -100).all() and (upper <= 100).all() and (lower <= upper).all()
    if method in ("wald", "score"):
        # both are centred on (or built around) the raw estimate
        assert ((lower <= filled["nps"] + 1e-9) & (filled["nps"] <= upper + 1e-9)).all()
    assert result.loc[result["n"] == 0, "nps"].isna().all()


@SETTINGS
@given(rows=answers, method=st.sampled_from(METHODS), seed=st.integers(0, 2**32 - 1))
def test_row_order_invariance(rows, method, seed):
    data = to_frame(rows)
    shuffled = data.sample(frac=1, random_state=seed % 1000).reset_index(drop=True)
    for weight in (None, "w"):
        kwargs = dict(by="g", method=method, weight=weight, n_boot=200, random_state=1)
        pd.testing.assert_frame_equal(
            nps(data, "score", **kwargs), nps(shuffled, "score", **kwargs)
        )


@SETTINGS
@given(rows=answers, method=st.sampled_from(["wald", "adjusted_wald", "score"]))
def test_by_equals_filtering(rows, method):
    # bootstrap is left out: its groups share one random stream, so a group's draws
    # depend on the groups before it
    data = to_frame(rows)
    grouped = nps(data, "score", by="g", method=method, weight="w").set_index("g")
    for group in data["g"].unique():
        alone = nps(data[data["g"] == group], "score", method=method, weight="w").iloc[0]
        pd.testing.assert_series_equal(
            grouped.loc[group], alone, check_names=False, check_dtype=False
        )


@SETTINGS
@given(rows=answers, method=st.sampled_from(METHODS))
def test_compare_antisymmetry_and_bounds(rows, method):
    data = to_frame(rows)
    a, b = data[data["g"] == "a"], data[data["g"] != "a"]
    ab = compare_nps(a, b, "score", method=method, n_boot=200, random_state=4).iloc[0]
    if ab["n_a"] == 0 or ab["n_b"] == 0:
        assert np.isnan(ab["p_value"])
        return
    assert -200 <= ab["difference_ci_lower"] <= ab["difference_ci_upper"] <= 200
    assert 0 <= ab["p_value"] <= 1
    assert ab["difference"] == pytest.approx(ab["nps_a"] - ab["nps_b"])
