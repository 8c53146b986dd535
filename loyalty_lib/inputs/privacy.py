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

import html
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "identifier_name",
    "EMAIL",
    "INVISIBLE",
    "check_segment_column",
    "hide_identifiers",
    "id_examples",
    "identifier_like",
    "mask_contacts",
    "mask_identifier",
    "reveal_text",
    "safe_label",
    "suppress_small_groups",
]

#: An e-mail address: a local part, "@", a domain with at least one dot. Letters are any
#: script's (``олена@пошта.укр``, ``user@bücher.de``) and punycode domains
#: (``x@xn--80a1acny.xn--j1amh``) count too.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+'-]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+")
#: Characters a reader does not see that could split a contact so that no pattern finds it:
#: zero-width space, non-joiner and joiner, word joiner, byte-order mark, soft hyphen, and the
#: bidirectional embedding, override and isolate controls (U+202A..U+202E, U+2066..U+2069).
INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
# A right-to-left override (U+202E) shows what follows it reversed, up to the pop (U+202C),
# the end of an isolate (U+2069) or the end of the line.
_OVERRIDE = re.compile("\u202e([^\u202c\u2069\n]*)[\u202c\u2069]?")
# No digit, letter, "+" or decimal mark just before a phone number, and none just after.
_BEFORE = r"(?<![\w+.,/:-])"
_AFTER = r"(?![\w]|[.,:/-]\d)"
_SEP = r"[ .-]?"
#: The shapes a phone number is written in: international (``+`` or ``00``), national with a
#: trunk ``0`` (``020 7946 0001``, ``044 123 45 67``), the ``8 (029) 123-45-67`` of
#: Belarus, Russia and Ukraine, an area code in brackets (``(555) 123-4567``) and the North
#: American ``555-123-4567``.
_PHONE_SHAPES = (
    rf"(?:\+|00)\d{{1,3}}(?:{_SEP}\(\d{{1,5}}\))?(?:{_SEP}\d{{1,5}}){{1,6}}",
    r"8[ -]?\(0?\d{2,4}\)[ -]?\d{2,3}(?:[ -]?\d{2}){2}",
    r"8[ -]\d{3}[ -]\d{3}(?:[ -]\d{2}){2}",
    r"\(\d{2,5}\)[ -]?\d{2,4}(?:[ -]\d{2,4}){1,3}",
    r"0\d{1,4}(?:[ -]\d{2,4}){2,4}",
    r"\d{3}([-. ])\d{3}\1\d{4}",
)
_PHONE_SHAPED = re.compile(_BEFORE + "(?:" + "|".join(_PHONE_SHAPES) + ")" + _AFTER)
# The loose candidate of the non-strict mode: digits in at least three groups.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().-]{6,}\d(?!\w)")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4}")
# 1,234,567.89 and 1 234 567,89 (spaces, no-break spaces): amounts, never phones
_NUMBER = re.compile(
    r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?"
    r"|[+-]?\d+[.,]\d+"
)
_YEAR = re.compile(r"(?:19|20)\d{2}")


def _is_phone(candidate: str, strict: bool = False) -> bool:
    """9–15 digits written like a phone number, not a date, decimal or thousands number."""
    digits = re.sub(r"\D", "", candidate)
    if not 9 <= len(digits) <= 15:
        return False
    if _DATE.search(candidate) or _NUMBER.fullmatch(candidate.strip()):
        return False
    if _PHONE_SHAPED.fullmatch(candidate):
        return True
    if strict:
        return False
    if candidate.startswith(("+", "00", "(")):
        return True
    groups = [g for g in re.split(r"[\s().-]+", candidate) if g]
    if all(_YEAR.fullmatch(g) for g in groups):  # 2019-2024 2025: years
        return False
    return len(groups) >= 3 or (len(groups) >= 2 and candidate.startswith("0"))


def _decoded(text: str) -> str:
    for _ in range(3):  # &amp;#64; -> &#64; -> @
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return unicodedata.normalize("NFKC", text)


def reveal_text(text: str) -> str:
    """The text as a reader sees it: entities decoded, NFKC, invisible controls removed.

    HTML entities are decoded (``&#64;``, ``&#x40;``, ``&commat;``, also when encoded twice),
    the text is normalised to Unicode NFKC (fullwidth ``＠`` becomes ``@``), a span under a
    right-to-left override is written in the order it is displayed, and the characters of
    :data:`INVISIBLE` are removed.

    >>> reveal_text("carl&#64;example.com"), reveal_text("bob\u200b@example.com")
    ('carl@example.com', 'bob@example.com')
    >>> reveal_text("\u202emoc.elpmaxe@nahtan")
    'nathan@example.com'
    """
    text = _decoded(text)
    text = _OVERRIDE.sub(lambda m: m.group(1)[::-1], text)
    return INVISIBLE.sub("", text)


