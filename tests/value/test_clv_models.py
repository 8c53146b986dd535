"""BG/NBD, Gamma-Gamma and the customer summary, pinned to independent sources.

Sources: Fader, Hardie & Lee (2005) "Counting your customers the easy way", Table/section 5
(CDNOW 1/10 sample, 39-week calibration: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426,
LL = -9582.4); Fader, Hardie & Lee (2005) "RFM and CLV" (p = 6.25, q = 3.74, gamma = 15.44);
lifetimes 0.11.3 ``datasets/cdnow_customers_summary.csv`` (frequency, recency, T of the same
sample, as published by lifetimes) and hand-worked logs.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyalty_lib import (
    DataQualityError,
    bgnbd_backtest,
    clv_summary,
    customer_clv,
    customer_summary,
    fit_bgnbd,
    fit_gamma_gamma,
)
from loyalty_lib.inputs.datasets import load_cdnow, load_cdnow_sample
from loyalty_lib.stats.auc import auc_delong
from loyalty_lib.stats.bgnbd_math import bgnbd_conditional_expected, bgnbd_p_alive


def sig3(x: float) -> float:
    return float(f"{x:.3g}")


@pytest.fixture(scope="module")
def sample_summary() -> pd.DataFrame:
    return customer_summary(
        load_cdnow_sample(),
        customer="customer_id",
        date="order_date",
        value="amount",
        end="1997-09-30",
    )


@pytest.fixture(scope="module")
def fits(sample_summary):
    return fit_bgnbd(sample_summary), fit_gamma_gamma(sample_summary)


def test_summary_hand_worked():
    # a: days 1 Jan (10 + 5, one purchase day), 15 Jan (20); 1 Feb after end is dropped.
    # frequency 1, recency 14 days = 2 weeks, T = 28 days = 4 weeks, monetary = 20 (repeat).
    log = pd.DataFrame(
        {
            "c": ["a", "a", "a", "a", "b"],
            "d": pd.to_datetime(
                ["2024-01-01 09:00", "2024-01-01 18:00", "2024-01-15", "2024-02-01", "2024-01-29"],
                format="ISO8601",
            ),
            "v": [10.0, 5.0, 20.0, 99.0, 7.0],
        }
    )
    out = customer_summary(log, customer="c", date="d", value="v", end="2024-01-29")
    assert out["frequency"].tolist() == [1, 0]
    assert out["recency"].tolist() == [2.0, 0.0]
    assert out["T"].tolist() == [4.0, 0.0]
    assert out["monetary_value"].tolist() == [20.0, 0.0]
    days = customer_summary(log, customer="c", date="d", end="2024-01-29", unit="day")
    assert days["T"].tolist() == [28.0, 0.0]


def test_summary_matches_lifetimes_published_summary(sample_summary):
    # lifetimes 0.11.3 datasets/cdnow_customers_summary.csv (rounded to 2 decimals there).
    ref = pd.read_csv(
        pd.io.common.StringIO(
            "ID,frequency,recency,T\n1,2,30.43,38.86\n2,1,1.71,38.86\n3,0,0.00,38.86\n"
        )
    )
    got = sample_summary.set_index("customer_id").loc[ref["ID"].astype(str)]
    assert got["frequency"].tolist() == ref["frequency"].tolist()
    np.testing.assert_allclose(got["recency"], ref["recency"], atol=0.005)
    np.testing.assert_allclose(got["T"], ref["T"], atol=0.005)
    assert len(sample_summary) == 2357 and int((sample_summary["frequency"] > 0).sum()) == 946


def test_summary_matches_sqlite_on_cdnow():
    log = load_cdnow()
    end = "1997-09-30"
    ours = customer_summary(log, customer="customer_id", date="order_date", value="amount", end=end)
    con = sqlite3.connect(":memory:")
    log.assign(day=log["order_date"].dt.strftime("%Y-%m-%d")).drop(columns="order_date").to_sql(
        "log", con
    )
    sql = f"""
        WITH days AS (SELECT customer_id, day, SUM(amount) AS v FROM log
                      WHERE day <= '{end}' GROUP BY customer_id, day),
             firsts AS (SELECT customer_id, MIN(day) AS f, MAX(day) AS l, COUNT(*) AS n
                        FROM days GROUP BY customer_id)
        SELECT f.customer_id, f.n - 1 AS frequency,
               (julianday(f.l) - julianday(f.f)) / 7.0 AS recency,
               (julianday('{end}') - julianday(f.f)) / 7.0 AS T,
               CASE WHEN f.n > 1 THEN (SUM(d.v) - MAX(CASE WHEN d.day = f.f THEN d.v END))
                    / (f.n - 1) ELSE 0 END AS monetary_value
        FROM firsts f JOIN days d USING (customer_id) GROUP BY f.customer_id ORDER BY 1"""
    ref = pd.read_sql(sql, con)
    assert ours["customer_id"].tolist() == ref["customer_id"].tolist()
    for c in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[c].to_numpy(float), ref[c].to_numpy(float), rtol=1e-12)


def test_bgnbd_published_estimates(fits):
    bg, _ = fits
    # Fader, Hardie & Lee (2005), section 5: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426.
    assert {k: sig3(v) for k, v in bg.params.items()} == {
        "r": 0.243,
        "alpha": 4.41,
        "a": 0.793,
        "b": 2.43,
    }
    assert round(bg.loglik, 1) == -9582.4  # the paper's LL
    assert bg.n == 2357 and bg.n_repeaters == 946


def test_gamma_gamma_published_estimates(fits):
    _, gg = fits
    # Fader, Hardie & Lee (2005) "RFM and CLV": p = 6.25, q = 3.74, gamma = 15.44.
    assert {k: sig3(v) for k, v in gg.params.items()} == {"p": 6.25, "q": 3.74, "gamma": 15.4}
    row = gg.independence.iloc[0]
    # scipy.stats.pearsonr on the same repeaters; the paper reports r = 0.11.
    assert round(row["correlation"], 2) == 0.11 and row["n"] == 946 and row["passed"]


def _hyp2f1_series(a, b, c, z, terms=4000):
    """Gauss's series summed by hand (independent of scipy.special.hyp2f1)."""
    total, term = 1.0, 1.0
    for k in range(terms):
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        total += term
        if abs(term) < 1e-16 * abs(total):
            break
    return total


