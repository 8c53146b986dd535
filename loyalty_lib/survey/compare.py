"""Is a change in NPS real? Two-sample comparison and the trend over survey waves.

The difference of two independent NPS values (two waves, two segments) is tested with
the same interval method as :func:`loyalty_lib.nps`:

- ``"wald"`` / ``"adjusted_wald"``: z = (d̂_a − d̂_b) / √(v_a/n_a + v_b/n_b) with the
  per-respondent variance v = p₊ + p₋ − (p₊ − p₋)²; for ``"adjusted_wald"`` the shares,
  the estimates and n (+3) are those after the pseudo-counts ¾, 1½, ¾ (Rocks 2016);
  the interval is centred on that (adjusted) difference.
- ``"score"``: Newcombe's MOVER interval built from the two score intervals; the
  p-value is the one at which that interval just touches 0 (test inversion), and
  z = sign · Φ⁻¹(1 − p/2).
- ``"bootstrap"``: percentile interval of the resampled difference; p-value
  2·min(P*(Δ ≤ 0), P*(Δ ≥ 0)); z = difference / bootstrap standard error.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
from scipy import optimize, stats

from loyalty_lib._checks import LoyaltyWarning
from loyalty_lib.engines import local_datetimes
from loyalty_lib.stats.nps_intervals import (
    bootstrap_draws,
    centre_and_se,
    check_method,
    score_interval,
    z_value,
)
from loyalty_lib.survey.answers import (
    Group,
    ScoreSpec,
    as_list,
    check_base,
    prepare,
    prepare_tally,
    summarise,
    tally,
    to_pandas,
)

__all__ = ["compare_nps", "nps_trend"]

PERIOD = "period"
FREQUENCIES = {"D": ("1d", "D"), "MS": ("1mo", "MS"), "QS": ("1q", "QS"), "YS": ("1y", "YS")}


def compare_groups(
    a: Group,
    b: Group,
    *,
    method: str,
    confidence: float,
    n_boot: int = 2000,
    rng: np.random.Generator | None = None,
) -> dict[str, float]:
    """Difference a − b (−2…2 scale) with interval, z and p-value; NaN if a base is empty."""
    nan = {
        "difference": math.nan,
        "lower": math.nan,
        "upper": math.nan,
        "z": math.nan,
        "p_value": math.nan,
    }
    if a.n == 0 or b.n == 0 or a.n_effective <= 0 or b.n_effective <= 0:
        return nan
    z_crit = z_value(confidence)
    raw = a.nps - b.nps
    if method in ("wald", "adjusted_wald"):
        ca, sa = centre_and_se(*a.effective, method)
        cb, sb = centre_and_se(*b.effective, method)
        centre, se = ca - cb, math.hypot(sa, sb)
        lower, upper = centre - z_crit * se, centre + z_crit * se
        if se > 0:
            z = centre / se
            p = float(2 * stats.norm.sf(abs(z)))
        else:
            z, p = (0.0, 1.0) if centre == 0 else (math.copysign(math.inf, centre), 0.0)
    elif method == "score":
        lower, upper = _mover(a, b, confidence)
        z, p = _mover_test(a, b)
    else:
        rng = np.random.default_rng() if rng is None else rng
        draws = bootstrap_draws(*a.cells, n_boot=n_boot, rng=rng) - bootstrap_draws(
            *b.cells, n_boot=n_boot, rng=rng
        )
        draws = draws[np.isfinite(draws)]
        alpha = 1 - confidence
        lower, upper = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
        p = float(min(1.0, 2 * min(np.mean(draws <= 0), np.mean(draws >= 0))))
        sd = float(np.std(draws, ddof=1))
        z = raw / sd if sd > 0 else (0.0 if raw == 0 else math.copysign(math.inf, raw))
    return {
        "difference": raw,
        "lower": float(max(lower, -2.0)),
        "upper": float(min(upper, 2.0)),
        "z": float(z),
        "p_value": float(p),
    }


def _mover(a: Group, b: Group, confidence: float) -> tuple[float, float]:
    """Newcombe's MOVER interval for d_a − d_b from the two score intervals."""
    la, ua = score_interval(*a.effective, confidence)
    lb, ub = score_interval(*b.effective, confidence)
    da, db = a.nps, b.nps
    diff = da - db
    lower = diff - math.sqrt((da - la) ** 2 + (ub - db) ** 2)
    upper = diff + math.sqrt((ua - da) ** 2 + (db - lb) ** 2)
    return lower, upper


def _mover_test(a: Group, b: Group) -> tuple[float, float]:
    """z and p-value: the confidence at which the MOVER interval just reaches 0."""
    diff = a.nps - b.nps
    if diff == 0:
        return 0.0, 1.0

    def gap(conf: float) -> float:
        lower, upper = _mover(a, b, conf)
        return lower if diff > 0 else -upper

    low_conf, high_conf = 1e-9, 1 - 1e-15
    if gap(high_conf) > 0:  # excludes 0 even at 1 − 1e-15
        p = 0.0
    elif gap(low_conf) <= 0:  # reaches 0 even at a vanishing confidence (tiny, lopsided groups)
        p = 1.0
    else:
        p = 1 - optimize.brentq(gap, low_conf, high_conf, xtol=1e-14)
    z = math.copysign(float(stats.norm.isf(max(p, 1e-300) / 2)), diff)
    return z, float(p)