def _both_ways(text: str, strict: bool) -> str:
    """Mask a text in its displayed order, then what it reads in its stored order (under a
    right-to-left override the two differ: a reader may see either)."""
    shown = _mask_plain(text, strict)
    stored = _mask_plain(shown[::-1], strict)[::-1]
    return stored.replace("]enohp[", "[phone]").replace("]liam-e[", "[e-mail]")


def _mask_plain(text: str, strict: bool) -> str:
    text = EMAIL.sub("[e-mail]", text)
    text = _PHONE_SHAPED.sub(
        lambda m: "[phone]" if _is_phone(m.group(0), strict) else m.group(0), text
    )
    if strict:
        return text

    def phone(match: re.Match) -> str:
        candidate = match.group(0)
        core = candidate.rstrip(" .-")
        return ("[phone]" + candidate[len(core) :]) if _is_phone(core, strict) else candidate

    return _PHONE.sub(phone, text)


def mask_contacts(text: Any, *, strict: bool = False) -> Any:
    """Replace e-mail addresses by ``[e-mail]`` and phone numbers by ``[phone]``.

    Non-strings (missing values, numbers) are returned unchanged. The text is first read as a
    reader would see it (:func:`reveal_text`: HTML entities decoded, Unicode NFKC, zero-width
    and bidirectional controls removed, right-to-left overrides undone), so that
    ``carl&#64;example.com`` or ``bob\u200b@example.com`` cannot slip through; when a contact
    is found the masked text is returned in that revealed form, otherwise the text is kept as
    written, without its invisible controls.

    A phone number is 9 to 15 digits in one of the usual shapes: international (``+44 20 7946
    0958``, ``+375 29 123-45-67``, ``+380 (44) 123 45 67``, ``0044 ...``), national with a
    trunk ``0`` (``020 7946 0001``), ``8 (029) 123-45-67``, ``(555) 123-4567`` or
    ``555-123-4567``. Dates, amounts (``1,234,567.89``, ``1 234,5``), percentages, year ranges
    and intervals are left alone. Without ``strict``, any 9 to 15 digits in at least three
    groups also count; ``strict=True`` (whole notebook outputs, where columns of small numbers
    could look like a phone number in groups) keeps to the shapes.

    >>> mask_contacts("Write to anna.k@example.com or call +44 20 7946 0958, thanks")
    'Write to [e-mail] or call [phone], thanks'
    >>> mask_contacts("Order 2024-06-01, 12,345 items, ref 123456")
    'Order 2024-06-01, 12,345 items, ref 123456'
    >>> mask_contacts("call 020 7946 0958", strict=True), mask_contacts("9 12 345 678 1")
    ('call [phone]', '[phone]')
    >>> mask_contacts("олена@пошта.укр, 8 (029) 123-45-67"), mask_contacts("carl&#64;x.org")
    ('[e-mail], [phone]', '[e-mail]')
    """
    if not isinstance(text, str):
        return text
    revealed = reveal_text(text)
    overridden = "\u202e" in _decoded(text)
    masked = _both_ways(revealed, strict) if overridden else _mask_plain(revealed, strict)
    if masked != revealed:
        return masked
    return INVISIBLE.sub("", text)


def safe_label(value: Any) -> str:
    """A category label for a chart or a table row, with any contact in it masked.

    Plot functions pass every label that comes from the data (segment names, touchpoints)
    through this, so that a chart drawn outside the report runner is safe too.

    >>> safe_label("anna.k@example.com"), safe_label("North"), safe_label(3)
    ('[e-mail]', 'North', '3')
    """
    return mask_contacts(str(value))


