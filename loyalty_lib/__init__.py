"""loyalty_lib: customer-loyalty analytics that print their base sizes and intervals.

The computations accept any dataframe narwhals supports (pandas by default) and return
a fresh pandas DataFrame: see ``docs/decisions/0001-dataframe-engine.md``.
"""

from loyalty_lib._checks import ColumnNotFoundError, LoyaltyWarning, SmallBaseWarning

__all__ = ["ColumnNotFoundError", "LoyaltyWarning", "SmallBaseWarning"]
__version__ = "0.1.0"
