"""The implementations timed by the benchmarks: ours and the peers, same result each.

Every function takes the workload's input and returns a small *canonical* pandas frame
(sorted, plain dtypes) so that :func:`benchmarks.run.check_equal` can compare a peer with
``loyalty_lib`` before any timing counts.

- cohort: ``cohort`` (months since year 0, ``12 * year + month - 1``), ``period`` (k),
  ``active`` customers, for every cell with at least one active customer;
- cohort_sizes (lifetimes): ``cohort`` and ``customers``, from the per-customer summary;
- pareto: one row: ``customers``, ``top_customers``, ``top_value_share``,
  ``target_customers``, ``customer_share_for_target`` (top 20 %, target 80 %);
- nps: ``segment``, ``month``, ``n``, ``nps``, ``nps_ci_lower``, ``nps_ci_upper``
  (adjusted Wald, 95 %);
- clv: ``kind``, ``quantity``, ``value``: the per-customer summary in totals (kind
  "summary": customers, sums of frequency, recency, T and monetary value, compared to
  1e-9), the BG/NBD and Gamma-Gamma estimates (kind "parameter", compared to 1e-3 by
  :func:`benchmarks.run.check_clv`) and the seconds of each stage (kind "seconds", not
  compared).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)
TOP, TARGET, TOL = 0.2, 0.8, 1e-12

# ----------------------------------------------------------------------------- cohort


def cohort_ours(df: pd.DataFrame) -> pd.DataFrame:
    from loyalty_lib import cohort_retention

    out = cohort_retention(df, customer="customer_id", date="order_date", freq="M", mode="on")
    out = out[out["active"] > 0]
    cohort = out["cohort"].dt.year * 12 + out["cohort"].dt.month - 1
    return _canon_cohort(
        pd.DataFrame({"cohort": cohort, "period": out["period"], "active": out["active"]})
    )


def cohort_pandas(df: pd.DataFrame) -> pd.DataFrame:
    """The common recipe: month period, transform('min'), nunique, unstack."""
    d = df[["customer_id", "order_date"]].copy()
    d["month"] = d["order_date"].dt.year * 12 + d["order_date"].dt.month - 1
    d["cohort"] = d.groupby("customer_id")["month"].transform("min")
    d["period"] = d["month"] - d["cohort"]
    table = d.groupby(["cohort", "period"])["customer_id"].nunique().unstack(fill_value=0)
    long = table.stack().rename("active").reset_index()
    return _canon_cohort(long[long["active"] > 0])


COHORT_SQL = """
WITH t AS (SELECT customer_id, year(order_date) * 12 + month(order_date) - 1 AS month FROM df),
first AS (SELECT customer_id, min(month) AS cohort FROM t GROUP BY customer_id)
SELECT first.cohort, t.month - first.cohort AS period, count(DISTINCT t.customer_id) AS active
FROM t JOIN first USING (customer_id)
GROUP BY 1, 2
"""

COHORT_SQL_TUNED = """
WITH d AS (SELECT DISTINCT customer_id, year(order_date) * 12 + month(order_date) - 1 AS month
           FROM df),
