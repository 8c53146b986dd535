"""Synthetic workloads: transaction logs and survey answers of any size, reproducibly.

Transactions: ``rows`` orders by ``rows // 10`` customers over two calendar years
(2023-01-01 … 2024-12-31). Each customer is acquired on a uniformly drawn day and buys
only from then on, so every monthly cohort is populated and the triangle is realistic;
how often a customer buys is skewed (log-normal weights), so the 80/20 split is not
trivial. About 2 % of rows are returns (negative amounts). Customer ids are integers
(``customer_id``) or strings such as ``"C00012345"`` (``id_kind="str"``).

Survey: ``rows`` answers on 0–10 with a ``segment`` (8 values) and a ``month``
(24 months), shares of promoters and detractors varying by segment.

Large logs are generated and written in chunks (:func:`write_transactions_parquet`) so
that 100M rows never sit in memory at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

START = np.datetime64("2023-01-01")
DAYS = 731  # 2023-01-01 … 2024-12-31 (2024 is a leap year)
SEGMENTS = np.array(["North", "South", "East", "West", "Online", "Outlet", "Partner", "Other"])


def _customers(n_customers: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Acquisition day and purchase weight (cumulative, for inverse sampling) per customer."""
    rng = np.random.default_rng([seed, 1])
    acquired = rng.integers(0, DAYS, size=n_customers)
    weight = rng.lognormal(0.0, 1.0, size=n_customers)
    cum = np.cumsum(weight)
    return acquired, cum / cum[-1]


def _chunk(
    rows: int, acquired: np.ndarray, cum: np.ndarray, rng: np.random.Generator, id_kind: str
) -> pd.DataFrame:
    customer = np.searchsorted(cum, rng.random(rows), side="right").astype("int64")
    customer = np.minimum(customer, len(cum) - 1)
    first = acquired[customer]
    day = first + (rng.random(rows) * (DAYS - first)).astype("int64")
    amount = np.round(rng.lognormal(3.5, 0.8, size=rows), 2)
    returns = rng.random(rows) < 0.02
    amount = np.where(returns, -np.round(amount * 0.5, 2), amount)
    ids = customer + 1
    frame = pd.DataFrame(
        {
            "customer_id": (
                ids if id_kind == "int" else np.char.add("C", np.char.zfill(ids.astype(str), 8))
            ),
            "order_date": (START + day.astype("timedelta64[D]")).astype("datetime64[us]"),
            "amount": amount,
        }
    )
    if id_kind == "str":
        frame["customer_id"] = frame["customer_id"].astype("str")
    return frame


