"""The trend page's change-detection procedure: same flags as nps_trend, its false-flag
rate on surveys without any change (simulation, 2,000 runs) and its power on the demo's
planted East stock-out."""

import warnings

import numpy as np
import pandas as pd
import pytest

from loyalty_lib import LoyaltyWarning, nps_trend
from loyalty_lib.inputs.datasets import load_survey
from loyalty_lib.stats.changes import difference_test, trend_flags
from loyalty_lib.survey.compare import adjust_trends

RUNS = 2000


@pytest.fixture(scope="module")
def demo():
    """Valid demo answers with their category (0 det, 1 pas, 2 pro), month and region."""
    survey = load_survey("demo")
    survey = survey[survey["score"].isin(range(11))].reset_index(drop=True)
    category = np.where(survey["score"] >= 9, 2, np.where(survey["score"] <= 6, 0, 1))
    month = survey["wave"].dt.to_period("M")
    months = pd.period_range(month.min(), month.max(), freq="M")
    regions = sorted(survey["region"].unique())
    return {
        "survey": survey,
        "category": category,
        "month": (month - months[0]).map(lambda d: d.n).to_numpy(),
        "months": months,
        "region": survey["region"].map({r: i for i, r in enumerate(regions)}).to_numpy(),
        "regions": regions,
    }


def page_counts(region, month, category, runs, regions, months):
    """(runs, 1 + regions, months, 3) counts: the overall series, then one per region."""
    r, t = len(regions), len(months)
    index = ((np.arange(runs)[:, None] * r + region) * t + month) * 3 + category
    counts = np.bincount(index.ravel(), minlength=runs * r * t * 3).reshape(runs, r, t, 3)
    return np.concatenate([counts.sum(axis=1, keepdims=True), counts], axis=1)


def test_vectorised_procedure_equals_nps_trend_on_the_demo(demo):
    survey = demo["survey"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltyWarning)
        overall = nps_trend(survey, "score", "wave")
        regions = nps_trend(survey, "score", "wave", by="region")
    overall, regions = adjust_trends(overall, regions)
    frames = [overall] + [regions[regions["region"] == g] for g in demo["regions"]]
    flags = trend_flags(
        page_counts(
            demo["region"], demo["month"], demo["category"], 1, demo["regions"], demo["months"]
        )[0]
    )
    for name in ("p_value", "p_value_adjusted"):
        page = np.concatenate([f[name].to_numpy(float) for f in frames])
        assert flags[name].ravel() == pytest.approx(page, nan_ok=True, abs=1e-12)
    for name in ("significant", "lasting"):
        page = np.concatenate([f[name].fillna(False).to_numpy(bool) for f in frames])
        assert (flags[name].ravel() == page).all()
    confirmed = np.concatenate([f["confirmed"].astype(float).to_numpy() for f in frames])
    assert flags["confirmed"].ravel() == pytest.approx(confirmed, nan_ok=True)
    # the demo: 4 region-months and 2 overall months have p < 0.05, none after Holm
    assert (flags["p_value"][1:] < 0.05).sum() == 4
    assert (flags["p_value"][0] < 0.05).sum() == 2
    assert not flags["significant"].any()


