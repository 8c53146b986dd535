"""A readable display of result frames for analysts in JupyterLab: ``show(frame)``.

The result frames keep exact numbers (fractions 0–1, NPS in points, see docs/columns.md);
``show`` renders them for reading without changing the frame: fractions as percentages,
each interval pair as one "a to b" column beside its estimate, bases with thousands
separators, p-values as ``<0.001`` or three decimals, NPS with one decimal, booleans as
yes/blank, and no RangeIndex.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["show"]

#: columns (or name endings) in points or percent 0–100: the NPS family
_POINTS = ("nps", "nps_a", "nps_b", "pct_promoters", "pct_passives", "pct_detractors", "pct")
#: names of fractions 0–1 (beside every column whose interval is a fraction)
_FRACTION_WORDS = (
    "share",
    "rate",
    "retention",
    "margin",
    "discount",
    "top",
    "target",
    "gini",
    "relative_importance",
    "match_rate",
)
_COUNTS = (
    "n",
    "customers",
    "active",
    "cohort_size",
    "cohorts",
    "repeaters",
    "flagged",
    "unflagged",
    "top_customers",
    "target_customers",
    "promoters",
    "passives",
    "detractors",
    "excluded",
    "purchases",
    "orders",
    "returns",
    "followed",
)


def _is_fraction(name: str) -> bool:
    return any(word in name for word in _FRACTION_WORDS) and not name.startswith("pct")


def _percent(x: Any) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def _p(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def _number(fmt: str):
    def render(x: Any) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return ""
        return format(x, fmt)

    return render


def show(frame: pd.DataFrame, *, digits: int = 2) -> Any:
    """A pandas Styler of ``frame`` formatted for reading (the frame is not changed).

    Examples
    --------
    >>> import pandas as pd
    >>> result = pd.DataFrame({"region": ["East"], "n": [1234], "nps": [12.345],
    ...     "nps_ci_lower": [5.0], "nps_ci_upper": [19.7], "retention": [0.256],
    ...     "p_value": [0.0004], "small_base": [False]})
    >>> styled = show(result)
    >>> list(styled.data.columns)
    ['region', 'n', 'nps', 'nps interval', 'retention', 'p_value', 'small_base']
    >>> styled.data.loc[0, "nps interval"], styled.data.loc[0, "p_value"]
    ('5.0 to 19.7', '<0.001')
    >>> styled.data.loc[0, "retention"], styled.data.loc[0, "n"]
    ('25.6%', '1,234')
    """
    out = pd.DataFrame(index=frame.index)
    columns = [str(c) for c in frame.columns]
    for column, name in zip(frame.columns, columns, strict=True):
        if name.endswith(("_ci_lower", "_ci_upper")):
            estimate = name.rsplit("_ci_", 1)[0]
            if name.endswith("_ci_upper") or f"{estimate}_ci_upper" not in columns:
                continue
            render = _cell_format(estimate, digits)
            upper = frame[f"{estimate}_ci_upper"]
            out[f"{estimate} interval"] = [
                "" if pd.isna(a) or pd.isna(b) else f"{render(a)} to {render(b)}"
                for a, b in zip(frame[column], upper, strict=True)
            ]
            continue
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            out[name] = values.map({True: "yes", False: ""}).fillna("")
        elif pd.api.types.is_numeric_dtype(values):
            out[name] = values.map(_cell_format(name, digits))
        else:
            out[name] = values
    styled = out.style
    if isinstance(frame.index, pd.RangeIndex):
        styled = styled.hide(axis="index")
    return styled


def _cell_format(name: str, digits: int):
    if name in _POINTS:
        return _number(".1f")
    if name == "p_value" or name.endswith("_p_value"):
        return _p
    if _is_fraction(name):
        return _percent
    if name in _COUNTS or name.startswith("n_") or name.endswith(("_count", "_customers")):
        return _number(",.0f")
    return _number(f",.{digits}f")
