"""The model's retention what-if: the quadrature against the paper's closed form (c = 1) and
against a simulation of the BG/NBD purchase process itself (c < 1)."""

from __future__ import annotations

import numpy as np
import pytest

from loyalty_lib import customer_summary, fit_bgnbd, fit_gamma_gamma
from loyalty_lib.inputs.datasets import load_cdnow_sample
from loyalty_lib.stats.bgnbd_math import bgnbd_conditional_expected
from loyalty_lib.value.clv import customer_clv
from loyalty_lib.value.whatif import _moments, clv_retention_whatif, model_survival


@pytest.fixture(scope="module")
def fits():
    s = customer_summary(
        load_cdnow_sample(),
        customer="customer_id",
        date="order_date",
        value="amount",
        end="1997-09-30",
    )
    return fit_bgnbd(s), fit_gamma_gamma(s)


def test_quadrature_reproduces_the_closed_form_at_scale_one(fits):
    bg, gg = fits
    s = bg.summary
    x, tx, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    _, buys = _moments(bg.values, x, T, [39.0], 1.0)
    # eq. 10 of Fader, Hardie & Lee (2005) through scipy's 2F1, divided by P(alive)
    closed = bgnbd_conditional_expected(bg.values, 39.0, x, tx, T) / bg.p_alive(x, tx, T)
    np.testing.assert_allclose(buys[:, 0], closed, rtol=1e-8)
    row = clv_retention_whatif(bg, gg).iloc[0]
    assert row.clv_mean == pytest.approx(customer_clv(bg, gg)["clv"].mean(), rel=1e-8)


def test_scaled_dropout_matches_a_simulated_purchase_process(fits):
    bg, _ = fits
    r, alpha, a, b = bg.values
    c, t = 0.5, 52.0
    # Simulate new customers (no history: the prior): purchases Poisson(lambda) over t,
    # each purchase followed by dropout with probability c p; count purchases and survivors.
    rng = np.random.default_rng(11)
    n = 200_000
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n) * c
    k = rng.poisson(lam * t)  # purchases the customer would make if never dropping out
    first_kill = rng.geometric(np.clip(p, 1e-300, 1))  # index of the purchase that ends it
    alive = first_kill > k
    bought = np.minimum(k, first_kill)
    surv, buys = _moments(bg.values, np.array([0.0]), np.array([0.0]), [t], c)
    se_alive = alive.std() / np.sqrt(n)
    assert abs(surv[0, 0] - alive.mean()) < 4 * se_alive
    assert abs(buys[0, 0] - bought.mean()) < 4 * bought.std() / np.sqrt(n)


def test_whatif_raises_survival_by_the_uplift_and_value_with_it(fits):
    bg, gg = fits
    row = clv_retention_whatif(bg, gg, uplift=0.05).iloc[0]
    assert row.survival_1y == pytest.approx(model_survival(bg), rel=1e-12)
    assert row.survival_1y_whatif - row.survival_1y == pytest.approx(0.05, abs=1e-9)
    assert model_survival(bg, dropout_scale=row.dropout_scale) == pytest.approx(
        row.survival_1y_whatif, rel=1e-9
    )
    assert 0 < row.dropout_scale < 1 and row.clv_mean_whatif > row.clv_mean
    # survival cannot exceed the share alive today: a too large uplift gives NaN, no number
    big = clv_retention_whatif(bg, gg, uplift=0.5).iloc[0]
    assert np.isnan(big.dropout_scale) and np.isnan(big.clv_mean_whatif)
    with pytest.raises(ValueError, match="uplift"):
        clv_retention_whatif(bg, gg, uplift=5)
