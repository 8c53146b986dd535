"""Reading NPS answers: scale and cut points, validation, and the per-group tally.

Shared by :mod:`loyalty_lib.netpromoter`, :mod:`loyalty_lib.netpromoter_compare` and
:mod:`loyalty_lib.netpromoter_drivers`. The heavy work (classifying answers and
counting them per group) runs as narwhals expressions in the caller's engine; only the
tally — one row per group — is collected into pandas (docs/decisions/0001).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from loyalty_lib._checks import LoyaltyWarning, examples, require_columns
from loyalty_lib.engines import compute_frame
from loyalty_lib.nps_intervals import bootstrap_draws, nps_interval

__all__ = [
    "Group",
    "ScoreSpec",
    "as_list",
    "check_base",
    "group_interval",
    "prepare",
    "summarise",
    "tally",
    "to_pandas",
]

VALID = "_nps_valid"
SIGN = "_nps_sign"
WEIGHT = "_nps_weight"
ERRORS = ("raise", "exclude")


@dataclass(frozen=True)
class ScoreSpec:
    """A declared answer scale and its cut points.

    ``detractor_max``: highest score counted as detractor; ``promoter_min``: lowest score
    counted as promoter; scores strictly between are passives.
    """

    low: float
    high: float
    detractor_max: float
    promoter_min: float

    @classmethod
    def declare(cls, scale: Sequence[float], cut_points: Sequence[float] | None) -> ScoreSpec:
        """Validate ``scale=(low, high)`` and ``cut_points=(detractor_max, promoter_min)``.

        The standard cut points (6, 9) are only assumed for 0–10 and 1–10 scales; any
        other scale must declare its cut points: scores are never remapped silently.
        """
        if not (isinstance(scale, Sequence) and len(scale) == 2):
            raise ValueError(f"scale: expected (low, high), got {scale!r}")
        low, high = (_number(v, "scale") for v in scale)
        if not low < high:
            raise ValueError(f"scale: low must be below high, got {scale!r}")
        if cut_points is None:
            if not (high == 10 and low in (0, 1)):
                raise ValueError(
                    f"cut_points: scale {_fmt(low)}–{_fmt(high)} is not the 0–10 (or 1–10) NPS "
                    "scale; declare cut_points=(detractor_max, promoter_min), e.g. (6, 9)"
                )
            cut_points = (6, 9)
        if not (isinstance(cut_points, Sequence) and len(cut_points) == 2):
            raise ValueError(
                f"cut_points: expected (detractor_max, promoter_min), got {cut_points!r}"
            )
        det_max, pro_min = (_number(v, "cut_points") for v in cut_points)
        if not low <= det_max < pro_min <= high:
            raise ValueError(
                f"cut_points: need {_fmt(low)} ≤ detractor_max < promoter_min ≤ {_fmt(high)}, "
                f"got {cut_points!r}"
            )
        return cls(low, high, det_max, pro_min)

    @property
    def label(self) -> str:
        """The scale as text, e.g. ``"0–10"``."""
        return f"{_fmt(self.low)}–{_fmt(self.high)}"


def _number(value: Any, argument: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{argument}: expected numbers, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{argument}: expected finite numbers, got {value!r}")
    return float(value)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _tidy(values: Sequence[Any]) -> list[Any]:
    """Show whole floats as ints in messages (11.0 → 11)."""
    out = []
    for v in values:
        v = v.item() if hasattr(v, "item") else v
        if isinstance(v, float) and math.isfinite(v) and v.is_integer():
            v = int(v)
        out.append(v)
    return out


def as_list(by: str | Sequence[str] | None, argument: str = "by") -> list[str]:
    """``None`` → [], a name → [name], a sequence of names → list."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, Sequence) and all(isinstance(b, str) for b in by):
        return list(by)
    raise ValueError(f"{argument}: expected a column name or a list of names, got {by!r}")


def to_pandas(frame: nw.DataFrame | nw.LazyFrame) -> pd.DataFrame:
    """Collect a *small aggregate* into a fresh pandas frame."""
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()


