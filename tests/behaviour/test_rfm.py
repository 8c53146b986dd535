"""rfm: tie-safe quantile scores (hand-worked), segments, transitions; CDNOW recency,
frequency and monetary value pinned to an independent stdlib sqlite3 computation."""

import sqlite3

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty_lib import rfm_scores, rfm_segments, rfm_transitions
from loyalty_lib.behaviour.rfm import (
    DEFAULT_SEGMENTS,
    NOT_YET,
    quantile_score,
    rfm_segment_summary,
)
from loyalty_lib.inputs.datasets import load_cdnow

matplotlib.use("Agg")
KEYS = {"customer": "c", "date": "d", "value": "v"}


def test_quantile_score_hand_worked():
    # 1 + floor(5 × share strictly below): shares 0, 0, 0, 3/5, 4/5 → 1, 1, 1, 4, 5
    assert quantile_score([1, 1, 1, 2, 5], 5).tolist() == [1, 1, 1, 4, 5]
    # 10 values, quintiles: 1 + floor(5 × i / 10) = 1,1,2,2,3,3,4,4,5,5
    assert quantile_score(np.arange(10), 5).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # recency: fewer days is better
    assert quantile_score([5, 50, 500], 3, higher_is_better=False).tolist() == [3, 2, 1]
    assert quantile_score([], 5).tolist() == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=40), st.integers(2, 7))
def test_quantile_score_properties(values, bins):
    scores = quantile_score(values, bins)
    assert scores.min() >= 1 and scores.max() <= bins
    x = np.array(values)
    for i in range(len(x)):  # monotone, and ties share a score
        for j in range(len(x)):
            if x[i] == x[j]:
                assert scores[i] == scores[j]
            elif x[i] < x[j]:
                assert scores[i] <= scores[j]
    assert scores[np.argmin(x)] == 1


def _log():
    return pd.DataFrame(
        {
            "c": ["a", "a", "a", "b", "c", "c", "c", "d", "e"],
            "d": pd.to_datetime(
                [
                    "2024-01-05",
                    "2024-01-05",
                    "2024-03-01",
                    "2024-02-01",
                    "2024-03-20",
                    "2024-03-25",
                    "2024-03-27",
                    "2023-06-01",
                    "2024-03-30",
                ]
            ),
            "v": [50.0, 10.0, 70.0, 20.0, 30.0, -10.0, 5.0, 15.0, 0.0],
        }
    )


def test_rfm_scores_hand_worked():
    log = _log()
    out = rfm_scores(
        log,
        **KEYS,
        as_of="2024-03-31",
        bins=2,
        segments=[("top", {"r": (2, 2), "f": (2, 2), "m": (2, 2)}), ("rest", {})],
    ).set_index("c")
    # a: two orders on 01-05 = one purchase day, + 03-01 → frequency 2; net 130; last 03-01
    assert out.loc["a", ["recency_days", "frequency", "monetary"]].tolist() == [30, 2, 130.0]
    # c: the -10 row is a return (not a purchase day) but nets: 30 - 10 + 5 = 25
    assert out.loc["c", ["recency_days", "frequency", "monetary"]].tolist() == [4, 2, 25.0]
    # e: a zero-value order is a purchase (as in loyalty_lib.retention.cohorts)
    assert out.loc["e", ["recency_days", "frequency"]].tolist() == [1, 1]
    # recency days: e 1, c 4, a 30, b 59, d 304 → strictly worse shares 4/5, 3/5, 2/5, 1/5, 0
    # → r = 1 + floor(2 × share) = 2, 2, 1, 1, 1
    assert out.loc[["e", "c", "a", "b", "d"], "r_score"].tolist() == [2, 2, 1, 1, 1]
    assert out.loc["a", "rfm"] == "122" and out.loc["a", "segment"] == "rest"
    assert out.loc["c", "rfm"] == "222" and out.loc["c", "segment"] == "top"
    assert len(log) == 9  # input untouched


def test_default_segments_need_five_bins_and_rules_are_checked():
    with pytest.raises(ValueError, match="written for 5 bins"):
        rfm_scores(_log(), **KEYS, bins=3)
    with pytest.raises(ValueError, match="score keys are 'r', 'f', 'm'"):
        rfm_scores(_log(), **KEYS, bins=2, segments=[("x", {"q": (1, 2)})])
    with pytest.raises(ValueError, match="within 1–2"):
        rfm_scores(_log(), **KEYS, bins=2, segments=[("x", {"r": (1, 3)})])
    with pytest.raises(ValueError, match="bins"):
        rfm_scores(_log(), **KEYS, bins=1)
    assert DEFAULT_SEGMENTS[0][0] == "VIP"


