"""loyalty_lib: customer-loyalty analytics that print their base sizes and intervals.

The computations accept any dataframe narwhals supports (pandas by default) and return
a fresh pandas DataFrame: see ``docs/decisions/0001-dataframe-engine.md``. This module is
the one re-export surface: the topic packages (:mod:`~loyalty_lib.survey`,
:mod:`~loyalty_lib.value`, :mod:`~loyalty_lib.retention`, :mod:`~loyalty_lib.behaviour`) and
:mod:`~loyalty_lib.inputs`, :mod:`~loyalty_lib.stats` re-export nothing, so no function can
shadow a module (docs/architecture.md).
"""

from importlib.metadata import PackageNotFoundError, version

from loyalty_lib import _compat
from loyalty_lib.behaviour.callbacks import (
    detractor_callbacks,
    overdue_vip_list,
    overdue_vips,
    unresolved_complaints,
)
from loyalty_lib.behaviour.campaigns import campaign_uplift, holdout_size
from loyalty_lib.behaviour.complaints import (
    compare_recovery,
    complaint_recovery,
    detractor_touchpoints,
)
from loyalty_lib.behaviour.economics import (
    clv_from_log,
    retention_whatif,
    simple_clv,
    skip_return_rate,
)
from loyalty_lib.behaviour.events import event_effect
from loyalty_lib.behaviour.lapse import (
    lapse_backtest,
    purchase_rhythm,
    reminder_list,
    rhythm_summary,
)
from loyalty_lib.behaviour.lapse_signals import (
    lapse_scores,
    lapse_signal_ranking,
    signal_reminder_list,
)
from loyalty_lib.behaviour.rfm import (
    rfm_scores,
    rfm_segment_summary,
    rfm_segments,
    rfm_transitions,
)
from loyalty_lib.behaviour.say_do import (
    answer_behaviour,
    match_sentence,
    say_do,
    say_do_test,
    score_spend_correlation,
    users_referrers,
)
from loyalty_lib.behaviour.stockouts import stockout_returns
from loyalty_lib.display import show
from loyalty_lib.errors import (
    ColumnNotFoundError,
    DataQualityError,
    ExcludedRowsWarning,
    LoyaltyError,
    LoyaltyWarning,
    NoControlError,
    SmallBaseWarning,
)
from loyalty_lib.inputs.events import read_events, read_responses
from loyalty_lib.inputs.validate import validate_sales, validate_survey
from loyalty_lib.retention.calendar import period_retention
from loyalty_lib.retention.cohorts import cohort_retention, cohort_start
from loyalty_lib.retention.curves import retention_curve, retention_matrix
from loyalty_lib.retention.repeat import (
    repeat_purchase_rate,
    repeat_time_medians,
    time_to_second_purchase,
)
from loyalty_lib.survey.compare import compare_nps, nps_trend
from loyalty_lib.survey.drivers import nps_drivers
from loyalty_lib.survey.score import (
    nps,
    nps_band,
    nps_band_interval,
    nps_distribution,
    nps_sample_size,
)
from loyalty_lib.value.abc import abc_classes, abc_summary, abc_values
from loyalty_lib.value.backtest import bgnbd_backtest
from loyalty_lib.value.bgnbd import fit_bgnbd
from loyalty_lib.value.clv import clv_summary, customer_clv
from loyalty_lib.value.customers import customer_value
from loyalty_lib.value.gamma_gamma import fit_gamma_gamma
from loyalty_lib.value.pareto import lorenz_curve, pareto_by_period, pareto_split
from loyalty_lib.value.summary import customer_summary
from loyalty_lib.value.whatif import clv_retention_whatif

_compat.install()

try:
    __version__ = version("loyalty-lib")  # the one place it is written: pyproject.toml
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "ColumnNotFoundError",
    "DataQualityError",
    "ExcludedRowsWarning",
    "LoyaltyError",
    "LoyaltyWarning",
    "NoControlError",
    "SmallBaseWarning",
    "abc_classes",
    "abc_summary",
    "abc_values",
    "answer_behaviour",
    "bgnbd_backtest",
    "campaign_uplift",
    "clv_from_log",
    "clv_retention_whatif",
    "clv_summary",
    "cohort_retention",
    "cohort_start",
    "compare_nps",
    "compare_recovery",
    "complaint_recovery",
    "customer_clv",
    "customer_summary",
    "customer_value",
    "detractor_callbacks",
    "detractor_touchpoints",
    "event_effect",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "holdout_size",
    "lapse_backtest",
    "lapse_scores",
    "lapse_signal_ranking",
    "lorenz_curve",
    "nps",
    "nps_band",
    "nps_band_interval",
    "nps_distribution",
    "nps_drivers",
    "nps_sample_size",
    "nps_trend",
    "overdue_vip_list",
    "overdue_vips",
    "pareto_by_period",
    "pareto_split",
    "period_retention",
    "purchase_rhythm",
    "read_events",
    "read_responses",
    "reminder_list",
    "rhythm_summary",
    "repeat_purchase_rate",
    "retention_curve",
    "retention_matrix",
    "retention_whatif",
    "rfm_scores",
    "rfm_segment_summary",
    "rfm_segments",
    "rfm_transitions",
    "match_sentence",
    "say_do",
    "say_do_test",
    "score_spend_correlation",
    "signal_reminder_list",
    "simple_clv",
    "skip_return_rate",
    "repeat_time_medians",
    "show",
    "stockout_returns",
    "time_to_second_purchase",
    "unresolved_complaints",
    "users_referrers",
    "validate_sales",
    "validate_survey",
]
