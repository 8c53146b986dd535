"""loyalty_lib: customer-loyalty analytics that print their base sizes and intervals.

The computations accept any dataframe narwhals supports (pandas by default) and return
a fresh pandas DataFrame: see ``docs/decisions/0001-dataframe-engine.md``.
"""

from loyalty_lib._checks import ColumnNotFoundError, LoyaltyWarning, SmallBaseWarning
from loyalty_lib._purchases import ExcludedRowsWarning
from loyalty_lib.cohorts import cohort_retention, cohort_start, retention_curve, retention_matrix
from loyalty_lib.netpromoter import (
    compare_nps,
    nps,
    nps_band,
    nps_distribution,
    nps_drivers,
    nps_sample_size,
    nps_trend,
)
from loyalty_lib.pareto import (
    abc_classes,
    abc_summary,
    customer_value,
    lorenz_curve,
    pareto_by_period,
    pareto_split,
)
from loyalty_lib.repeat_purchase import repeat_purchase_rate, time_to_second_purchase
from loyalty_lib.validate import DataQualityError, validate_sales, validate_survey

__all__ = [
    "abc_classes",
    "abc_summary",
    "cohort_retention",
    "cohort_start",
    "ColumnNotFoundError",
    "compare_nps",
    "customer_value",
    "DataQualityError",
    "ExcludedRowsWarning",
    "lorenz_curve",
    "LoyaltyWarning",
    "nps",
    "nps_band",
    "nps_distribution",
    "nps_drivers",
    "nps_sample_size",
    "nps_trend",
    "pareto_by_period",
    "pareto_split",
    "repeat_purchase_rate",
    "retention_curve",
    "retention_matrix",
    "SmallBaseWarning",
    "time_to_second_purchase",
    "validate_sales",
    "validate_survey",
]
__version__ = "0.1.0"
