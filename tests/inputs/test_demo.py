"""The synthetic shop: deterministic, identical to the bundled files, and carrying the
effects documented in loyalty_lib/demo.py and data/README.md (checked here with plain pandas,
independently of the library's analyses)."""

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.inputs.datasets import load_demo, make_demo


@pytest.fixture(scope="module")
def shop():
    return load_demo()


def test_bundled_files_equal_generator_output(shop):
    generated = make_demo()  # the documented defaults: seed=2024, n_customers=5000
    for name in ("customers", "transactions", "survey"):
        pd.testing.assert_frame_equal(getattr(shop, name), getattr(generated, name))


def test_same_seed_same_shop_other_seed_other_shop():
    a, b, c = (
        make_demo(seed=7, n_customers=300),
        make_demo(seed=7, n_customers=300),
        make_demo(seed=8, n_customers=300),
    )
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    pd.testing.assert_frame_equal(a.survey, b.survey)
    assert not a.transactions["amount"].equals(c.transactions["amount"])


def test_rejects_empty_shop():
    with pytest.raises(ValueError, match="n_customers must be at least 1, got 0"):
        make_demo(n_customers=0)


def test_tables_join_and_cover_two_years(shop):
    t, c, s = shop.transactions, shop.customers, shop.survey
    assert set(t["customer_id"]) == set(c["customer_id"])
    assert set(s["customer_id"]) <= set(c["customer_id"])
    assert t["order_date"].min() == pd.Timestamp("2023-01-01")
    assert t["order_date"].max() <= pd.Timestamp("2024-12-31")
    assert (t["order_date"].max() - t["order_date"].min()).days >= 700
    # signup date is the first purchase
    first = t[t["amount"] > 0].groupby("customer_id")["order_date"].min()
    assert (first == c.set_index("customer_id")["signup_date"].reindex(first.index)).all()
    assert s["wave"].nunique() == 23  # monthly waves Feb 2023 .. Dec 2024


def _nps(scores: pd.Series) -> float:
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


def test_promoters_keep_buying_longer_than_detractors(shop):
    s, t = shop.survey, shop.transactions
    valid = s[s["score"].between(0, 10)].drop_duplicates(["customer_id", "wave"])
    valid = valid[valid["wave"] <= "2024-06-01"]  # six full months of follow-up
    orders = t[t["amount"] > 0][["customer_id", "order_date"]]
    pairs = valid[["customer_id", "wave", "score"]].merge(orders, on="customer_id")
    later = pairs[
        (pairs["order_date"] >= pairs["wave"] + pd.DateOffset(months=1))
        & (pairs["order_date"] < pairs["wave"] + pd.DateOffset(months=7))
    ]
    bought = later.groupby(["customer_id", "wave"]).size()
    valid = valid.set_index(["customer_id", "wave"])
    valid["repeat"] = bought.reindex(valid.index).fillna(0) > 0
    promoters = valid.loc[valid["score"] >= 9, "repeat"]
    detractors = valid.loc[valid["score"] <= 6, "repeat"]
    assert len(promoters) > 300 and len(detractors) > 200
    # measured: 77% vs 45% buy again within months 2-7 after the wave
    assert promoters.mean() - detractors.mean() > 0.2


def test_east_nps_drops_after_june_2024_stockout(shop):
    s = shop.survey.merge(shop.customers[["customer_id", "region"]], on="customer_id")
    s = s[s["score"].between(0, 10)]
    east = s[s["region"] == "East"]
    during = east[east["wave"].between("2024-06-01", "2024-09-01")]["score"]
    before = east[east["wave"] < "2024-06-01"]["score"]
    others = s[(s["region"] != "East") & s["wave"].between("2024-06-01", "2024-09-01")]["score"]
    assert len(during) >= 100
    # measured: East 25 before, -28 during; other regions +32 during
    assert _nps(before) - _nps(during) > 30
    assert _nps(others) - _nps(during) > 30
    june = shop.transactions.merge(shop.customers[["customer_id", "region"]], on="customer_id")
    june = june[(june["amount"] > 0) & (june["order_date"].dt.to_period("M") == "2024-06")]
    share_east = (june["region"] == "East").mean()
    assert share_east < 0.15  # East has ~20% of customers, fewer orders in the stock-out month


def test_small_share_of_customers_brings_most_revenue(shop):
    value = shop.transactions.groupby("customer_id")["amount"].sum()
    value = value[value > 0].sort_values(ascending=False)
    top = int(np.ceil(0.2 * len(value)))
    assert value.iloc[:top].sum() / value.sum() > 0.6  # measured 0.68


def test_seasonality_and_returns(shop):
    t = shop.transactions
    orders = t[t["amount"] > 0]
    per_month = orders.groupby(orders["order_date"].dt.to_period("M")).size()
    assert per_month["2024-12"] > 1.3 * per_month[["2024-01", "2024-02"]].mean()
    returns = t[t["amount"] < 0]
    assert 0.025 < len(returns) / len(orders) < 0.045
    assert returns["order_id"].str.endswith("-R").all()
    assert (returns["quantity"] < 0).all()


