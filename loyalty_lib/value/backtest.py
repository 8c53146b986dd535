"""Holdout check of the BG/NBD model: fit to a cut-off, compare with what happened next.

Actual holdout purchases are purchase days in (``end``, ``holdout_end``] of the customers
in the calibration summary; expected ones are the model's E[Y(t) | x, tx, T] for the
holdout's length t (Fader, Hardie & Lee 2005, Figure 4: grouped by calibration frequency).
"""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import to_pandas
from loyalty_lib.engines import compute_frame, local_datetimes
from loyalty_lib.value.bgnbd import BGNBDFit, fit_bgnbd
from loyalty_lib.value.summary import UNIT_DAYS, customer_summary

__all__ = ["bgnbd_backtest", "holdout_purchases"]


def holdout_purchases(data: Any, *, customer: str, date: str, start: Any, end: Any) -> pd.DataFrame:
    """Purchase days per customer after ``start`` up to and including ``end``: columns
    ``customer`` (named like the input) and ``holdout_purchases``."""
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    frame = local_datetimes(compute_frame(data), [date])
    rows = frame.filter(
        (nw.col(date) >= nw.lit(s + pd.Timedelta(days=1)))
        & (nw.col(date) < nw.lit(e + pd.Timedelta(days=1)))
    ).with_columns(nw.col(date).dt.truncate("1d").alias("__day"))
    days = (
        rows.group_by(customer, "__day")
        .agg(nw.len())
        .group_by(customer)
        .agg(nw.len().alias("holdout_purchases"))
    )
    return to_pandas(days)


def bgnbd_backtest(
    data: Any,
    *,
    customer: str,
    date: str,
    end: Any,
    holdout_end: Any,
    unit: str = "week",
    max_frequency: int = 7,
    fit: BGNBDFit | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit BG/NBD up to ``end`` and compare its expected holdout purchases with the actual.

    Parameters
    ----------
    data, customer, date
        The transaction log and its columns.
    end, holdout_end
        Last day of calibration and of the holdout (inclusive).
    unit
        Unit of the summary (as :func:`customer_summary`).
    max_frequency
        Calibration frequencies from this value up are pooled in one row ``"7+"``.
    fit
        A fit to the same calibration summary, to skip refitting.

    Returns
    -------
    (table, customers)
        ``table``: one row per calibration frequency group and a ``total`` row: ``group``,
        ``n`` (customers), ``actual`` and ``expected`` mean holdout purchases per customer,
        ``actual_total``, ``expected_total``, ``difference`` (expected − actual, mean).
        ``customers``: per customer ``customer``, ``frequency``, ``recency``, ``T``,
        ``p_alive``, ``expected_purchases``, ``holdout_purchases``. ``attrs`` of both:
        ``fit``, ``holdout_length`` (in ``unit``).

    Examples
    --------
    >>> from loyalty_lib.inputs.datasets import load_cdnow_sample
    >>> table, _ = bgnbd_backtest(load_cdnow_sample(), customer="customer_id",
    ...                           date="order_date", end="1997-09-30", holdout_end="1998-06-30")
    >>> str(table["group"].iloc[-1]), int(table["n"].iloc[-1])
    ('total', 2357)
    """
    summary = customer_summary(data, customer=customer, date=date, end=end, unit=unit)
    model = fit if fit is not None else fit_bgnbd(summary)
    length = (pd.Timestamp(holdout_end) - pd.Timestamp(end)).days / UNIT_DAYS[unit]
    if length <= 0:
        raise ValueError(f"holdout_end: {holdout_end!r} is not after end {end!r}")
    pred = model.predict(length)
    if len(pred) != len(summary):
        raise ValueError(
            f"fit: fitted to {len(pred)} customers, the calibration summary has "
            f"{len(summary)}; pass a fit of the same log, end and unit"
        )
    actual = holdout_purchases(data, customer=customer, date=date, start=end, end=holdout_end)
    merged = pred.merge(actual.rename(columns={customer: "customer"}), on="customer", how="left")
    merged["holdout_purchases"] = merged["holdout_purchases"].fillna(0).astype("int64")
    top = int(max_frequency)
    group = np.where(merged["frequency"] >= top, f"{top}+", merged["frequency"].astype(str))
    rows = []
    labels = [str(k) for k in range(top)] + [f"{top}+"]
    for label in labels + ["total"]:
        sel = merged if label == "total" else merged[group == label]
        if sel.empty:
            continue
        rows.append(
            {
                "group": label,
                "n": len(sel),
                "actual": float(sel["holdout_purchases"].mean()),
                "expected": float(sel["expected_purchases"].mean()),
                "actual_total": int(sel["holdout_purchases"].sum()),
                "expected_total": float(sel["expected_purchases"].sum()),
            }
        )
    table = pd.DataFrame(rows)
    table["difference"] = table["expected"] - table["actual"]
    for frame in (table, merged):
        frame.attrs.update(fit=model, holdout_length=length, unit=unit)
    return table, merged
