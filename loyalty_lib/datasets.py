"""Bundled data: the real CDNOW transaction log and a synthetic survey + sales shop.

Raw files under ``data/`` are read, never written. See ``data/README.md`` for provenance.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

__all__ = [
    "CDNOW_SHA256",
    "DATA_DIR",
    "cdnow_path",
    "load_cdnow",
]

#: The folder holding the bundled data (``data/`` at the root of the workspace).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: SHA-256 of ``CDNOW_master.txt`` as shipped in ``lifetimes==0.11.3``.
CDNOW_SHA256 = "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef"


def cdnow_path() -> Path:
    """Path of the vendored, unmodified CDNOW master file."""
    return DATA_DIR / "raw" / "CDNOW_master.txt"


def load_cdnow(path: str | Path | None = None, *, verify: bool = True) -> pd.DataFrame:
    """Load the CDNOW master transaction log as a tidy frame.

    23,570 customers who made their first purchase at CDNOW in the first quarter of 1997,
    with every purchase up to the end of June 1998 (Fader & Hardie): 69,659 rows.

    Parameters
    ----------
    path
        The whitespace-separated file; defaults to the bundled ``data/raw/CDNOW_master.txt``.
    verify
        Check the bundled file's SHA-256 against the published wheel's copy, so a
        silently edited raw file never feeds a report.

    Returns
    -------
    pandas.DataFrame
        One row per transaction line, in file order:

        - ``customer_id`` (str): the zero-padded id, e.g. ``"00001"``.
        - ``order_date`` (datetime64): the purchase date.
        - ``quantity`` (int64): number of CDs bought.
        - ``amount`` (float64): dollar value of the purchase.

    Examples
    --------
    >>> log = load_cdnow()
    >>> len(log), log["customer_id"].nunique()
    (69659, 23570)
    >>> log.iloc[0].tolist()
    ['00001', Timestamp('1997-01-01 00:00:00'), 1, 11.77]
    """
    source = Path(path) if path is not None else cdnow_path()
    if not source.exists():
        raise FileNotFoundError(f"CDNOW log not found at {source}")
    if verify and path is None:
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if digest != CDNOW_SHA256:
            raise ValueError(
                f"{source}: SHA-256 {digest[:12]}... differs from the published file "
                f"({CDNOW_SHA256[:12]}...); raw data must not be edited. Restore it with "
                "`git checkout -- data/raw`."
            )
    raw = pd.read_csv(
        source,
        sep=r"\s+",
        dtype={"customer_id": str, "date": str, "number_of_cds": "int64", "dollar_value": "float64"},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype(str),
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "quantity": raw["number_of_cds"].astype("int64"),
            "amount": raw["dollar_value"].astype("float64"),
        }
    )
