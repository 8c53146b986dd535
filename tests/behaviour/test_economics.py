"""economics: simple CLV pinned to hand-worked arithmetic of the Gupta & Lehmann / Farris et al.
formula m × r / (1 + d − r), the what-if, and the inputs measured on a log (independent pandas)."""

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from loyalty_lib import ExcludedRowsWarning, clv_from_log, retention_whatif, simple_clv
from loyalty_lib.inputs.datasets import load_sales

matplotlib.use("Agg")


@pytest.mark.parametrize(
    "m, r, d, expected",
    [
        (100, 0.8, 0.1, 100 * 0.8 / 0.3),  # 266.67 by hand: 80 / 0.3
        (40, 0.8, 0.12, 100.0),  # 40 × 0.8 / (1.12 − 0.8) = 32 / 0.32 = 100
        (10, 0.0, 0.1, 0.0),  # nobody stays: no future margin
        (50, 1.0, 0.1, 500.0),  # nobody leaves: m / d = 50 / 0.1
    ],
)
def test_simple_clv_hand_worked(m, r, d, expected):
    assert simple_clv(m, r, d) == pytest.approx(expected, rel=1e-12)


def test_simple_clv_is_the_discounted_geometric_series():
    # Σ_{k≥1} m r^k / (1+d)^k, summed directly with numpy
    m, r, d = 37.5, 0.65, 0.08
    k = np.arange(1, 3000)
    assert simple_clv(m, r, d) == pytest.approx(float(np.sum(m * (r / (1 + d)) ** k)))
    # with the current margin: m (1 + d) / (1 + d − r) = m + series
    assert simple_clv(m, r, d, include_current=True) == pytest.approx(m * (1 + d) / (1 + d - r))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"margin": 10, "retention": 1.2, "discount": 0.1}, "retention: 1.2 is outside"),
        ({"margin": 10, "retention": 0.5, "discount": -0.1}, "discount: -0.1 is outside"),
        ({"margin": 10, "retention": 1.0, "discount": 0.0}, "has no limit"),
        ({"margin": float("nan"), "retention": 0.5, "discount": 0.1}, "margin: expected a finite"),
        ({"margin": 10, "retention": "0.5", "discount": 0.1}, "retention: expected a number"),
    ],
)
def test_simple_clv_rejects_bad_inputs(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simple_clv(**kwargs)


def test_whatif_hand_worked_within_and_below_the_rule():
    out = retention_whatif(100, 0.8, 0.1, customers=1000, acquisition_cost=50, cost_ratios=[5, 25])
    # 0.85: 100 × 0.85 / 0.25 = 340; gain 340 − 266.67 = 73.33 = +27.5% (within 25–95)
    assert out["clv_whatif"].tolist() == pytest.approx([340.0, 340.0])
    assert out.loc[0, "clv_gain_pct"] == pytest.approx(27.5)
    assert out["versus_rule"].tolist() == ["within", "within"]
    # 5% of 1000 = 50 customers; replacing them: 50 × 50 = 2500; keeping: 2500 / 5, / 25
    assert out["extra_kept"].tolist() == pytest.approx([50, 50])
    assert out["replace_cost"].tolist() == pytest.approx([2500, 2500])
    assert out["keep_cost"].tolist() == pytest.approx([500, 100])
    # r = 0.3, d = 0.1: 30 / 0.8 = 37.5 → 35 / 0.75 = 46.67: +24.4%, below the rule
    low = retention_whatif(100, 0.3, 0.1).iloc[0]
    assert low["clv_gain_pct"] == pytest.approx(100 * (35 / 0.75 / 37.5 - 1))
    assert low["versus_rule"] == "below"
    assert math.isnan(low["keep_cost"])
    with pytest.raises(ValueError, match="cost_ratios"):
        retention_whatif(100, 0.5, 0.1, acquisition_cost=10, cost_ratios=[0.5])
    with pytest.raises(ValueError, match="customers"):
        retention_whatif(100, 0.5, 0.1, customers=2.5)


def test_clv_from_log_on_the_demo_matches_plain_pandas():
    sales = load_sales("demo")
    out = clv_from_log(
        sales,
        customer="customer_id",
        date="order_date",
        value="amount",
        margin_rate=0.3,
        annual_discount=0.1,
        freq="year",
    )
    # independent: customers with a purchase (amount >= 0) in 2023, and of them in 2024
    buys = sales[sales["amount"] >= 0]
    y23 = set(buys.loc[buys["order_date"].dt.year == 2023, "customer_id"])
    y24 = set(buys.loc[buys["order_date"].dt.year == 2024, "customer_id"])
    revenue23 = sales.loc[sales["order_date"].dt.year == 2023, "amount"].sum()
    row = out[out["label"] == "2023"].iloc[0]
    assert (row["active"], row["retained"]) == (len(y23), len(y23 & y24))
    assert row["revenue_per_active"] == pytest.approx(revenue23 / len(y23))
    assert row["clv"] == pytest.approx(
        0.3 * revenue23 / len(y23) * (len(y23 & y24) / len(y23)) / (1.1 - len(y23 & y24) / len(y23))
    )
    assert row["retention_ci_lower"] < row["retention"] < row["retention_ci_upper"]
    assert out["label"].tolist() == ["2023", "pooled"]  # 2024 has no complete next year


def test_clv_from_log_quarterly_discount_and_errors():
    log = pd.DataFrame(
        {
            "c": ["a", "a", "b"],
            "d": pd.to_datetime(["2024-01-01", "2024-04-05", "2024-09-30"]),
            "v": [10.0, 20.0, 30.0],
        }
    )
    out = clv_from_log(
        log, customer="c", date="d", value="v", margin_rate=1.0, annual_discount=0.1, freq="quarter"
    )
    assert out["discount"].iloc[0] == pytest.approx(1.1**0.25 - 1)
    # Q1: a active, back in Q2; Q2: a, not back in Q3 (b is new in Q3)
    assert out["label"].tolist() == ["2024Q1", "2024Q2", "pooled"]
    assert out["retained"].tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="margin_rate"):
        clv_from_log(log, customer="c", date="d", value="v", margin_rate=1.5)
    with pytest.raises(ValueError, match="freq"):
        clv_from_log(log, customer="c", date="d", value="v", margin_rate=0.3, freq="day")
    with pytest.raises(ValueError, match="no period followed by a complete year"):
        clv_from_log(log, customer="c", date="d", value="v", margin_rate=0.3, freq="year")
    bad = pd.concat(
        [log, pd.DataFrame({"c": [None], "d": [pd.Timestamp("2024-02-01")], "v": [5.0]})],
        ignore_index=True,
    )
    with pytest.warns(ExcludedRowsWarning, match="1 missing customer id"):
        clv_from_log(bad, customer="c", date="d", value="v", margin_rate=0.3, freq="quarter")
    assert len(bad) == 4  # input untouched


