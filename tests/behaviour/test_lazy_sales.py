"""Behaviour functions on a sales log the engine computes (a DuckDB relation) with a pandas
survey or event log: the loyalty-drivers page on ``engine=duckdb``.

The say-do join, users vs referrers, the event effects on sales and the stock-out returns
collect only aggregates from DuckDB (the respondents' days, one row per customer). Their
results must equal the pandas path, which the other tests of this folder pin to
statsmodels and hand-worked cases; the small cases below are worked by hand.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from loyalty_lib.behaviour.events import event_effect
from loyalty_lib.behaviour.say_do import answer_behaviour, users_referrers
from loyalty_lib.behaviour.stockouts import stockout_returns
from loyalty_lib.inputs.datasets import load_events, load_survey
from loyalty_lib.inputs.events import read_responses
from loyalty_lib.inputs.on_engine import distinct, open_sales

duckdb = pytest.importorskip("duckdb")

KEYS = {"customer": "customer_id", "date": "order_date", "value": "amount"}
SAY = {"score": "score", "survey_date": "response_date"}


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """The demo log from one Parquet file: (pandas frame, DuckDB relation)."""
    from loyalty_lib.inputs.datasets import load_sales

    path = tmp_path_factory.mktemp("lazy_sales") / "sales.parquet"
    load_sales("demo").to_parquet(path, index=False)
    return open_sales(str(path), "pandas")[0], open_sales(str(path), "duckdb")[0]


def _by_customer(frame: pd.DataFrame, *extra: str) -> pd.DataFrame:
    return frame.sort_values(["customer_id", *extra], ignore_index=True)


def test_answer_behaviour_by_hand_on_duckdb():
    # a answers on 1 Jan: in the 180 days after, 10 (day 31) + 20 (day 120) - 5 return = 25,
    # two purchase days, one after day 90 -> repeat and retained; b answers, buys nothing
    # after; c never answers (its rows must not matter); the log ends on 1 Dec
    log = pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b", "c"],
        "order_date": pd.to_datetime(["2023-12-01", "2024-01-31", "2024-04-30", "2024-04-30",
                                      "2023-12-20", "2024-12-01"]),
        "amount": [99.0, 10.0, 20.0, -5.0, 7.0, 1.0],
    })  # fmt: skip
    survey = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "score": [10, 2],
            "response_date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
        }
    )
    out = answer_behaviour(survey, duckdb.from_df(log), **KEYS, **SAY)
    got = out.set_index("customer_id")
    assert got.loc["a", "revenue_after"] == 25.0
    assert got.loc["b", "revenue_after"] == 0.0
    assert got["repeat"].tolist() == [True, False]
    assert got["retained"].tolist() == [True, False]
    assert out.attrs["match"]["found"] == 2


def test_answer_behaviour_duckdb_equals_pandas(logs):
    pandas_log, relation = logs
    survey = load_survey("demo")
    kw = {**KEYS, **SAY, "wave": "wave", "keep": ["complained", "resolution_days"],
          "errors": "exclude"}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the demo survey's planted bad scores, excluded
        want = answer_behaviour(survey, pandas_log, **kw)
        got = answer_behaviour(survey, relation, **kw)
    pd.testing.assert_frame_equal(
        _by_customer(got, "response_date"), _by_customer(want, "response_date"),
        check_dtype=False,
    )  # fmt: skip
    assert got.attrs["match"] == want.attrs["match"]
    assert got.attrs["incomplete"] == want.attrs["incomplete"] > 0


def test_answer_behaviour_low_match_names_sales_id_forms_on_duckdb():
    log = pd.DataFrame(
        {
            "customer_id": ["X1", "X2"],
            "amount": [1.0, 2.0],
            "order_date": pd.to_datetime(["2024-01-02", "2024-02-01"]),
        }
    )
    survey = pd.DataFrame(
        {
            "customer_id": ["17", "18"],
            "score": [9, 3],
            "response_date": pd.to_datetime(["2023-01-01", "2023-01-01"]),
        }
    )
    with pytest.raises(Exception, match=r"sales ids like \['x9'\]"):
        answer_behaviour(survey, duckdb.from_df(log), **KEYS, **SAY, horizon_days=30,
                         retained_after_days=10)  # fmt: skip


def test_users_referrers_duckdb_equals_pandas(logs):
    pandas_log, relation = logs
    survey = load_survey("demo")
    kw = {"customer": "customer_id", **SAY, "value": "amount", "errors": "exclude"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = (
            users_referrers(survey, pandas_log, **kw),
            users_referrers(survey, relation, **kw),
        )
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert got.attrs["spend_threshold"] == want.attrs["spend_threshold"]
    assert got.attrs["match"] == want.attrs["match"]


def test_users_referrers_spend_by_hand_on_duckdb():
    log = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "amount": [10.0, -4.0, 3.0, 50.0],
                        "order_date": pd.to_datetime(["2024-01-02"] * 4)})  # fmt: skip
    survey = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "score": [10, 3],
            "response_date": pd.to_datetime(["2024-02-01", "2024-02-01"]),
        }
    )
    out = users_referrers(survey, duckdb.from_df(log), customer="customer_id", **SAY,
                          value="amount")  # fmt: skip
    assert out.set_index("customer_id")["spend"].to_dict() == {"a": 6.0, "b": 3.0}  # 10 - 4; 3


@pytest.mark.parametrize("metric", ["purchase", "revenue"])
def test_event_effects_duckdb_equal_pandas(logs, metric):
    pandas_log, relation = logs
    events = load_events("demo", customers=distinct(relation, ["customer_id", "region"]))
    assert set(events["scope_type"]) == {"segment", "customers"}  # both kinds of scope
    for _, row in events.iterrows():
        kw = {"metric": metric, "event": row, "customer": "customer_id", "date": "order_date",
              "value": "amount", "min_base": 30}  # fmt: skip
        want, got = event_effect(pandas_log, **kw), event_effect(relation, **kw)
        numbers = want.select_dtypes("number").columns
        pd.testing.assert_frame_equal(got.drop(columns=numbers), want.drop(columns=numbers))
        # sums in another order: equal to the last bits
        pd.testing.assert_frame_equal(got[numbers], want[numbers], rtol=1e-12, atol=1e-12)


def test_stockout_returns_duckdb_equal_pandas(logs):
    pandas_log, relation = logs
    events = load_events("demo", customers=distinct(relation, ["customer_id", "region"]))
    responses = read_responses(
        Path(events.attrs["folder"]) / "stockout_responses.csv", customer="customer_id"
    )
    event = events[events["kind"] == "stock-out"].iloc[0]
    kw = {"event": event, "window_days": 90, **KEYS}
    want = stockout_returns(responses, pandas_log, **kw)
    got = stockout_returns(responses, relation, **kw)
    pd.testing.assert_frame_equal(got, want)
    assert want["returned"].sum() > 0