def test_survey_carries_realistic_mess(shop):
    s = shop.survey
    assert 0.02 < s["score"].isna().mean() < 0.06
    invalid = s["score"].notna() & ~s["score"].between(0, 10)
    assert set(s.loc[invalid, "score"]) == {99.0, 11.0, -1.0}
    assert s.duplicated(["customer_id", "wave"]).sum() > 0
    assert s["support"].isna().mean() > 0.6
    comments = s["comment"].dropna()
    assert comments.str.contains("<script>").any()
    assert comments.str.contains("onerror=").any()
    assert comments.str.contains(r"[\w.]+@[\w.]+", regex=True).any()


def test_quickly_resolved_complainers_score_higher_and_keep_buying(shop):
    s, t = shop.survey, shop.transactions
    assert s["complained"].dtype == bool
    # resolution days only where a complaint was made, in quarter days
    assert s.loc[~s["complained"], "resolution_days"].isna().all()
    days = s["resolution_days"].dropna()
    assert (days > 0).all() and ((days * 4) % 1 == 0).all()
    assert 0.08 < s["complained"].mean() < 0.2
    c = s[s["complained"]]
    quick = c["resolution_days"] <= 2
    valid = c["score"].between(0, 10)
    assert (quick & valid).sum() > 100 and (~quick & valid).sum() > 200
    # measured: NPS +46 quickly resolved (148 answers) vs -56 the rest (261 answers)
    assert _nps(c.loc[quick & valid, "score"]) - _nps(c.loc[~quick & valid, "score"]) > 50
    # bought again within 180 days after answering (answers with full follow-up)
    followed = c[c["response_date"] <= "2024-06-30"]
    orders = t[t["amount"] > 0][["customer_id", "order_date"]]
    pairs = followed[["response_id", "customer_id", "response_date"]].merge(
        orders, on="customer_id"
    )
    later = pairs[
        (pairs["order_date"] > pairs["response_date"])
        & (pairs["order_date"] <= pairs["response_date"] + pd.Timedelta(days=180))
    ]
    came_back = followed["response_id"].isin(later["response_id"])
    fast = followed["resolution_days"] <= 2
    # measured: 72% (96 answers) vs 47% (194 answers)
    assert came_back[fast].mean() - came_back[~fast].mean() > 0.15


def test_earlier_demo_files_keep_their_bytes_and_new_files_match(tmp_path):
    """Issue 17 added events, stock-out responses and a campaign from default_rng([seed, 17])
    drawn last: regenerating writes byte-identical customers/transactions/survey files."""
    import hashlib

    from loyalty_lib.inputs.datasets import demo_dir, write_demo

    write_demo(make_demo(), tmp_path)
    names = [
        "customers",
        "transactions",
        "survey",
        "events",
        "stockout_responses",
        "campaign",
    ]
    for name in names:
        fresh = hashlib.sha256((tmp_path / f"{name}.csv").read_bytes()).hexdigest()
        committed = hashlib.sha256((demo_dir() / f"{name}.csv").read_bytes()).hexdigest()
        assert fresh == committed, name
    # the sha256 of the three files before issue 17 (git show 83651e5:data/demo/<file>)
    assert hashlib.sha256((demo_dir() / "transactions.csv").read_bytes()).hexdigest() == (
        "df2558f7e7b91c843c7aaddd70f76caa0193be30236538d8f7c0a366ff24eda6"
    )
    assert hashlib.sha256((demo_dir() / "survey.csv").read_bytes()).hexdigest() == (
        "57f77c744aa2a35902d89104d666ae8311c85a35b0205f925ebf287bbd4f75b4"
    )
    assert hashlib.sha256((demo_dir() / "customers.csv").read_bytes()).hexdigest() == (
        "e2c27683161527c49769c249b31219566171692676db7021df97e3e32b4bed55"
    )


def test_stockout_responses_and_campaign_are_consistent_with_the_shop(shop):
    east = set(shop.customers.loc[shop.customers["region"] == "East", "customer_id"])
    assert set(shop.stockout_responses["customer_id"]) <= east
    assert shop.stockout_responses["customer_id"].is_unique
    c = shop.campaign
    assert c["customer_id"].is_unique
    gap = (c["reminder_date"] - c["last_order_date"]).dt.days
    assert gap.between(45, 180).all()
    # the holdout's outcomes are exactly the transactions of the 30-day window
    t = shop.transactions
    window = t[(t["order_date"] >= "2024-09-01") & (t["order_date"] < "2024-10-01")]
    hold = c[c["group"] == "holdout"].set_index("customer_id")
    revenue = window.groupby("customer_id")["amount"].sum().reindex(hold.index).fillna(0.0)
    assert np.allclose(hold["revenue_30d"], revenue.round(2))
    bought = window[window["amount"] > 0]["customer_id"].unique()
    assert (hold["bought_within_30d"] == hold.index.isin(bought)).all()
