"""Stock-out responses: who came back, by how the shop answered.

Definitions (exact)
-------------------
- The response log holds one row per affected customer and the kind of response
  (:data:`loyalty_lib.inputs.events.RESPONSES`: apology, alternative, competitor, deferral,
  none), as read by :func:`loyalty_lib.inputs.events.read_responses`.
- A customer **came back** when the sales log has an order with a positive amount after
  the stock-out's last day and at most ``window_days`` days later.
- Per kind: the share who came back with Wilson's interval; against the customers given
  any other response, the difference with Newcombe's interval and the pooled z-test; the
  p-values of the kinds are one family, adjusted with Holm's step-down (or
  Benjamini–Hochberg), and ``attrs["chi2"]`` holds the overall test that the shares are
  equal (Pearson's χ² on the kinds × came back table).

The response was not assigned at random: a shop may offer an alternative to the customers
it expects to keep. The shares describe an association, not the effect of a response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
from scipy import stats

from loyalty_lib._checks import require_columns, to_pandas
from loyalty_lib.engines import as_frame
from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.ids import normalise_ids
from loyalty_lib.stats.multiple import adjust_p_values, check_adjust
from loyalty_lib.stats.proportions import compare_proportions, wilson_interval

__all__ = ["stockout_returns"]


def stockout_returns(
    responses: Any,
    sales: Any,
    *,
    after: Any = None,
    event: Mapping[str, Any] | pd.Series | None = None,
    window_days: int = 90,
    customer: str = "customer_id",
    response: str = "response",
    date: str = "order_date",
    value: str = "amount",
    adjust: str = "holm",
    min_base: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of affected customers who came back within ``window_days``, by response kind.

    Parameters
    ----------
    responses
        One row per affected customer: ``customer`` and ``response``.
    sales
        The sales log (``customer``, ``date``, ``value``).
    after, event
        The stock-out's last day, or an event row of
        :func:`~loyalty_lib.inputs.events.read_events` (its ``end``).

    Returns
    -------
    pandas.DataFrame
        One row per response kind, in the order of the log's first appearance sorted by
        name: ``response``, ``n`` (affected customers given it), ``returned``, ``share``
        (0–1) with ``share_ci_lower``, ``share_ci_upper``; ``difference`` (share minus
        the share among the other kinds) with ``difference_ci_lower``,
        ``difference_ci_upper``, ``p_value``, ``p_value_adjusted``, ``significant`` (the
        adjusted p-value below 1 − confidence) and ``small_base``.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
    ...                     "response": ["apology", "apology", "none", "none"]})
    >>> sales = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [5.0, 5.0, 5.0],
    ...                       "order_date": pd.to_datetime(["2024-07-02", "2024-06-20",
    ...                                                     "2024-08-01"])})
    >>> out = stockout_returns(log, sales, after="2024-06-30", min_base=1)
    >>> out[["response", "n", "returned", "share"]].values.tolist()
    [['apology', 2, 1, 0.5], ['none', 2, 1, 0.5]]
    """
    check_adjust(adjust)
    if after is None and event is not None:
        after = event["end"]
    if after is None:
        raise ValueError("after: give the stock-out's last day (or the event)")
    end = pd.Timestamp(after).normalize()
    until = end + pd.Timedelta(days=window_days)
    native = as_frame(responses, argument="responses")
    require_columns(native, [customer, response], argument="responses")
    log = to_pandas(native.select(nw.col(customer), nw.col(response)))
    log[customer] = normalise_ids(log[customer])
    if log[customer].isna().any() or log[response].isna().any():
        raise DataQualityError(
            f"responses: {int(log[[customer, response]].isna().any(axis=1).sum())} rows have "
            "no customer id or no response; read the log with read_responses"
        )
    repeated = log[customer].duplicated()
    if repeated.any():
        raise DataQualityError(
            f"{customer}: {int(repeated.sum())} customers have more than one response in the "
            "log; keep one response per customer and stock-out"
        )
    sales_native = as_frame(sales, argument="sales")
    require_columns(sales_native, [customer, date, value], argument="sales")
    orders = to_pandas(
        sales_native.filter((nw.col(value) > 0) & (nw.col(date) > end) & (nw.col(date) <= until))
        .select(nw.col(customer))
        .unique()  # one row per customer who came back
    )
    back = set(normalise_ids(orders[customer]).dropna())
    came = log[customer].isin(back).to_numpy()
    kinds = sorted(log[response].astype("str").unique())
    kind_of = log[response].astype("str").to_numpy()
    rows = []
    for kind in kinds:
        mine = kind_of == kind
        n, k = int(mine.sum()), int(came[mine].sum())
        rest_n, rest_k = int((~mine).sum()), int(came[~mine].sum())
        lower, upper = wilson_interval(k, n, confidence)
        rows.append(
            {
                "response": kind,
                "n": n,
                "returned": k,
                "share": k / n,
                "share_ci_lower": float(lower),
                "share_ci_upper": float(upper),
                **compare_proportions(k, n, rest_k, rest_n, confidence),
                "small_base": n < min_base,
            }
        )
    out = pd.DataFrame(rows)
    out["p_value_adjusted"] = adjust_p_values(out["p_value"].to_numpy(), adjust)
    out["significant"] = out["p_value_adjusted"] < 1 - confidence
    table = np.array([[r["returned"], r["n"] - r["returned"]] for r in rows])
    if len(rows) > 1 and (table.sum(axis=0) > 0).all():
        chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
        out.attrs["chi2"] = {"statistic": float(chi2), "df": int(dof), "p_value": float(p)}
    out.attrs["window"] = (f"{end + pd.Timedelta(days=1):%Y-%m-%d}", f"{until:%Y-%m-%d}")
    out.attrs["adjust"] = adjust
    return out
