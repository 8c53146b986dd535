"""The survey-to-sales join is reported and cannot fail silently: match rate, answers
without an id, answers too recent, and a stop below the threshold. Every expected count
is worked out by hand from the five-row frames below."""

import warnings

import numpy as np
import pandas as pd
import pytest

from loyalty_lib import (
    DataQualityError,
    LoyaltyWarning,
    answer_behaviour,
    match_sentence,
    say_do,
    say_do_test,
    score_spend_correlation,
    users_referrers,
)

KEYS = {"customer": "c", "score": "s", "survey_date": "t", "date": "d", "value": "v"}


def _survey(ids):
    return pd.DataFrame(
        {
            "c": ids,
            "s": [10, 9, 3, 8, 6][: len(ids)],
            "t": pd.to_datetime(["2024-01-01"] * 4 + ["2024-06-25"])[: len(ids)],
        }
    )


def _sales(ids):
    n = len(ids)
    return pd.DataFrame(
        {
            "c": ids,
            "d": pd.to_datetime(["2024-02-01"] * (n - 1) + ["2024-06-30"]),
            "v": [10.0 * (i + 1) for i in range(n)],
        }
    )


def test_float_looking_ids_are_caught_by_the_match_rate():
    # a user's own frames: survey ids "17093", sales ids "17093.0" (read as floats, then text)
    survey = _survey(["17093", "17094", "17095", "17096"])
    sales = _sales(["17093.0", "17094.0", "17095.0", "17096.0"])
    with pytest.raises(DataQualityError, match=r"only 0 of 4 identified respondents \(0\.0%\)"):
        answer_behaviour(survey, sales, **KEYS, horizon_days=30, retained_after_days=10)
    with pytest.raises(
        DataQualityError, match=r"look like \['99999'\], sales ids like \['99999.9'\]"
    ) as info:
        users_referrers(survey, sales, customer="c", score="s", survey_date="t", value="v")
    assert "17093" not in str(info.value)  # ids are shown by their form only


def test_match_rate_counts_respondents_and_the_threshold_is_a_parameter():
    # respondents a, b, c, d; sales know a, b, c -> 3 of 4 = 0.75
    survey = _survey(["a", "b", "c", "d"])
    sales = _sales(["a", "b", "c", "x"])
    with pytest.warns(LoyaltyWarning, match="1 answers come from customers who never appear"):
        out = answer_behaviour(survey, sales, **KEYS, horizon_days=30, retained_after_days=10)
    m = out.attrs["match"]
    assert (m["respondents"], m["found"], m["match_rate"]) == (4, 3, 0.75)
    with pytest.raises(DataQualityError, match=r"3 of 4 .*75\.0%.*below the 80%"):
        answer_behaviour(
            survey, sales, **KEYS, horizon_days=30, retained_after_days=10, min_match_rate=0.8
        )
    with pytest.raises(ValueError, match="min_match_rate"):
        answer_behaviour(survey, sales, **KEYS, min_match_rate=1.5)


def test_answers_without_id_are_counted_and_kept_out_and_too_recent_ones_counted():
    # a, None, c, d answer on 1 Jan, e on 25 Jun; sales up to 30 Jun; horizon 30 days:
    # e's window (to 25 Jul) is not over -> too recent; None has no id -> out of the join.
    survey = _survey(["a", None, "c", "d", "e"])
    sales = _sales(["a", "c", "d", "e"])
    out = answer_behaviour(survey, sales, **KEYS, horizon_days=30, retained_after_days=10)
    assert out["c"].tolist() == ["a", "c", "d"]  # the anonymous answer is not a non-buyer
    assert out.attrs["without_id"] == 1 and out.attrs["incomplete"] == 1
    m = out.attrs["match"]
    assert (m["respondents"], m["found"], m["answers_without_id"], m["answers_too_recent"]) == (
        4,
        4,
        1,
        1,
    )
    table = say_do(out, min_base=1)
    assert table.attrs["match"] == m
    assert int(table["n"].sum()) == 3  # a promoter, c detractor, d passive
    assert say_do_test(out).attrs["match"] == m
    assert match_sentence(table) == (
        "Survey-to-sales join: 4 of 4 identified respondents (100.0%) found in the sales "
        # one of each: the singular forms (ngettext), "are" for the two together
        "log; 1 answer without a customer id and 1 answer too recent to follow up are "
        "left out."
    )


def test_guest_sales_never_join_anonymous_answers():
    # guests (no id) spent 500; an anonymous answer must not receive that spend
    survey = _survey(["a", None, "b"])
    sales = pd.DataFrame({"c": ["a", None, "b"], "v": [10.0, 500.0, 20.0]})
    out = users_referrers(survey, sales, customer="c", score="s", survey_date="t", value="v")
    assert out["c"].tolist() == ["a", "b"]
    assert out["spend"].tolist() == [10.0, 20.0]
    assert out.attrs["match"]["answers_without_id"] == 1


def test_score_spend_correlation_refuses_a_failed_join_and_carries_the_report():
    survey = _survey(["a", "b", "c", "d", "e"])
    sales = _sales(["a", "b", "c", "d", "e"])
    per_customer = users_referrers(
        survey, sales, customer="c", score="s", survey_date="t", value="v"
    )
    assert score_spend_correlation(per_customer).attrs["match"]["match_rate"] == 1.0
    broken = per_customer.copy()
    broken.attrs["match"] = dict(per_customer.attrs["match"], found=1, match_rate=0.2)
    with pytest.raises(DataQualityError, match=r"only 1 of 5 .*20\.0%"):
        score_spend_correlation(broken)


def test_mixed_numeric_ids_that_do_match_pass():
    # the same ids on both sides as integers: no warning, rate 1
    survey = _survey([17093, 17094, 17095, 17096])
    sales = _sales(np.array([17093, 17094, 17095, 17096]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = answer_behaviour(survey, sales, **KEYS, horizon_days=30, retained_after_days=10)
    assert out.attrs["match"]["match_rate"] == 1.0


def test_complaint_recovery_carries_the_join_report():
    from loyalty_lib import complaint_recovery

    survey = _survey(["a", "b", "c", "d"]).assign(
        complained=[True, True, False, False], resolution_days=[1.0, None, None, None]
    )
    sales = _sales(["a", "b", "c", "d"])
    behaviour = answer_behaviour(
        survey,
        sales,
        **KEYS,
        horizon_days=30,
        retained_after_days=10,
        keep=["complained", "resolution_days"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small bases: not the point here
        out = complaint_recovery(survey, behaviour, score="s", min_base=1)
    assert out.attrs["match"] == behaviour.attrs["match"]
    assert out.attrs["match"]["found"] == 4