first AS (SELECT customer_id, min(month) AS cohort FROM d GROUP BY customer_id)
SELECT cohort, month - cohort AS period, count(*) AS active
FROM d JOIN first USING (customer_id)
GROUP BY 1, 2
"""


def cohort_duckdb(df: pd.DataFrame) -> pd.DataFrame:
    """Hand-written SQL as an analyst writes it (count distinct per cell)."""
    import duckdb

    return _canon_cohort(duckdb.connect().sql(COHORT_SQL).df())


def cohort_duckdb_tuned(df: pd.DataFrame) -> pd.DataFrame:
    """Hand-written SQL, tuned: distinct (customer, month) first, then plain counts."""
    import duckdb

    return _canon_cohort(duckdb.connect().sql(COHORT_SQL_TUNED).df())


def cohort_polars(df) -> pd.DataFrame:
    import polars as pl

    t = (
        df.lazy()
        .select(
            "customer_id",
            (
                pl.col("order_date").dt.year().cast(pl.Int64) * 12
                + pl.col("order_date").dt.month().cast(pl.Int64)
                - 1
            ).alias("month"),
        )
        .unique()
    )
    out = (
        t.with_columns(pl.col("month").min().over("customer_id").alias("cohort"))
        .group_by("cohort", (pl.col("month") - pl.col("cohort")).alias("period"))
        .agg(pl.len().alias("active"))
        .collect()
    )
    return _canon_cohort(out.to_pandas())


def cohort_sizes_lifetimes(df: pd.DataFrame) -> pd.DataFrame:
    """lifetimes' per-customer summary (daily), cohorts read from its T."""
    from lifetimes.utils import summary_data_from_transaction_data

    end = df["order_date"].max()
    summary = summary_data_from_transaction_data(
        df, "customer_id", "order_date", freq="D", observation_period_end=end
    )
    first = end - pd.to_timedelta(summary["T"], unit="D")
    cohort = first.dt.year * 12 + first.dt.month - 1
    sizes = cohort.value_counts().rename_axis("cohort").rename("customers").reset_index()
    return _canon(sizes.astype("int64"), ["cohort"])


def cohort_sizes_ours(df: pd.DataFrame) -> pd.DataFrame:
    out = cohort_ours(df)
    sizes = out[out["period"] == 0].rename(columns={"active": "customers"})
    return _canon(sizes[["cohort", "customers"]].astype("int64"), ["cohort"])