def test_difference_test_equals_compare_nps_adjusted_wald():
    # the doctest of compare_nps: 100 vs 100 answers, p = 0.083
    _, p = difference_test(np.array([20, 30, 50]), np.array([30, 30, 40]))
    assert float(p) == pytest.approx(0.08322, abs=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("adjust", ["holm", "fdr_bh"])
def test_false_flag_rate_on_shuffled_waves_is_five_percent(demo, adjust):
    # Simulation (independent of the page code's loop): 2,000 demo surveys with the waves
    # shuffled across answers, so nothing changes over time; sizes as in the demo. The page
    # flags "something" when any of its 110 changes (overall + 4 regions) is significant.
    rng = np.random.default_rng(14)
    months = rng.permuted(np.tile(demo["month"], (RUNS, 1)), axis=1)
    counts = page_counts(
        demo["region"], months, demo["category"], RUNS, demo["regions"], demo["months"]
    )
    flags = trend_flags(counts, adjust=adjust)
    rate = flags["significant"].any(axis=(1, 2)).mean()
    print(f"{adjust}: false-flag rate {rate:.4f}")
    # measured: holm 0.0515, fdr_bh 0.0555 (nominal 0.05; the old page: 0.15)
    assert 0.035 <= rate <= 0.065
    assert flags["lasting"].any(axis=(1, 2)).mean() <= rate


@pytest.mark.slow
def test_false_flag_rate_when_every_answer_comes_from_one_distribution(demo):
    # one distribution of answers for every region and month, demo sizes per region-month
    rng = np.random.default_rng(15)
    shares = np.bincount(demo["category"], minlength=3) / demo["category"].size
    category = rng.choice(3, p=shares, size=(RUNS, demo["category"].size))
    counts = page_counts(
        demo["region"], demo["month"], category, RUNS, demo["regions"], demo["months"]
    )
    rate = trend_flags(counts)["significant"].any(axis=(1, 2)).mean()
    assert 0.035 <= rate <= 0.065


@pytest.mark.slow
def test_power_on_the_planted_east_stock_out(demo):
    # Simulation with the planted effect: every region-month keeps its demo base; East's
    # answers in the stock-out waves (June–September 2024) are drawn from East's shares in
    # those waves, every other answer from its region's shares outside them.
    rng = np.random.default_rng(16)
    east = demo["regions"].index("East")
    june = demo["months"].get_loc(pd.Period("2024-06", "M"))
    shocked = (demo["region"] == east) & (demo["month"] >= june) & (demo["month"] <= june + 3)
    category = np.empty((RUNS, demo["category"].size), dtype=int)
    for r in range(len(demo["regions"])):
        for hit in (False, True):
            rows = (demo["region"] == r) & (shocked == hit)
            if not rows.any():
                continue
            shares = np.bincount(demo["category"][rows], minlength=3) / rows.sum()
            category[:, rows] = rng.choice(3, p=shares, size=(RUNS, rows.sum()))
    counts = page_counts(
        demo["region"], demo["month"], category, RUNS, demo["regions"], demo["months"]
    )
    flags = trend_flags(counts)
    june_fall = flags["significant"][:, 1 + east, june] & (
        flags["difference"][:, 1 + east, june] < 0
    )
    power = june_fall.mean()
    lasting = flags["lasting"][:, 1 + east, june].mean()
    false_elsewhere = np.delete(flags["significant"], 1 + east, axis=1).any(axis=(1, 2)).mean()
    print(f"power {power:.3f}, lasting {lasting:.3f}, flags elsewhere {false_elsewhere:.3f}")
    assert power == pytest.approx(POWER, abs=0.03)
    assert lasting == pytest.approx(LASTING, abs=0.03)


# measured with seed 16: 0.239 of 2,000 runs flag the June fall, 0.201 call it lasting; the
# demo bases (East 38 answers a month) give a planted 1.2-point score drop low power
POWER = 0.239
LASTING = 0.201


def customer_arrays(region, month, category, customer, regions, months):
    """Per-customer (sums, answers) of shape (1 + regions, months, customers)."""
    r, t, g = len(regions), len(months), int(customer.max()) + 1
    index = (region * t + month) * g + customer
    sign = np.array([-1.0, 0.0, 1.0])[category]
    sums = np.bincount(index, weights=sign, minlength=r * t * g).reshape(r, t, g)
    answers = np.bincount(index, minlength=r * t * g).reshape(r, t, g).astype(float)
    return (
        np.concatenate([sums.sum(axis=0, keepdims=True), sums]),
        np.concatenate([answers.sum(axis=0, keepdims=True), answers]),
    )


def test_clustered_procedure_equals_nps_trend_with_customers(demo):
    survey = demo["survey"]
    customer = survey["customer_id"].astype("category").cat.codes.to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltyWarning)
        overall = nps_trend(survey, "score", "wave", customer="customer_id")
        regions = nps_trend(survey, "score", "wave", by="region", customer="customer_id")
    overall, regions = adjust_trends(overall, regions)
    frames = [overall] + [regions[regions["region"] == g] for g in demo["regions"]]
    args = (demo["region"], demo["month"], demo["category"])
    counts = page_counts(*args, 1, demo["regions"], demo["months"])[0]
    flags = trend_flags(
        counts, customers=customer_arrays(*args, customer, demo["regions"], demo["months"])
    )
    for name in ("p_value", "p_value_adjusted"):
        page = np.concatenate([f[name].to_numpy(float) for f in frames])
        assert flags[name].ravel() == pytest.approx(page, nan_ok=True, rel=1e-9, abs=1e-12)
    confirmed = np.concatenate([f["confirmed"].astype(float).to_numpy() for f in frames])
    assert flags["confirmed"].ravel() == pytest.approx(confirmed, nan_ok=True)
    assert not flags["significant"].any()


@pytest.mark.slow
def test_false_flag_rate_of_the_clustered_page_on_shuffled_waves(demo):
    # The page as it runs now (nps_trend(customer=...): cluster-robust changes). 2,000 demo
    # surveys with the waves shuffled across answers; each answer keeps its customer, so
    # customers answer in several (now random) months as in the demo.
    rng = np.random.default_rng(17)
    customer = demo["survey"]["customer_id"].astype("category").cat.codes.to_numpy()
    flagged = lasting = 0
    for _ in range(RUNS):
        month = rng.permutation(demo["month"])
        args = (demo["region"], month, demo["category"])
        counts = page_counts(*args, 1, demo["regions"], demo["months"])[0]
        sums = customer_arrays(*args, customer, demo["regions"], demo["months"])
        flags = trend_flags(counts, customers=sums)
        flagged += bool(flags["significant"].any())
        lasting += bool(flags["lasting"].any())
    rate = flagged / RUNS
    print(f"clustered page: false-flag rate {rate:.4f}, lasting {lasting / RUNS:.4f}")
    # measured: 0.0490 (98 of 2,000), lasting 0.0150 (nominal 0.05 ± 0.015)
    assert 0.035 <= rate <= 0.065
