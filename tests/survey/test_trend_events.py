"""Events on the NPS trend chart (issue 17, item 2): spans where the log says, kinds told
apart, labels masked, events outside the chart left out, events in scope of a segment."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.dates import date2num  # noqa: E402

from loyalty_lib import nps_trend, read_events  # noqa: E402
from loyalty_lib.inputs.events import events_in_scope  # noqa: E402
from loyalty_lib.survey.plots import plot_nps_trend  # noqa: E402

EVENTS = read_events(
    [
        {
            "start": "2024-02-01",
            "end": "2024-02-29",
            "kind": "stock-out",
            "scope": "segment:region=East",
            "label": "No stock, ask anna.k@example.com",
        },
        {"start": "2024-03-15", "kind": "campaign", "scope": "all", "label": "Spring mail"},
        {"start": "2025-06-01", "kind": "other", "scope": "all", "label": "Far later"},
    ]
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def trend():
    rng = np.random.default_rng(5)
    n = 600
    survey = pd.DataFrame(
        {
            "score": rng.integers(0, 11, n).astype(float),
            "wave": pd.to_datetime("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 120, n), unit="D"),
        }
    )
    survey["wave"] = survey["wave"].dt.to_period("M").dt.to_timestamp()
    return nps_trend(survey, "score", "wave")


def test_events_are_shaded_from_start_to_the_day_after_end_and_labelled(trend):
    ax = plot_nps_trend(trend, events=EVENTS)
    xlim = ax.get_xlim()
    spans = [p for p in ax.patches if p.get_alpha() == pytest.approx(0.15)]
    # two events fall within Jan-Apr 2024; the 2025 one is outside the chart
    assert len(spans) == 2
    lefts = sorted(p.get_x() for p in spans)
    # the stock-out spans 1 Feb to 29 Feb inclusive: 29 days on the date axis (date2num)
    stock = next(
        p for p in spans if p.get_x() == pytest.approx(date2num(pd.Timestamp("2024-02-01")))
    )
    assert stock.get_width() == pytest.approx(29.0)
    assert lefts[1] == pytest.approx(date2num(pd.Timestamp("2024-03-15")))
    assert ax.get_xlim() == xlim  # the far event did not stretch the axis
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "anna.k@example.com" not in texts and "[e-mail]" in texts  # safe_label
    assert "Far later" not in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "stock-out" in legend and "campaign" in legend and "other" not in legend
    colours = {tuple(p.get_facecolor()[:3]) for p in spans}
    assert len(colours) == 2  # kinds told apart


def test_no_events_draws_the_chart_as_before(trend):
    ax = plot_nps_trend(trend)
    assert not ax.texts
    ax2 = plot_nps_trend(trend, events=events_in_scope(None))
    assert not ax2.texts


def test_events_in_scope_of_a_segment():
    customers = pd.DataFrame({"customer_id": ["a", "b"], "region": ["East", "West"]})
    listed = read_events(
        [
            {
                "start": "2024-01-01",
                "kind": "VIP offer",
                "scope": "customers",
                "customers": "a",
                "label": "VIP",
            }
        ]
    )
    both = pd.concat([EVENTS, listed], ignore_index=True)
    east = events_in_scope(both, segment=("region", "East"), customers=customers)
    west = events_in_scope(both, segment=("region", "West"), customers=customers)
    assert east["kind"].tolist() == ["stock-out", "campaign", "other", "VIP offer"]
    assert west["kind"].tolist() == ["campaign", "other"]  # a (East) got the VIP offer
    # without a customer table a customer list's reach is unknown: left out
    assert "VIP offer" not in set(events_in_scope(both, segment=("region", "East"))["kind"])
