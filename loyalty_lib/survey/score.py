"""Net Promoter Score with its base and an honest interval.

NPS = % promoters − % detractors, from answers to "How likely are you to recommend …?"
on a 0–10 scale: detractors 0–6, passives 7–8, promoters 9–10 (passives count in the
base, not in the difference). Every estimate comes with its base ``n``, a confidence
interval (Rocks 2016; methods in :mod:`loyalty_lib.stats.nps_intervals`) and a low-base flag.

Comparisons and trends are in :mod:`loyalty_lib.survey.compare`, touchpoint
drivers in :mod:`loyalty_lib.survey.drivers`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import as_list, to_pandas
from loyalty_lib.i18n import current
from loyalty_lib.stats.nps_intervals import check_method, z_value
from loyalty_lib.survey.answers import (
    SIGN,
    VALID,
    ScoreSpec,
    check_base,
    prepare,
    prepare_tally,
    summarise,
    tally,
)
from loyalty_lib.survey.compare import compare_nps, nps_trend, warn_few_resamples
from loyalty_lib.survey.drivers import nps_drivers
from loyalty_lib.survey.repeated import (
    check_policy,
    customer_sums,
    design_effects,
    dropped_per_row,
    first_answers,
    repeated_note,
    shrink,
)

__all__ = [
    "compare_nps",
    "nps",
    "nps_band",
    "nps_band_interval",
    "nps_distribution",
    "nps_drivers",
    "nps_sample_size",
    "nps_trend",
]


def nps(
    data: Any,
    score: str,
    *,
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
    customer: str | None = None,
    repeated: str | None = None,
    order: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Net Promoter Score per group, with base size and confidence interval.

    Parameters
    ----------
    data
        Survey answers, one row per response: any dataframe narwhals supports (pandas,
        polars, DuckDB, PySpark). Never modified.
    score
        Column with the 0–10 answers (numeric; missing = not answered).
    by
        Optional column name(s) to group by; one row per group, sorted by group.
    weight
        Optional column of non-negative survey weights. Shares become weighted shares
        and the interval uses Kish's effective base ``n_effective`` = (Σw)² / Σw².
    scale
        The declared answer scale ``(low, high)``. The standard cut points are assumed
        only for (0, 10) and (1, 10); any other scale needs ``cut_points``.
    cut_points
        ``(detractor_max, promoter_min)``; default (6, 9): detractors ≤ 6, promoters ≥ 9,
        passives in between. Answers are never remapped to another scale.
    method
        ``"adjusted_wald"`` (default; pseudo-counts ¾, 1½, ¾, interval centred on the
        adjusted estimate), ``"wald"``, ``"score"`` (iterative score interval) or
        ``"bootstrap"`` (percentile interval, ``n_boot`` resamples, reproducible from
        ``random_state``; fewer than 2,000 resamples warn). See
        :mod:`loyalty_lib.stats.nps_intervals`.
    confidence
        Confidence level of the interval, strictly between 0 and 1.
    min_base
        Groups with fewer responses (effective responses when weighted) get
        ``small_base = True``.
    errors
        ``"raise"`` (default): scores that are fractional or outside the scale, and
        missing/negative weights, raise ``ValueError`` naming the column, the count and
        the first values. ``"exclude"``: leave them out, count them in ``excluded`` and
        warn (:class:`~loyalty_lib.LoyaltyWarning`). Missing answers are always left
        out and counted in ``excluded``.
    n_boot, random_state
        Bootstrap resamples and seed (``method="bootstrap"`` only).
    customer
        Optional customer id column. Customers who answered several times give alike
        answers, so the independent-answers interval is too narrow.
    repeated
        What to do with repeated respondents (needs ``customer``): ``"cluster"`` (the
        default when ``customer`` is given): the variance is the cluster-robust one by
        customer (:mod:`loyalty_lib.stats.cluster`, statsmodels' small-sample factor
        G/(G − 1)); the interval uses the effective counts n / ``design_effect``.
        ``"first"``: the first valid answer of each customer per group is kept (in the
        order of ``order``), the later ones are dropped and counted (``dropped_repeats``,
        ``attrs["repeated_note"]``); works with every method and weights.
        ``"ignore"``: answers treated as independent (the columns still report the design
        effect). ``"cluster"`` does not work with ``weight`` or ``method="score"`` /
        ``"bootstrap"``. See :mod:`loyalty_lib.survey.repeated`.
    order
        With ``repeated="first"``: the column(s) that order a customer's answers, earliest
        first (e.g. ``["response_date", "response_id"]``; later columns break ties). Two
        answers of one customer that tie on every column raise ``ValueError``.

    Returns
    -------
    pandas.DataFrame
        One row per group (a single row without ``by``):

        - the ``by`` columns;
        - ``n``: valid answers in the base;
        - ``n_effective``: Kish's effective base (only with ``weight``);
        - ``promoters``, ``passives``, ``detractors``: answers per category (unweighted
          counts);
        - ``pct_promoters``, ``pct_passives``, ``pct_detractors``: shares in % (weighted
          with ``weight``);
        - ``nps``: pct_promoters − pct_detractors, −100…100, unrounded (the raw score,
          also with ``method="adjusted_wald"``);
        - ``nps_ci_lower``, ``nps_ci_upper``: the interval, within −100…100;
        - ``small_base``: base below ``min_base``;
        - ``excluded``: answers left out (missing, or invalid with ``errors="exclude"``);
        - with ``customer``: ``customers`` (distinct respondents; an answer without an id
          counts as its own) and ``design_effect``
          (cluster-robust over independent variance; about 1 when nobody answered twice),
          ``attrs["repeated"]`` names the policy; with ``"first"`` also
          ``dropped_repeats`` (later answers left out), ``attrs["dropped_repeats"]`` (their
          total) and ``attrs["repeated_note"]`` (a sentence for the page).

        A group whose answers are all missing or excluded has ``n = 0`` and missing
        statistics.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyalty_lib import nps
    >>> answers = pd.DataFrame({"score": [10, 9, 7, 3, None], "region": list("NNSSS")})
    >>> nps(answers, "score", min_base=2)[["n", "nps", "small_base", "excluded"]]
       n   nps  small_base  excluded
    0  4  25.0       False         1
    >>> result = nps(answers, "score", by="region", method="wald", min_base=2)
    >>> result[["region", "n", "promoters", "detractors", "nps", "nps_ci_lower"]]
      region  n  promoters  detractors    nps  nps_ci_lower
    0      N  2          2           0  100.0         100.0
    1      S  2          0           1  -50.0        -100.0
    """
    check_method(method)
    z_value(confidence)
    check_base(min_base)
    warn_few_resamples(method, n_boot)
    spec = ScoreSpec.declare(scale, cut_points)
    by_cols = as_list(by)
    policy, order_cols = check_policy(customer, repeated, weight=weight, method=method, order=order)
    boot = method == "bootstrap"
    rng = np.random.default_rng(random_state)
    deff, dropped = None, None
    if policy == "first":
        frame = prepare(
            data,
            score,
            spec,
            by=by_cols,
            weight=weight,
            extra=[customer, *order_cols],
            errors=errors,
        )
        kept, dropped = first_answers(frame, by_cols, customer, order_cols)
        table, groups = tally(kept, by_cols, weighted=weight is not None, cells=boot)
        per = customer_sums(None, score, spec, by_cols, customer, errors, frame=kept)
        deff = design_effects(per, by_cols, table)
    else:
        table, groups = prepare_tally(
            data, score, spec, by=by_cols, weight=weight, cells=boot, errors=errors
        )
    if policy in ("cluster", "ignore"):
        per = customer_sums(data, score, spec, by_cols, customer, errors)
        deff = design_effects(per, by_cols, table)
        if policy == "cluster":
            groups = [shrink(g, d) for g, d in zip(groups, deff["design_effect"], strict=True)]
    out = summarise(
        table,
        groups,
        by_cols,
        weighted=weight is not None,
        method=method,
        confidence=confidence,
        min_base=min_base,
        n_boot=n_boot,
        rng=rng,
    )
    if deff is not None:
        out["customers"] = deff["customers"].to_numpy()
        out["design_effect"] = deff["design_effect"].to_numpy()
        out.attrs["repeated"] = policy
    if dropped is not None:
        out["dropped_repeats"] = dropped_per_row(dropped, table, by_cols)
        total = int(out["dropped_repeats"].sum())
        out.attrs.update(dropped_repeats=total, repeated_note=repeated_note(total))
    return out


