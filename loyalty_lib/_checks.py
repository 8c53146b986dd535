"""Input checks shared by every computation: clear errors that name the culprit.

Every public function of :mod:`loyalty_lib` converts its input with :func:`as_frame`
and checks its columns with :func:`require_columns` before doing any work, so that a
wrong column name never surfaces as a raw pandas ``KeyError``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from typing import Any

import narwhals.stable.v2 as nw
import pandas as pd

from loyalty_lib.engines import as_frame
from loyalty_lib.errors import ColumnNotFoundError, LoyaltyWarning, SmallBaseWarning

__all__ = [
    "ColumnNotFoundError",
    "LoyaltyWarning",
    "SmallBaseWarning",
    "as_frame",
    "as_list",
    "check_scalar",
    "column_names",
    "examples",
    "require_columns",
    "require_result_columns",
    "to_pandas",
    "usable_cores",
]


def column_names(frame: nw.DataFrame | nw.LazyFrame) -> list[str]:
    """The column names of a narwhals frame, eager or lazy, without computing it."""
    return list(frame.collect_schema().names())


def require_columns(
    frame: nw.DataFrame | nw.LazyFrame,
    columns: Iterable[str | None],
    *,
    argument: str = "data",
) -> None:
    """Raise :class:`ColumnNotFoundError` unless every named column exists.

    ``None`` entries (optional columns not asked for) are ignored.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyalty_lib._checks import as_frame, require_columns
    >>> frame = as_frame(pd.DataFrame({"score": [9, 10], "region": ["N", "S"]}))
    >>> require_columns(frame, ["scor"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyalty_lib.errors.ColumnNotFoundError: data: column 'scor' not found. ... 'score'?
    """
    available = column_names(frame)
    missing = [c for c in columns if c is not None and c not in available]
    if not missing:
        return
    names = ", ".join(repr(c) for c in missing)
    noun = "column" if len(missing) == 1 else "columns"
    message = f"{argument}: {noun} {names} not found. Available columns: {available}."
    hints = []
    for name in missing:
        close = _closest(str(name), [str(a) for a in available])
        if close is not None:
            hints.append(f"{close!r}")
    if hints:
        message += f" Did you mean {', '.join(hints)}?"
    raise ColumnNotFoundError(message)


def _closest(name: str, available: list[str]) -> str | None:
    """The available column a typo most likely meant: fuzzy match, else a shared stem."""
    lowered = {a.lower(): a for a in available}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
    if close:
        return close[0]
    stems = [
        a
        for a in available
        if len(min(a, name, key=len)) >= 3
        and (a.lower() in name.lower() or name.lower() in a.lower())
    ]
    return stems[0] if stems else None


def examples(values: Sequence[Any], limit: int = 5) -> str:
    """Format the first ``limit`` offending values for an error message.

    >>> examples([11, -1, 12, 13, 14, 15, 16])
    '[11, -1, 12, 13, 14, ...]'
    """
    shown = [v.item() if hasattr(v, "item") else v for v in list(values)[:limit]]
    text = repr(shown)
    if len(values) > limit:
        text = text[:-1] + ", ...]"
    return text


def to_pandas(frame: nw.DataFrame | nw.LazyFrame) -> pd.DataFrame:
    """Collect a *small aggregate* (never a raw log) into a fresh pandas frame.

    >>> import pandas as pd
    >>> to_pandas(as_frame(pd.DataFrame({"x": [1, 2]}))).x.tolist()
    [1, 2]
    """
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()


def as_list(by: str | Sequence[str] | None, argument: str = "by") -> list[str]:
    """``None`` → [], a name → [name], a sequence of names → a list of them.

    >>> as_list("region"), as_list(None), as_list(["a", "b"])
    (['region'], [], ['a', 'b'])
    """
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, Sequence) and all(isinstance(b, str) for b in by):
        return list(by)
    raise ValueError(f"{argument}: expected a column name or a list of names, got {by!r}")


def require_result_columns(frame: pd.DataFrame, columns: Iterable[str], producer: str) -> None:
    """Raise when a result frame handed to a plot or a follow-up lacks expected columns.

    >>> import pandas as pd
    >>> require_result_columns(pd.DataFrame({"nps": [1.0]}), ["nps", "n"], "nps")
    Traceback (most recent call last):
    ...
    ValueError: columns ['n'] not found; pass the result of nps()
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} not found; pass the result of {producer}()")


def check_scalar(
    value: Any,
    name: str,
    kind: type | tuple[type, ...] = (int, float),
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Any:
    """Check one scalar parameter: its type (booleans never count as numbers), finiteness and
    bounds; return it, or raise naming the parameter, what was expected and what came.

    In the manner of tea-tasting's ``check_scalar``. ``kind=int`` accepts numpy integers,
    ``kind=float`` or ``(int, float)`` any real number.

    >>> check_scalar(0.95, "confidence", float, gt=0, lt=1)
    0.95
    >>> check_scalar(True, "min_base", int, ge=0)
    Traceback (most recent call last):
    ...
    TypeError: min_base: expected int, got True
    >>> check_scalar(-1, "min_base", int, ge=0)
    Traceback (most recent call last):
    ...
    ValueError: min_base: expected a value >= 0, got -1
    """
    import math
    import numbers

    kinds = kind if isinstance(kind, tuple) else (kind,)
    accepted: list[type] = []
    for k in kinds:
        accepted.append(k)
        if k is int:
            accepted.append(numbers.Integral)
        elif k is float:
            accepted.append(numbers.Real)
    if isinstance(value, bool) or not isinstance(value, tuple(accepted)):
        names = " or ".join(k.__name__ for k in kinds)
        raise TypeError(f"{name}: expected {names}, got {value!r}")
    if isinstance(value, numbers.Real) and not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    for bound, ok, sign in (
        (ge, lambda v, b: v >= b, ">="),
        (gt, lambda v, b: v > b, ">"),
        (le, lambda v, b: v <= b, "<="),
        (lt, lambda v, b: v < b, "<"),
    ):
        if bound is not None and not ok(value, bound):
            raise ValueError(f"{name}: expected a value {sign} {bound}, got {value!r}")
    return value


def usable_cores() -> int:
    """The number of cores this process may use (its CPU affinity; else ``os.cpu_count()``).

    >>> usable_cores() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)