def _first_values(
    frame: nw.DataFrame | nw.LazyFrame, mask: nw.Expr, column: str
) -> tuple[int, list]:
    """Count of rows matching ``mask`` and the first few values of ``column`` among them."""
    hits = frame.filter(mask)
    count = int(to_pandas(hits.select(nw.len().alias("count")))["count"].iloc[0])
    if count == 0:
        return 0, []
    first = to_pandas(hits.select(nw.col(column)).head(5))[column].tolist()
    return count, _tidy(first)


def _missing(column: str, dtype: Any) -> nw.Expr:
    expr = nw.col(column).is_null()
    if dtype.is_float():
        expr = expr | nw.col(column).is_nan()
    return expr


def prepare(
    data: Any,
    score: str,
    spec: ScoreSpec,
    *,
    by: Sequence[str] = (),
    weight: str | None = None,
    extra: Sequence[str] = (),
    errors: str = "raise",
    stacklevel: int = 3,
) -> nw.DataFrame | nw.LazyFrame:
    """Validate the answers and add the classification columns.

    Adds ``_nps_valid`` (1 for a valid answer, 0 for missing or excluded), ``_nps_sign``
    (+1 promoter, 0 passive, −1 detractor, 0 where not valid) and ``_nps_weight`` (the
    weight, 0 where not valid). Invalid scores (non-whole or outside the scale) and
    invalid weights (missing, negative, infinite) raise ``ValueError`` with
    ``errors="raise"``; with ``errors="exclude"`` they are left out with a
    :class:`~loyalty_lib.LoyaltyWarning`.
    """
    if errors not in ERRORS:
        raise ValueError(f"errors: expected 'raise' or 'exclude', got {errors!r}")
    if not isinstance(score, str):
        raise ValueError(f"score: expected a column name, got {score!r}")
    frame = compute_frame(data)
    require_columns(frame, [score, *by, weight, *extra])
    clash = [c for c in by if c.startswith("_nps_")]
    if clash:
        raise ValueError(f"by: column names starting with '_nps_' are reserved, got {clash}")
    schema = frame.collect_schema()
    dtype = schema[score]
    if not dtype.is_numeric():
        _, first = _first_values(frame, ~nw.col(score).is_null(), score)
        raise ValueError(
            f"{score}: expected numeric scores on the {spec.label} scale, got dtype {dtype}; "
            f"first values: {examples(first)}. Convert first, e.g. pd.to_numeric(..., "
            "errors='coerce') turns text codes into missing answers."
        )
    x = nw.col(score)
    missing = _missing(score, dtype)
    outside = ~missing & ((x < spec.low) | (x > spec.high))
    problems: list[tuple[str, nw.Expr]] = []
    n_out, first_out = _first_values(frame, outside, score)
    if n_out:
        problems.append(
            (f"{score}: {n_out} values outside {spec.label}: {examples(first_out)}", outside)
        )
    if dtype.is_float():
        fractional = ~missing & ~outside & (x != x.floor())
        n_frac, first_frac = _first_values(frame, fractional, score)
        if n_frac:
            problems.append(
                (
                    f"{score}: {n_frac} fractional values (scores are whole points "
                    f"{spec.label}): {examples(first_frac)}",
                    fractional,
                )
            )
    if weight is not None:
        wdtype = schema[weight]
        if not wdtype.is_numeric():
            raise ValueError(f"{weight}: expected numeric weights, got dtype {wdtype}")
        w = nw.col(weight)
        bad_w = ~missing & (_missing(weight, wdtype) | (w < 0) | ~w.is_finite())
        n_w, first_w = _first_values(frame, bad_w, weight)
        if n_w:
            problems.append(
                (
                    f"{weight}: {n_w} weights missing, negative or infinite: {examples(first_w)}",
                    bad_w,
                )
            )
    invalid = nw.lit(False)
    for _, expr in problems:
        invalid = invalid | expr
    if problems:
        text = "; ".join(message for message, _ in problems)
        if errors == "raise":
            raise ValueError(
                f"{text}. Pass errors='exclude' to leave them out (counted in 'excluded'), "
                "or declare the scale and cut points if these are valid answers."
            )
        warnings.warn(
            f"{text}. Left out of the base and counted in 'excluded'.",
            LoyaltyWarning,
            stacklevel=stacklevel,
        )
    valid = nw.when(missing | invalid).then(0).otherwise(1)
    sign = (
        nw.when(missing | invalid)
        .then(0)
        .when(x >= spec.promoter_min)
        .then(1)
        .when(x <= spec.detractor_max)
        .then(-1)
        .otherwise(0)
    )
    weight_expr = nw.lit(1.0) if weight is None else nw.col(weight).cast(nw.Float64)
    return frame.with_columns(
        valid.alias(VALID),
        sign.alias(SIGN),
        nw.when(missing | invalid).then(0.0).otherwise(weight_expr).alias(WEIGHT),
    )


