"""Did the campaign work? The reminded group against its randomised holdout.

Definitions (exact)
-------------------
- One row per targeted customer with the group (``reminded`` / ``holdout``), whether they
  bought within the window (bool) and their net revenue in it.
- **Purchase uplift**: p(reminded) − p(holdout) with Newcombe's hybrid score interval and
  the pooled z-test (:func:`loyalty_lib.stats.proportions.compare_proportions`).
- **Revenue uplift**: mean revenue per targeted customer, reminded − holdout, with Welch's
  interval and test (:func:`loyalty_lib.stats.means.compare_means`).
- **Power**: the chance the test at ``alpha`` flags an uplift of the observed size
  (``power_observed``: read with care, it only restates the p-value) and of a
  ``target_uplift`` (``power_target``: the figure to plan with), at the bases the holdout
  gave. Proportions: Cohen's h and the two-sided normal test (as statsmodels'
  ``NormalIndPower``); revenue: the normal test with Welch's standard error.
- :func:`holdout_size`: the holdout (and reminded) base a given uplift needs.

The comparison is causal only because the holdout was drawn at random from the same
targeted customers; a group chosen by hand is a different comparison.
"""

from __future__ import annotations

import math
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import require_columns, to_pandas
from loyalty_lib.engines import as_frame
from loyalty_lib.errors import DataQualityError
from loyalty_lib.stats.means import compare_means
from loyalty_lib.stats.power import (
    cohen_h,
    mean_difference_power,
    proportion_power,
    proportion_sample_size,
)
from loyalty_lib.stats.proportions import compare_proportions

__all__ = ["campaign_uplift", "holdout_size"]


def _flags(values: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=bool)
    text = values.astype("str").str.strip().str.lower()
    mapping = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    bad = values[~text.isin(list(mapping))]
    if len(bad):
        raise DataQualityError(
            f"{name}: {len(bad)} values are not true/false: {bad.unique()[:5].tolist()}"
        )
    return text.map(mapping).to_numpy(dtype=bool)