def test_plot_clv_by_retention():
    from loyalty_lib.behaviour.plots import plot_clv_by_retention

    ax = plot_clv_by_retention(100, 0.1, 0.8)
    assert "lifetime value" in ax.get_ylabel()
    assert len(ax.lines) == 3
    import matplotlib.pyplot as plt

    plt.close("all")


def test_a_first_year_holding_only_december_is_left_out_of_the_yearly_inputs():
    # Hand-worked: the log starts 1 Dec 2022 (2022 is partial: one month of twelve).
    # 2022: a, b active, a back in 2023 -> would give 1/2; left out instead.
    # 2023: a, c active; a back in 2024, c not (next in 2025) -> 1/2.
    # 2024: a active, not back in 2025 -> 0/1. 2025 is last (no complete 2026).
    log = pd.DataFrame(
        {
            "c": ["a", "b", "a", "c", "a", "c"],
            "d": pd.to_datetime(
                ["2022-12-01", "2022-12-20", "2023-03-01", "2023-05-01", "2024-02-01", "2025-12-31"]
            ),
            "v": [100.0, 40.0, 80.0, 60.0, 70.0, 10.0],
        }
    )
    out = clv_from_log(log, customer="c", date="d", value="v", margin_rate=0.5)
    assert out["label"].tolist() == ["2023", "2024", "pooled"]
    assert out["active"].tolist() == [2, 1, 3]
    assert out["retained"].tolist() == [1, 0, 1]
    assert out.attrs["partial_first_period"] == "2022-01-01"
    # 2023 revenue per active = (80 + 60) / 2
    assert out.loc[0, "revenue_per_active"] == 70.0


def test_skip_return_rate_matches_a_set_computation_on_cdnow():
    # The simple formula's assumption measured: plain Python sets of (customer, quarter).
    from loyalty_lib.behaviour.economics import skip_return_rate
    from loyalty_lib.inputs.datasets import load_cdnow

    log = load_cdnow()
    q = log["order_date"].dt.year * 4 + (log["order_date"].dt.month - 1) // 3
    active = set(zip(log["customer_id"], q, strict=True))
    last = 1998 * 4 + 1  # 1998-Q2 ends on the last sale, 1998-06-30: complete
    skipped = [(c, t) for c, t in active if t + 2 <= last and (c, t + 1) not in active]
    returned = [(c, t) for c, t in skipped if any((c, u) in active for u in range(t + 2, last + 1))]
    out = skip_return_rate(log, customer="customer_id", date="order_date", freq="quarter").iloc[0]
    assert out["skipped"] == len(skipped) and out["returned"] == len(returned)
    assert out["returned_share_ci_lower"] < out["returned_share"] < out["returned_share_ci_upper"]