@dataclass
class Group:
    """The counts of one group, ready for the interval functions.

    ``effective`` holds (detractors, passives, promoters) as weighted shares times
    Kish's n_eff (equal to the raw counts without weights). ``cells`` is the bootstrap
    table (signs, weights, counts) or ``None`` when not needed.
    """

    n: int
    n_effective: float
    effective: tuple[float, float, float]
    shares: tuple[float, float, float]
    cells: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None)

    @property
    def nps(self) -> float:
        """Raw NPS on the −1…1 scale (NaN for an empty group)."""
        return self.shares[2] - self.shares[0] if self.n > 0 else math.nan


def tally(
    frame: nw.DataFrame | nw.LazyFrame,
    by: Sequence[str],
    *,
    weighted: bool,
    cells: bool,
) -> tuple[pd.DataFrame, list[Group]]:
    """Count answers per group (one collected row per group), sorted by ``by``.

    Returns the tally (``by`` columns, ``n``, ``promoters``, ``passives``,
    ``detractors``, ``excluded`` and the weight sums) and one :class:`Group` per row.
    Groups whose answers are all missing or excluded keep a row with ``n = 0``.
    """
    by = list(by)
    valid = nw.col(VALID)
    w = nw.col(WEIGHT)

    pro, det = nw.col(SIGN) == 1, nw.col(SIGN) == -1
    pas = (valid == 1) & (nw.col(SIGN) == 0)
    # derive the indicator columns first: group-by aggregations stay simple sums, which
    # every engine (and narwhals' pandas path) runs natively
    indicators = {
        "promoters": pro,
        "passives": pas,
        "detractors": det,
        "excluded": valid == 0,
    }
    frame = frame.with_columns(
        *(nw.when(cond).then(1).otherwise(0).alias(f"_c_{k}") for k, cond in indicators.items()),
        nw.when(pro).then(w).otherwise(0.0).alias("_w_pro"),
        nw.when(pas).then(w).otherwise(0.0).alias("_w_pas"),
        nw.when(det).then(w).otherwise(0.0).alias("_w_det"),
        (w * w).alias("_w2"),
    )
    aggs = [valid.sum().alias("n")]
    aggs += [nw.col(f"_c_{k}").sum().alias(k) for k in indicators]
    aggs += [nw.col(c).sum() for c in ("_w_pro", "_w_pas", "_w_det", "_w2")]
    agg = frame.group_by(*by).agg(*aggs) if by else frame.select(*aggs)
    table = to_pandas(agg)
    if by:
        table = table.sort_values(by, na_position="last", kind="stable").reset_index(drop=True)
    for col in ("n", "promoters", "passives", "detractors", "excluded"):
        table[col] = table[col].fillna(0).astype("int64")
    cell_map = _cells(frame, by) if (cells and weighted) else {}
    groups = []
    for row in table.to_dict("records"):
        groups.append(_group(row, by, weighted=weighted, cells=cells, cell_map=cell_map))
    return table, groups


def _key(values: Sequence[Any]) -> tuple:
    return tuple(
        None if (v is None or (not isinstance(v, str) and pd.isna(v))) else v for v in values
    )


