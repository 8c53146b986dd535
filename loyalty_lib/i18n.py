"""Pages in the reader's language: gettext catalogues and Babel's local number and date forms.

The catalogues are ``loyalty_lib/locale/<lang>/LC_MESSAGES/loyalty.po`` (the compiled ``.mo``
files beside them are committed; ``make translations`` extracts, updates and compiles them
with Babel, see ``docs/translating.md``). The domain terms are fixed in ``docs/glossary.md``.

A notebook declares ``language: str = "en"`` in its parameters and calls
:func:`set_language` once; library text (data-quality tables, chart titles and axes) then
follows that language. :func:`use_language` gives a translator without changing the current
one (the report index, tests).

>>> tr = use_language("ru")
>>> tr.ngettext("{n} customer", "{n} customers", 5).format(n=tr.number(5))
'5 клиентов'
>>> tr.number(1234.5), tr.percent(0.243), tr.points(24.3), tr.month_year("2023-02-01")
('1\\xa0234,5', '24,3\\xa0%', '+24,3', 'февраль 2023')

A month after a preposition takes another case: the translation asks for it with a format
spec on the placeholder (see :class:`DateText` and docs/translating.md).

>>> tr.gettext("{first} to {last}").format(first=tr.month_year("2023-02-01"),
...                                        last=tr.month_year("2024-12-01"))
'с февраля 2023 по декабрь 2024'
"""

from __future__ import annotations

import datetime as dt
import gettext
import math
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

__all__ = [
    "CASES",
    "DOMAIN",
    "DateText",
    "LANGUAGES",
    "LOCALE_DIR",
    "Translator",
    "check_language",
    "current",
    "extract_notebook",
    "set_language",
    "use_language",
]

#: The languages a page can be written in (catalogues shipped for all but English).
LANGUAGES = ("en", "ru", "uk", "be")
DOMAIN = "loyalty"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


#: The format specs a translation may put on a date placeholder ("{first:genitive}").
CASES = ("genitive",)

#: Period lengths :meth:`Translator.period` names, with the pandas codes they stand for.
_PERIODS = {"D": "day", "W": "week", "M": "month", "MS": "month", "Q": "quarter",
            "QS": "quarter", "Y": "year", "YS": "year", "A": "year", "AS": "year"}  # fmt: skip


class DateText(str):
    """A date, month or period as printed, which a sentence may need in another case.

    It is a ``str`` (joined, compared and shown as one). In a message, ``"{month}"``
    prints it as it is: a month alone is nominative ("февраль 2023", CLDR's *stand-alone*
    form ``LLLL y``). ``"{month:genitive}"`` prints the form a preposition asks for
    ("с февраля 2023", "з лютого 2023", "з лютага 2023": CLDR's *format* form
    ``MMMM y``, the one a date uses). A date is already in that form ("1 февраля
    2023 г."), and a year, a quarter or a short label has no other in CLDR: they print
    unchanged, so the spec is safe on any placeholder filled by :class:`Translator`'s
    date methods. An unknown spec raises (``str``'s own error).

    >>> feb = use_language("ru").month_year("2023-02-01")
    >>> "{m} | {m:genitive}".format(m=feb)
    'февраль 2023 | февраля 2023'
    >>> "{d:genitive}".format(d=use_language("ru").date("2023-02-01"))
    '1 февраля 2023\u202fг.'
    """

    def __new__(cls, text: str, genitive: str | None = None) -> DateText:
        self = super().__new__(cls, text)
        self.genitive = str(text) if genitive is None else str(genitive)
        return self

    def __format__(self, spec: str) -> str:
        if spec == "genitive":
            return self.genitive
        return format(str(self), spec)


def check_language(language: Any, where: str = "language") -> str:
    """The language code, checked against :data:`LANGUAGES` (a clear error otherwise).

    >>> check_language("RU")
    'ru'
    >>> check_language("de")
    Traceback (most recent call last):
    ...
    ValueError: language: 'de' is not a shipped language; use one of en, ru, uk, be
    """
    code = str(language or "").strip().lower().replace("_", "-")
    if code not in LANGUAGES:
        raise ValueError(
            f"{where}: {language!r} is not a shipped language; use one of {', '.join(LANGUAGES)}"
        )
    return code


