"""event_effect: the difference-in-differences pinned to statsmodels' OLS with an
interaction and cluster-robust (by customer) standard errors, the planted East stock-out
recovered against an exact no-stock-out counterfactual of the demo, and the refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import loyalty_lib.inputs.demo as demo
from loyalty_lib import NoControlError, event_effect
from loyalty_lib.inputs.datasets import demo_dir, load_demo, load_sales, load_survey
from loyalty_lib.inputs.events import read_events

PRE, POST = ("2024-01-01", "2024-05-31"), ("2024-06-01", "2024-09-30")


def _statsmodels_did(frame: pd.DataFrame) -> tuple[float, float, float]:
    """Reference: OLS y ~ treated * post, cov_type='cluster' by customer (CR1, normal)."""
    fit = smf.ols("y ~ treated * post", data=frame).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame["customer"])[0]}
    )
    low, high = fit.conf_int().loc["treated:post"]
    return float(fit.params["treated:post"]), float(low), float(high)


def _nps_units(survey: pd.DataFrame) -> pd.DataFrame:
    s = survey[survey["score"].between(0, 10)]
    rows = []
    for window, (lo, hi) in {"pre": PRE, "post": POST}.items():
        w = s[s["response_date"].between(lo, hi)]
        y = np.select([w["score"] >= 9, w["score"] <= 6], [100.0, -100.0], 0.0)
        rows.append(
            pd.DataFrame(
                {
                    "customer": w["customer_id"],
                    "y": y,
                    "treated": (w["region"] == "East").astype(int),
                    "post": int(window == "post"),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def survey():
    return load_survey("demo")


def test_nps_did_equals_statsmodels_cluster_robust_ols(survey):
    out = event_effect(survey, metric="nps", segment="region", treated="East", pre=PRE, post=POST)
    est, low, high = _statsmodels_did(_nps_units(survey))
    row = out.iloc[0]
    assert row["difference"] == pytest.approx(est, abs=1e-9)
    assert row["difference_ci_lower"] == pytest.approx(low, abs=1e-6)
    assert row["difference_ci_upper"] == pytest.approx(high, abs=1e-6)
    # the four cells: the DiD is the difference of their changes (hand formula)
    hand = (row["treated_post"] - row["treated_pre"]) - (row["control_post"] - row["control_pre"])
    assert row["difference"] == pytest.approx(hand, abs=1e-9)
    assert row[["n_treated_pre", "n_treated_post", "n_control_pre", "n_control_post"]].min() > 100
    assert "parallel trends" in out.attrs["assumptions"][0]


def test_purchase_did_equals_statsmodels_on_the_customer_panel():
    sales = load_sales("demo")
    pre, post = ("2024-05-01", "2024-05-31"), ("2024-06-01", "2024-06-30")
    out = event_effect(
        sales, metric="purchase", segment="region", treated="East", pre=pre, post=post
    )
    # reference panel built by hand: customers with a first order before May 2024
    orders = sales[sales["amount"] > 0]
    first = orders.groupby("customer_id")["order_date"].min()
    followed = first.index[first < "2024-05-01"]
    region = sales.groupby("customer_id")["region"].first()
    parts = []
    for k, (lo, hi) in enumerate((pre, post)):
        bought = set(orders.loc[orders["order_date"].between(lo, hi), "customer_id"])
        parts.append(
            pd.DataFrame(
                {
                    "customer": followed,
                    "y": [float(c in bought) for c in followed],
                    "treated": (region.reindex(followed) == "East").astype(int).to_numpy(),
                    "post": k,
                }
            )
        )
    est, low, high = _statsmodels_did(pd.concat(parts, ignore_index=True))
    row = out.iloc[0]
    assert row["difference"] == pytest.approx(est, abs=1e-12)
    assert (row["difference_ci_lower"], row["difference_ci_upper"]) == pytest.approx(
        (low, high), abs=1e-9
    )
    # the planted halving of East's June order rate: fewer East customers bought
    assert row["difference_ci_upper"] < 0


def test_recovers_the_planted_east_nps_effect(survey, monkeypatch):
    actual = event_effect(
        survey, metric="nps", segment="region", treated="East", pre=PRE, post=POST
    )
    # The exact counterfactual: the same shop without the survey shock (STOCKOUT_WAVES is
    # read only by the survey; the same answers are drawn, with the same noise).
    monkeypatch.setattr(demo, "STOCKOUT_WAVES", pd.DatetimeIndex([]))
    shop = demo.make_demo()
    plain = shop.survey.merge(shop.customers[["customer_id", "region"]], on="customer_id")
    assert len(plain) == len(survey)
    cf = event_effect(plain, metric="nps", segment="region", treated="East", pre=PRE, post=POST)
    planted = actual.iloc[0]["difference"] - cf.iloc[0]["difference"]
    # measured: DiD -62.8 (-82.3 to -43.2); planted effect on these answers -60.7 (the
    # counterfactual DiD is -2.1)
    assert actual.iloc[0]["difference_ci_lower"] < planted < actual.iloc[0]["difference_ci_upper"]
    assert planted < -30
    # without the shock the control shows no effect, and the pre-trend check is quiet
    assert cf.iloc[0]["difference_ci_lower"] < 0 < cf.iloc[0]["difference_ci_upper"]
    assert actual.iloc[0]["pre_trend_ci_lower"] < 0 < actual.iloc[0]["pre_trend_ci_upper"]


def test_event_row_sets_scope_and_windows():
    shop = load_demo()
    events = read_events(demo_dir() / "events.csv", customers=shop.customers)
    out = event_effect(load_sales("demo"), metric="purchase", event=events.iloc[0])
    assert out.attrs["windows"]["post"] == ("2024-06-01", "2024-06-30")
    assert out.attrs["windows"]["pre"] == ("2024-05-02", "2024-05-31")  # 30 days before
    assert out.iloc[0]["treated"] == "East"
    assert out.iloc[0]["difference_ci_upper"] < 0


def test_refusals_name_the_missing_control(survey):
    everything = {"scope_type": "all", "start": "2024-06-01", "end": "2024-06-30", "label": "Sale"}
    with pytest.raises(NoControlError, match="'Sale' touched every customer"):
        event_effect(survey, metric="nps", event=everything)
    regions = ["North", "South", "East", "West"]
    with pytest.raises(NoControlError, match="touched every segment"):
        event_effect(survey, metric="nps", segment="region", treated=regions, pre=PRE, post=POST)
    with pytest.raises(
        NoControlError,
        match=r"2 of the four cells hold fewer than 500 answers "
        r"\(treated pre 159, treated post 140\)",
    ):
        event_effect(
            survey,
            metric="nps",
            segment="region",
            treated="East",
            pre=PRE,
            post=POST,
            control=["North", "South", "West"],
            min_base=500,
        )
    with pytest.raises(ValueError, match="no row has the treated value"):
        event_effect(survey, metric="nps", segment="region", treated="Mars", pre=PRE, post=POST)