def N_(message: str) -> str:
    """Marks a message for the catalogue: the bands stay English in the data and are
    translated where a page shows them (``_(band)``, :func:`nps_band_interval`)."""
    return message


#: The article's bands (seed 002), as it states them: above 50, 10–45, below 10.
BANDS = (
    (50.0, N_("among the favourites")),
    (10.0, N_("known, but must become more customer-centred")),
    (-math.inf, N_("not valued by its customers")),
)
#: Our reading of 45 < NPS ≤ 50, which the article leaves out (a choice, said on the page).
GAP_BAND = N_("between the article's bands (45–50: not covered by the source)")
#: The article's own words for the three bands, for quoting on a page.
SOURCE_BANDS = (
    N_("above 50: among the favourites"),
    N_("10–45: the brand is known, but must become more customer-centred"),
    N_("below 10: customers do not value the company"),
)


def _band(v: float) -> str:
    if v > 50:
        return BANDS[0][1]
    if v > 45:
        return GAP_BAND
    return BANDS[1][1] if v >= 10 else BANDS[2][1]


def nps_band(value: Any) -> Any:
    """The reading of an NPS from the source article (seed 002).

    The article: above 50 "among the favourites"; 10–45 "known, but must become more
    customer-centred"; below 10 "not valued by its customers". It says nothing about
    45–50: a score above 45 and up to 50 gets :data:`GAP_BAND` (our choice, not the
    article's; pages say so). The bounds 10 and 45 belong to the middle band, 50 to the gap.

    Parameters
    ----------
    value
        An NPS on the −100…100 scale: a number (returns a string) or a sequence/Series
        (returns a pandas Series of strings, missing where the value is missing).

    Examples
    --------
    >>> from loyalty_lib import nps_band
    >>> nps_band(62.5)
    'among the favourites'
    >>> nps_band(45)
    'known, but must become more customer-centred'
    >>> nps_band(48)
    "between the article's bands (45–50: not covered by the source)"
    >>> nps_band([-20.0, None]).tolist()
    ['not valued by its customers', nan]
    """
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        value = float(value)
        if math.isnan(value):
            raise ValueError("value: NPS is missing (NaN): no band for a group without answers")
        if not -100 <= value <= 100:
            raise ValueError(f"value: NPS must lie within −100…100, got {value}")
        return _band(value)
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, pd.Series, np.ndarray)):
        raise ValueError(f"value: expected a number or a sequence of numbers, got {value!r}")
    series = pd.Series(value, dtype="float64") if not isinstance(value, pd.Series) else value
    numeric = pd.to_numeric(series, errors="coerce").astype("float64")
    bad = series[numeric.isna() & series.notna()]
    outside = numeric[(numeric < -100) | (numeric > 100)]
    if len(bad) or len(outside):
        shown = list(bad) + list(outside)
        raise ValueError(
            f"value: {len(shown)} values are not NPS values within −100…100: {shown[:5]}"
        )
    labels = pd.Series(np.nan, index=numeric.index, dtype="object")
    known = numeric.notna()
    labels[known] = [_band(v) for v in numeric[known]]
    return labels


