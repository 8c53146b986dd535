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

from loyalty_lib._checks import LoyaltyWarning, as_list, to_pandas
from loyalty_lib.engines import local_datetimes
from loyalty_lib.i18n import current
from loyalty_lib.stats.multiple import ADJUSTMENTS, adjust_p_values, check_adjust
from loyalty_lib.stats.nps_intervals import (
    MIN_BOOT,
    bootstrap_draws,
    centre_and_se,
    check_method,
    score_interval,
    z_value,
)
from loyalty_lib.survey.answers import (
    Group,
    ScoreSpec,
    check_base,
    prepare,
    prepare_tally,
    summarise,
    tally,
)
from loyalty_lib.survey.repeated import (
    Clusters,
    check_policy,
    customer_sums,
    design_effects,
    difference_design,
    dropped_per_row,
    first_answers,
    repeated_note,
    shrink,
)

__all__ = ["adjust_trends", "compare_nps", "nps_trend"]

PERIOD = "period"
FREQUENCIES = {"D": ("1d", "D"), "MS": ("1mo", "MS"), "QS": ("1q", "QS"), "YS": ("1y", "YS")}


def warn_few_resamples(method: str, n_boot: int, stacklevel: int = 3) -> None:
    """Check ``n_boot``; LoyaltyWarning when a bootstrap uses fewer than :data:`MIN_BOOT`."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 100:
        raise ValueError(f"n_boot: expected an integer of at least 100, got {n_boot!r}")
    if method == "bootstrap" and n_boot < MIN_BOOT:
        warnings.warn(
            f"n_boot: {n_boot} resamples make the percentile limits move between seeds; "
            f"use at least {MIN_BOOT}",
            LoyaltyWarning,
            stacklevel=stacklevel,
        )


def compare_groups(
    a: Group,
    b: Group,
    *,
    method: str,
    confidence: float,
    n_boot: int = 2000,
    rng: np.random.Generator | None = None,
    design: float = math.nan,
) -> dict[str, float]:
    """Difference a − b (−2…2 scale) with interval, z and p-value; NaN if a base is empty.

    ``design``: the design effect of the difference (repeated respondents,
    :func:`~loyalty_lib.survey.repeated.difference_design`); the Wald standard error is
    multiplied by its square root. NaN (default) leaves it as for independent answers.
    """
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
        if design > 0:
            se *= math.sqrt(design)
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
    customer: str | None = None,
    repeated: str | None = None,
    order: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Compare the NPS of two samples (two waves, two segments).

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
    customer, repeated, order
        Repeated respondents, as in :func:`loyalty_lib.nps` (both samples need the
        ``customer`` column). ``"cluster"`` (default with ``customer``): the variance of
        the difference is the cluster-robust one of a group dummy's OLS coefficient; a
        customer who answered in both samples is one cluster, so the covariance of their
        answers counts (:mod:`loyalty_lib.survey.repeated`). ``"first"``: each sample keeps
        its customers' first answers; the test then treats the samples as independent.
        ``"ignore"``: every answer independent.

    Returns
    -------
    pandas.DataFrame
        One row: ``n_a``, ``n_b`` (valid answers), ``nps_a``, ``nps_b`` (raw scores,
        −100…100), ``difference`` (raw ``nps_a − nps_b``, signed), ``difference_ci_lower``,
        ``difference_ci_upper`` (interval of the difference, −200…200; centred on the adjusted
        difference with ``"adjusted_wald"``), ``z``, ``p_value`` (two-sided) and
        ``significant``. Statistics are missing when a sample has no valid answer.
        With ``customer``: ``customers_a``, ``customers_b`` and ``design_effect`` (of the
        difference: cluster-robust over independent variance), ``attrs["repeated"]``;
        with ``"first"`` also ``dropped_repeats_a``, ``dropped_repeats_b`` and
        ``attrs["repeated_note"]``.

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
    warn_few_resamples(method, n_boot)
    policy, order_cols = check_policy(customer, repeated, weight=weight, method=method, order=order)
    spec = ScoreSpec.declare(scale, cut_points)
    boot = method == "bootstrap"
    groups, clusters, drops = [], [], []
    for sample in (a, b):
        if policy == "first":
            frame = prepare(
                sample,
                score,
                spec,
                weight=weight,
                extra=[customer, *order_cols],
                errors=errors,
                stacklevel=4,
            )
            kept, dropped = first_answers(frame, [], customer, order_cols)
            _, (group,) = tally(kept, [], weighted=weight is not None, cells=boot)
            drops.append(int(dropped["dropped_repeats"].sum()) if len(dropped) else 0)
            per = customer_sums(None, score, spec, [], customer, errors, frame=kept)
        else:
            _, (group,) = prepare_tally(
                sample, score, spec, by=[], weight=weight, cells=boot, errors=errors, stacklevel=4
            )
            per = (
                None if policy is None else customer_sums(sample, score, spec, [], customer, errors)
            )
        groups.append(group)
        clusters.append(None if per is None else Clusters(per, []).of(()))
    design = math.nan
    if policy is not None:
        design = difference_design(*clusters)
    rng = np.random.default_rng(random_state)
    res = compare_groups(
        *groups,
        method=method,
        confidence=confidence,
        n_boot=n_boot,
        rng=rng,
        design=design if policy == "cluster" else math.nan,
    )
    out = pd.DataFrame(
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
    if policy is not None:
        out["customers_a"] = [0 if c is None else len(c) for c in clusters[:1]]
        out["customers_b"] = [0 if c is None else len(c) for c in clusters[1:]]
        out["design_effect"] = [design]
        out.attrs["repeated"] = policy
    if policy == "first":
        out["dropped_repeats_a"], out["dropped_repeats_b"] = [drops[0]], [drops[1]]
        out.attrs["repeated_note"] = repeated_note(sum(drops))
    return out


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
    baseline: str | pd.Timestamp | None = None,
    adjust: str = "holm",
    persist: int = 2,
    customer: str | None = None,
    repeated: str | None = None,
    order: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """NPS per period (and group), each period tested against its baseline.

    The procedure is declared before the data are seen (:mod:`loyalty_lib.stats.changes`):
    every period against the previous one (or one declared ``baseline`` period), the
    p-values of all rows adjusted together (``adjust``), and a change called *lasting*
    only when the next ``persist`` periods still differ from the same baseline in the
    same direction.

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
    baseline
        ``None`` (default): each period against the previous one. A date (``"2024-01"``):
        each period against that period of the same series.
    adjust
        ``"holm"`` (default; family-wise error rate) or ``"fdr_bh"`` (Benjamini–Hochberg):
        the adjustment over every tested row of the result (all groups and periods). To
        adjust several trends shown on one page as one family use :func:`adjust_trends`.
    persist
        Persistence rule of ``lasting``: the number of later periods (≥ 1) that must each
        still differ from the same baseline, same sign, at p < 1 − confidence.
    customer, repeated, order
        Repeated respondents, as in :func:`loyalty_lib.nps`, per period (and group).
        ``"cluster"`` (default with ``customer``): each period's interval and every change
        use the cluster-robust variance by customer; a customer who answered in both
        periods of a change is one cluster (:func:`compare_nps`). ``"first"``: the first
        answer of each customer per period is kept (``order`` defaults to ``date``; give a
        tie-breaking column when a customer can answer twice on one date).

    Returns
    -------
    pandas.DataFrame
        One row per group and period, every period from the first to the last one in
        the data (periods without answers get ``n = 0``), sorted by group then period:
        the ``by`` columns, ``period`` (start of the period), then the columns of
        :func:`loyalty_lib.nps`, then

        - ``difference``: NPS minus the baseline period's NPS (points; missing for the
          baseline itself, the first period, or when either base is empty);
        - ``difference_ci_lower``, ``difference_ci_upper``: its interval (unadjusted);
        - ``p_value``: two-sided p-value of the difference, unadjusted;
        - ``p_value_adjusted``: adjusted over the family (``attrs["adjust"]``);
        - ``significant``: ``p_value_adjusted < 1 − confidence`` (missing where no
          difference is computed);
        - ``confirmed``: the next ``persist`` periods differ from the same baseline in
          the same direction at p < 1 − confidence (missing when they are not all there);
        - ``lasting``: ``significant`` and ``confirmed``.

        With ``customer``: ``customers``, ``design_effect`` (of the period's NPS) and
        ``difference_design_effect`` (of the change), ``dropped_repeats`` with ``"first"``;
        ``attrs["repeated"]`` (and ``attrs["repeated_note"]``).

        ``attrs``: ``adjust``, ``adjustment`` (its wording), ``family_size`` (tests
        adjusted together), ``baseline`` (``"previous period"`` or the date), ``persist``
        and ``procedure`` (a sentence for the page).

    Examples
    --------
    >>> import pandas as pd
    >>> from loyalty_lib import nps_trend
    >>> answers = pd.DataFrame({
    ...     "score": [10, 9, 8, 2, 10, 3, 1, 0],
    ...     "wave": pd.to_datetime(["2024-01-03"] * 4 + ["2024-02-09"] * 4),
    ... })
    >>> trend = nps_trend(answers, "score", "wave", min_base=3)
    >>> trend[["period", "n", "nps", "difference", "p_value_adjusted", "significant"]]
          period  n   nps  difference  p_value_adjusted  significant
    0 2024-01-01  4  25.0         NaN               NaN         <NA>
    1 2024-02-01  4 -50.0       -75.0          0.324872        False
    """
    check_method(method)
    z_value(confidence)
    check_base(min_base)
    check_adjust(adjust)
    warn_few_resamples(method, n_boot)
    if isinstance(persist, bool) or not isinstance(persist, int) or persist < 1:
        raise ValueError(f"persist: expected a whole number of periods >= 1, got {persist!r}")
    if freq not in FREQUENCIES:
        raise ValueError(f"freq: expected one of {list(FREQUENCIES)}, got {freq!r}")
    policy, order_cols = check_policy(
        customer, repeated, weight=weight, method=method, order=order if order else date
    )
    spec = ScoreSpec.declare(scale, cut_points)
    by_cols = as_list(by)
    if PERIOD in by_cols or date in by_cols:
        raise ValueError(f"by: cannot contain {PERIOD!r} or the date column {date!r}")
    extra = [date] + ([] if policy is None else [customer, *order_cols])
    frame = prepare(
        data,
        score,
        spec,
        by=by_cols,
        weight=weight,
        extra=list(dict.fromkeys(extra)),
        errors=errors,
        stacklevel=4,
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
    dropped = None
    if policy == "first":
        frame, dropped = first_answers(frame, keys, customer, order_cols)
    table, groups = tally(frame, keys, weighted=weighted, cells=method == "bootstrap")
    table, groups = _complete(table, groups, by_cols, pandas_freq, weighted)
    tested = groups  # the tests of changes take the design effect of the difference
    clusters, deff = None, None
    if policy is not None:
        per = customer_sums(None, score, spec, keys, customer, errors, frame=frame)
        deff = design_effects(per, keys, table)
        clusters = Clusters(per, keys)
        if policy == "cluster":
            groups = [shrink(g, d) for g, d in zip(groups, deff["design_effect"], strict=True)]
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
    base_at = _baselines(table, by_cols, baseline)
    nan_test = dict.fromkeys(("difference", "lower", "upper", "z", "p_value", "design"), math.nan)
    row_keys = list(table[keys].itertuples(index=False, name=None))

    def test(i: int, j: int | None) -> dict[str, float]:
        if j is None or i == j:
            return nan_test
        design = math.nan
        if clusters is not None:
            design = difference_design(clusters.of(row_keys[i]), clusters.of(row_keys[j]))
        result = compare_groups(
            tested[i],
            tested[j],
            method=method,
            confidence=confidence,
            n_boot=n_boot,
            rng=rng,
            design=design if policy == "cluster" else math.nan,
        )
        return {**result, "design": design}

    changes = [test(i, base_at[i]) for i in range(len(out))]
    alpha = 1 - confidence
    confirmed = []
    for i, change in enumerate(changes):
        later = [i + k for k in range(1, persist + 1)]
        if math.isnan(change["p_value"]) or not all(
            k < len(out) and base_at[k] is not None and _same_series(table, by_cols, i, k)
            for k in later
        ):
            confirmed.append(None)
            continue
        follow = [test(k, base_at[i]) for k in later]
        if any(math.isnan(f["p_value"]) for f in follow):
            confirmed.append(None)
            continue
        sign = np.sign(change["difference"])
        confirmed.append(
            all(np.sign(f["difference"]) == sign and f["p_value"] < alpha for f in follow)
        )
    out["difference"] = [100 * c["difference"] for c in changes]
    out["difference_ci_lower"] = [100 * c["lower"] for c in changes]
    out["difference_ci_upper"] = [100 * c["upper"] for c in changes]
    out["p_value"] = [c["p_value"] for c in changes]
    out["confirmed"] = pd.array(confirmed, dtype="boolean")
    if deff is not None:
        out["customers"] = deff["customers"].to_numpy()
        out["design_effect"] = deff["design_effect"].to_numpy()
        out["difference_design_effect"] = [c["design"] for c in changes]
        out.attrs["repeated"] = policy
    if dropped is not None:
        out["dropped_repeats"] = dropped_per_row(dropped, table, keys)
        total = int(out["dropped_repeats"].sum())
        out.attrs.update(dropped_repeats=total, repeated_note=repeated_note(total))
    out.attrs.update(
        baseline="previous period" if baseline is None else str(baseline),
        persist=persist,
        confidence=confidence,
    )
    (out,) = adjust_trends(out, adjust=adjust)
    return out


def adjust_trends(*trends: pd.DataFrame, adjust: str = "holm") -> tuple[pd.DataFrame, ...]:
    """Adjust the p-values of several :func:`nps_trend` results as one family.

    A page that shows the overall trend and the trend per segment makes one family of
    tests: adjusting each separately would let the page flag something by chance more
    often than 1 − confidence. Returns copies with ``p_value_adjusted``, ``significant``
    and ``lasting`` recomputed over all rows of all ``trends`` and the attrs updated.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyalty_lib import nps_trend
    >>> from loyalty_lib.survey.compare import adjust_trends
    >>> answers = pd.DataFrame({"score": [10, 9, 8, 2, 10, 3, 1, 0],
    ...     "wave": pd.to_datetime(["2024-01-03"] * 4 + ["2024-02-09"] * 4),
    ...     "region": list("NSNSNSNS")})
    >>> overall = nps_trend(answers, "score", "wave", min_base=1)
    >>> regions = nps_trend(answers, "score", "wave", by="region", min_base=1)
    >>> overall, regions = adjust_trends(overall, regions)
    >>> overall.attrs["family_size"]
    3
    """
    check_adjust(adjust)
    if not trends:
        raise ValueError("trends: give at least one nps_trend result")
    for k, trend in enumerate(trends):
        missing = [c for c in ("p_value", "confirmed") if c not in trend.columns]
        if missing:
            raise ValueError(f"trends[{k}]: columns {missing} missing; pass nps_trend results")
    sizes = [len(t) for t in trends]
    raw = np.concatenate([t["p_value"].to_numpy(dtype=float) for t in trends])
    adjusted = adjust_p_values(raw, adjust) if raw.size else raw
    family = int(np.isfinite(raw).sum())
    out = []
    start = 0
    for trend, size in zip(trends, sizes, strict=True):
        part = trend.copy()
        p_adj = adjusted[start : start + size]
        start += size
        alpha = 1 - float(trend.attrs.get("confidence", 0.95))
        part["p_value_adjusted"] = p_adj
        part["significant"] = pd.array(
            [None if math.isnan(p) else p < alpha for p in p_adj], dtype="boolean"
        )
        part["lasting"] = part["significant"] & part["confirmed"]
        part.attrs.update(
            adjust=adjust,
            adjustment=ADJUSTMENTS[adjust],
            family_size=family,
            procedure=_procedure(part.attrs, adjust, family),
        )
        out.append(part)
    return tuple(out)


def N_(message: str) -> str:
    """Marks a message for the catalogue; it is translated where it is written."""
    return message


#: the adjustments' names on a page (stats.multiple.ADJUSTMENTS, which stays English)
_ADJUSTMENT_NAMES = {
    "holm": N_("Holm's step-down adjustment (family-wise error rate)"),
    "fdr_bh": N_("Benjamini–Hochberg false discovery rate"),
}


def _procedure(attrs: dict, adjust: str, family: int) -> str:
    """The procedure as a sentence in the language of :func:`loyalty_lib.i18n.set_language`."""
    tr = current()
    confidence = float(attrs.get("confidence", 0.95))
    baseline = attrs.get("baseline", "previous period")
    against = tr.gettext("the previous one") if baseline == "previous period" else f"{baseline}"
    persist = int(attrs.get("persist", 2))
    name = tr.gettext(_ADJUSTMENT_NAMES[adjust]) if adjust in _ADJUSTMENT_NAMES else adjust
    return tr.gettext(
        "Each period is compared with {against}; the {family} p-values are adjusted together "
        "({adjustment}) and a change counts as significant when the adjusted p-value is below "
        "{alpha}. A change is called lasting only when each of the next {persist} periods still "
        "differs from the same baseline in the same direction ({level} level)."
    ).format(
        against=against,
        family=tr.number(family),
        adjustment=name,
        alpha=tr.number(round(1 - confidence, 4)),
        persist=tr.number(persist),
        level=tr.percent(confidence, 0),
    )


def _same_series(table: pd.DataFrame, by: list[str], i: int, j: int) -> bool:
    return all(_same(table.at[i, c], table.at[j, c]) for c in by)


def _baselines(table: pd.DataFrame, by: list[str], baseline: Any) -> list[int | None]:
    """Row index of each row's baseline (same series), or None."""
    rows = len(table)
    if baseline is None:
        return [i - 1 if i > 0 and _same_series(table, by, i, i - 1) else None for i in range(rows)]
    try:
        when = pd.Timestamp(baseline)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"baseline: expected a date such as '2024-01', got {baseline!r}") from exc
    periods = pd.to_datetime(table[PERIOD]) if rows else pd.Series(dtype="datetime64[ns]")
    if rows and not (periods == when).any():
        raise ValueError(
            f"baseline: {baseline!r} is not a period of the data "
            f"({periods.min():%Y-%m-%d} to {periods.max():%Y-%m-%d}); give a period start"
        )
    base_of: dict[tuple, int] = {}
    for i in range(rows):
        if periods.iloc[i] == when:
            base_of[tuple(table.at[i, c] for c in by)] = i
    return [base_of.get(tuple(table.at[i, c] for c in by)) for i in range(rows)]


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
