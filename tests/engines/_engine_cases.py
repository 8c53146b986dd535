"""Shared cases for tests/test_engines_*.py: one call per core function, and a comparison.

Each case is a function of (sales, survey) frames in some engine; the engine tests run
it on pandas (the reference) and on another engine, and require the same result.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from loyalty_lib import (
    abc_classes,
    abc_summary,
    abc_values,
    cohort_retention,
    customer_summary,
    customer_value,
    lorenz_curve,
    nps,
    nps_distribution,
    nps_trend,
    pareto_by_period,
    pareto_split,
    repeat_purchase_rate,
    retention_curve,
)
from loyalty_lib.behaviour.callbacks import overdue_vip_list
from loyalty_lib.behaviour.economics import skip_return_rate
from loyalty_lib.behaviour.lapse import lapse_backtest, purchase_rhythm, rhythm_summary
from loyalty_lib.behaviour.rfm import rfm_scores, rfm_segment_summary, rfm_transitions
from loyalty_lib.inputs.overview import (
    column_profile,
    monthly_activity,
    sales_summary,
    survey_responses_by_month,
)

SALES = {"customer": "customer_id", "value": "amount"}
LOG = {"customer": "customer_id", "date": "order_date", "value": "amount"}
DATED = {"customer": "customer_id", "date": "order_date"}

Case = Callable[[Any, Any], pd.DataFrame]

#: name -> (uses the demo's region/wave columns?, function of (sales, survey))
CASES: dict[str, tuple[bool, Case]] = {
    "nps": (True, lambda s, v: nps(v, "score", errors="exclude")),
    "nps_by_region": (True, lambda s, v: nps(v, "score", by="region", errors="exclude")),
    "nps_score_interval_by_channel": (
        True,
        lambda s, v: nps(v, "score", by="channel", method="score", errors="exclude"),
    ),
    "nps_trend_by_region": (
        True,
        lambda s, v: nps_trend(v, "score", "wave", by="region", errors="exclude"),
    ),
    "nps_distribution": (True, lambda s, v: nps_distribution(v, "score", errors="exclude")),
    "pareto_split": (False, lambda s, v: pareto_split(s, **SALES, min_customers=1)),
    # the simple formula's assumption measured (behaviour/economics.py): joins on the engine
    "skip_return_rate_year": (False, lambda s, v: skip_return_rate(s, **DATED)),
    "skip_return_rate_quarter": (False, lambda s, v: skip_return_rate(s, **DATED, freq="quarter")),
    # the loyalty-drivers page's per-customer sections: scores, rhythms and the backtest
    # stay on a lazy engine (ranks, a rank-based median, joins); pandas collects them
    "purchase_rhythm": (False, lambda s, v: purchase_rhythm(s, **LOG)),
    "purchase_rhythm_max_cv": (False, lambda s, v: purchase_rhythm(s, **LOG, max_cv=0.8)),
    "rhythm_summary": (False, lambda s, v: rhythm_summary(s, **LOG, max_ratio=4)),
    "lapse_backtest": (
        False,
        lambda s, v: lapse_backtest(s, **LOG, cutoff=_before_end(s, 180), k=[1.5, 2, 3]),
    ),
    "rfm_scores": (
        False,
        lambda s, v: rfm_scores(s, **LOG).sort_values("customer_id", ignore_index=True),
    ),
    "rfm_segment_summary": (False, lambda s, v: rfm_segment_summary(s, **LOG)),
    "rfm_transitions": (
        False,
        lambda s, v: rfm_transitions(
            s, **LOG, as_of_dates=[_before_end(s, 365), _before_end(s, 180), _before_end(s, 0)]
        ),
    ),
    "overdue_vip_list": (False, lambda s, v: overdue_vip_list(s, **LOG)),
    "pareto_split_boot": (
        False,
        lambda s, v: pareto_split(s, **SALES, n_boot=200, seed=1, min_customers=1),
    ),
    "pareto_by_region": (True, lambda s, v: pareto_split(s, **SALES, by="region")),
    "pareto_by_quarter": (
        False,
        lambda s, v: pareto_by_period(s, **SALES, date="order_date", freq="quarter"),
    ),
    "lorenz_curve": (False, lambda s, v: lorenz_curve(s, **SALES)),
    "customer_value": (
        False,
        lambda s, v: customer_value(s, **SALES, date="order_date"),
    ),
    "abc_classes": (False, lambda s, v: abc_classes(s, **SALES, date="order_date")),
    # the classes without ids: the engine sorts by id and hands over the numbers only
    "abc_values": (False, lambda s, v: abc_values(s, **SALES, date="order_date")),
    "abc_values_summary": (False, lambda s, v: abc_summary(abc_values(s, **SALES))),
    # the BG/NBD / Gamma-Gamma input: day- and customer-level group-bys in the engine
    "customer_summary": (
        False,
        lambda s, v: customer_summary(
            _purchases_only(s), **DATED, value="amount", end="1997-09-30"
        ).sort_values("customer_id", ignore_index=True),
    ),
    "cohort_monthly_on": (False, lambda s, v: cohort_retention(s, **DATED)),
    "cohort_revenue": (False, lambda s, v: cohort_retention(s, **DATED, value="amount")),
    "cohort_on_or_after_quarter": (
        False,
        lambda s, v: cohort_retention(s, **DATED, freq="Q", mode="on_or_after"),
    ),
    "cohort_weekly_since": (
        False,
        lambda s, v: cohort_retention(s, **DATED, freq="W", since="1997-02-01"),
    ),
    "cohort_by_region": (
        True,
        lambda s, v: cohort_retention(s, **DATED, value="amount", by="region"),
    ),
    "retention_curve": (
        False,
        lambda s, v: retention_curve(cohort_retention(s, **DATED, value="amount")),
    ),
    "repeat_purchase_rate": (
        False,
        lambda s, v: repeat_purchase_rate(s, **DATED, value="amount", within=90),
    ),
    # The data audit (loyalty_lib.inputs.overview). Column types print differently per engine
    # and example values depend on row order, so the profile is compared on its counts.
    "sales_summary": (False, lambda s, v: sales_summary(s)),
    "monthly_activity": (False, lambda s, v: monthly_activity(s)),
    "column_profile_counts": (
        False,
        lambda s, v: column_profile(s)[["column", "n", "missing", "distinct"]],
    ),
    "survey_responses_by_month": (True, lambda s, v: survey_responses_by_month(v)),
}


#: Per-customer cases Spark runs on the demo only (about 6 s each on local[2]; their window,
#: rank and join constructs do not depend on the log): the loyalty-drivers page's sections
#: and the 80/20 page's ABC table.
PER_CUSTOMER = {
    "purchase_rhythm",
    "lapse_backtest",
    "rfm_segment_summary",
    "rfm_transitions",
    "abc_classes",
    "abc_values",
    "abc_values_summary",
}
#: Cases Spark skips: built from the constructs of the cases above (the rank median, the
#: rank scores, the joins of two engine frames) and checked on every DuckDB source.
NOT_ON_SPARK = {"purchase_rhythm_max_cv", "rhythm_summary", "rfm_scores", "overdue_vip_list"}


def _before_end(sales: Any, days: int) -> pd.Timestamp:
    """The log's last day minus ``days`` (one query on the sales frame's own engine)."""
    from loyalty_lib.inputs.on_engine import log_summary

    last = log_summary(sales, date="order_date", value="amount", customer="customer_id")["last"]
    return pd.Timestamp(last).normalize() - pd.Timedelta(days=days)


def _purchases_only(sales: Any) -> Any:
    """The purchase rows (amount >= 0) in the sales frame's own engine: the purchase models
    refuse returns, and the demo has some."""
    import narwhals.stable.v2 as nw

    from loyalty_lib.engines import as_frame

    return as_frame(sales).filter(nw.col("amount") >= 0).to_native()


def run(case: Case, sales: Any, survey: Any) -> tuple[pd.DataFrame, list[str]]:
    """The result of a case and the messages of the warnings it raised (sorted)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = case(sales, survey)
    return result, sorted({str(w.message) for w in caught if "PySpark" not in str(w.message)})


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Datetime columns at one resolution (Spark keeps microseconds, pandas may hold ns)."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].astype("datetime64[ns]")
    return out


def assert_same(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Same columns, dtypes, rows and order; floats equal to 1e-9 relative; same attrs.

    Float sums may differ in the last bits between engines (summation order), hence
    the relative tolerance; counts, ids, dates and flags must match exactly.
    """
    assert isinstance(got, pd.DataFrame)
    pd.testing.assert_frame_equal(
        _normalised(expected), _normalised(got), check_exact=False, rtol=1e-9, atol=1e-12
    )
    assert expected.attrs.keys() == got.attrs.keys()
    for key, value in expected.attrs.items():
        assert got.attrs[key] == value, key