def nps_band_interval(lower: float, upper: float) -> str:
    """The band read from an interval: one band, or "on the boundary" between two or more.

    A score whose interval straddles a band boundary (10, 45 or 50) cannot be placed in
    one band: the answer names the bands the interval touches. The sentence is in the
    language of :func:`loyalty_lib.i18n.set_language` (English until it is called).

    Examples
    --------
    >>> from loyalty_lib.survey.score import nps_band_interval
    >>> nps_band_interval(20.0, 30.0)
    'known, but must become more customer-centred'
    >>> nps_band_interval(5.0, 14.0)[:60]
    'on the boundary between not valued by its customers and know'
    """
    low, high = nps_band(float(lower)), nps_band(float(upper))
    if float(lower) > float(upper):
        raise ValueError(f"lower: {lower} is above upper {upper}")
    tr = current()
    if low == high:
        return tr.gettext(low)
    order = [BANDS[2][1], BANDS[1][1], GAP_BAND, BANDS[0][1]]
    touched = [tr.gettext(b) for b in order[order.index(low) : order.index(high) + 1]]
    return tr.gettext("on the boundary between {bands}").format(
        bands=tr.gettext(" and ").join(touched)
    )


def nps_sample_size(
    margin: float,
    *,
    confidence: float = 0.95,
    expected: Sequence[float] | Mapping[str, float] | None = None,
) -> int:
    """Responses needed for an NPS interval of ±``margin`` points.

    n = ⌈z² · v / (margin/100)²⌉ with the per-respondent variance
    v = p₊ + p₋ − (p₊ − p₋)² (Wald planning formula). Without ``expected`` shares the
    worst case v = 1 (half promoters, half detractors) is used.

    Parameters
    ----------
    margin
        Half-width of the interval in NPS points (e.g. 5 for ±5), in (0, 200].
    confidence
        Confidence level, strictly between 0 and 1.
    expected
        Expected shares as (detractors, passives, promoters) summing to 1, or a mapping
        with ``pct_detractors`` and ``pct_promoters`` in % (e.g. a row of :func:`nps`).

    Returns
    -------
    int
        Number of valid answers needed (before non-response).

    Examples
    --------
    >>> from loyalty_lib import nps_sample_size
    >>> nps_sample_size(5)
    1537
    >>> nps_sample_size(5, expected=(0.2, 0.3, 0.5))
    938
    """
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin <= 200:
        raise ValueError(f"margin: expected NPS points in (0, 200], got {margin!r}")
    z = z_value(confidence)
    if expected is None:
        var = 1.0
    elif isinstance(expected, Mapping) or isinstance(expected, pd.Series):
        try:
            p_det = float(expected["pct_detractors"]) / 100
            p_pro = float(expected["pct_promoters"]) / 100
        except KeyError as exc:
            raise ValueError(
                "expected: a mapping needs 'pct_detractors' and 'pct_promoters' (in %)"
            ) from exc
        if not (0 <= p_det <= 1 and 0 <= p_pro <= 1 and p_det + p_pro <= 1):
            raise ValueError(f"expected: shares out of range: {p_det:.4g}, {p_pro:.4g}")
        var = p_pro + p_det - (p_pro - p_det) ** 2
    else:
        shares = [float(s) for s in expected]
        if len(shares) != 3 or min(shares) < 0 or abs(sum(shares) - 1) > 1e-6:
            raise ValueError(
                "expected: give (detractors, passives, promoters) shares that sum to 1, "
                f"got {expected!r}"
            )
        var = shares[2] + shares[0] - (shares[2] - shares[0]) ** 2
    var = max(var, 1e-12)
    return int(math.ceil(z * z * var / (margin / 100) ** 2 - 1e-9))


