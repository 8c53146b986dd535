"""Calendar-time axes in the page's language (issue 16): matplotlib's own date labels are
ISO ("2024-02") whatever the page language; date_axis writes them the reader's way.

The expected labels are CLDR's abbreviated stand-alone month names, checked by hand against
the languages' usual abbreviations (ru "янв.", "февр.", "март" unabbreviated; uk "січ.",
"лют."; be "сту", "лют" without a dot; en "Jan", "Feb")."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from loyalty_lib import nps_trend, period_retention  # noqa: E402
from loyalty_lib.i18n import set_language  # noqa: E402
from loyalty_lib.inputs.datasets import load_sales, load_survey  # noqa: E402
from loyalty_lib.inputs.overview import monthly_activity, survey_responses_by_month  # noqa: E402
from loyalty_lib.inputs.plots import (  # noqa: E402
    date_axis,
    plot_monthly_activity,
    plot_responses_by_month,
)
from loyalty_lib.retention.plots import plot_period_retention  # noqa: E402
from loyalty_lib.survey.plots import plot_nps_trend  # noqa: E402

ISO = re.compile(r"\d{4}-\d{2}")


@pytest.fixture(autouse=True)
def english_after():
    yield
    set_language("en")
    plt.close("all")


def _ticks(ax) -> list[str]:
    ax.figure.canvas.draw()  # tick labels are made when the figure is drawn
    return [t.get_text() for t in ax.get_xticklabels() if t.get_text()]


SIX_MONTHS = {
    "en": ["Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024"],
    "ru": ["янв. 2024", "февр. 2024", "март 2024", "апр. 2024", "май 2024", "июнь 2024"],
    "uk": ["січ. 2024", "лют. 2024", "бер. 2024", "квіт. 2024", "трав. 2024", "черв. 2024"],
    "be": ["сту 2024", "лют 2024", "сак 2024", "кра 2024", "май 2024", "чэр 2024"],
}


@pytest.mark.parametrize("lang", list(SIX_MONTHS))
def test_monthly_ticks_are_local_month_names(lang):
    set_language(lang)
    months = pd.DataFrame(
        {"month": pd.date_range("2024-01-01", periods=6, freq="MS"), "value": range(6),
         "customers": range(6)}
    )  # fmt: skip
    assert _ticks(plot_monthly_activity(months)) == SIX_MONTHS[lang]


def test_yearly_ticks_show_the_year_and_short_spans_the_day():
    set_language("ru")
    _, ax = plt.subplots()
    ax.plot(pd.date_range("2015-01-01", periods=100, freq="MS"), range(100))
    date_axis(ax)
    ticks = _ticks(ax)
    assert ticks and all(re.fullmatch(r"20\d\d", t) for t in ticks), ticks
    _, ax = plt.subplots()
    ax.plot(pd.date_range("2024-01-03", periods=9, freq="D"), range(9))
    date_axis(ax)
    ticks = _ticks(ax)
    # days: the medium date, "3 янв. 2024 г." (the year's "г." on a narrow no-break space)
    assert ticks and all(re.fullmatch(r"\d{1,2} янв\. 2024\u202fг\.", t) for t in ticks), ticks


@pytest.mark.parametrize("lang", ["ru", "be"])
def test_every_time_chart_of_the_reports_has_local_ticks(lang):
    set_language(lang)
    sales, survey = load_sales("demo"), load_survey("demo")
    keys = {"customer": "customer_id", "date": "order_date"}
    charts = [
        plot_monthly_activity(monthly_activity(sales, **keys, value="amount")),
        plot_responses_by_month(survey_responses_by_month(survey, score="score", date="wave")),
        plot_nps_trend(nps_trend(survey[survey["score"].isin(range(11))], "score", "wave")),
        plot_period_retention(period_retention(sales, **keys, value="amount")),
    ]
    for ax in charts:
        ticks = _ticks(ax)
        assert ticks, ax.get_title()
        assert not [t for t in ticks if ISO.search(t)], (ax.get_title(), ticks)
        # the demo runs Jan 2023 - Dec 2024: every tick names a month in Cyrillic
        assert all(re.fullmatch(r"[а-яіў]{3,5}\.? 202[345]", t) for t in ticks), ticks