def _cells(frame: nw.DataFrame | nw.LazyFrame, by: list[str]) -> dict[tuple, tuple]:
    """Bootstrap cells per group: respondents counted by (sign, weight)."""
    agg = frame.filter(nw.col(VALID) == 1).group_by(*by, SIGN, WEIGHT).agg(nw.len().alias("_count"))
    table = to_pandas(agg)
    out: dict[tuple, tuple] = {}
    if not by:
        table["_all"] = 0
        by = ["_all"]
    keys = [_key(k) for k in table[by].itertuples(index=False, name=None)]
    table["_key"] = keys
    # cell order must not depend on row order (reproducible draws for a given seed)
    table = table.sort_values([SIGN, WEIGHT], kind="stable")
    for key, part in table.groupby("_key", sort=False):
        out[key] = (
            part[SIGN].to_numpy(float),
            part[WEIGHT].to_numpy(float),
            part["_count"].to_numpy(float),
        )
    return out


def _group(row: dict, by: list[str], *, weighted: bool, cells: bool, cell_map: dict) -> Group:
    n = int(row["n"])
    counts = (float(row["detractors"]), float(row["passives"]), float(row["promoters"]))
    if weighted:
        sums = (float(row["_w_det"]), float(row["_w_pas"]), float(row["_w_pro"]))
        total = sum(sums)
        w2 = float(row["_w2"])
        n_eff = total * total / w2 if w2 > 0 else 0.0
        shares = tuple(s / total for s in sums) if total > 0 else (math.nan,) * 3
    else:
        n_eff = float(n)
        shares = tuple(c / n for c in counts) if n > 0 else (math.nan,) * 3
    effective = tuple(s * n_eff for s in shares) if n_eff > 0 else (0.0, 0.0, 0.0)
    cell = None
    if cells:
        if weighted:
            key = _key([row[b] for b in by]) if by else (0,)
            empty = (np.zeros(0), np.zeros(0), np.zeros(0))
            cell = cell_map.get(key, empty)
        else:
            cell = (np.array([-1.0, 0.0, 1.0]), np.ones(3), np.array(counts))
    return Group(n=n, n_effective=n_eff, effective=effective, shares=shares, cells=cell)


def check_base(min_base: float) -> None:
    if isinstance(min_base, bool) or not isinstance(min_base, (int, float)) or min_base < 0:
        raise ValueError(f"min_base: expected a non-negative number, got {min_base!r}")


def group_interval(
    group: Group, *, method: str, confidence: float, n_boot: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Interval (−1…1) of one tallied group with the chosen method."""
    draws = None
    if method == "bootstrap" and group.n > 0:
        draws = bootstrap_draws(*group.cells, n_boot=n_boot, rng=rng)
    return nps_interval(*group.effective, method=method, confidence=confidence, draws=draws)


def summarise(
    table: pd.DataFrame,
    groups: list[Group],
    by: list[str],
    *,
    weighted: bool,
    method: str,
    confidence: float,
    min_base: float,
    n_boot: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Turn a tally into the documented result frame of :func:`nps`."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 100:
        raise ValueError(f"n_boot: expected an integer of at least 100, got {n_boot!r}")
    out = table[by].copy() if by else pd.DataFrame(index=range(len(table)))
    out["n"] = table["n"].to_numpy()
    if weighted:
        out["n_effective"] = [g.n_effective for g in groups]
    for name in ("promoters", "passives", "detractors"):
        out[name] = table[name].to_numpy()
    shares = np.array([g.shares for g in groups], dtype=float).reshape(len(groups), 3)
    out["pct_promoters"] = 100 * shares[:, 2]
    out["pct_passives"] = 100 * shares[:, 1]
    out["pct_detractors"] = 100 * shares[:, 0]
    out["nps"] = 100 * (shares[:, 2] - shares[:, 0])
    limits = [
        group_interval(g, method=method, confidence=confidence, n_boot=n_boot, rng=rng)
        for g in groups
    ]
    limits_arr = np.array(limits, dtype=float).reshape(len(groups), 2)
    out["nps_ci_lower"] = 100 * limits_arr[:, 0]
    out["nps_ci_upper"] = 100 * limits_arr[:, 1]
    base = out["n_effective"] if weighted else out["n"]
    out["low_base"] = (base < min_base).to_numpy(bool)
    out["excluded"] = table["excluded"].to_numpy()
    return out.reset_index(drop=True)
