"""Hypothesis over the core functions on arbitrary messy input (issue 7): they never crash with
anything but a clear ValueError/TypeError, never return a number outside its bounds, and never
drop a row silently: every input row is either in the base or counted as excluded."""

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty_lib import (
    LoyaltyWarning,
    cohort_retention,
    customer_value,
    nps,
    pareto_split,
    repeat_purchase_rate,
    validate_sales,
    validate_survey,
)

FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scores = st.one_of(st.integers(-3, 13).map(float), st.sampled_from([np.nan, 7.5, 99.0]))
amounts = st.one_of(st.floats(-500, 5000, allow_nan=False).map(lambda x: round(x, 2)), st.just(0.0))
days = st.integers(0, 400)
customers = st.sampled_from(list("abcdefgh"))


@st.composite
def logs(draw, missing=True):
    n = draw(st.integers(1, 40))
    ids = draw(
        st.lists(st.one_of(customers, st.none()) if missing else customers, min_size=n, max_size=n)
    )
    offsets = draw(
        st.lists(st.one_of(days, st.none()) if missing else days, min_size=n, max_size=n)
    )
    values = draw(st.lists(amounts, min_size=n, max_size=n))
    start = pd.Timestamp("2023-01-01")
    return pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype="str"),
            "order_date": pd.to_datetime(
                [start + pd.Timedelta(days=d) if d is not None else None for d in offsets]
            ),
            "amount": values,
        }
    )


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltyWarning)
        return fn(*args, **kw)


@FAST
@given(st.lists(scores, min_size=0, max_size=60), st.sampled_from(["N", "S"]))
def test_nps_bounds_and_every_answer_accounted_for(values, region):
    frame = pd.DataFrame({"score": values, "region": region})
    before = frame.copy()
    out = _quiet(nps, frame, "score", errors="exclude", min_base=1)
    row = out.iloc[0]
    assert row.n + row.excluded == len(values)  # nothing silently dropped
    assert row.promoters + row.passives + row.detractors == row.n
    if row.n:
        assert (
            -100 <= row.nps_ci_lower <= row.nps <= row.nps_ci_upper <= 100
            or -100 <= row.nps_ci_lower <= row.nps_ci_upper <= 100
        )
        assert -100 <= row.nps <= 100
    pd.testing.assert_frame_equal(frame, before)


@FAST
@given(logs(missing=False), st.floats(0.05, 1.0), st.floats(0.05, 1.0))
def test_pareto_split_bounds_and_customers_accounted_for(log, top, target):
    out = _quiet(
        pareto_split,
        log,
        customer="customer_id",
        value="amount",
        top=top,
        target=target,
        min_customers=1,
    ).iloc[0]
    assert out.customers + out.non_positive_customers == log["customer_id"].nunique()
    if out.customers:
        assert 0 < out.top_value_share <= 1 + 1e-12
        assert 0 < out.customer_share_for_target <= 1
        assert 0 <= out.gini < 1
        assert 1 <= out.top_customers <= out.customers
    values = customer_value(log, customer="customer_id", value="amount")
    assert np.isclose(values["value"].sum(), log["amount"].sum())  # every row's value counted
    assert values["orders"].sum() == (log["amount"] > 0).sum()
    assert values["returns"].sum() == (log["amount"] < 0).sum()


@FAST
@given(logs())
def test_cohort_retention_rows_in_base_or_counted(log):
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = cohort_retention(
                log, customer="customer_id", date="order_date", value="amount", freq="month"
            )
    except ValueError as exc:  # only when no row has a date: said so, not a crash
        assert "no rows with a date" in str(exc) or "nothing to analyse" in str(exc)
        assert log["order_date"].isna().all() or log["customer_id"].isna().all()
        return
    excluded = out.attrs["excluded"]
    usable = log.dropna(subset=["customer_id", "order_date"])
    assert excluded["missing_customer"] == log["customer_id"].isna().sum()
    assert excluded["missing_date"] == (log["customer_id"].notna() & log["order_date"].isna()).sum()
    if sum(excluded.values()):
        assert any("excluded rows" in str(w.message) for w in caught)
    buyers = usable[usable["amount"] >= 0]["customer_id"].nunique()
    period0 = out[out["period"] == 0]
    assert period0["cohort_size"].sum() == buyers  # every buying customer is in one cohort
    done = out["retention"].dropna()
    assert ((done >= 0) & (done <= 1)).all()
    assert (out["active"] <= out["cohort_size"]).all()


@FAST
@given(logs(), st.integers(1, 120))
def test_repeat_rate_bounds_and_base(log, within):
    try:
        out = _quiet(
            repeat_purchase_rate,
            log,
            customer="customer_id",
            date="order_date",
            value="amount",
            within=within,
            min_base=1,
        ).iloc[0]
    except ValueError as exc:
        assert "nothing to analyse" in str(exc)
        return
    assert 0 <= out.repeaters <= out.customers
    if out.customers:
        assert 0 <= out.repeat_rate_ci_lower <= out.repeat_rate <= out.repeat_rate_ci_upper <= 1


@FAST
@given(logs(), st.lists(st.one_of(scores, st.text(max_size=4)), min_size=1, max_size=30))
def test_validators_never_crash_and_count_within_the_base(log, answers):
    report = validate_sales(log, as_of="2024-12-31")
    assert (report["count"] <= report["rows"].clip(lower=1)).all()
    assert set(report["severity"]) <= {"fatal", "warning"}
    assert all(0 <= p < len(log) for p in report.attrs["excluded"])
    frame = pd.DataFrame(
        {
            "customer_id": "a",
            "wave": pd.Timestamp("2024-01-01"),
            "score": pd.Series(answers, dtype=object),
        }
    )
    survey_report = validate_survey(frame, as_of="2024-12-31")
    assert (survey_report["count"] <= len(frame)).all()
    assert len(survey_report.attrs["excluded"]) == len(frame) - 1  # same customer and wave
