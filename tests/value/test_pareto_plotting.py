"""plotting.pareto: each plot draws what it says and returns the axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from loyalty_lib.value.abc import abc_classes, abc_summary
from loyalty_lib.value.pareto import lorenz_curve, pareto_by_period, pareto_split
from loyalty_lib.value.plots import (  # noqa: E402
    plot_abc,
    plot_concentration_by_period,
    plot_lorenz,
)

# fewer than 2,000 resamples keep these plotting tests fast; the warning itself is
# tested in tests/survey/test_nps_bootstrap.py
pytestmark = pytest.mark.filterwarnings(
    "ignore:n_boot.*resamples:loyalty_lib.errors.LoyaltyWarning"
)


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 200
    return pd.DataFrame(
        {
            "customer_id": [f"c{i % 60:02d}" for i in range(n)],
            "order_date": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 700, n), "D"),
            "amount": np.round(rng.lognormal(3, 1, n), 2),
        }
    )


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_lorenz_with_split_marks_the_points(data):
    curve = lorenz_curve(data, customer="customer_id", value="amount")
    split = pareto_split(data, customer="customer_id", value="amount")
    ax = plot_lorenz(curve, split)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "customers (n = 60)"
    top = split.iloc[0]
    assert any(
        label.startswith(f"top 20% of customers bring {top['top_value_share']:.0%}")
        for label in labels
    )
    assert "the 80/20 rule" in labels
    assert f"Gini {top['gini']:.2f}" in ax.get_title()
    assert "(%)" in ax.get_xlabel() and "(%)" in ax.get_ylabel()
    # from the top the curve starts steep: above the diagonal
    x, y = ax.get_lines()[0].get_data()
    assert (y >= x - 1e-12).all()


def test_textbook_orientation_lies_below_the_diagonal(data):
    curve = lorenz_curve(data, customer="customer_id", value="amount")
    fig, ax = plt.subplots()
    assert plot_lorenz(curve, from_top=False, ax=ax) is ax
    x, y = ax.get_lines()[0].get_data()
    assert (y <= x + 1e-12).all()


def test_lorenz_refuses_a_multi_row_split(data):
    curve = lorenz_curve(data, customer="customer_id", value="amount")
    two = pareto_split(
        data.assign(g=np.arange(len(data)) % 2),
        customer="customer_id",
        value="amount",
        by="g",
        min_customers=1,
    )
    with pytest.raises(ValueError, match=r"split: expected the one-row result"):
        plot_lorenz(curve, two)


def test_abc_bars_match_the_summary(data):
    summary = abc_summary(abc_classes(data, customer="customer_id", value="amount"))
    ax = plot_abc(summary)
    heights = [bar.get_height() for bar in ax.patches]
    shown = summary[summary["customer_share"].notna()]
    expected = shown["customer_share"].tolist() + shown["value_share"].tolist()
    assert heights == pytest.approx(expected)
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == [
        "class A",
        "class B",
        "class C",
    ]


def test_concentration_by_period_with_intervals(data):
    by_year = pareto_by_period(
        data, customer="customer_id", value="amount", date="order_date", n_boot=50, min_customers=1
    )
    ax = plot_concentration_by_period(by_year)
    assert len(ax.containers) == 2  # two error-bar series
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["2023", "2024"]


def test_concentration_ticks_name_quarters_in_the_page_language(data):
    from loyalty_lib.i18n import set_language

    by_quarter = pareto_by_period(
        data, customer="customer_id", value="amount", date="order_date", freq="quarter",
        min_customers=1,
    )  # fmt: skip
    assert by_quarter["period_label"].iloc[0] == "2023-Q1"  # the result keeps the ISO label
    try:
        set_language("ru")
        ax = plot_concentration_by_period(by_quarter)
        ticks = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
        # CLDR ru 'QQQ y': "1-й кв. 2023"; the data cover 2023-01-01 + 700 days = Q4 2024
        assert ticks[:2] == ["1-й кв. 2023", "2-й кв. 2023"] and ticks[-1] == "4-й кв. 2024"
        assert len(ticks) == 8
    finally:
        set_language("en")


def test_wrong_frame_is_named():
    with pytest.raises(ValueError, match=r"pass the result of lorenz_curve"):
        plot_lorenz(pd.DataFrame({"x": [1]}))
