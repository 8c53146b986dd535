"""Plots of cohort results: they draw what the result frames say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from loyalty_lib.retention.cohorts import cohort_retention
from loyalty_lib.retention.curves import retention_curve
from loyalty_lib.retention.plots import (  # noqa: E402
    plot_repeat_rate,
    plot_retention_curves,
    plot_retention_heatmap,
    plot_time_to_second_purchase,
)
from loyalty_lib.retention.repeat import (  # noqa: E402
    repeat_purchase_rate,
    time_to_second_purchase,
)

KW = {"customer": "customer_id", "date": "order_date"}
LOG = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b", "c", "c", "d"],
        "order_date": pd.to_datetime(
            ["2024-01-05", "2024-02-10", "2024-01-20", "2024-02-03", "2024-03-01", "2024-03-15"]
        ),
        "region": ["N", "N", "S", "N", "N", "S"],
    }
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_heatmap_annotates_complete_cells_only():
    result = cohort_retention(LOG, **KW, as_of="2024-03-20")  # March incomplete
    ax = plot_retention_heatmap(result)
    texts = sorted(t.get_text() for t in ax.texts)
    # Jan cohort (a, b): k0 100%, k1 50% (a in Feb); k2 (March) incomplete -> no text.
    # Feb cohort (c): k0 100%; k1 March incomplete. Mar cohort: k0 incomplete.
    assert texts == ["100", "100", "50"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # the cohort as a reader names it (CLDR abbreviated month, "LLL y"), not ISO "2024-01"
    assert labels == ["Jan 2024 (n=2)", "Feb 2024 (n=1)", "Mar 2024 (n=1)"]
    assert "months since first purchase" in ax.get_xlabel()
    assert ax.get_title()


def test_heatmap_in_russian_names_cohorts_and_numbers_the_russian_way():
    from loyalty_lib.i18n import set_language

    result = cohort_retention(LOG, **KW, as_of="2024-03-20")
    quarters = cohort_retention(LOG, **KW, as_of="2024-12-31", freq="quarter")
    try:
        set_language("ru")
        labels = [t.get_text() for t in plot_retention_heatmap(result).get_yticklabels()]
        # CLDR's abbreviated stand-alone months: "янв.", "февр.", "март" (not abbreviated)
        assert labels == ["янв. 2024 (n=2)", "февр. 2024 (n=1)", "март 2024 (n=1)"]
        plt.close("all")
        ax = plot_retention_heatmap(quarters)
        assert [t.get_text() for t in ax.get_yticklabels()] == ["1-й кв. 2024 (n=4)"]
        plt.close("all")
        # a cell below 9.95 % keeps one decimal, with the decimal comma: a January cohort of
        # 12 of whom one buys again in February: k0 100 %, k1 1/12 = 8.33 % -> "8,3",
        # k2 (March, complete on 31 March) 0 % -> "0,0"
        big = pd.DataFrame(
            {"customer_id": [f"c{i}" for i in range(12)] + ["c0"],
             "order_date": pd.to_datetime(["2024-01-10"] * 12 + ["2024-02-10"])}
        )  # fmt: skip
        ax = plot_retention_heatmap(cohort_retention(big, **KW, as_of="2024-03-31"))
        assert sorted(t.get_text() for t in ax.texts) == ["0,0", "100", "8,3"]
        assert [t.get_text() for t in ax.get_yticklabels()] == ["янв. 2024 (n=12)"]
    finally:
        set_language("en")


def test_heatmap_refuses_several_segments():
    result = cohort_retention(LOG, **KW, by="region", as_of="2024-03-31")
    with pytest.raises(ValueError, match="filter it to one segment"):
        plot_retention_heatmap(result)


def test_curves_draw_each_cohort_and_the_average():
    result = cohort_retention(LOG, **KW, as_of="2024-03-31")
    curve = retention_curve(result)
    ax = plot_retention_curves(result, curve)
    lines = ax.get_lines()
    # Jan and Feb cohorts (the Mar cohort has only period 0, left out in mode "on")
    # plus the average
    assert len(lines) == 2 + 1
    average = lines[-1]
    # period 0 left out in mode "on"; k=1: (1 + 1) / (2 + 1) -> 66.7%; k=2: 0 / 2
    np.testing.assert_allclose(average.get_ydata(), curve["retention"].iloc[1:] * 100)
    assert "%" in ax.get_ylabel()


def test_time_to_second_purchase_and_repeat_rate_plots():
    km = time_to_second_purchase(LOG, **KW, as_of="2024-03-31")
    ax = plot_time_to_second_purchase(km, bin_days=7)
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == km["second_purchases"].sum() == 2  # a (36 days), c (27 days)
    assert "days" in ax.get_xlabel()
    rate = repeat_purchase_rate(LOG, **KW, by="region", as_of="2024-03-31")
    ax = plot_repeat_rate(rate)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["N\n(n=2)", "S\n(n=2)"]


def test_curves_by_segment_one_line_per_segment():
    from loyalty_lib.retention.plots import plot_curves_by_segment

    result = cohort_retention(LOG, **KW, by="region", as_of="2024-03-31")
    curve = retention_curve(result)
    ax = plot_curves_by_segment(curve, "region")
    # N: Jan {a}, Feb {c}: k=1 -> a in Feb, c in Mar = 2/2 (n=2); S: Jan {b}, Mar {d}:
    # k=1 -> b not in Feb = 0/1 (only Jan completed k=1 among S... Mar cohort's k=1 not begun)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["N (n=2)", "S (n=1)"]
    assert ax.get_lines()[0].get_ydata()[0] == 100.0
    assert ax.get_lines()[1].get_ydata()[0] == 0.0