def _canon_cohort(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[["cohort", "period", "active"]].astype("int64")
    return _canon(frame, ["cohort", "period"])


def _canon(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


# ----------------------------------------------------------------------------- pareto


def pareto_ours(df: pd.DataFrame) -> pd.DataFrame:
    from loyalty_lib import pareto_split

    out = pareto_split(df, customer="customer_id", value="amount", top=TOP, target=TARGET)
    return out[
        [
            "customers",
            "top_customers",
            "top_value_share",
            "target_customers",
            "customer_share_for_target",
        ]
    ].astype({"customers": "int64", "top_customers": "int64", "target_customers": "int64"})


def _split_from_sorted(desc: np.ndarray) -> pd.DataFrame:
    n = desc.size
    cum = np.cumsum(desc)
    total = cum[-1]
    k_top = min(n, max(1, math.ceil(TOP * n * (1 - TOL))))
    k_target = int(np.argmax(cum >= TARGET * total * (1 - TOL))) + 1
    return pd.DataFrame(
        {
            "customers": [n],
            "top_customers": [k_top],
            "top_value_share": [float(cum[k_top - 1] / total)],
            "target_customers": [k_target],
            "customer_share_for_target": [k_target / n],
        }
    )


def pareto_pandas(df: pd.DataFrame) -> pd.DataFrame:
    """groupby + sort + cumsum, the blog-post recipe."""
    per = df.groupby("customer_id")["amount"].sum()
    per = per[per > 0].sort_values(ascending=False)
    cum = per.cumsum()
    n, total = len(per), cum.iloc[-1]
    k_top = min(n, max(1, math.ceil(TOP * n * (1 - TOL))))
    k_target = int((cum < TARGET * total * (1 - TOL)).sum()) + 1
    return pd.DataFrame(
        {
            "customers": [n],
            "top_customers": [k_top],
            "top_value_share": [float(cum.iloc[k_top - 1] / total)],
            "target_customers": [k_target],
            "customer_share_for_target": [k_target / n],
        }
    )


PARETO_SQL = f"""
WITH per AS (SELECT customer_id, sum(amount) AS v FROM df GROUP BY 1 HAVING sum(amount) > 0),
ranked AS (SELECT v, row_number() OVER (ORDER BY v DESC) AS r,
                  sum(v) OVER (ORDER BY v DESC ROWS UNBOUNDED PRECEDING) AS cum,
                  count(*) OVER () AS n, sum(v) OVER () AS total FROM per)
SELECT any_value(n) AS customers,
       least(any_value(n), greatest(1, ceil({TOP} * any_value(n) * (1 - {TOL})))) AS top_customers,
       max(CASE WHEN r = least(n, greatest(1, ceil({TOP} * n * (1 - {TOL})))) THEN cum / total END)
           AS top_value_share,
       min(CASE WHEN cum >= {TARGET} * total * (1 - {TOL}) THEN r END) AS target_customers
FROM ranked
"""


def pareto_duckdb(df: pd.DataFrame) -> pd.DataFrame:
    import duckdb

    out = duckdb.connect().sql(PARETO_SQL).df()
    out = out.astype({"customers": "int64", "top_customers": "int64", "target_customers": "int64"})
    out["customer_share_for_target"] = out["target_customers"] / out["customers"]
    return out


def pareto_polars(df) -> pd.DataFrame:
    import polars as pl

    per = (
        df.lazy()
        .group_by("customer_id")
        .agg(pl.col("amount").sum().alias("v"))
        .filter(pl.col("v") > 0)
        .sort("v", descending=True)
        .collect()
    )
    return _split_from_sorted(per["v"].to_numpy())


# ----------------------------------------------------------------------------- NPS


def nps_ours(df: pd.DataFrame) -> pd.DataFrame:
    from loyalty_lib import nps

    out = nps(df, "score", by=["segment", "month"])
    return _canon_nps(out)


def _finish_nps(counts: pd.DataFrame) -> pd.DataFrame:
    """Adjusted Wald (pseudo-counts 3/4, 3/2, 3/4), vectorised, from per-group counts."""
    det, pas, pro = (counts[c].to_numpy("float64") for c in ("det", "pas", "pro"))
    n = det + pas + pro
    a_det, a_pas, a_pro = det + 0.75, pas + 1.5, pro + 0.75
    a_n = a_det + a_pas + a_pro
    centre = (a_pro - a_det) / a_n
    var = a_pro / a_n + a_det / a_n - centre**2
    se = np.sqrt(np.maximum(var, 0) / a_n)
    out = counts[["segment", "month"]].copy()
    out["n"] = n.astype("int64")
    out["nps"] = 100 * (pro - det) / n
    out["nps_ci_lower"] = 100 * np.clip(centre - Z95 * se, -1, 1)
    out["nps_ci_upper"] = 100 * np.clip(centre + Z95 * se, -1, 1)
    return _canon_nps(out)


def nps_pandas(df: pd.DataFrame) -> pd.DataFrame:
    s = df["score"]
    flags = pd.DataFrame(
        {
            "segment": df["segment"],
            "month": df["month"],
            "det": (s <= 6).astype("int64"),
            "pas": s.between(7, 8).astype("int64"),
            "pro": (s >= 9).astype("int64"),
        }
    )
    return _finish_nps(flags.groupby(["segment", "month"], as_index=False).sum())


NPS_SQL = """
SELECT segment, month, count_if(score <= 6) AS det, count_if(score BETWEEN 7 AND 8) AS pas,
       count_if(score >= 9) AS pro
FROM df GROUP BY 1, 2
"""


def nps_duckdb(df: pd.DataFrame) -> pd.DataFrame:
    import duckdb

    return _finish_nps(duckdb.connect().sql(NPS_SQL).df())


def _canon_nps(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[["segment", "month", "n", "nps", "nps_ci_lower", "nps_ci_upper"]].copy()
    out["segment"] = out["segment"].astype(str)
    out["month"] = pd.to_datetime(out["month"]).astype("datetime64[us]")
    out["n"] = out["n"].astype("int64")
    return _canon(out, ["segment", "month"])


# ----------------------------------------------------------------------------- CLV models

CLV_PARAMS = ("r", "alpha", "a", "b", "p", "q", "gamma")


def _clv_frame(summary: pd.DataFrame, params: dict, seconds: dict) -> pd.DataFrame:
    rows = [("summary", "customers", float(len(summary)))]
    rows += [
        ("summary", f"sum_{c}", float(summary[c].sum()))
        for c in ("frequency", "recency", "T", "monetary_value")
    ]
    rows += [("parameter", k, float(params[k])) for k in CLV_PARAMS]
    rows += [("seconds", k, float(v)) for k, v in seconds.items()]
    return pd.DataFrame(rows, columns=["kind", "quantity", "value"])


def clv_ours(df: pd.DataFrame) -> pd.DataFrame:
    """customer_summary (weeks, up to the log's last day), fit_bgnbd, fit_gamma_gamma."""
    from benchmarks.synth import BGNBD_END
    from loyalty_lib import customer_summary, fit_bgnbd, fit_gamma_gamma

    t0 = time.perf_counter()
    summary = customer_summary(
        df, customer="customer_id", date="order_date", value="amount", end=BGNBD_END
    )
    t1 = time.perf_counter()
    bg = fit_bgnbd(summary)
    t2 = time.perf_counter()
    gg = fit_gamma_gamma(summary)
    t3 = time.perf_counter()
    return _clv_frame(
        summary,
        {**bg.params, **gg.params},
        {"summary": t1 - t0, "bgnbd": t2 - t1, "gamma_gamma": t3 - t2},
    )


def clv_lifetimes(df: pd.DataFrame) -> pd.DataFrame:
    """lifetimes 0.11.3 as its documentation uses it: the summary in weeks (daily periods,
    ``freq_multiplier=7``), BetaGeoFitter on every customer's row, GammaGammaFitter on the
    repeat customers; default penalizer (0) and tolerances."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    from benchmarks.synth import BGNBD_END

    t0 = time.perf_counter()
    summary = summary_data_from_transaction_data(
        df,
        "customer_id",
        "order_date",
        monetary_value_col="amount",
        observation_period_end=BGNBD_END,
        freq="D",
        freq_multiplier=7,
    )
    t1 = time.perf_counter()
    bg = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    t2 = time.perf_counter()
    repeat = summary[summary["frequency"] > 0]
    gg = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    t3 = time.perf_counter()
    params = {**bg.params_.to_dict(), **gg.params_.rename({"v": "gamma"}).to_dict()}
    return _clv_frame(
        summary, params, {"summary": t1 - t0, "bgnbd": t2 - t1, "gamma_gamma": t3 - t2}
    )


#: workload -> implementation name -> (function, input kind: "pandas" or "polars")
IMPLS = {
    "cohort": {
        "loyalty_lib": (cohort_ours, "pandas"),
        "pandas recipe": (cohort_pandas, "pandas"),
        "DuckDB SQL": (cohort_duckdb, "pandas"),
        "DuckDB SQL (tuned)": (cohort_duckdb_tuned, "pandas"),
        "polars": (cohort_polars, "polars"),
    },
    "cohort_sizes": {
        "loyalty_lib": (cohort_sizes_ours, "pandas"),
        "lifetimes": (cohort_sizes_lifetimes, "pandas"),
    },
    "pareto": {
        "loyalty_lib": (pareto_ours, "pandas"),
        "pandas recipe": (pareto_pandas, "pandas"),
        "DuckDB SQL": (pareto_duckdb, "pandas"),
        "polars": (pareto_polars, "polars"),
    },
    "nps": {
        "loyalty_lib": (nps_ours, "pandas"),
        "pandas": (nps_pandas, "pandas"),
        "DuckDB SQL": (nps_duckdb, "pandas"),
    },
    "clv": {
        "loyalty_lib": (clv_ours, "pandas"),
        "lifetimes": (clv_lifetimes, "pandas"),
    },
}