def campaign_uplift(
    data: Any,
    *,
    group: str = "group",
    treated: str = "reminded",
    control: str = "holdout",
    bought: str = "bought_within_30d",
    revenue: str | None = "revenue_30d",
    target_uplift: float | None = None,
    target_revenue_uplift: float | None = None,
    alpha: float = 0.05,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Uplift of the reminded group over its holdout on purchase and revenue, with power.

    Returns
    -------
    pandas.DataFrame
        One row per metric (``purchase``: share who bought, 0–1; ``revenue``: mean net
        revenue per targeted customer): ``metric``, ``n_treated``, ``n_control`` (bases),
        ``treated_value``, ``control_value``, ``difference`` (the uplift) with
        ``difference_ci_lower``, ``difference_ci_upper``, ``p_value``, ``significant``,
        ``power_observed``, ``power_target`` (NaN without a target).

    Examples
    --------
    >>> data = pd.DataFrame({"group": ["reminded"] * 4 + ["holdout"] * 4,
    ...                      "bought_within_30d": [1, 1, 1, 0, 1, 0, 0, 0],
    ...                      "revenue_30d": [10.0, 20.0, 30.0, 0.0, 10.0, 0.0, 0.0, 0.0]})
    >>> campaign_uplift(data)[["metric", "difference"]].values.tolist()
    [['purchase', 0.5], ['revenue', 12.5]]
    """
    native = as_frame(data)
    columns = [group, bought] + ([revenue] if revenue else [])
    require_columns(native, columns)
    frame = to_pandas(native.select(*[nw.col(c) for c in columns]))
    labels = frame[group].astype("str").str.strip()
    other = sorted(set(labels.dropna()) - {treated, control})
    if other:
        raise DataQualityError(
            f"{group}: {int((~labels.isin([treated, control])).sum())} rows are in neither "
            f"{treated!r} nor {control!r}: {other[:5]}; name the groups with treated= and control="
        )
    is_t = (labels == treated).to_numpy()
    flags = _flags(frame[bought], bought)
    n1, n2 = int(is_t.sum()), int((~is_t).sum())
    if n1 == 0 or n2 == 0:
        raise DataQualityError(
            f"{group}: {n1} {treated} and {n2} {control} rows; an uplift needs both groups"
        )
    x1, x2 = int(flags[is_t].sum()), int(flags[~is_t].sum())
    prop = compare_proportions(x1, n1, x2, n2, confidence)
    p1, p2 = x1 / n1, x2 / n2
    rows = [
        {
            "metric": "purchase",
            "n_treated": n1,
            "n_control": n2,
            "treated_value": p1,
            "control_value": p2,
            **prop,
            "significant": bool(prop["p_value"] < alpha),
            "power_observed": proportion_power(cohen_h(p1, p2), n1, n2, alpha),
            "power_target": (
                proportion_power(cohen_h(min(p2 + target_uplift, 1.0), p2), n1, n2, alpha)
                if target_uplift is not None
                else math.nan
            ),
        }
    ]
    if revenue:
        money = pd.to_numeric(frame[revenue], errors="coerce")
        if money.isna().any():
            bad = frame.loc[money.isna(), revenue]
            raise DataQualityError(
                f"{revenue}: {len(bad)} values are not numbers: {bad.unique()[:5].tolist()}"
            )
        a, b = money.to_numpy()[is_t], money.to_numpy()[~is_t]
        means = compare_means(a, b, confidence)
        se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size) if min(n1, n2) > 1 else 0
        rows.append(
            {
                "metric": "revenue",
                "n_treated": n1,
                "n_control": n2,
                "treated_value": float(a.mean()),
                "control_value": float(b.mean()),
                **means,
                "significant": bool(means["p_value"] < alpha),
                "power_observed": mean_difference_power(means["difference"], se, alpha),
                "power_target": (
                    mean_difference_power(target_revenue_uplift, se, alpha)
                    if target_revenue_uplift is not None
                    else math.nan
                ),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["method"] = (
        "purchase: Newcombe hybrid score interval, pooled z-test, power from Cohen's h; "
        "revenue: Welch interval and test, power from the normal approximation"
    )
    return out


def holdout_size(
    baseline_rate: float,
    uplift: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    share: float = 0.2,
) -> pd.DataFrame:
    """How many customers a holdout needs to detect a purchase uplift.

    Parameters
    ----------
    baseline_rate
        The purchase rate expected without the campaign (the holdout's), 0–1.
    uplift
        The smallest uplift worth detecting, in rate points (0.05 = five points).
    power, alpha
        Chance of flagging that uplift; two-sided level of the test.
    share
        The share of the targeted customers held out (0.2 = one in five).

    Returns
    -------
    pandas.DataFrame
        One row: ``baseline_rate``, ``uplift``, ``effect_size`` (Cohen's h), ``share``,
        ``power``, ``alpha``, ``n_control`` (the holdout), ``n_treated``, ``n_total``.

    Examples
    --------
    >>> holdout_size(0.2, 0.05, share=0.5)[["n_control", "n_treated"]].iloc[0].tolist()
    [1092, 1092]
    """
    if not 0 < baseline_rate < 1:
        raise ValueError(f"baseline_rate: {baseline_rate} is not between 0 and 1")
    if not 0 < baseline_rate + uplift <= 1 or uplift == 0:
        raise ValueError(
            f"uplift: {uplift} must be non-zero and keep the rate within 0–1 "
            f"(baseline {baseline_rate})"
        )
    if not 0 < share < 1:
        raise ValueError(f"share: {share} is not between 0 and 1")
    if not 0 < power < 1 or not 0 < alpha < 1:
        raise ValueError(f"power ({power}) and alpha ({alpha}) must be between 0 and 1")
    h = cohen_h(baseline_rate + uplift, baseline_rate)
    ratio = (1 - share) / share
    n_control = proportion_sample_size(h, ratio, power, alpha)
    holdout = math.ceil(n_control - 1e-9)
    treated = math.ceil(n_control * ratio - 1e-9)
    return pd.DataFrame(
        [
            {
                "baseline_rate": baseline_rate,
                "uplift": uplift,
                "effect_size": h,
                "share": share,
                "power": power,
                "alpha": alpha,
                "n_control": holdout,
                "n_treated": treated,
                "n_total": holdout + treated,
            }
        ]
    )
