"""docs/columns.md lists every result column of the public API: each public function is
called on the demo shop and every column it returns must be in its section of the page."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import loyalty_lib as L
from loyalty_lib.inputs.datasets import demo_dir, load_demo, load_sales, load_survey

DOC = (Path(__file__).resolve().parent.parent / "docs" / "columns.md").read_text(encoding="utf-8")
K = {"customer": "customer_id", "date": "order_date", "value": "amount"}


def _documented() -> dict[str, set[str]]:
    sections = re.split(r"^## `(\w+)`\s*$", DOC, flags=re.M)
    return {
        name: set(re.findall(r"^\| `(\w+)`", body, flags=re.M))
        for name, body in zip(sections[1::2], sections[2::2], strict=True)
    }


@pytest.fixture(scope="module")
def results():
    sales, survey = load_sales("demo"), load_survey("demo")
    clean = survey[survey["score"].between(0, 10)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ab = L.answer_behaviour(
            survey,
            sales,
            customer="customer_id",
            score="score",
            survey_date="response_date",
            date="order_date",
            value="amount",
            wave="wave",
            keep=["complained", "resolution_days"],
            errors="exclude",
        )
        ur = L.users_referrers(
            survey,
            sales,
            customer="customer_id",
            score="score",
            survey_date="response_date",
            value="amount",
            errors="exclude",
        )
        cohorts = L.cohort_retention(sales, **K)
        classes = L.abc_classes(sales, customer="customer_id", value="amount")
        rfm = L.rfm_scores(sales, **K)
        rhythm = L.purchase_rhythm(sales, customer="customer_id", date="order_date")
        bought = sales[sales["amount"] >= 0]  # the purchase models count purchases only
        model = {"customer": "customer_id", "date": "order_date"}
        summary = L.customer_summary(bought, **model, value="amount", end="2024-12-31")
        bg, gg = L.fit_bgnbd(summary), L.fit_gamma_gamma(summary)
        ranking = L.lapse_signal_ranking(
            bought, **model, end="2024-06-30", holdout_end="2024-12-31"
        )
        scores, _ = L.lapse_scores(bought, **model, as_of="2024-12-31", horizon=26.0)
        out = {
            "nps": L.nps(clean, "score", by="region"),
            "compare_nps": L.compare_nps(
                clean[clean.region == "East"], clean[clean.region == "West"], "score"
            ),
            "nps_trend": L.nps_trend(clean, "score", "wave"),
            "nps_drivers": L.nps_drivers(clean, "score", ["advertising", "product"]),
            "nps_distribution": L.nps_distribution(clean, "score"),
            "pareto_split": L.pareto_split(sales, customer="customer_id", value="amount"),
            "pareto_by_period": L.pareto_by_period(sales, **K),
            "lorenz_curve": L.lorenz_curve(sales, customer="customer_id", value="amount"),
            "customer_value": L.customer_value(sales, **K),
            "abc_classes": classes,
            "abc_summary": L.abc_summary(classes),
            "abc_values": L.abc_values(sales, **K, ids=sales["customer_id"].head(3).tolist()),
            "cohort_retention": cohorts,
            "retention_curve": L.retention_curve(cohorts),
            "repeat_purchase_rate": L.repeat_purchase_rate(
                sales, customer="customer_id", date="order_date"
            ),
            "time_to_second_purchase": L.time_to_second_purchase(
                sales, customer="customer_id", date="order_date"
            ),
            "period_retention": L.period_retention(sales, **K),
            "rfm_scores": rfm,
            "rfm_segments": L.rfm_segments(rfm),
            "rfm_segment_summary": L.rfm_segment_summary(sales, **K),
            "rfm_transitions": L.rfm_transitions(
                sales, **K, as_of_dates=["2024-06-30", "2024-12-31"]
            ),
            "purchase_rhythm": rhythm,
            "reminder_list": L.reminder_list(rhythm),
            "rhythm_summary": L.rhythm_summary(
                sales, customer="customer_id", date="order_date", max_ratio=4
            ),
            "lapse_backtest": L.lapse_backtest(
                sales, customer="customer_id", date="order_date", cutoff="2024-06-30"
            ),
            "customer_summary": summary,
            "fit_bgnbd": (bg.predict(26.0), bg.table()),
            "fit_gamma_gamma": gg.independence,
            "customer_clv": L.customer_clv(bg, gg),
            "clv_summary": L.clv_summary(bg, gg),
            "clv_retention_whatif": L.clv_retention_whatif(bg, gg),
            "bgnbd_backtest": L.bgnbd_backtest(
                bought, **model, end="2024-06-30", holdout_end="2024-12-31"
            ),
            "lapse_signal_ranking": ranking,
            "lapse_scores": scores,
            "signal_reminder_list": (
                L.signal_reminder_list(scores, signal="recency"),
                L.signal_reminder_list(ranking[1], signal="recency"),
            ),
            "skip_return_rate": L.skip_return_rate(sales, **K, freq="quarter"),
            "clv_from_log": L.clv_from_log(sales, **K, margin_rate=0.3, annual_discount=0.1),
            "answer_behaviour": ab,
            "say_do": L.say_do(ab),
            "say_do_test": L.say_do_test(ab),
            "users_referrers": ur,
            "score_spend_correlation": L.score_spend_correlation(ur),
            "complaint_recovery": L.complaint_recovery(survey, ab, score="score", errors="exclude"),
            "compare_recovery": L.compare_recovery(survey, ab, score="score", errors="exclude"),
            "detractor_touchpoints": L.detractor_touchpoints(
                clean, score="score", touchpoints=["product"]
            ),
            "read_events": L.read_events(demo_dir() / "events.csv"),
            "read_responses": L.read_responses(demo_dir() / "stockout_responses.csv"),
            "event_effect": L.event_effect(
                survey,
                metric="nps",
                segment="region",
                treated="East",
                pre=("2024-01-01", "2024-05-31"),
                post=("2024-06-01", "2024-09-30"),
            ),
            "campaign_uplift": L.campaign_uplift(load_demo().campaign, target_uplift=0.05),
            "holdout_size": L.holdout_size(0.2, 0.05),
            "detractor_callbacks": L.detractor_callbacks(clean, "score", ["product", "delivery"]),
            "unresolved_complaints": L.unresolved_complaints(survey),
            "overdue_vips": L.overdue_vips(rfm, rhythm),
            "overdue_vip_list": L.overdue_vip_list(sales, **K),
            "stockout_returns": L.stockout_returns(
                load_demo().stockout_responses, sales, after="2024-06-30"
            ),
        }
    return out


def test_every_public_result_column_is_documented(results):
    documented = _documented()
    gaps = {}
    for name, frames in results.items():
        frames = frames if isinstance(frames, tuple) else (frames,)  # some return two frames
        cols = {str(c) for f in frames for c in f.columns} - {"region"}  # `by`: the user's
        missing = cols - documented.get(name, set())
        if missing:
            gaps[name] = sorted(missing)
    assert gaps == {}, f"columns missing from docs/columns.md: {gaps}"


def test_every_documented_function_is_public():
    assert set(_documented()) <= set(L.__all__)
