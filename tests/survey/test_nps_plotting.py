"""Plots of NPS results: they draw what the result frame says and return the axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from loyalty_lib import nps, nps_distribution, nps_drivers, nps_trend  # noqa: E402
from loyalty_lib.survey.plots import (  # noqa: E402
    plot_nps_drivers,
    plot_nps_segments,
    plot_nps_trend,
    plot_score_distribution,
)


@pytest.fixture
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 400
    score = rng.integers(0, 11, n).astype(float)
    return pd.DataFrame(
        {
            "score": score,
            "region": rng.choice(["North", "South", "Tiny"], n, p=[0.5, 0.46, 0.04]),
            "wave": pd.to_datetime("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 120, n), unit="D"),
            "delivery": np.clip(np.round(1 + score / 2.5 + rng.normal(0, 1, n)), 1, 5),
            "website": rng.integers(1, 6, n).astype(float),
        }
    )


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_segments_plot_bars_and_labels(survey):
    result = nps(survey, "score", by="region")
    ax = plot_nps_segments(result, "region")
    # 3 segments × 3 stacked shares
    assert len(ax.patches) == 9
    labels = [t.get_text() for t in ax.get_yticklabels()]
    tiny = result.set_index("region").loc["Tiny"]
    assert f"Tiny\n(n={tiny['n']}, low base)" in labels
    assert "NPS" in ax.get_title() and "%" in ax.get_xlabel()


def test_trend_plot_uses_given_axes(survey):
    trend = nps_trend(survey, "score", "wave", by="region")
    _, ax = plt.subplots()
    assert plot_nps_trend(trend, by="region", ax=ax) is ax
    assert len(ax.get_lines()) >= 3
    assert "NPS" in ax.get_ylabel()


def test_drivers_and_distribution_plots(survey):
    drivers = nps_drivers(survey, "score", ["website", "delivery"])
    ax = plot_nps_drivers(drivers)
    assert [t.get_text().split("\n")[0] for t in ax.get_yticklabels()] == ["delivery", "website"]
    dist = nps_distribution(survey, "score")
    ax = plot_score_distribution(dist)
    assert len(ax.patches) == 11
    assert [p.get_height() for p in ax.patches] == pytest.approx(dist["pct"].tolist())


def test_wrong_frame_is_named():
    with pytest.raises(ValueError, match="nps_trend"):
        plot_nps_trend(pd.DataFrame({"x": [1]}))