def mask_identifier(value: Any) -> str:
    """An id as an error sentence may quote it: its first half kept (at most four
    characters), the rest as ``*``; contacts are masked whole.

    >>> mask_identifier("C00042"), mask_identifier(17093), mask_identifier("7")
    ('C00***', '17***', '*')
    """
    text = str(value.item() if isinstance(value, np.generic) else value)
    masked = mask_contacts(text)
    if masked != text:
        return masked
    keep = min(len(text) // 2, 4)
    return text[:keep] + "*" * min(len(text) - keep, 8)


def id_examples(values: Any, limit: int = 5) -> str:
    """Ids quoted in an error sentence, each through :func:`mask_identifier`.

    The one way library errors show customer ids: a sentence may reach a page or the
    run's index, so no id is ever quoted whole.

    >>> id_examples(["C00042", "C00043"]), id_examples(range(1, 9), limit=2)
    ("['C00***', 'C00***']", "['*', '*', ...]")
    """
    values = list(values)
    shown = [mask_identifier(v) for v in values[:limit]]
    text = repr(shown)
    return text[:-1] + ", ...]" if len(values) > limit else text


_ID_CODE = re.compile(
    r"[A-Za-z]{1,6}[-_/]?\d{3,}[A-Za-z]?"  # C00001, CUST-1042, INV_000381
    r"|\d{6,}|0\d{3,}"  # long digit strings, zero-padded numbers
    r"|(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9-]{10,}"  # a1b2c3d4e5, UUIDs
)
_YYYYMMDD = re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


def identifier_like(values: Any, *, distinct: int | None = None, max_values: int = 50) -> bool:
    """Whether a column looks like an identifier by its values, whatever its name.

    True when most (80%) of the distinct non-missing values are id-like codes (letters and
    digits such as ``C00001`` or ``CUST-1042``, long or zero-padded digit strings, long
    mixed codes such as UUIDs) and the column is of high cardinality: more than
    ``max_values`` distinct values (``distinct``, when the caller counted them on the whole
    column), or nearly every value distinct. Whole numbers that are all real ``YYYYMMDD``
    dates are dates, not ids.

    >>> import pandas as pd
    >>> identifier_like(pd.Series([f"C{i:05d}" for i in range(1, 61)] * 3))
    True
    >>> identifier_like(pd.Series(["North", "South"] * 40)), identifier_like(pd.Series([9.5, 12.0]))
    (False, False)
    """
    series = pd.Series(values).dropna()
    if series.empty:
        return False
    texts = pd.Series(series.map(_id_text).unique())
    codes = texts.map(lambda t: bool(_ID_CODE.fullmatch(t)))
    if codes.mean() < 0.8:
        return False
    if texts.map(lambda t: bool(_YYYYMMDD.fullmatch(t))).all():
        return False
    count = len(texts) if distinct is None else int(distinct)
    return count > max_values or (count >= 5 and len(texts) >= 0.9 * len(series))


def _id_text(value: Any) -> str:
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_ID_WORDS = re.compile(
    r"(?:^|[^a-z])(?:id|ids|ref|no|nr|num|number|code|key|uuid|guid)$"
    r"|(?:customer|client|user|member|account|contact|person|buyer|respondent)"
    r"(?:id|ref|no|nr|num|number|code|key)$"
)


def identifier_name(name: str) -> bool:
    """Whether a column's name reads as an identifier, as exports spell them.

    >>> [identifier_name(n) for n in ["id", "customer_id", "Customer ID", "CustomerID",
    ...  "client_ref", "Member No", "amount", "paid", "video", "region"]]
    [True, True, True, True, True, True, False, False, False, False]
    """
    text = str(name).strip().lower()
    return bool(_ID_WORDS.search(text)) or bool(_ID_WORDS.search(re.sub(r"[\s_.-]+", "", text)))


def hide_identifiers(
    profile: pd.DataFrame,
    columns: Sequence[str] = (),
    *,
    column: str = "column",
    examples: str = "examples",
) -> pd.DataFrame:
    """A copy of a column profile with the example values of identifier columns hidden.

    Identifier columns are those listed in ``columns`` plus any whose name reads as an
    identifier (:func:`identifier_name`: ``id``, ``customer_id``, ``Customer ID``,
    ``CustomerID``, ``client_ref``, ``user-no``...); their
    examples become ``"(hidden: identifier)"``. The profile's rows are looked up
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
    hidden = names.map(lambda n: str(n) in listed or identifier_name(str(n)))
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

    if isinstance(data, pd.DataFrame):
        if not column or column not in data.columns:
            return
        values = pd.Series(data[column].dropna().unique())
        counted = f"{len(values):,}"
    else:  # a frame the engine computes: at most max_values + 1 distinct values collected
        import narwhals.stable.v2 as nw

        from loyalty_lib._checks import as_frame, column_names

        frame = as_frame(data)
        if not column or column not in column_names(frame):
            return
        picked = frame.select(nw.col(column)).filter(~nw.col(column).is_null()).unique()
        picked = picked.head(max_values + 1)
        picked = picked.collect() if isinstance(picked, nw.LazyFrame) else picked
        values = picked.to_pandas()[column]
        counted = f"at least {len(values):,}"
    if len(values) > max_values:
        raise DataQualityError(
            f"The segment column {column!r} has {counted} distinct values (more than "
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
