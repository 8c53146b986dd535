"""lapse: usual interval and overdue flag (hand-worked), reminder list, and the CDNOW backtest
pinned to an independent plain-pandas re-computation with scipy's chi-square test."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyalty_lib import ExcludedRowsWarning, lapse_backtest, purchase_rhythm, reminder_list
from loyalty_lib.behaviour.lapse import rhythm_summary
from loyalty_lib.inputs.datasets import load_cdnow

matplotlib.use("Agg")
KEYS = {"customer": "c", "date": "d"}


def _log():
    return pd.DataFrame(
        {
            "c": ["a"] * 5 + ["b"] * 4 + ["x"] * 2,
            "d": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-11",
                    "2024-01-11",
                    "2024-01-21",
                    "2024-02-10",  # a: days 0, 10, 20, 40 → gaps 10, 10, 20
                    "2024-01-01",
                    "2024-01-31",
                    "2024-03-01",
                    "2024-03-31",
                    "2024-01-01",
                    "2024-02-01",
                ]
            ),
            "v": [10.0, 5.0, 5.0, 8.0, 9.0, 20.0, 20.0, 20.0, -20.0, 1.0, 1.0],
        }
    )


def test_rhythm_hand_worked():
    with pytest.warns(ExcludedRowsWarning, match="1 dated after as_of 2024-03-21"):
        out = purchase_rhythm(_log(), **KEYS, value="v", as_of="2024-03-21", k=2)
    out = out.set_index("c")
    # a: same-day orders count once; gaps 10, 10, 20 → median 10; mean 13.33, sd 5.77
    a = out.loc["a"]
    assert a["purchases"] == 4 and a["usual_interval_days"] == 10
    assert a["interval_cv"] == pytest.approx(np.std([10, 10, 20], ddof=1) / (40 / 3))
    assert a["expected_next"] == pd.Timestamp("2024-02-20")
    assert a["days_since_last"] == 40 and a["overdue_ratio"] == 4.0 and a["overdue"]
    # b: the -20 row on 03-31 is a return, not a purchase, and after as_of anyway → 3 days
    b = out.loc["b"]
    assert b["purchases"] == 3 and b["usual_interval_days"] == 30  # gaps 30, 30
    assert b["days_since_last"] == 20 and not b["overdue"]
    assert "x" not in out.index and out.attrs["too_few_purchases"] == 1


# rows after as_of are excluded by design here (and counted: test_rhythm_hand_worked)
@pytest.mark.filterwarnings("ignore::loyalty_lib.ExcludedRowsWarning")
def test_overdue_is_strict_and_max_cv_limits_to_regular_customers():
    log = _log()
    # a: last purchase 02-10, usual 10 days: exactly 20 days later is not overdue at k = 2
    at = purchase_rhythm(log, **KEYS, as_of="2024-03-01", k=2).set_index("c")
    assert at.loc["a", "days_since_last"] == 20 and not at.loc["a", "overdue"]
    later = purchase_rhythm(log, **KEYS, as_of="2024-03-02", k=2).set_index("c")
    assert later.loc["a", "overdue"]
    regular = purchase_rhythm(log, **KEYS, as_of="2024-03-02", k=2, max_cv=0.3).set_index("c")
    assert not regular.loc["a", "regular"] and not regular.loc["a", "overdue"]  # cv 0.43
    assert regular.loc["b", "regular"]  # gaps 30, 31 (leap year February): cv 0.02


def test_reminder_list_and_errors():
    rhythm = purchase_rhythm(_log(), **KEYS, as_of="2024-06-30", k=2)
    listed = reminder_list(rhythm)
    assert listed["overdue_ratio"].is_monotonic_decreasing and listed["overdue"].all()
    assert reminder_list(rhythm, max_ratio=0).empty
    with pytest.raises(ValueError, match="min_purchases"):
        purchase_rhythm(_log(), **KEYS, min_purchases=2)
    with pytest.raises(ValueError, match="k: expected positive"):
        purchase_rhythm(_log(), **KEYS, k=0)
    with pytest.raises(ValueError, match="purchase_rhythm"):
        reminder_list(pd.DataFrame({"x": [1]}))


def test_backtest_hand_worked_and_window_check():
    log = _log()
    out = lapse_backtest(log, **KEYS, value="v", cutoff="2024-02-15", follow_days=30, k=[2, 5])
    # at 02-15: a (usual 10, 5 days since) and b? b has 2 purchase days by then → no rhythm
    assert out["customers"].tolist() == [1, 1]
    assert out.loc[0, "flagged"] == 0 and out.loc[0, "unflagged_lost"] == 1  # a never came back
    with pytest.raises(ValueError, match="ends after the last date"):
        lapse_backtest(log, **KEYS, cutoff="2024-03-15", follow_days=30)


def _on(engine, log):
    """The log as given (pandas) or as a DuckDB relation (the engine path: joins, ranks)."""
    if engine == "pandas":
        return log
    duckdb = pytest.importorskip("duckdb")
    return duckdb.connect().from_df(log)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_backtest_on_cdnow_matches_plain_pandas(engine):
    log = load_cdnow()
    cutoff, follow = pd.Timestamp("1997-12-31"), 180
    out = lapse_backtest(
        _on(engine, log),
        customer="customer_id",
        date="order_date",
        value="amount",
        cutoff=cutoff,
        follow_days=follow,
        k=2,
    ).iloc[0]
    # independent: distinct purchase days up to the cutoff, median gap, flag, came back
    days = log[log["order_date"] <= cutoff][["customer_id", "order_date"]].drop_duplicates()
    days = days.sort_values(["customer_id", "order_date"])
    days["gap"] = days.groupby("customer_id")["order_date"].diff().dt.days
    per = days.groupby("customer_id").agg(
        n=("order_date", "size"), last=("order_date", "max"), usual=("gap", "median")
    )
    per = per[per["n"] >= 3]
    flagged = (cutoff - per["last"]).dt.days > 2 * per["usual"]
    later = log[
        (log["order_date"] > cutoff) & (log["order_date"] <= cutoff + pd.Timedelta(days=follow))
    ]
    lost = ~per.index.isin(set(later["customer_id"]))
    table = [
        [int((lost & flagged).sum()), int((~lost & flagged).sum())],
        [int((lost & ~flagged).sum()), int((~lost & ~flagged).sum())],
    ]
    assert out["customers"] == len(per)
    assert (out["flagged_lost"], out["flagged"]) == (table[0][0], sum(table[0]))
    assert (out["unflagged_lost"], out["unflagged"]) == (table[1][0], sum(table[1]))
    assert out["p_value"] == pytest.approx(
        stats.chi2_contingency(table, correction=False)[1], rel=1e-6, abs=1e-300
    )
    # flagged customers were lost more often, and the interval excludes no difference
    assert out["difference_ci_lower"] > 0
    assert (
        out["flagged_lost_rate_ci_lower"]
        < out["flagged_lost_rate"]
        < out["flagged_lost_rate_ci_upper"]
    )


def test_plot_backtest():
    import matplotlib.pyplot as plt

    from loyalty_lib.behaviour.plots import plot_lapse_backtest

    out = lapse_backtest(
        load_cdnow(),
        customer="customer_id",
        date="order_date",
        cutoff="1997-12-31",
        follow_days=180,
        k=[1.5, 3],
    )
    ax = plot_lapse_backtest(out)
    assert "did not come back" in ax.get_ylabel() and len(ax.patches) == 4
    plt.close("all")


def _plain_rhythms(log, as_of):
    """Independent: distinct purchase days, the median gap, days since the last one."""
    days = log[(log["order_date"] <= as_of) & (log["amount"] >= 0)]
    days = days[["customer_id", "order_date"]].drop_duplicates()
    days = days.sort_values(["customer_id", "order_date"])
    days["gap"] = days.groupby("customer_id")["order_date"].diff().dt.days
    per = days.groupby("customer_id").agg(
        n=("order_date", "size"), last=("order_date", "max"), usual=("gap", "median")
    )
    per["since"] = (as_of - per["last"]).dt.days
    return per


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_rhythm_summary_on_cdnow_matches_plain_pandas(engine):
    log = load_cdnow()
    out = rhythm_summary(
        _on(engine, log), customer="customer_id", date="order_date", value="amount",
        k=2, max_ratio=4,
    ).iloc[0]  # fmt: skip
    per = _plain_rhythms(log, log["order_date"].max())
    rhythm = per[per["n"] >= 3]
    overdue = rhythm["since"] > 2 * rhythm["usual"]
    assert out["customers"] == len(rhythm) == 7476
    assert out["too_few_purchases"] == (per["n"] < 3).sum()
    assert out["overdue"] == overdue.sum()
    assert out["overdue_within"] == (overdue & (rhythm["since"] <= 4 * rhythm["usual"])).sum()
    assert out["regular"] == out["customers"]  # no max_cv: every rhythm is regular


def test_median_gap_on_duckdb_by_rank_hand_worked():
    # the engine's median is the mean of the middle one or two gaps by rank, not an aggregate
    # a: days 0, 1, 4, 10 -> gaps 1, 3, 6: median 3; b: days 0, 5, 10, 30, 35 -> gaps 5, 5,
    # 20, 5: sorted 5, 5, 5, 20 -> median 5; c: days 0, 2, 10 -> gaps 2, 8: median 5
    start = pd.Timestamp("2024-01-01")
    days = {"a": [0, 1, 4, 10], "b": [0, 5, 10, 30, 35], "c": [0, 2, 10], "d": [0]}
    log = pd.DataFrame(
        [(c, start + pd.Timedelta(days=d)) for c, ds in days.items() for d in ds],
        columns=["customer_id", "order_date"],
    )
    out = purchase_rhythm(
        _on("duckdb", log), customer="customer_id", date="order_date", as_of="2024-03-01"
    )
    assert out["customer_id"].tolist() == ["a", "b", "c"]
    assert out["usual_interval_days"].tolist() == [3.0, 5.0, 5.0]
    assert out["purchases"].tolist() == [4, 5, 3]
    assert out["first_purchase"].tolist() == [start] * 3
    assert out.attrs["too_few_purchases"] == 1  # d
    pd.testing.assert_frame_equal(
        out, purchase_rhythm(log, customer="customer_id", date="order_date", as_of="2024-03-01")
    )