def test_p_alive_and_expectation_hand_formula(fits):
    bg, _ = fits
    r, alpha, a, b = (bg.params[k] for k in ("r", "alpha", "a", "b"))
    x, tx, T, t = 2.0, 30.43, 38.86, 39.0
    # P(alive) = 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+tx))^(r+x)), technical note eq. 11.
    p_alive = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))
    assert bgnbd_p_alive(bg.values, x, tx, T) == pytest.approx(p_alive, rel=1e-12)
    assert bgnbd_p_alive(bg.values, 0.0, 0.0, T) == 1.0  # no repeat: alive by assumption
    hyp = _hyp2f1_series(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    expected = (
        (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp) * p_alive
    )
    got = bgnbd_conditional_expected(bg.values, t, x, tx, T)
    assert got == pytest.approx(expected, rel=1e-9)


def test_holdout_table_counts_actual_purchases(fits):
    log = load_cdnow_sample()
    table, per = bgnbd_backtest(
        log,
        customer="customer_id",
        date="order_date",
        end="1997-09-30",
        holdout_end="1998-06-30",
        fit=fits[0],
    )
    assert per.attrs["holdout_length"] == 39.0  # 273 days
    # Independent count: distinct purchase days from 1997-10-01 to 1998-06-30 (pandas).
    hold = log[(log["order_date"] > "1997-09-30") & (log["order_date"] <= "1998-06-30")]
    assert table.iloc[-1]["actual_total"] == len(
        hold.drop_duplicates(["customer_id", "order_date"])
    )
    assert table["group"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+", "total"]
    assert table["n"].iloc[:-1].sum() == 2357
    assert per["expected_purchases"].sum() == pytest.approx(table.iloc[-1]["expected_total"])


def test_clv_matches_hand_sum_and_interval(fits):
    bg, gg = fits
    per = customer_clv(bg, gg, horizon_months=12, monthly_discount=0.01)
    row = per.iloc[0]
    # Hand: sum over 12 months of (E[Y(4.345k)] - E[Y(4.345(k-1))]) / 1.01^k, times spend.
    cum = [0.0] + [
        float(
            bgnbd_conditional_expected(
                bg.values, 4.345 * k, row["frequency"], row["recency"], row["T"]
            )
        )
        for k in range(1, 13)
    ]
    pv = sum((cum[k] - cum[k - 1]) / 1.01**k for k in range(1, 13))
    p, q, g = gg.values
    spend = p * (g + 22.345 * 2) / (p * 2 + q - 1)  # customer 1: repeats 14.96, 29.73
    assert row.expected_spend == pytest.approx(spend, rel=1e-9)
    assert row.clv == pytest.approx(spend * pv, rel=1e-9)
    out = clv_summary(bg, gg, n_draws=300, seed=1).iloc[0]
    assert out.n == 2357 and out.clv_mean == pytest.approx(per["clv"].mean())
    assert out.clv_mean_ci_lower < out.clv_mean < out.clv_mean_ci_upper
    assert out.likely_lost == int((per["p_alive"] < 0.5).sum())


def test_clv_interval_equals_the_bootstrap_written_customer_by_customer(fits, sample_summary):
    # clv_summary groups customers by history and computes eq. 10's hypergeometric factor
    # once per (x, T), for blocks of draws at once. Here the same parametric bootstrap is
    # written out plainly: the same draws (seeded generator, normal on the log-parameters),
    # every customer's CLV from eq. 10 month by month, the mean per draw, its percentiles.
    bg, gg = fits
    draws, d, margin = 200, 0.01, 0.3
    out = clv_summary(bg, gg, n_draws=draws, seed=5, monthly_discount=d, margin_rate=margin)
    rng = np.random.default_rng(5)
    log_b = rng.multivariate_normal(np.log(bg.values), bg.cov_log, draws)
    log_g = rng.multivariate_normal(np.log(gg.values), gg.cov_log, draws)
    x, tx, T, m = (
        sample_summary[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")
    )
    means = []
    for i in range(draws):
        pb, (p, q, g) = np.exp(log_b[i]), np.exp(log_g[i])
        cum = [np.zeros_like(x)] + [
            bgnbd_conditional_expected(pb, 4.345 * k, x, tx, T) for k in range(1, 13)
        ]
        pv = sum((cum[k] - cum[k - 1]) / (1 + d) ** k for k in range(1, 13))
        means.append(np.mean(margin * p * (g + m * x) / (p * x + q - 1) * pv))
    lower, upper = np.quantile(means, [0.025, 0.975])
    row = out.iloc[0]
    assert row.clv_mean_ci_lower == pytest.approx(lower, rel=1e-9)
    assert row.clv_mean_ci_upper == pytest.approx(upper, rel=1e-9)
    assert row.n_draws == draws


def test_auc_equals_mann_whitney():
    rng = np.random.default_rng(7)
    score = np.round(rng.normal(size=300), 1)  # ties on purpose
    label = rng.random(300) < 0.3
    u = stats.mannwhitneyu(score[label], score[~label]).statistic
    got = auc_delong(score, label)
    assert got["auc"] == pytest.approx(u / (label.sum() * (~label).sum()), rel=1e-12)
    assert got["auc_ci_lower"] < got["auc"] < got["auc_ci_upper"]


def test_fit_refuses_small_or_repeatless_data():
    s = pd.DataFrame({"frequency": [1] * 10, "recency": [1.0] * 10, "T": [5.0] * 10})
    with pytest.raises(DataQualityError, match="10 customers"):
        fit_bgnbd(s)
    s = pd.DataFrame({"frequency": [0] * 60, "recency": [0.0] * 60, "T": [5.0] * 60})
    with pytest.raises(DataQualityError, match="none of the 60 customers"):
        fit_bgnbd(s)
    s = pd.DataFrame({"frequency": [1] * 60, "recency": [6.0] * 60, "T": [5.0] * 60})
    with pytest.raises(DataQualityError, match="60 customers with recency > T"):
        fit_bgnbd(s)


def test_summary_refuses_returns_and_text_dates():
    log = pd.DataFrame({"c": ["a", "b"], "d": pd.to_datetime(["2024-01-01"] * 2), "v": [1.0, -2.0]})
    with pytest.raises(DataQualityError, match="v: 1 rows with negative values"):
        customer_summary(log, customer="c", date="d", value="v", end="2024-01-31")
    with pytest.raises(DataQualityError, match="d: expected dates"):
        customer_summary(log.assign(d="2024-01-01"), customer="c", date="d", end="2024-01-31")


def test_sample_loader_checks_hash():
    log = load_cdnow_sample()
    assert len(log) == 6919 and log["customer_id"].nunique() == 2357
    # First line of lifetimes' CDNOW_sample.txt: " 00004 0001 19970101  2   29.33".
    first = log.iloc[0]
    assert (first["master_id"], first["customer_id"], first["quantity"]) == ("00004", "1", 2)
    assert first["order_date"] == pd.Timestamp("1997-01-01") and first["amount"] == 29.33


def test_gamma_gamma_leaves_out_zero_value_repeaters_with_a_count(sample_summary):
    # The full CDNOW log has a repeat customer whose repeat purchases are all worth $0
    # (rows with dollar_value 0); two such customers made here by hand: the fit must leave
    # them out with a counted warning, and
    # the estimates must equal a fit to the summary without that row (the same likelihood).
    from loyalty_lib.errors import ExcludedRowsWarning

    zero = sample_summary.copy()
    long_ids = (zero["frequency"] > 0) & (zero["customer_id"].str.len() >= 3)
    zero.loc[zero.index[long_ids][:2], "monetary_value"] = 0.0
    with pytest.warns(ExcludedRowsWarning, match=r"2 of 946 repeat customers spent 0"):
        got = fit_gamma_gamma(zero)
    kept = zero[~((zero["frequency"] > 0) & (zero["monetary_value"] == 0))]
    ref = fit_gamma_gamma(kept)
    assert got.n == 944 and got.n_excluded == 2 and ref.n_excluded == 0
    assert got.params == pytest.approx(ref.params, rel=1e-12)
    # the message masks the ids (mask_identifier: first half kept, at most 4 characters,
    # the rest as *), never the id itself
    with pytest.warns(ExcludedRowsWarning) as record:
        fit_gamma_gamma(zero)
    first = zero.loc[zero.index[long_ids][0], "customer_id"]
    keep = min(len(first) // 2, 4)
    shown = first[:keep] + "*" * (len(first) - keep)
    assert shown in str(record[0].message) and first not in str(record[0].message)
    # a negative mean spend is still an error naming the column and the count
    neg = sample_summary.copy()
    neg.loc[neg.index[neg["frequency"] > 0][:1], "monetary_value"] = -5.0
    with pytest.raises(DataQualityError, match="monetary_value: 1 repeat customers"):
        fit_gamma_gamma(neg)
