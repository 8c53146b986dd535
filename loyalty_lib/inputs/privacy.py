"""Privacy for stakeholder pages: mask contacts in free text, hide ids, suppress small groups.

Stakeholder HTML shows aggregates only. Three helpers keep it that way:

- :func:`mask_contacts` replaces e-mail addresses and phone numbers in free text (survey
  comments) by ``[e-mail]`` and ``[phone]``;
- :func:`hide_identifiers` blanks example values of identifier columns in a profile table;
- :func:`suppress_small_groups` blanks the statistics of groups below ``min_base`` (or marks
  them), so a result never describes a handful of identifiable people.

The report runner applies :func:`mask_contacts` to every text output of a notebook as a last
line of defence (:mod:`loyalty_lib.reporting.html_safety`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["EMAIL", "hide_identifiers", "mask_contacts", "suppress_small_groups"]

#: An e-mail address (local part, "@", a domain with at least one dot).
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A phone-number candidate: optional "+", digits with spaces, dots, dashes or parentheses.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().-]{6,}\d(?!\w)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+-]?\d+\.\d+")


def _is_phone(candidate: str, strict: bool = False) -> bool:
    """9–15 digits written like a phone number, not a date, decimal or thousands number."""
    digits = re.sub(r"\D", "", candidate)
    if not 9 <= len(digits) <= 15:
        return False
    if _ISO_DATE.search(candidate) or _NUMBER.fullmatch(candidate.strip()):
        return False
    if candidate.startswith(("+", "00")):
        return True
    if strict:
        return False
    if candidate.startswith("("):
        return True
    groups = [g for g in re.split(r"[\s().-]+", candidate) if g]
    return len(groups) >= 3 or (len(groups) >= 2 and candidate.startswith("0"))


def mask_contacts(text: Any, *, strict: bool = False) -> Any:
    """Replace e-mail addresses by ``[e-mail]`` and phone numbers by ``[phone]``.

    Non-strings (missing values, numbers) are returned unchanged. A phone number is 9 to 15
    digits written with a leading ``+``/``00``/``(`` or in at least three groups (``020 7946
    0958``, ``555-123-4567``); dates, decimals and plain counts are left alone. With
    ``strict=True`` only international numbers (leading ``+`` or ``00``) count as phones: the
    setting used on whole notebook outputs, where columns of small numbers could look like a
    phone number written in groups.

    >>> mask_contacts("Write to anna.k@example.com or call +44 20 7946 0958, thanks")
    'Write to [e-mail] or call [phone], thanks'
    >>> mask_contacts("Order 2024-06-01, 12,345 items, ref 123456")
    'Order 2024-06-01, 12,345 items, ref 123456'
    >>> mask_contacts("call 020 7946 0958"), mask_contacts("call 020 7946 0958", strict=True)
    ('call [phone]', 'call 020 7946 0958')
    """
    if not isinstance(text, str):
        return text
    text = EMAIL.sub("[e-mail]", text)

    def phone(match: re.Match) -> str:
        candidate = match.group(0)
        core = candidate.rstrip(" .-")
        return ("[phone]" + candidate[len(core) :]) if _is_phone(core, strict) else candidate

    return _PHONE.sub(phone, text)


def hide_identifiers(
    profile: pd.DataFrame,
    columns: Sequence[str] = (),
    *,
    column: str = "column",
    examples: str = "examples",
) -> pd.DataFrame:
    """A copy of a column profile with the example values of identifier columns hidden.

    Identifier columns are those listed in ``columns`` plus any whose name is ``id`` or ends in
    ``_id``; their examples become ``"(hidden: identifier)"``. The profile's rows are looked up
    in its ``column`` column, or in its index when that is where the names are.

    >>> import pandas as pd
    >>> profile = pd.DataFrame({"column": ["customer_id", "amount", "client"],
    ...                         "examples": ["C00001, C00002", "10.0, 12.5", "x7, x8"]})
    >>> hide_identifiers(profile, ["client"])["examples"].tolist()
    ['(hidden: identifier)', '10.0, 12.5', '(hidden: identifier)']
    """
    out = profile.copy()
    names = out[column] if column in out.columns else pd.Series(out.index, index=out.index)
    listed = set(columns)
    hidden = names.map(
        lambda n: str(n) in listed or str(n).lower() == "id" or str(n).lower().endswith("_id")
    )
    out.loc[hidden.to_numpy(), examples] = "(hidden: identifier)"
    return out


def suppress_small_groups(
    result: pd.DataFrame,
    *,
    n: str = "n",
    min_base: int = 30,
    columns: Sequence[str] | None = None,
    how: str = "suppress",
) -> pd.DataFrame:
    """Blank (or mark) the statistics of groups whose base ``n`` is below ``min_base``.

    Parameters
    ----------
    result
        One row per group, with a base-size column ``n``. Never modified.
    n
        The base-size column.
    min_base
        Groups with ``n < min_base`` are small.
    columns
        The statistic columns to blank; default every numeric column except ``n``.
    how
        ``"suppress"``: the statistics of small groups become NaN; ``"mark"``: they are kept.
        Either way a boolean column ``suppressed`` (suppress) or ``small_base`` (mark) says
        which groups are small.

    Returns
    -------
    pandas.DataFrame
        A copy of ``result`` with the flag column added.

    Examples
    --------
    >>> import pandas as pd
    >>> nps = pd.DataFrame({"region": ["N", "S"], "n": [120, 4], "nps": [31.5, -50.0]})
    >>> suppress_small_groups(nps, min_base=30)
      region    n   nps  suppressed
    0      N  120  31.5       False
    1      S    4   NaN        True
    """
    if how not in ("suppress", "mark"):
        raise ValueError(f"how: {how!r} is not supported; use 'suppress' or 'mark'")
    if n not in result.columns:
        raise ValueError(f"n: column {n!r} not found; columns: {list(result.columns)}")
    out = result.copy()
    small = (out[n] < min_base).to_numpy()
    if how == "mark":
        out["small_base"] = small
        return out
    stats = (
        list(columns)
        if columns is not None
        else [
            c
            for c in out.columns
            if c != n
            and pd.api.types.is_numeric_dtype(out[c])
            and not pd.api.types.is_bool_dtype(out[c])
        ]
    )
    for c in stats:
        if pd.api.types.is_integer_dtype(out[c]):
            out[c] = out[c].astype("float64")
        out.loc[small, c] = np.nan
    out["suppressed"] = small
    return out


def check_segment_column(data: pd.DataFrame, column: str | None, *, max_values: int = 50) -> None:
    """Stop before a segment column lists customers on a page.

    A segment's values become table rows and chart labels. A column with more than
    ``max_values`` distinct values (an id, an e-mail, a free-text field) or with values that
    hold an e-mail address or a phone number is refused with a plain sentence that quotes
    no value. ``None`` or ``""`` (no segment) and columns absent from ``data`` pass (the
    caller reports a missing column itself).

    >>> import pandas as pd
    >>> check_segment_column(pd.DataFrame({"region": ["North", "South"]}), "region")
    >>> check_segment_column(pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(60)]}),
    ...                      "customer_id")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyalty_lib.errors.DataQualityError: The segment column 'customer_id' has 60 distinct values...
    """
    from loyalty_lib.errors import DataQualityError

    if not column or column not in data.columns:
        return
    values = pd.Series(data[column].dropna().unique())
    if len(values) > max_values:
        raise DataQualityError(
            f"The segment column {column!r} has {len(values):,} distinct values (more than "
            f"{max_values}): it looks like an identifier or a free-text field, and each value "
            "would be listed on the page. Choose a column with a few groups (a region, a "
            'channel), or "" for no segment.'
        )
    texts = values.astype(str)
    contacts = int((texts.map(lambda t: mask_contacts(t, strict=True)) != texts).sum())
    if contacts:
        raise DataQualityError(
            f"The segment column {column!r}: {contacts:,} of its values contain an e-mail "
            "address or a phone number, which would appear as table rows and chart labels. "
            'Choose another column, or "" for no segment.'
        )
