"""Benchmark: customer_summary + fit_bgnbd + fit_gamma_gamma on a synthetic log.

Run: ``PYTHONPATH=. python benchmarks/clv.py --transactions 1000000``. Draws a BG/NBD
population (gamma-mixed Poisson counts, exponential gaps, first purchases in Q1 2023), times the
summary (engine aggregate) and the two fits, and reports peak traced memory. When
``lifetimes`` imports (it needs ``dill`` and ``autograd``), it fits the same summary with
``BetaGeoFitter`` and the estimates are compared to 1e-3 relative.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

from loyalty_lib import customer_summary, fit_bgnbd, fit_gamma_gamma


def synth_log(n_tx: int, seed: int = 0) -> pd.DataFrame:
    """About ``n_tx`` rows of ``n_tx // 10`` customers over 2023, first purchases in Q1."""
    rng = np.random.default_rng(seed)
    n_cust = max(n_tx // 10, 100)
    counts = 1 + rng.poisson(9.0 * rng.gamma(1.0, 1.0, n_cust))
    cust = np.repeat(np.arange(n_cust), counts)
    gaps = rng.exponential(1.0, len(cust)) * np.repeat(275.0 / counts, counts)
    gaps[np.r_[0, np.cumsum(counts)[:-1]]] = 0.0  # first purchase on the start day
    within = pd.Series(gaps).groupby(cust).cumsum().to_numpy()
    days = np.minimum(np.repeat(rng.integers(0, 90, n_cust), counts) + within, 364)
    return pd.DataFrame(
        {
            "customer_id": cust,
            "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(days.astype(int), "D"),
            "amount": rng.gamma(6.0, 5.0, len(cust)),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=1_000_000)
    args = parser.parse_args()
    log = synth_log(args.transactions)
    tracemalloc.start()
    t0 = time.perf_counter()
    s = customer_summary(
        log, customer="customer_id", date="order_date", value="amount", end="2023-12-31"
    )
    t1 = time.perf_counter()
    bg = fit_bgnbd(s)
    t2 = time.perf_counter()
    gg = fit_gamma_gamma(s)
    t3 = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"rows {len(log):,} customers {len(s):,}")
    print(f"summary {t1 - t0:.2f} s, fit_bgnbd {t2 - t1:.2f} s, fit_gamma_gamma {t3 - t2:.2f} s")
    print(f"peak traced memory {peak:.0f} MiB")
    print("bgnbd", {k: round(v, 4) for k, v in bg.params.items()})
    print("gamma_gamma", {k: round(v, 4) for k, v in gg.params.items()})
    try:
        from lifetimes import BetaGeoFitter
        from lifetimes.utils import summary_data_from_transaction_data
    except ImportError as err:
        print(f"lifetimes not importable here ({err}); comparison not run")
        return
    t4 = time.perf_counter()
    ref = summary_data_from_transaction_data(
        log, "customer_id", "order_date", "amount", observation_period_end="2023-12-31", freq="D"
    )
    ref["recency"] /= 7
    ref["T"] /= 7
    lt = BetaGeoFitter().fit(ref["frequency"], ref["recency"], ref["T"])
    t5 = time.perf_counter()
    print(f"lifetimes summary + fit {t5 - t4:.2f} s; ratio {(t5 - t4) / (t2 - t0):.1f}x")
    for k in ("r", "alpha", "a", "b"):
        assert abs(lt.params_[k] / bg.params[k] - 1) < 1e-3, k


if __name__ == "__main__":
    main()
