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
