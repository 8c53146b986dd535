"""Input checks shared by every computation: clear errors that name the culprit.

Every public function of :mod:`loyalty_lib` converts its input with :func:`as_frame`
and checks its columns with :func:`require_columns` before doing any work, so that a
wrong column name never surfaces as a raw pandas ``KeyError``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

import narwhals.stable.v2 as nw

from loyalty_lib.engines import as_frame
from loyalty_lib.errors import ColumnNotFoundError, LoyaltyWarning, SmallBaseWarning

__all__ = [
    "ColumnNotFoundError",
    "LoyaltyWarning",
    "SmallBaseWarning",
    "as_frame",
    "column_names",
    "examples",
    "require_columns",
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