class Translator:
    """Messages and local forms of one language: ``_``/``gettext``, ``ngettext`` and the
    number, percent, currency, date and NPS-point formats of Babel (CLDR) for its locale."""

    def __init__(self, language: str) -> None:
        self.language = check_language(language)
        self.locale = Locale.parse(self.language)
        if self.language == "en":
            self._catalog: gettext.NullTranslations = gettext.NullTranslations()
        else:
            # fallback=False: a shipped language without its compiled catalogue is a broken
            # install, never a silently English page
            self._catalog = gettext.translation(
                DOMAIN, localedir=str(LOCALE_DIR), languages=[self.language]
            )

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"

    # messages -------------------------------------------------------------------------
    def gettext(self, message: str) -> str:
        """The message in this language (the English text when it has no translation)."""
        return self._catalog.gettext(message)

    _ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The plural form for ``n`` (three forms in ru, uk and be: 1, 2-4, 5-20...)."""
        return self._catalog.ngettext(singular, plural, int(n))

    def pgettext(self, context: str, message: str) -> str:
        """A message that reads differently in another context (a column header, a verb)."""
        return self._catalog.pgettext(context, message)

    # local forms ----------------------------------------------------------------------
    def number(self, value: Any, digits: int | None = None) -> str:
        """A number with the locale's group and decimal signs: 1,234.5 / 1 234,5.

        ``digits`` fixes the decimals; None keeps up to three (integers show none).
        """
        if _missing(value):
            return self.gettext("n/a")
        if digits is None:
            return format_decimal(value, locale=self.locale)
        return format_decimal(value, format=_decimals("#,##0", digits), locale=self.locale)

    def percent(self, fraction: Any, digits: int = 1) -> str:
        """A share (0.243) as a percentage in the locale's pattern: 24.3% / 24,3 %."""
        if _missing(fraction):
            return self.gettext("n/a")
        pattern = self.locale.percent_formats[None].pattern.replace(
            "#,##0", _decimals("#,##0", digits), 1
        )
        return format_percent(fraction, format=pattern, locale=self.locale)

    def currency(self, value: Any, code: str, digits: int = 0) -> str:
        """An amount in the currency ``code`` (ISO 4217, the source's declared currency)."""
        if _missing(value):
            return self.gettext("n/a")
        pattern = self.locale.currency_formats["standard"].pattern.split(";")[0]
        pattern = pattern.replace("#,##0.00", _decimals("#,##0", digits), 1)
        return format_currency(
            value, str(code).upper(), format=pattern, locale=self.locale, currency_digits=False
        )

    def points(self, value: Any, digits: int = 1) -> str:
        """NPS points with their sign: +24.3 / +24,3, -5,0."""
        if _missing(value):
            return self.gettext("n/a")
        body = _decimals("#,##0", digits)
        return format_decimal(value, format=f"+{body};-{body}", locale=self.locale)

    def date(self, value: Any, fmt: str = "long") -> DateText:
        """A date in the locale's long form: February 1, 2023 / 1 февраля 2023 г.

        Its month is already in the form a preposition asks for, so ``{date:genitive}``
        prints it unchanged (:class:`DateText`).
        """
        if _missing(value):
            return DateText(self.gettext("n/a"))
        return DateText(format_date(_as_date(value), fmt, locale=self.locale))

    def month_year(self, value: Any, case: str = "nominative") -> DateText:
        """A month as a reader names it: February 2023 / февраль 2023.

        ``case="nominative"`` (default): the month alone (CLDR stand-alone, 'LLLL y'), which
        a translation turns into the genitive with ``{month:genitive}`` (:class:`DateText`);
        ``case="genitive"``: that form directly (CLDR format context, 'MMMM y': "февраля
        2023", the form after "с", "до", "від"...).

        >>> tr = use_language("uk")
        >>> tr.month_year("2023-02-01"), tr.month_year("2023-02-01", case="genitive")
        ('лютий 2023', 'лютого 2023')
        """
        if case not in ("nominative", *CASES):
            raise ValueError(f"case: {case!r}; use 'nominative' or one of {', '.join(CASES)}")
        if _missing(value):
            return DateText(self.gettext("n/a"))
        day = _as_date(value)
        genitive = format_date(day, "MMMM y", locale=self.locale)
        if case == "genitive":
            return DateText(genitive)
        return DateText(format_date(day, "LLLL y", locale=self.locale), genitive)

    def month_short(self, value: Any) -> str:
        """A month for an axis tick or a table cell: Feb 2023 / февр. 2023 / лют. 2023
        (CLDR's abbreviated stand-alone name, 'LLL y')."""
        if _missing(value):
            return self.gettext("n/a")
        return format_date(_as_date(value), "LLL y", locale=self.locale)

    def period(self, value: Any, freq: str, *, short: bool = False) -> DateText:
        """The period that starts on ``value`` named the reader's way, never ISO ("2023-02").

        ``freq``: "day", "week", "month", "quarter", "year" (or pandas' D, W, M, Q, Y).
        Month: :meth:`month_year` ("февраль 2023"), short: :meth:`month_short`
        ("февр. 2023"); quarter: 'QQQ y' ("Q1 2023", "1-й кв. 2023", "1-шы кв. 2023");
        year: "2023"; day or week (its Monday): :meth:`date`, short: the medium date
        ("Feb 6, 2023", "6 февр. 2023 г.").

        >>> tr = use_language("ru")
        >>> tr.period("2023-02-01", "month"), tr.period("2023-02-01", "month", short=True)
        ('февраль 2023', 'февр. 2023')
        >>> tr.period("2023-04-01", "quarter"), use_language("en").period("2023-04-01", "Q")
        ('2-й кв. 2023', 'Q2 2023')
        """
        unit = _PERIODS.get(str(freq).upper(), str(freq).lower())
        if unit not in ("day", "week", "month", "quarter", "year"):
            raise ValueError(
                f"freq: {freq!r} is not a period length; use day, week, month, quarter or year"
            )
        if _missing(value):
            return DateText(self.gettext("n/a"))
        if unit == "month":
            return DateText(self.month_short(value)) if short else self.month_year(value)
        if unit in ("day", "week"):
            return self.date(value, "medium" if short else "long")
        pattern = "QQQ y" if unit == "quarter" else "y"
        return DateText(format_date(_as_date(value), pattern, locale=self.locale))

    def interval(self, lower: str, upper: str) -> str:
        """Two printed bounds as a range: "20.1% to 28.0%"."""
        return self.gettext("{lower} to {upper}").format(lower=lower, upper=upper)


