"""loyalty_lib: customer-loyalty analytics that print their base sizes and intervals.

The computations accept any dataframe narwhals supports (pandas by default) and return
a fresh pandas DataFrame: see ``docs/decisions/0001-dataframe-engine.md``.
"""

from loyalty_lib._checks import ColumnNotFoundError, LoyaltyWarning, SmallBaseWarning
from loyalty_lib._purchases import ExcludedRowsWarning
from loyalty_lib.cohorts import cohort_retention, cohort_start, retention_curve, retention_matrix
from loyalty_lib.complaints import compare_recovery, complaint_recovery, detractor_touchpoints
from loyalty_lib.economics import clv_from_log, retention_whatif, simple_clv
from loyalty_lib.lapse import lapse_backtest, purchase_rhythm, reminder_list
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
from loyalty_lib.rfm import rfm_scores, rfm_segments, rfm_transitions
from loyalty_lib.say_do import (
    answer_behaviour,
    say_do,
    say_do_test,
    score_spend_correlation,
    users_referrers,
)
from loyalty_lib.validate import DataQualityError, validate_sales, validate_survey

__all__ = [
    "abc_classes",
    "abc_summary",
    "answer_behaviour",
    "clv_from_log",
    "cohort_retention",
    "cohort_start",
    "ColumnNotFoundError",
    "compare_nps",
    "compare_recovery",
    "complaint_recovery",
    "customer_value",
    "DataQualityError",
    "detractor_touchpoints",
    "ExcludedRowsWarning",
    "lapse_backtest",
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
    "purchase_rhythm",
    "reminder_list",
    "repeat_purchase_rate",
    "retention_curve",
    "retention_matrix",
    "retention_whatif",
    "rfm_scores",
    "rfm_segments",
    "rfm_transitions",
    "say_do",
    "say_do_test",
    "score_spend_correlation",
    "simple_clv",
    "SmallBaseWarning",
    "time_to_second_purchase",
    "users_referrers",
    "validate_sales",
    "validate_survey",
]
__version__ = "0.1.0"