def test_rfm_on_cdnow_matches_sqlite():
    log = load_cdnow()
    out = rfm_scores(log, customer="customer_id", date="order_date", value="amount")
    con = sqlite3.connect(":memory:")
    log.assign(day=log["order_date"].dt.strftime("%Y-%m-%d")).drop(columns="order_date").to_sql(
        "t", con
    )
    rows = con.execute(
        "SELECT customer_id, COUNT(DISTINCT day), SUM(amount), "
        "CAST(julianday('1998-06-30') - julianday(MAX(day)) AS INTEGER) "
        "FROM t WHERE amount >= 0 GROUP BY customer_id"
    ).fetchall()
    sql = pd.DataFrame(rows, columns=["customer_id", "frequency", "monetary", "recency_days"])
    merged = out.merge(sql, on="customer_id", suffixes=("", "_sql"))
    assert len(merged) == len(out) == 23570
    assert (merged["frequency"] == merged["frequency_sql"]).all()
    assert (merged["recency_days"] == merged["recency_days_sql"]).all()
    assert np.allclose(merged["monetary"], merged["monetary_sql"])
    # every score 1..5 is a quantile: each occupied score holds about a fifth or a tie block
    summary = rfm_segments(out)
    assert summary["customers"].sum() == 23570
    assert summary["monetary_share"].sum() == pytest.approx(1.0)
    vip = summary.set_index("segment").loc["VIP"]
    assert vip["monetary_share"] > 0.5  # the VIP tier carries most of the revenue in CDNOW


def test_transitions_count_every_customer_once():
    log = _log()
    moves = rfm_transitions(
        log,
        **KEYS,
        as_of_dates=["2024-02-15", "2024-03-31"],
        bins=2,
        segments=[("recent", {"r": (2, 2)}), ("older", {})],
    )
    # at 02-15: a, b, d bought; at 03-31 all five → two "not yet" (c, e)
    assert moves["customers"].sum() == 5
    new = moves[moves["from_segment"] == NOT_YET]
    assert new["customers"].sum() == 2
    for _, group in moves.groupby("from_segment"):
        assert group["share"].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="increasing dates"):
        rfm_transitions(
            log, **KEYS, as_of_dates=["2024-03-31", "2024-02-15"], bins=2, segments=[("all", {})]
        )


def test_plots():
    import matplotlib.pyplot as plt

    from loyalty_lib.behaviour.plots import plot_rfm_segments, plot_rfm_transitions

    rules = [("recent", {"r": (2, 2)}), ("older", {})]
    scores = rfm_scores(_log(), **KEYS, bins=2, segments=rules)
    ax = plot_rfm_segments(rfm_segments(scores))
    assert ax.get_xlabel() == "share (%)"
    moves = rfm_transitions(
        _log(), **KEYS, as_of_dates=["2024-02-15", "2024-03-31"], bins=2, segments=rules
    )
    ax = plot_rfm_transitions(moves)
    assert "n = " in ax.get_yticklabels()[0].get_text()
    with pytest.raises(ValueError, match="rfm_segments"):
        plot_rfm_segments(scores)
    plt.close("all")


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_float_noise_in_net_values_does_not_split_tied_customers(engine):
    # 0.1 + 0.2 is 0.30000000000000004 in floating point: a and b spent the same 0.30, and
    # the engines sum in different orders, so the spend score ranks values at micro-units
    log = pd.DataFrame({
        "c": ["a", "a", "b", "x", "y"],
        "d": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01",
                             "2024-01-01"]),
        "v": [0.1, 0.2, 0.3, 0.01, 5.0],
    })  # fmt: skip
    data = log if engine == "pandas" else pytest.importorskip("duckdb").connect().from_df(log)
    rules = [("top", {"m": (2, 2)}), ("rest", {})]
    out = rfm_scores(log, **KEYS, bins=2, segments=rules).set_index("c")
    # strictly below 0.30: x only -> 1 + floor(2 * 1/4) = 1 for a and b alike; y: 3 below -> 2
    assert out.loc[["a", "b", "x", "y"], "m_score"].tolist() == [1, 1, 1, 2]
    summary = rfm_segment_summary(data, **KEYS, bins=2, segments=rules)
    assert summary.set_index("segment")["customers"].to_dict() == {"top": 1, "rest": 3}


def test_segment_medians_from_counts_equal_the_median_of_the_listed_values():
    # The engine path reads each segment's median recency from customers per (segment,
    # recency_days); Series.median on the values written out one per customer is the
    # reference: an odd count (5: the 3rd value), an even one (4: mean of the 2nd and 3rd,
    # which fall in two cells) and one value repeated.
    from loyalty_lib.behaviour.rfm import _segments_from_cells

    listed = {"A": [1, 1, 4, 9, 9], "B": [2, 3, 3, 10], "C": [7, 7]}
    cells = (
        pd.DataFrame([(s, d) for s, days in listed.items() for d in days], columns=["s", "d"])
        .value_counts()
        .rename("customers")
        .reset_index()
        .rename(columns={"s": "segment", "d": "recency_days"})
    )
    cells = cells.assign(frequency=1.0 * cells["customers"], monetary=2.5 * cells["customers"])
    out = _segments_from_cells(cells.sample(frac=1, random_state=3)).set_index("segment")
    for segment, days in listed.items():
        assert out.loc[segment, "median_recency_days"] == pd.Series(days).median()
        assert out.loc[segment, "customers"] == len(days)
        assert out.loc[segment, "mean_monetary"] == 2.5