def transactions(rows: int, *, id_kind: str = "int", seed: int = 6) -> pd.DataFrame:
    """A transaction log of ``rows`` orders by ``rows // 10`` customers (see module doc)."""
    if id_kind not in ("int", "str"):
        raise ValueError(f"id_kind: {id_kind!r}; use 'int' or 'str'")
    acquired, cum = _customers(max(1, rows // 10), seed)
    rng = np.random.default_rng([seed, 2])
    return _chunk(rows, acquired, cum, rng, id_kind)


def write_transactions_parquet(
    rows: int,
    folder: str | Path,
    *,
    chunk_rows: int = 5_000_000,
    id_kind: str = "int",
    seed: int = 6,
    progress: bool = True,
) -> Path:
    """Write a ``rows``-row log as Parquet files of ``chunk_rows`` rows each, in ``folder``.

    Customers are shared across chunks (the same acquisition days and weights), so the
    files together are one log; memory stays at one chunk.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tqdm.auto import tqdm

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    acquired, cum = _customers(max(1, rows // 10), seed)
    starts = range(0, rows, chunk_rows)
    for i, start in enumerate(
        tqdm(starts, desc=f"writing {rows:,} rows", unit="file", disable=not progress)
    ):
        rng = np.random.default_rng([seed, 3, i])
        part = _chunk(min(chunk_rows, rows - start), acquired, cum, rng, id_kind)
        pq.write_table(
            pa.Table.from_pandas(part, preserve_index=False),
            folder / f"part-{i:04d}.parquet",
            compression="snappy",
        )
    return folder


def survey(rows: int, *, seed: int = 7) -> pd.DataFrame:
    """``rows`` NPS answers (0–10) with a ``segment`` and a ``month`` (first day)."""
    rng = np.random.default_rng([seed, 4])
    segment = rng.integers(0, len(SEGMENTS), size=rows)
    month = rng.integers(0, 24, size=rows)
    # per segment: P(detractor), P(passive); the rest promoters
    p_det = np.linspace(0.15, 0.35, len(SEGMENTS))[segment]
    p_pas = 0.3
    u = rng.random(rows)
    score = np.where(
        u < p_det,
        rng.integers(0, 7, size=rows),
        np.where(u < p_det + p_pas, rng.integers(7, 9, size=rows), rng.integers(9, 11, size=rows)),
    )
    months = pd.date_range("2023-01-01", periods=24, freq="MS").to_numpy().astype("datetime64[us]")
    return pd.DataFrame(
        {
            "segment": pd.Series(SEGMENTS[segment], dtype="str"),
            "month": months[month],
            "score": score.astype("int64"),
        }
    )


#: The population of :func:`bgnbd_transactions`: BG/NBD (r, alpha in weeks, a, b) and
#: Gamma-Gamma (p, q, gamma) parameters, chosen for about 10 rows per customer.
BGNBD_TRUTH = {"r": 1.0, "alpha": 5.0, "a": 0.5, "b": 5.0, "p": 6.0, "q": 4.0, "gamma": 15.0}
BGNBD_END = "2024-12-30"  # the last day of the log (day 729 after 2023-01-01)


def bgnbd_transactions(rows: int, *, seed: int = 13) -> pd.DataFrame:
    """About ``rows`` purchase rows by ``rows // 10`` customers drawn from a BG/NBD population.

    The customer-base models' own story (Fader, Hardie & Lee 2005), with
    :data:`BGNBD_TRUTH`: each customer's first purchase is on a uniformly drawn day of 2023;
    while alive they buy at a Poisson rate λ ~ gamma(r, α) per week and drop out after each
    repeat purchase with probability p ~ beta(a, b); the log ends on :data:`BGNBD_END`.
    A purchase day is worth z ~ gamma(p, ν), ν ~ gamma(q, γ) per customer (Gamma-Gamma);
    5 % of purchase days are split into two rows (same day, the amount shared), so the
    day-level aggregation of both summaries is exercised. Times are drawn continuously
    and floored to days, so two purchases may fall on one day (then they count once).

    Vectorised: a customer's repeat purchases are the first x = min(J, N) of N ~
    Poisson(λ · span) uniform times on the span, J ~ geometric(p) purchases before dropout,
    drawn as exponential spacings (order statistics of uniforms) without sorting.
    """
    t = BGNBD_TRUTH
    n = max(100, rows // 10)
    rng = np.random.default_rng([seed, 5])
    first = rng.integers(0, 365, n)
    span = 730 - first  # days from the first purchase day to the end, the end included
    lam = rng.gamma(t["r"], 1 / t["alpha"], n)
    repeats_before_dropout = rng.geometric(rng.beta(t["a"], t["b"], n))
    in_span = rng.poisson(lam * span / 7.0)
    x = np.minimum(repeats_before_dropout, in_span)
    cust = np.repeat(np.arange(n), x)
    starts = np.r_[0, np.cumsum(x)[:-1]]
    cum = np.cumsum(rng.exponential(1.0, int(x.sum())))
    within = cum - np.repeat(np.r_[0.0, cum][starts], x)
    last = np.zeros(n)
    last[x > 0] = within[(starts + x - 1)[x > 0]]
    total = last + rng.gamma(in_span + 1 - x, 1.0, n)  # S_{N+1}: k-th uniform = S_k / S_{N+1}
    day = np.r_[first, first[cust] + np.floor(within / np.repeat(total, x) * span[cust])]
    ids = np.r_[np.arange(n), cust] + 1
    nu = rng.gamma(t["q"], 1 / t["gamma"], n)
    amount = rng.gamma(t["p"], 1 / nu[ids - 1])
    split = rng.random(len(ids)) < 0.05
    share = rng.uniform(0.2, 0.8, int(split.sum()))
    kept = amount.copy()
    kept[split] *= share
    frame = pd.DataFrame(
        {
            "customer_id": np.r_[ids, ids[split]].astype("int64"),
            "order_date": START + np.r_[day, day[split]].astype("int64").astype("timedelta64[D]"),
            "amount": np.round(np.r_[kept, amount[split] - kept[split]], 2),
        }
    )
    frame["order_date"] = frame["order_date"].astype("datetime64[us]")
    # shuffled, as an export would be: neither implementation may rely on the order
    return frame.sample(frac=1.0, random_state=seed, ignore_index=True)


def write_bgnbd_parquet(
    rows: int,
    folder: str | Path,
    *,
    chunk_rows: int = 10_000_000,
    seed: int = 13,
    progress: bool = True,
) -> Path:
    """About ``rows`` rows of :func:`bgnbd_transactions` as Parquet files, string ids.

    The log on which the loyalty-drivers page's customer-base models are fitted (the log
    of :func:`write_transactions_parquet` is not a BG/NBD population: the fit refuses it).
    Each file holds its own ``chunk_rows // 10`` customers (seed ``seed + i``, ids offset
    by the file), so the files together are one log of ``rows // 10`` customers and
    memory stays at one chunk. Ids are ``C00012345`` strings, as in the other log.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tqdm.auto import tqdm

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    starts = range(0, rows, chunk_rows)
    for i, start in enumerate(
        tqdm(starts, desc=f"writing {rows:,} BG/NBD rows", unit="file", disable=not progress)
    ):
        part = bgnbd_transactions(min(chunk_rows, rows - start), seed=seed + i)
        ids = part["customer_id"].to_numpy() + start // 10
        part["customer_id"] = pd.Series(
            np.char.add("C", np.char.zfill(ids.astype(str), 8)), dtype="str"
        )
        pq.write_table(
            pa.Table.from_pandas(part, preserve_index=False),
            folder / f"part-{i:04d}.parquet",
            compression="snappy",
        )
    return folder
