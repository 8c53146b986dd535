"""Bootstrap intervals of pareto_split: reproducible, degenerate when they must be, honest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.stats.concentration import concentration
from loyalty_lib.value.pareto import pareto_split

# fewer than 2,000 resamples keep these property/plumbing tests fast; the warning itself is
# tested in tests/survey/test_nps_bootstrap.py
pytestmark = pytest.mark.filterwarnings(
    "ignore:n_boot.*resamples:loyalty_lib.errors.LoyaltyWarning"
)


CI_COLUMNS = [
    f"{s}_ci_{side}"
    for s in ("top_value_share", "customer_share_for_target", "gini")
    for side in ("lower", "upper")
]


def frame(values) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in range(len(values))],
            "amount": np.asarray(values, dtype=float),
        }
    )


def split(values, **kwargs) -> pd.Series:
    kwargs.setdefault("min_customers", 1)
    return pareto_split(frame(values), customer="customer_id", value="amount", **kwargs).iloc[0]


def test_columns_only_when_asked():
    values = np.arange(1, 51)
    assert not set(CI_COLUMNS) & set(split(values).index)
    row = split(values, n_boot=200)
    assert set(CI_COLUMNS) <= set(row.index)
    assert row["n_boot"] == 200 and row["confidence"] == 0.95


def test_same_seed_same_interval_other_seed_other_interval():
    values = np.random.default_rng(0).lognormal(3, 1, 300)
    a, b = split(values, n_boot=300, seed=5), split(values, n_boot=300, seed=5)
    c = split(values, n_boot=300, seed=6)
    assert a[CI_COLUMNS].tolist() == b[CI_COLUMNS].tolist()
    assert a[CI_COLUMNS].tolist() != c[CI_COLUMNS].tolist()


def test_all_equal_values_give_a_degenerate_interval():
    # every resample of 10 equal values is 10 equal values: top 20% bring 2/10, 80% needs
    # 8/10, Gini 0 in every resample
    row = split([4.0] * 10, n_boot=100)
    assert row["top_value_share_ci_lower"] == row["top_value_share_ci_upper"] == 0.2
    assert row["customer_share_for_target_ci_lower"] == pytest.approx(0.8)
    assert row["customer_share_for_target_ci_upper"] == pytest.approx(0.8)
    assert row["gini_ci_lower"] == row["gini_ci_upper"] == 0.0


def test_interval_brackets_the_estimate_and_narrows_with_more_customers():
    rng = np.random.default_rng(11)
    small = split(rng.lognormal(3, 1, 200), n_boot=400)
    large = split(rng.lognormal(3, 1, 5_000), n_boot=400)
    for row in (small, large):
        for stat in ("top_value_share", "customer_share_for_target", "gini"):
            assert row[f"{stat}_ci_lower"] <= row[stat] <= row[f"{stat}_ci_upper"]
    width = {
        name: row["top_value_share_ci_upper"] - row["top_value_share_ci_lower"]
        for name, row in (("small", small), ("large", large))
    }
    # standard error shrinks like 1/sqrt(n): 25x the customers -> about 1/5 of the width
    assert width["large"] < width["small"] / 3


def test_coverage_of_the_population_top_share():
    # A population of 400,000 lognormal customers; its top-20% share is the truth. 80
    # samples of 1,500 customers each: a 90% percentile interval should cover the truth in
    # roughly 90% of the samples (binomial sd with 80 samples: 3.4 points; we accept >= 78%).
    rng = np.random.default_rng(2024)
    population = rng.lognormal(3, 1, 400_000)
    truth = concentration(np.sort(population)[::-1], top=0.2, target=0.8)["top_value_share"]
    hits = 0
    for _ in range(80):
        sample = rng.choice(population, 1_500, replace=False)
        row = split(sample, n_boot=300, confidence=0.9, seed=int(rng.integers(1 << 31)))
        hits += row["top_value_share_ci_lower"] <= truth <= row["top_value_share_ci_upper"]
    assert hits / 80 >= 0.78


def test_non_positive_customers_are_resampled_too():
    # half the customers have net value 0: the number of positive customers varies from
    # resample to resample, but every statistic stays defined and within bounds
    values = np.r_[np.arange(1, 21), np.zeros(20)]
    row = split(values, n_boot=300)
    assert 0 < row["top_value_share_ci_lower"] <= row["top_value_share_ci_upper"] <= 1
    assert 0 <= row["gini_ci_lower"] <= row["gini_ci_upper"] < 1


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(3).lognormal(3, 1.2, 257),  # continuous, odd size
        np.r_[np.repeat([9.0, 5.0, 5.0, 2.0, 1.0], 7), np.zeros(6), [-3.0, -8.0]],  # ties
        np.array([4.0] * 10),  # every resample equal
        np.array([10.0, -1.0, -2.0, 0.0]),  # one positive customer: resamples without it
    ],
    ids=["lognormal", "ties-and-non-positive", "equal", "one-positive"],
)
def test_the_counting_bootstrap_equals_sorting_each_resample(values):
    # The bootstrap computes each resample's statistics from the draw counts of the values
    # sorted once. Reference: draw the same indices from the same seed, sort each resample
    # and summarise it with concentration() (the point estimate, pinned by hand in
    # test_pareto_split.py), then take the same percentiles.
    from loyalty_lib.stats.concentration import concentration_bootstrap

    descending = -np.sort(-values)
    n_boot, top, target = 300, 0.2, 0.8
    got = concentration_bootstrap(
        descending,
        top=top,
        target=target,
        n_boot=n_boot,
        confidence=0.9,
        rng=np.random.default_rng(42),
    )
    draws = np.random.default_rng(42).integers(0, descending.size, size=(n_boot, descending.size))
    per_stat = {"top_value_share": [], "customer_share_for_target": [], "gini": []}
    for row in draws:
        resample = np.sort(descending[row])[::-1]
        stats = concentration(resample[resample > 0], top=top, target=target)
        for name in per_stat:
            per_stat[name].append(stats[name])
    for name, draws_of in per_stat.items():
        kept = np.asarray(draws_of)[~np.isnan(draws_of)]
        lower, upper = np.quantile(kept, [0.05, 0.95])
        assert got[f"{name}_ci_lower"] == pytest.approx(lower, rel=1e-9, abs=1e-12), name
        assert got[f"{name}_ci_upper"] == pytest.approx(upper, rel=1e-9, abs=1e-12), name