def nps_distribution(
    data: Any,
    score: str,
    *,
    scale: tuple[float, float] = (0, 10),
    cut_points: tuple[float, float] | None = None,
    errors: str = "raise",
) -> pd.DataFrame:
    """How valid answers spread over the scale points (for the 0–10 bar chart).

    Returns
    -------
    pandas.DataFrame
        One row per whole point of the scale (points without answers included):
        ``score``, ``category`` ("detractor", "passive", "promoter"), ``n`` (answers)
        and ``pct`` (% of valid answers; missing when there are none).

    Examples
    --------
    >>> import pandas as pd
    >>> from loyalty_lib import nps_distribution
    >>> dist = nps_distribution(pd.DataFrame({"score": [10, 9, 9, 7, 3]}), "score")
    >>> dist[dist["n"] > 0]
        score   category  n   pct
    3       3  detractor  1  20.0
    7       7    passive  1  20.0
    9       9   promoter  2  40.0
    10     10   promoter  1  20.0
    """
    spec = ScoreSpec.declare(scale, cut_points)
    frame = prepare(data, score, spec, errors=errors)
    counts = to_pandas(
        frame.filter(nw.col(VALID) == 1)
        .group_by(score)
        .agg(nw.len().alias("n"), nw.col(SIGN).max().alias("_sign"))
    )
    points = np.arange(math.ceil(spec.low), math.floor(spec.high) + 1)
    out = pd.DataFrame({"score": points.astype("int64")})
    found = dict(zip(counts[score].astype(float), counts["n"].astype("int64"), strict=True))
    out["category"] = np.where(
        points >= spec.promoter_min,
        "promoter",
        np.where(points <= spec.detractor_max, "detractor", "passive"),
    )
    out["n"] = [int(found.get(float(p), 0)) for p in points]
    total = out["n"].sum()
    out["pct"] = 100 * out["n"] / total if total > 0 else np.nan
    return out
