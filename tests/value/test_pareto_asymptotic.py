"""The influence-function intervals of the concentration statistics (stats/concentration.py):
against the percentile bootstrap on the same data, and their coverage of the published
lognormal values (Lorenz curve L(p) = Phi(Phi^-1(p) - sigma), Gini = 2 Phi(sigma / sqrt 2) - 1;
Aitchison & Brown 1957)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from loyalty_lib.stats.concentration import concentration_asymptotic, concentration_bootstrap

NAMES = ("top_value_share", "customer_share_for_target", "gini")


def _lognormal_truth(sigma: float, top: float, target: float) -> dict[str, float]:
    return {
        "top_value_share": 1 - norm.cdf(norm.ppf(1 - top) - sigma),
        # the top c hold the target: 1 - Phi(Phi^-1(1 - c) - sigma) = target
        "customer_share_for_target": 1 - norm.cdf(norm.ppf(1 - target) + sigma),
        "gini": 2 * norm.cdf(sigma / np.sqrt(2)) - 1,
    }


def test_agrees_with_the_bootstrap_at_100k_customers():
    rng = np.random.default_rng(1)
    values = np.sort(rng.lognormal(3.0, 1.2, 100_000))[::-1]
    asym = concentration_asymptotic(values, top=0.2, target=0.8, confidence=0.95)
    boot = concentration_bootstrap(
        values, top=0.2, target=0.8, n_boot=2000, confidence=0.95, rng=np.random.default_rng(2)
    )
    for key in boot:
        # both are about 0.0065 wide here; the bootstrap's own Monte Carlo error is ~1.5e-4
        assert asym[key] == pytest.approx(boot[key], abs=4e-4), key


def test_covers_the_lognormal_values_95_in_100_times():
    sigma, top, target, n, reps = 1.0, 0.2, 0.8, 4000, 2000
    truth = _lognormal_truth(sigma, top, target)
    rng = np.random.default_rng(11)
    hits = dict.fromkeys(NAMES, 0)
    for _ in range(reps):
        values = np.sort(rng.lognormal(0.0, sigma, n))[::-1]
        ci = concentration_asymptotic(values, top=top, target=target, confidence=0.95)
        for name in NAMES:
            hits[name] += ci[f"{name}_ci_lower"] <= truth[name] <= ci[f"{name}_ci_upper"]
    for name in NAMES:
        # 2,000 intervals: the share of hits has a standard error of 0.5 points around 95 %
        assert 0.93 <= hits[name] / reps <= 0.97, (name, hits[name] / reps)


def test_too_few_values_give_no_interval():
    out = concentration_asymptotic(np.array([5.0]), top=0.2, target=0.8, confidence=0.95)
    assert all(np.isnan(v) for v in out.values())


def test_pareto_split_switches_to_the_normal_approximation_from_the_threshold(monkeypatch):
    import pandas as pd

    import loyalty_lib.value.pareto as pareto

    rng = np.random.default_rng(3)
    sales = pd.DataFrame({"c": np.arange(5000), "v": rng.lognormal(2.0, 1.0, 5000)})
    sales.loc[:99, "v"] = -1.0  # 100 customers with a net loss: left out of the shares
    keys = {"customer": "c", "value": "v", "n_boot": 2000}
    assert pareto.pareto_split(sales, **keys).iloc[0]["interval"] == "bootstrap"
    monkeypatch.setattr(pareto, "ASYMPTOTIC_FROM", 4900)
    auto = pareto.pareto_split(sales, **keys).iloc[0]
    assert auto["interval"] == "asymptotic" and auto["customers"] == 4900
    positive = np.sort(sales.loc[sales["v"] > 0, "v"].to_numpy())[::-1]
    expected = concentration_asymptotic(positive, top=0.2, target=0.8, confidence=0.95)
    for key, value in expected.items():
        assert auto[key] == pytest.approx(value, rel=1e-12)
    boot = pareto.pareto_split(sales, **keys, interval="bootstrap").iloc[0]
    for key in expected:  # 4,900 customers: the two agree to about half a point
        assert auto[key] == pytest.approx(boot[key], abs=0.006), key
    with pytest.raises(ValueError, match="interval: expected"):
        pareto.pareto_split(sales, **keys, interval="normal")
