"""loyalty_lib: customer-loyalty analytics that print their base sizes and intervals.

The computations accept any dataframe narwhals supports (pandas by default) and return
a fresh pandas DataFrame: see ``docs/decisions/0001-dataframe-engine.md``.
"""

from loyalty_lib._checks import ColumnNotFoundError, LoyaltyWarning, SmallBaseWarning
from loyalty_lib.netpromoter import (
    compare_nps,
    nps,
    nps_band,
    nps_distribution,
    nps_drivers,
    nps_sample_size,
    nps_trend,
)

__all__ = ["ColumnNotFoundError", "LoyaltyWarning", "SmallBaseWarning"]
__all__ += ["compare_nps", "nps", "nps_band", "nps_distribution", "nps_drivers"]
__all__ += ["nps_sample_size", "nps_trend"]
__version__ = "0.1.0"
