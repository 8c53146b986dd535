"""Holm and Benjamini–Hochberg adjustments, pinned to statsmodels' multipletests."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from loyalty_lib.stats.multiple import adjust_p_values

P_VALUES = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=40)


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
@settings(max_examples=100, deadline=None)
@given(p=P_VALUES)
def test_matches_statsmodels_multipletests(method, p):
    # statsmodels.stats.multitest.multipletests(p, method=...)[1]
    expected = multipletests(p, method=method)[1]
    assert adjust_p_values(p, method) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_missing_values_are_left_out_of_the_family(method):
    p = [0.01, np.nan, 0.04, 0.03, np.nan]
    out = adjust_p_values(p, method)
    assert np.isnan(out[[1, 4]]).all()
    assert out[[0, 2, 3]] == pytest.approx(multipletests([0.01, 0.04, 0.03], method=method)[1])


def test_rows_of_a_2d_array_are_separate_families():
    p = np.array([[0.01, 0.02, 0.5], [0.04, 0.001, 0.03]])
    out = adjust_p_values(p, "holm")
    for row, raw in zip(out, p, strict=True):
        assert row == pytest.approx(multipletests(raw, method="holm")[1])


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="adjust: 'bonferroni'"):
        adjust_p_values([0.1], "bonferroni")
    with pytest.raises(ValueError, match="2 values outside 0–1"):
        adjust_p_values([0.1, 1.5, -0.2], "holm")
    with pytest.raises(ValueError, match="single number"):
        adjust_p_values(0.1, "holm")
