"""Where are promoters and detractors made? Touchpoint ratings against the NPS answer.

Method, per touchpoint rating (e.g. advertising, website, product, support, delivery):

1. the mean rating of detractors, passives and promoters (respondents with a valid NPS
   answer who rated the touchpoint), and the gap promoters − detractors;
2. the **point-biserial correlation** ``r_pb`` between the rating and being a promoter
   (1) rather than a detractor (0), computed on promoters and detractors only (passives
   are left out of this contrast). It is the Pearson correlation with a 0/1 variable:
   r = (M₁ − M₀) / s · √(p q), s the population standard deviation of the ratings,
   p and q the promoter and detractor shares. Interval by Fisher's z
   (atanh r ± z/√(N − 3)); p-value from t = r √((N − 2)/(1 − r²)) with N − 2 df;
3. ``relative_importance``: each touchpoint's share of Σ r² in % (a simple relative
   importance; correlations between touchpoints are not partialled out).

Only per-category counts, sums and sums of squares are collected (docs/decisions/0001).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
from scipy import stats

from loyalty_lib._checks import as_list, to_pandas
from loyalty_lib.stats.nps_intervals import z_value
from loyalty_lib.survey.answers import (
    SIGN,
    VALID,
    ScoreSpec,
    check_base,
    prepare,
)

__all__ = ["nps_drivers"]

CATEGORIES = ((-1, "detractors"), (0, "passives"), (1, "promoters"))


def nps_drivers(
    data: Any,
    score: str,
    drivers: str | Sequence[str],
    *,
    scale: tuple[float, float] = (0, 10),
    cut_points: tuple[float, float] | None = None,
    confidence: float = 0.95,
    min_base: int = 30,
    errors: str = "raise",
) -> pd.DataFrame:
    """How strongly each touchpoint rating separates promoters from detractors.

    Parameters
    ----------
    data
        Survey answers, one row per response (any dataframe narwhals supports).
    score
        The NPS answer column (validated as in :func:`loyalty_lib.nps`).
    drivers
        Numeric rating column(s), e.g. 1–5 satisfaction per touchpoint; missing means
        "not rated" and leaves the respondent out for that touchpoint only.
    scale, cut_points, errors
        As in :func:`loyalty_lib.nps`.
    confidence
        Level of the interval of ``r_pb``.
    min_base
        ``small_base`` is set when fewer than ``min_base`` promoters or detractors rated
        the touchpoint.

    Returns
    -------
    pandas.DataFrame
        One row per touchpoint, sorted by ``r_pb`` (strongest first, missing last):

        - ``driver``: the rating column;
        - ``n``: respondents with a valid NPS answer who rated it;
        - ``n_detractors``, ``n_passives``, ``n_promoters``: of those, per category;
        - ``mean_detractors``, ``mean_passives``, ``mean_promoters``: mean rating per
          category;
        - ``difference``: mean_promoters − mean_detractors (rating points);
        - ``r_pb``, ``r_ci_lower``, ``r_ci_upper``, ``p_value``: point-biserial
          correlation of the rating with promoter-vs-detractor, its interval and
          two-sided p-value (missing with fewer than 4 such respondents or no spread);
        - ``relative_importance``: 100 · r_pb² / Σ r_pb² over the touchpoints (%);
        - ``small_base``: fewer than ``min_base`` promoters or detractors.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyalty_lib import nps_drivers
    >>> answers = pd.DataFrame({
    ...     "score":    [10, 9, 9, 7, 3, 2, 10, 1],
    ...     "delivery": [5, 5, 4, 3, 1, 2, 4, None],
    ...     "website":  [3, 4, 3, 3, 4, 3, 4, 3],
    ... })
    >>> result = nps_drivers(answers, "score", ["website", "delivery"], min_base=3)
    >>> result[["driver", "n", "mean_detractors", "mean_promoters", "r_pb"]].round(3)
         driver  n  mean_detractors  mean_promoters   r_pb
    0  delivery  7            1.500             4.5  0.943
    1   website  8            3.333             3.5  0.167
    """
    names = as_list(drivers, "drivers")
    if not names:
        raise ValueError("drivers: name at least one rating column")
    if len(set(names)) != len(names):
        raise ValueError(f"drivers: columns listed twice: {names}")
    if score in names:
        raise ValueError(f"drivers: the score column {score!r} cannot be its own driver")
    z_crit = z_value(confidence)
    check_base(min_base)
    spec = ScoreSpec.declare(scale, cut_points)
    frame = prepare(data, score, spec, extra=names, errors=errors)
    schema = frame.collect_schema()
    not_numeric = [f"{d} ({schema[d]})" for d in names if not schema[d].is_numeric()]
    if not_numeric:
        raise ValueError(f"drivers: expected numeric ratings, got {', '.join(not_numeric)}")
    derived, aggs = [], []
    for i, name in enumerate(names):
        col = nw.col(name).cast(nw.Float64)
        derived += [col.alias(f"_x{i}"), (col * col).alias(f"_xx{i}")]
        aggs += [
            nw.col(f"_x{i}").count().alias(f"_n{i}"),
            nw.col(f"_x{i}").sum().alias(f"_s{i}"),
            nw.col(f"_xx{i}").sum().alias(f"_q{i}"),
        ]
    rated = frame.filter(nw.col(VALID) == 1).with_columns(*derived)
    sums = to_pandas(rated.group_by(SIGN).agg(*aggs))
    sums = sums.set_index(SIGN)
    rows = [_driver_row(name, i, sums, z_crit, min_base) for i, name in enumerate(names)]
    out = pd.DataFrame(rows)
    r2 = out["r_pb"] ** 2
    total = r2.sum(skipna=True)
    out["relative_importance"] = 100 * r2 / total if total > 0 else np.nan
    out["small_base"] = out.pop("_low_base")
    out = out.sort_values("r_pb", ascending=False, na_position="last", kind="stable")
    return out.reset_index(drop=True)


def _driver_row(name: str, i: int, sums: pd.DataFrame, z_crit: float, min_base: int) -> dict:
    def get(sign: int, what: str) -> float:
        if sign not in sums.index:
            return 0.0
        value = sums.at[sign, f"_{what}{i}"]
        return 0.0 if pd.isna(value) else float(value)

    row: dict[str, Any] = {"driver": name}
    counts = {label: int(get(sign, "n")) for sign, label in CATEGORIES}
    row["n"] = sum(counts.values())
    for _, label in CATEGORIES:
        row[f"n_{label}"] = counts[label]
    for sign, label in CATEGORIES:
        k = counts[label]
        row[f"mean_{label}"] = get(sign, "s") / k if k else math.nan
    row["difference"] = row["mean_promoters"] - row["mean_detractors"]
    n1, n0 = counts["promoters"], counts["detractors"]
    big_n = n1 + n0
    r = lower = upper = p = math.nan
    if big_n >= 4 and n1 and n0:
        total = get(1, "s") + get(-1, "s")
        squares = get(1, "q") + get(-1, "q")
        var = squares / big_n - (total / big_n) ** 2
        if var > 1e-12:
            r = (row["mean_promoters"] - row["mean_detractors"]) / math.sqrt(var)
            r = min(max(r * math.sqrt(n1 * n0) / big_n, -1.0), 1.0)
            if abs(r) < 1:
                zr = math.atanh(r)
                half = z_crit / math.sqrt(big_n - 3)
                lower, upper = math.tanh(zr - half), math.tanh(zr + half)
                t = r * math.sqrt((big_n - 2) / (1 - r * r))
                p = float(2 * stats.t.sf(abs(t), big_n - 2))
            else:
                lower = upper = r
                p = 0.0
    row.update(r_pb=r, r_ci_lower=lower, r_ci_upper=upper, p_value=p)
    row["_low_base"] = min(n1, n0) < min_base
    return row
