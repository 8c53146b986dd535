"""The behaviour page's library text follows set_language: the join sentence's plural forms
and the results' own labels (segments, categories) on charts and tables."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from loyalty_lib.behaviour.plots import plot_rfm_segments, result_label
from loyalty_lib.behaviour.say_do import match_sentence
from loyalty_lib.i18n import set_language

matplotlib.use("Agg")


@pytest.fixture
def russian():
    yield set_language("ru")
    set_language("en")


def _joined(without_id: int, too_recent: int) -> pd.DataFrame:
    r = pd.DataFrame()
    r.attrs["match"] = {
        "respondents": 1234,
        "found": 1200,
        "match_rate": 1200 / 1234,
        "answers_without_id": without_id,
        "answers_too_recent": too_recent,
    }
    return r


def test_the_join_sentence_has_russian_plural_forms_and_number_signs(russian):
    # Russian grammar: 1 ответ, 2 ответа, 5 ответов; 1 234 with a no-break space, 97,2 %
    # (1200 / 1234 = 0.97245 -> 97,2)
    text = match_sentence(_joined(1, 0))
    assert text.startswith("Связь опроса с продажами: 1\u00a0200 из 1\u00a0234 ")
    assert "(97,2\u00a0%)" in text and "1 ответ без идентификатора клиента" in text
    assert "2 ответа без идентификатора" in match_sentence(_joined(2, 0))
    both = match_sentence(_joined(5, 21))
    assert "5 ответов без идентификатора клиента и 21 ответ слишком свежий" in both


def test_results_labels_are_translated_where_shown_and_data_words_are_not(russian):
    assert result_label("promoter") == "сторонники"
    assert result_label("Needs attention") == "Требуют внимания"
    assert result_label("delivery") == "delivery"  # a touchpoint column: the data's own word
    summary = pd.DataFrame(
        {
            "segment": ["VIP", "Lost"],
            "customers": [1500, 2],
            "customer_share": [0.4, 0.6],
            "monetary_share": [0.9, 0.1],
        }
    )
    ax = plot_rfm_segments(summary)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["VIP (n = 1\u00a0500)", "Потерянные (n = 2)"]
    assert ax.get_xlabel() == "доля (%)"
    matplotlib.pyplot.close(ax.figure)
