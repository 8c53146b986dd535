"""How many queries the NPS functions run: clean answers are checked and tallied in one.

The checks (outside the scale, fractional, bad weights) and the tally share one
group-by; the first offending values are fetched only when a check finds some
(benchmarks/notes.md, NPS at 10M rows). Values pinned here are worked by hand.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import loyalty_lib.survey.answers as npi
from loyalty_lib import LoyaltyWarning, compare_nps, nps, nps_trend

# fewer than 2,000 resamples keep these property/plumbing tests fast; the warning itself is
# tested in tests/survey/test_nps_bootstrap.py
pytestmark = pytest.mark.filterwarnings(
    "ignore:n_boot.*resamples:loyalty_lib.errors.LoyaltyWarning"
)


@pytest.fixture
def queries(monkeypatch):
    """Count collections (each is one query over the data) and forbid example fetches."""
    calls = {"collect": 0, "examples": 0}
    collect, first = npi.to_pandas, npi._first_values

    def counting(frame):
        calls["collect"] += 1
        return collect(frame)

    def examples(*args, **kwargs):
        calls["examples"] += 1
        return first(*args, **kwargs)

    monkeypatch.setattr(npi, "to_pandas", counting)
    monkeypatch.setattr(npi, "_first_values", examples)
    return calls


SURVEY = pd.DataFrame(
    {
        "g": ["a", "a", "a", "b", "b", "b"],
        "score": [10.0, 9.0, np.nan, 7.0, 3.0, 0.0],
        "w": [1.0, 2.0, np.nan, 1.0, 1.0, 2.0],  # the NaN weight is on a missing answer
    }
)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_clean_answers_take_one_query(queries, engine):
    data = SURVEY if engine == "pandas" else duckdb.from_df(SURVEY)
    result = nps(data, "score", by="g")
    assert queries == {"collect": 1, "examples": 0}
    # a: 10, 9 promoters, NaN missing → n 2, NPS 100, excluded 1
    # b: 7 passive, 3 and 0 detractors → n 3, NPS (0 − 2)/3 = −66.67
    assert result["n"].tolist() == [2, 3]
    assert result[["promoters", "passives", "detractors"]].values.tolist() == [[2, 0, 0], [0, 1, 2]]
    assert result["excluded"].tolist() == [1, 0]
    assert result["nps"].tolist() == pytest.approx([100.0, -200 / 3])


def test_clean_weighted_answers_take_one_query(queries):
    result = nps(SURVEY, "score", by="g", weight="w")
    assert queries == {"collect": 1, "examples": 0}
    # b: weights 1 (passive), 1 + 2 (detractors) → NPS −3/4; n_eff = 4² / (1 + 1 + 4)
    assert result["nps"].tolist() == pytest.approx([100.0, -75.0])
    assert result["n_effective"].tolist() == pytest.approx([9 / 5, 16 / 6])


def test_compare_clean_waves_take_one_query_each(queries):
    compare_nps(SURVEY[SURVEY["g"] == "a"], SURVEY[SURVEY["g"] == "b"], "score")
    assert queries == {"collect": 2, "examples": 0}


def test_prepare_checks_in_one_query(queries):
    # float scores and weights: outside, fractional and weight checks, one query
    frame = npi.prepare(SURVEY, "score", npi.ScoreSpec.declare((0, 10), None), weight="w")
    assert queries == {"collect": 1, "examples": 0}
    assert npi.to_pandas(frame)[npi.VALID].tolist() == [1, 1, 0, 1, 1, 1]


def test_problems_fetch_examples_then_tally_without_them(queries):
    data = pd.DataFrame({"score": [10.0, 11.0, 7.5, 3.0], "w": [1.0, 1.0, 1.0, -1.0]})
    with pytest.warns(LoyaltyWarning, match=r"11\].*7.5\].*\[-1\]"):
        result = nps(data, "score", weight="w", errors="exclude")
    # summary, three example fetches (outside, fractional, weights), the tally again
    assert queries == {"collect": 5, "examples": 3}
    # only 10 is left: one promoter, three excluded
    assert result[["n", "promoters", "excluded"]].values.tolist() == [[1, 1, 3]]


def test_duckdb_nan_is_a_missing_answer_not_a_promoter():
    # DuckDB keeps NaN (unlike a pandas NaN, read as NULL) and orders it above every number
    data = duckdb.sql(
        "SELECT * FROM (VALUES ('a', 10.0::DOUBLE), ('a', 'NaN'::DOUBLE), ('a', 2.0::DOUBLE))"
        " t(g, score)"
    )
    result = nps(data, "score", by="g")
    # 10 promoter, 2 detractor, NaN missing → n 2, NPS 0, excluded 1
    assert result[["n", "promoters", "detractors", "excluded"]].values.tolist() == [[2, 1, 1, 1]]
    assert result["nps"].tolist() == [0.0]


@pytest.mark.parametrize("weight", [None, "w"])
@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_one_pass_tally_equals_the_row_by_row_tally(engine, weight):
    rng = np.random.default_rng(3)
    survey = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", None], size=400),
            "score": rng.integers(0, 11, size=400).astype(float),
            "w": rng.uniform(0.5, 2.0, size=400),
        }
    )
    survey.loc[rng.random(400) < 0.1, "score"] = np.nan
    data = survey if engine == "pandas" else duckdb.from_df(survey)
    spec = npi.ScoreSpec.declare((0, 10), None)
    one_pass, _ = npi.prepare_tally(data, "score", spec, by=["g"], weight=weight, cells=False)
    frame = npi.prepare(data, "score", spec, by=["g"], weight=weight)
    row_by_row, _ = npi.tally(frame, ["g"], weighted=weight is not None, cells=False)
    columns = ["g", "n", "promoters", "passives", "detractors", "excluded"]
    if weight:
        columns += ["_w_pro", "_w_pas", "_w_det", "_w2"]
    pdt.assert_frame_equal(one_pass[columns], row_by_row[columns], check_exact=False, rtol=1e-12)


def test_trend_still_checks_before_dating():
    data = pd.DataFrame({"score": [11, 9], "date": pd.to_datetime(["2024-01-05", None])})
    with pytest.raises(ValueError, match=r"score: 1 values outside 0–10: \[11\]"):
        nps_trend(data, "score", "date")


@pytest.mark.parametrize("method", ["wald", "adjusted_wald"])
@pytest.mark.parametrize("weight", [None, "w"])
def test_intervals_equal_nps_interval_group_by_group(method, weight):
    # summarise computes z once for the Wald methods; each limit must be nps_interval's
    from loyalty_lib.stats.nps_intervals import nps_interval

    survey = pd.concat(
        [SURVEY, pd.DataFrame({"g": ["c", "d"], "score": [np.nan, 10.0], "w": [1.0, 1.0]})],
        ignore_index=True,
    )  # c: no valid answer (NaN limits); d: a single promoter
    spec = npi.ScoreSpec.declare((0, 10), None)
    table, groups = npi.prepare_tally(survey, "score", spec, by=["g"], weight=weight, cells=False)
    out = npi.summarise(
        table,
        groups,
        ["g"],
        weighted=weight is not None,
        method=method,
        confidence=0.9,
        min_base=0,
        n_boot=100,
        rng=np.random.default_rng(0),
    )
    expected = np.array([nps_interval(*g.effective, method=method, confidence=0.9) for g in groups])
    np.testing.assert_array_equal(out["nps_ci_lower"], 100 * expected[:, 0])
    np.testing.assert_array_equal(out["nps_ci_upper"], 100 * expected[:, 1])
    assert np.isnan(expected[2]).all()
    if method == "wald":  # one promoter: centre 1, se 0 → upper limit exactly 1
        assert expected[3, 1] == 1.0
