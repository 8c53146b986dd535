"""Every exception and warning that :mod:`loyalty_lib` raises, with common base classes.

Catch :class:`LoyaltyError` for any input the library refuses and filter
:class:`LoyaltyWarning` for every statistical or data-quality caveat it raises.
"""

from __future__ import annotations

__all__ = [
    "ColumnNotFoundError",
    "DataQualityError",
    "ExcludedRowsWarning",
    "LoyaltyError",
    "LoyaltyWarning",
    "NoControlError",
    "ReportConfigError",
    "ReportRunError",
    "SmallBaseWarning",
]


class LoyaltyError(Exception):
    """Base class of the errors raised by :mod:`loyalty_lib` for input it cannot use."""


class ColumnNotFoundError(LoyaltyError, ValueError):
    """A column named in a call does not exist in the data.

    The message lists the missing columns, the available ones and, where one is close,
    a "did you mean" suggestion.
    """


class DataQualityError(LoyaltyError, ValueError):
    """The input cannot be analysed; the message says why in plain English."""


class NoControlError(LoyaltyError, ValueError):
    """A before/after comparison has no usable control: the event touched every segment,
    no segment is left untouched, or a cell (treated or control, before or after) holds
    too few observations. The message names the cell and its base."""


class ReportConfigError(LoyaltyError, ValueError):
    """``reports.yaml`` (its reports or its declared ``sources``) or a command-line override
    is invalid; the message names the entry, the key and the fix.

    Defined here rather than in :mod:`loyalty_lib.reporting.config` because
    :mod:`loyalty_lib.inputs.sources` checks the declared sources and may not import the
    reporting layer.
    """


class ReportRunError(LoyaltyError):
    """A report run could not be completed or published for a reason outside the notebooks
    (a full disk while writing the run's index or summary, the ``latest`` link not movable);
    the message says what was kept and what to do. ``loyalty report`` exits with status 1.
    """


class LoyaltyWarning(UserWarning):
    """A statistical or data-quality caveat raised by :mod:`loyalty_lib`."""


class SmallBaseWarning(LoyaltyWarning):
    """An estimate rests on fewer observations than the declared minimum base."""


class ExcludedRowsWarning(LoyaltyWarning):
    """Some rows of the input could not be used and were left out (the message counts them)."""
