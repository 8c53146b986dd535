"""The NPS charts' legends follow the page language (issue 16): a Russian page showed
"detractors / passives / promoters" and "NPS (interval)" inside its charts, where the page text
check cannot see them. Expected words from docs/glossary.md (ru: критики, нейтральные,
сторонники)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from loyalty_lib import nps, nps_distribution
from loyalty_lib.i18n import set_language
from loyalty_lib.inputs.datasets import load_survey
from loyalty_lib.survey.plots import plot_nps_segments, plot_score_distribution


@pytest.fixture
def russian():
    set_language("ru")
    yield
    set_language("en")


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_nps_chart_legends_are_in_the_page_language(russian):
    survey = load_survey("demo")
    survey = survey[survey["score"].isin(range(11))]
    ax = plot_score_distribution(nps_distribution(survey, "score"))
    assert [t.lower() for t in _legend(ax)] == ["критики", "нейтральные", "сторонники"]
    plt.close("all")
    ax = plot_nps_segments(nps(survey, "score", by="region"), "region")
    texts = [t.lower() for t in _legend(ax)]
    assert texts[:3] == ["критики", "нейтральные", "сторонники"]
    assert not any("interval" in t or "detractor" in t for t in texts)
    plt.close("all")