def compare_nps(
    a: Any,
    b: Any,
    score: str,
    *,
    weight: str | None = None,
    scale: tuple[float, float] = (0, 10),
    cut_points: tuple[float, float] | None = None,
    method: str = "adjusted_wald",
    confidence: float = 0.95,
    errors: str = "raise",
    n_boot: int = 2000,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Compare the NPS of two independent samples (two waves, two segments).

    Parameters
    ----------
    a, b
        Answers of the two samples (any dataframe narwhals supports), each with the
        ``score`` column (and ``weight`` if given). Never modified.
    score, weight, scale, cut_points, errors, n_boot, random_state
        As in :func:`loyalty_lib.nps`.
    method
        Interval and test method (module docstring): ``"adjusted_wald"`` (default),
        ``"wald"``, ``"score"`` or ``"bootstrap"``.
    confidence
        Confidence level of the interval; ``significant`` is ``p_value < 1 − confidence``.

    Returns
    -------
    pandas.DataFrame
        One row: ``n_a``, ``n_b`` (valid answers), ``nps_a``, ``nps_b`` (raw scores,
        −100…100), ``difference`` (raw ``nps_a − nps_b``, signed), ``difference_ci_lower``,
        ``difference_ci_upper`` (interval of the difference, −200…200; centred on the adjusted
        difference with ``"adjusted_wald"``), ``z``, ``p_value`` (two-sided) and
        ``significant``. Statistics are missing when a sample has no valid answer.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyalty_lib import compare_nps
    >>> def wave(det, pas, pro):
    ...     return pd.DataFrame({"score": [3] * det + [8] * pas + [10] * pro})
    >>> result = compare_nps(wave(20, 30, 50), wave(30, 30, 40), "score")
    >>> result[["n_a", "n_b", "nps_a", "nps_b", "difference"]]
       n_a  n_b  nps_a  nps_b  difference
    0  100  100   30.0   10.0        20.0
    >>> result[["z", "p_value"]].round(3)
           z  p_value
    0  1.732    0.083
    """
    check_method(method)
    z_value(confidence)
    spec = ScoreSpec.declare(scale, cut_points)
    boot = method == "bootstrap"
    groups = []
    for sample in (a, b):
        _, (group,) = prepare_tally(
            sample, score, spec, by=[], weight=weight, cells=boot, errors=errors, stacklevel=4
        )
        groups.append(group)
    rng = np.random.default_rng(random_state)
    res = compare_groups(*groups, method=method, confidence=confidence, n_boot=n_boot, rng=rng)
    return pd.DataFrame(
        {
            "n_a": [groups[0].n],
            "n_b": [groups[1].n],
            "nps_a": [100 * groups[0].nps],
            "nps_b": [100 * groups[1].nps],
            "difference": [100 * res["difference"]],
            "difference_ci_lower": [100 * res["lower"]],
            "difference_ci_upper": [100 * res["upper"]],
            "z": [res["z"]],
            "p_value": [res["p_value"]],
            "significant": pd.array(
                [None if math.isnan(res["p_value"]) else res["p_value"] < 1 - confidence],
                dtype="boolean",
            ),
        }
    )


def nps_trend(
    data: Any,
    score: str,
    date: str,
    *,
    freq: str = "MS",
    by: str | Sequence[str] | None = None,
    weight: str | None = None,
    scale: tuple[float, float] = (0, 10),
    cut_points: tuple[float, float] | None = None,
    method: str = "adjusted_wald",
    confidence: float = 0.95,
    min_base: int = 30,
    errors: str = "raise",
    n_boot: int = 2000,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """NPS per period (and group), with the change from the previous period.

    Parameters
    ----------
    data, score, by, weight, scale, cut_points, method, confidence, min_base, errors,
    n_boot, random_state
        As in :func:`loyalty_lib.nps`; the change is tested as in :func:`compare_nps`.
    date
        Datetime column placing each answer in a period (e.g. the survey wave).
        Answers without a date raise with ``errors="raise"``; with ``"exclude"`` they
        are left out with a warning (they belong to no period).
    freq
        Period length: ``"MS"`` (calendar month, default), ``"QS"`` (quarter),
        ``"YS"`` (year) or ``"D"`` (day).

    Returns
    -------
    pandas.DataFrame
        One row per group and period, every period from the first to the last one in
        the data (periods without answers get ``n = 0``), sorted by group then period:
        the ``by`` columns, ``period`` (start of the period), then the columns of
        :func:`loyalty_lib.nps`, then

        - ``difference``: NPS minus the previous period's NPS (points; missing for the
          first period or when either base is empty);
        - ``difference_ci_lower``, ``difference_ci_upper``: interval of the change;
        - ``p_value``: two-sided p-value of the change;
        - ``significant``: ``p_value < 1 − confidence`` (missing where no
          change is computed).

    Examples
    --------
    >>> import pandas as pd
    >>> from loyalty_lib import nps_trend
    >>> answers = pd.DataFrame({
    ...     "score": [10, 9, 8, 2, 10, 3, 1, 0],
    ...     "wave": pd.to_datetime(["2024-01-03"] * 4 + ["2024-02-09"] * 4),
    ... })
    >>> trend = nps_trend(answers, "score", "wave", min_base=3)
    >>> trend[["period", "n", "nps", "difference", "significant"]]
          period  n   nps  difference  significant
    0 2024-01-01  4  25.0         NaN         <NA>
    1 2024-02-01  4 -50.0       -75.0        False
    """
    check_method(method)
    z_value(confidence)
    check_base(min_base)
    if freq not in FREQUENCIES:
        raise ValueError(f"freq: expected one of {list(FREQUENCIES)}, got {freq!r}")
    spec = ScoreSpec.declare(scale, cut_points)
    by_cols = as_list(by)
    if PERIOD in by_cols or date in by_cols:
        raise ValueError(f"by: cannot contain {PERIOD!r} or the date column {date!r}")
    frame = prepare(
        data, score, spec, by=by_cols, weight=weight, extra=[date], errors=errors, stacklevel=4
    )
    frame = local_datetimes(frame, [date])
    dtype = frame.collect_schema()[date]
    if not (dtype == nw.Datetime or dtype == nw.Date):
        raise ValueError(
            f"{date}: expected a datetime column, got dtype {dtype}; convert with pd.to_datetime"
        )
    no_date = nw.col(date).is_null()
    n_missing = int(to_pandas(frame.filter(no_date).select(nw.len().alias("k")))["k"].iloc[0])
    if n_missing:
        message = f"{date}: {n_missing} answers have no date"
        if errors == "raise":
            raise ValueError(f"{message}. Pass errors='exclude' to leave them out.")
        warnings.warn(
            f"{message}; left out (they belong to no period).", LoyaltyWarning, stacklevel=2
        )
        frame = frame.filter(~no_date)
    every, pandas_freq = FREQUENCIES[freq]
    frame = frame.with_columns(
        nw.col(date).dt.truncate(every).cast(nw.Datetime("us")).alias(PERIOD)
    )
    keys = [*by_cols, PERIOD]
    weighted = weight is not None
    table, groups = tally(frame, keys, weighted=weighted, cells=method == "bootstrap")
    table, groups = _complete(table, groups, by_cols, pandas_freq, weighted)
    rng = np.random.default_rng(random_state)
    out = summarise(
        table,
        groups,
        keys,
        weighted=weighted,
        method=method,
        confidence=confidence,
        min_base=min_base,
        n_boot=n_boot,
        rng=rng,
    )
    changes = []
    for i in range(len(out)):
        same_series = i > 0 and all(_same(table.at[i, c], table.at[i - 1, c]) for c in by_cols)
        if not same_series:
            changes.append(
                dict.fromkeys(("difference", "lower", "upper", "z", "p_value"), math.nan)
            )
            continue
        changes.append(
            compare_groups(
                groups[i],
                groups[i - 1],
                method=method,
                confidence=confidence,
                n_boot=n_boot,
                rng=rng,
            )
        )
    out["difference"] = [100 * c["difference"] for c in changes]
    out["difference_ci_lower"] = [100 * c["lower"] for c in changes]
    out["difference_ci_upper"] = [100 * c["upper"] for c in changes]
    out["p_value"] = [c["p_value"] for c in changes]
    out["significant"] = pd.array(
        [None if math.isnan(c["p_value"]) else c["p_value"] < 1 - confidence for c in changes],
        dtype="boolean",
    )
    return out


def _same(x: Any, y: Any) -> bool:
    if pd.isna(x) and pd.isna(y):
        return True
    return bool(x == y)


def _complete(
    table: pd.DataFrame, groups: list[Group], by: list[str], freq: str, weighted: bool
) -> tuple[pd.DataFrame, list[Group]]:
    """Add n = 0 rows for periods without answers, sorted by group then period."""
    if table.empty:
        return table, groups
    periods = pd.date_range(table[PERIOD].min(), table[PERIOD].max(), freq=freq)
    series = table[by].drop_duplicates() if by else pd.DataFrame(index=[0])
    grid = series.merge(pd.DataFrame({PERIOD: periods.astype(table[PERIOD].dtype)}), how="cross")
    table = table.assign(_row=range(len(table)))
    full = grid.merge(table, on=[*by, PERIOD], how="left")
    full = full.sort_values([*by, PERIOD], na_position="last", kind="stable")
    full = full.reset_index(drop=True)
    empty = Group(
        n=0,
        n_effective=0.0,
        effective=(0.0, 0.0, 0.0),
        shares=(math.nan,) * 3,
        cells=(np.zeros(0), np.zeros(0), np.zeros(0)),
    )
    new_groups = [groups[int(r)] if pd.notna(r) else empty for r in full["_row"]]
    for col in ("n", "promoters", "passives", "detractors", "excluded"):
        full[col] = full[col].fillna(0).astype("int64")
    return full.drop(columns="_row"), new_groups
