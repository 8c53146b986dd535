"""stockout_returns: Wilson intervals pinned to statsmodels' proportion_confint, Holm to
multipletests, the overall test to scipy's chi2_contingency; the demo's planted ordering."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from loyalty_lib import stockout_returns
from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.datasets import load_demo, load_sales


def _case():
    # 3 kinds: apology 6/10 back, alternative 9/10, none 2/10 (hand-built)
    kinds = ["apology"] * 10 + ["alternative"] * 10 + ["none"] * 10
    back = [True] * 6 + [False] * 4 + [True] * 9 + [False] + [True] * 2 + [False] * 8
    ids = [f"c{i}" for i in range(30)]
    log = pd.DataFrame({"customer_id": ids, "response": kinds})
    sales = pd.DataFrame(
        {
            "customer_id": [c for c, b in zip(ids, back, strict=True) if b] + ["c29"],
            "order_date": pd.to_datetime(["2024-07-15"] * sum(back) + ["2024-12-01"]),
            "amount": [10.0] * sum(back) + [10.0],  # c29's order is after the window
        }
    )
    return log, sales


def test_shares_intervals_and_holm_against_statsmodels():
    log, sales = _case()
    out = stockout_returns(log, sales, after="2024-06-30", min_base=5).set_index("response")
    assert out["returned"].to_dict() == {"alternative": 9, "apology": 6, "none": 2}
    for kind, k in out["returned"].items():
        low, high = proportion_confint(k, 10, method="wilson")
        assert out.loc[kind, "share_ci_lower"] == pytest.approx(low, abs=1e-12)
        assert out.loc[kind, "share_ci_upper"] == pytest.approx(high, abs=1e-12)
    holm = multipletests(out["p_value"], method="holm")[1]
    assert out["p_value_adjusted"].tolist() == pytest.approx(list(holm))
    # vs the rest: alternative 9/10 against 8/20 (hand)
    assert out.loc["alternative", "difference"] == pytest.approx(0.9 - 0.4)
    chi2 = stats.chi2_contingency([[9, 1], [6, 4], [2, 8]], correction=False)
    stat = stockout_returns(log, sales, after="2024-06-30").attrs["chi2"]
    assert stat["statistic"] == pytest.approx(chi2.statistic)
    assert stat["p_value"] == pytest.approx(chi2.pvalue)


def test_one_response_per_customer():
    log, sales = _case()
    log = pd.concat([log, log.head(2)])
    with pytest.raises(DataQualityError, match="2 customers have more than one response"):
        stockout_returns(log, sales, after="2024-06-30")


def test_demo_responses_carry_the_planted_return_rates():
    shop = load_demo()
    out = stockout_returns(shop.stockout_responses, load_sales("demo"), after="2024-06-30")
    out = out.set_index("response")
    assert set(out.index) == {"apology", "alternative", "competitor", "deferral", "none"}
    # planted odds: alternative best, competitor worst (RESPONSE_RETURN in demo.py)
    # measured: alternative 66% (67), deferral 45% (69), apology 33% (100), none 27% (63),
    # competitor 18% (39)
    assert out["share"].idxmax() == "alternative" and out["share"].idxmin() == "competitor"
    assert out.loc["alternative", "significant"] and out.loc["competitor", "significant"]
    assert out.attrs["chi2"]["p_value"] < 0.001