def _decimals(body: str, digits: int) -> str:
    return body + ("." + "0" * int(digits) if digits and digits > 0 else "")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isinf(value))
    except (TypeError, ValueError):
        return False


def _as_date(value: Any) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    to_pydatetime = getattr(value, "to_pydatetime", None)  # numpy/pandas stamps
    if to_pydatetime is not None:
        return to_pydatetime().date()
    raise TypeError(f"not a date: {value!r}")


@cache
def use_language(language: str = "en") -> Translator:
    """The translator of ``language`` (en, ru, uk, be); the current language is unchanged."""
    return Translator(check_language(language))


_CURRENT: list[Translator] = []


def set_language(language: str = "en") -> Translator:
    """Make ``language`` the one library text is written in (tables, charts) and return its
    translator: call it once at the top of a notebook with the ``language`` parameter."""
    tr = use_language(check_language(language))
    _CURRENT[:] = [tr]
    return tr


def current() -> Translator:
    """The translator set by :func:`set_language` (English until it is called)."""
    return _CURRENT[0] if _CURRENT else use_language("en")


def extract_notebook(fileobj, keywords, comment_tags, options):
    """Babel extractor for ``.ipynb`` (``babel.cfg``): the code cells, read as Python.

    Line numbers count from the first line of the notebook's code, cell after cell.
    """
    import io
    import json

    from babel.messages.extract import extract_python

    cells = json.loads(fileobj.read().decode("utf-8")).get("cells", [])
    code = "\n".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c.get("cell_type") == "code"
    )
    yield from extract_python(io.BytesIO(code.encode("utf-8")), keywords, comment_tags, options)
