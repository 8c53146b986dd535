"""Write benchmarks/results.md from the measured rows (called by benchmarks.run)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

TITLES = {
    "cohort": 'Cohort retention, monthly, mode "on" (cohort × period active customers)',
    "cohort_sizes": "Per-customer summary: lifetimes' summary_data_from_transaction_data "
    "(daily) vs our whole cohort_retention; compared on cohort sizes",
    "pareto": "The 80/20 split (top 20 % share, customers for 80 % of revenue)",
    "nps": "NPS by segment × month with 95 % adjusted-Wald intervals",
    "clv": "Customer-base models: per-customer summary + BG/NBD fit + Gamma-Gamma fit "
    "(against lifetimes 0.11.3)",
}
CLV_PARAMS = ("r", "alpha", "a", "b", "p", "q", "gamma")
#: (workload, peer, limit on ours/peer time, wording) checked at the largest size
TARGETS = [
    ("cohort", "DuckDB SQL", 1.0, "cohort retention at most 1.0× hand-written DuckDB SQL"),
    (
        "cohort",
        "pandas recipe",
        0.1,
        "cohort retention at least 10× faster than the pandas recipe (ratio ≤ 0.10)",
    ),
    ("pareto", "DuckDB SQL", 1.0, "80/20 split at most 1.0× DuckDB SQL"),
    ("nps", "DuckDB SQL", 1.0, "NPS by segment × month at most 1.0× DuckDB group-by"),
    (
        "clv",
        "lifetimes",
        0.1,
        "summary + BG/NBD + Gamma-Gamma at least 10× faster than lifetimes (ratio ≤ 0.10)",
    ),
]


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB"


def _clv_section(rows: list[dict], sizes: list[int]) -> list[str]:
    """The customer-base models: times by stage, peak memory, and how far lifetimes'
    estimates are from ours, per parameter."""
    lines = [
        "Input: a log drawn from a BG/NBD population (`benchmarks/synth.py` "
        "`bgnbd_transactions`: r = 1, α = 5 weeks, a = 0.5, b = 5; spend Gamma-Gamma "
        "p = 6, q = 4, γ = 15; 5 % of purchase days in two rows), `rows // 10` customers, "
        "summarised in weeks up to the log's last day. Ours: `customer_summary` + "
        "`fit_bgnbd` + `fit_gamma_gamma`; lifetimes: `summary_data_from_transaction_data` "
        "(`freq='D', freq_multiplier=7`) + `BetaGeoFitter().fit` on every customer's row + "
        "`GammaGammaFitter().fit` on the repeat customers, default settings. The stage "
        "seconds are those of the first (warm-up) run; a case whose first run took over "
        "60 s is not repeated (runs = 1). **check**: the two summaries' totals (customers, "
        "sums of frequency, recency, T, monetary value) to 1e-9 relative and every "
        "estimate to 1e-3 relative.",
        "",
    ]
    for size in sizes:
        group = [r for r in rows if r["workload"] == "clv" and r["rows"] == size]
        if not group:
            continue
        ours = next((r for r in group if r["impl"] == "loyalty_lib"), None)
        actual = next((r for r in group if "input_rows" in r), None)
        label = f"{size:,} rows" + (
            f" ({actual['input_rows']:,} drawn, {actual.get('customers', 0):,} customers)"
            if actual
            else ""
        )
        lines += [
            f"### {label}",
            "",
            "| implementation | median s | runs | ratio ours/peer | summary s | BG/NBD s "
            "| Gamma-Gamma s | peak memory | × input | check |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in group:
            if "error" in r:
                lines.append(f"| {r['impl']} | failed | | | | | | | | {r['error'][-120:]!r} |")
                continue
            no_ratio = r["impl"] == "loyalty_lib" or ours is None or "median" not in ours
            ratio = "" if no_ratio else f"{ours['median'] / r['median']:.3f}"
            st = r.get("stages", {})
            lines.append(
                f"| {r['impl']} | {r['median']:.2f} | {r['runs']} | {ratio} | "
                f"{st.get('summary', float('nan')):.2f} | {st.get('bgnbd', float('nan')):.2f} | "
                f"{st.get('gamma_gamma', float('nan')):.2f} | {_mb(r['peak_bytes'])} | "
                f"{r['peak_bytes'] / r['input_bytes']:.2f} | {r['check']} |"
            )
        lines.append("")
    compared = [r for r in rows if r["workload"] == "clv" and "rel_diff" in r]
    if compared:
        lines += [
            "Relative difference |lifetimes / ours − 1| of each estimate (limit 1e-3):",
            "",
            "| rows | " + " | ".join(CLV_PARAMS) + " |",
            "|---:|" + "---:|" * len(CLV_PARAMS),
        ]
        for r in compared:
            lines.append(
                f"| {r['rows']:,} | "
                + " | ".join(f"{r['rel_diff'].get(k, float('nan')):.1e}" for k in CLV_PARAMS)
                + " |"
            )
        lines.append(
            "| **max** | "
            + " | ".join(
                f"**{max(r['rel_diff'].get(k, float('nan')) for r in compared):.1e}**"
                for k in CLV_PARAMS
            )
            + " |"
        )
        lines.append("")
    return lines


#: What each ``--reports-log`` is, for the reports section.
LOG_WORDS = {
    "uniform": "`write_transactions_parquet` (uniform purchase days, lognormal amounts)",
    "bgnbd": "`write_bgnbd_parquet`, drawn from a BG/NBD population (`BGNBD_TRUTH`: r = 1, "
    "α = 5 weeks, a = 0.5, b = 5; Gamma-Gamma spend p = 6, q = 4, γ = 15), so that the "
    "loyalty-drivers page fits its customer-base models and runs the sections that depend "
    "on them; string ids `C00012345`, `rows // 10` customers, first purchases in 2023, "
    "the log ends 2024-12-30",
}


def _gib(n: float | None) -> str:
    return "–" if n is None else f"{n / 2**30:.2f} GiB"


def _reports_section(reports: dict, partial: dict) -> list[str]:
    """The sales reports through the runner at scale, and their key figures against pandas."""
    rows, key_rows = reports.get("rows", 0), reports.get("key_rows", 0)
    lines = [f"## Reports at scale: every sales report on {rows:,} rows of Parquet", ""]
    p = reports.get("facts") or partial.get("reports") or {}  # the section's own log
    if p:
        lines += [
            f"From `python -m benchmarks.run {p.get('argv', '')}`, {p.get('date', '?')}, load "
            f"(1/5/15 min) {p.get('load_before', '?')} before, {p.get('load_after', '?')} "
            "after (the machine is shared: seconds are noisy; CPU seconds less so).",
            "",
        ]
    lines += [
        "Each converted `*_cdnow` report of reports.yaml runs alone through the real runner: "
        "`LOYALTY_DUCKDB_MEMORY=" + str(reports.get("memory_limit")) + " LOYALTY_DUCKDB_TEMP="
        "<folder on disk> python -m loyalty_lib report --config reports.yaml --only NAME "
        "-p NAME.sales_source=<glob> -p engine=duckdb --jobs 1 --no-progress` in its own "
        "output folder, on a log of `benchmarks/synth.py` (`write_transactions_parquet`, "
        "string ids `C00012345`, "
        + f"{rows // 10:,} customers, 2023–2024"
        + (
            f", {reports['parquet_files']} files, {_mb(reports['parquet_bytes'])}"
            if reports.get("parquet_bytes")
            else ""
        )
        + "). **Kernel peak** = the notebook kernel's peak RSS as Linux records it (`VmHWM` "
        "of the `ipykernel_launcher` process, read from /proc every 0.2 s until it exits); "
        "**largest process** = `getrusage(RUSAGE_CHILDREN).ru_maxrss` of a wrapper process "
        "started for that report alone (the largest of runner and kernel once reaped); "
        "**CPU s** = their user + system seconds; **spill** = the largest size of DuckDB's "
        "temporary folder seen while it ran.",
        "",
    ]
    for log, other in sorted((reports.get("logs") or {}).items()):
        f = other.get("facts") or {}
        lines += [
            f"**Log `{log}`** (the rows so marked below): "
            + LOG_WORDS.get(log, log)
            + (
                f"; {other['input_rows']:,} rows drawn for {other['rows']:,} asked"
                if other.get("input_rows")
                else ""
            )
            + (
                f", {other['parquet_files']} files, {_mb(other['parquet_bytes'])}"
                if other.get("parquet_bytes")
                else ""
            )
            + f". From `python -m benchmarks.run {f.get('argv', '')}`, {f.get('date', '?')}, "
            f"load {f.get('load_before', '?')} before, {f.get('load_after', '?')} after.",
            "",
        ]
    lines += [
        "| report | log | rows | engine | limits | status | seconds | CPU s | kernel peak "
        "| largest process | spill | peak < 4 GiB |",
        "|---|---|---:|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in reports.get("runs", []):
        peak = r.get("kernel_peak_bytes")
        verdict = "" if peak is None else ("**met**" if peak < 4 * 2**30 else "**missed**")
        if r.get("status") != "ok":
            verdict = "– (did not complete)"
        status = r.get("status", "?")
        if r.get("error"):
            status += ": " + " ".join(str(r["error"]).split())[-160:]
        limits = f"cells {r.get('cell_timeout') or 600} s"
        if r.get("memory_limit"):
            limits = f"DuckDB {r['memory_limit']}, " + limits
        if r.get("measured"):
            limits += f"; measured {r['measured']}"
        lines.append(
            f"| {r['report']} | {r.get('log', 'uniform')} | {r['rows']:,} | {r['engine']} "
            f"| {limits} | {status} "
            f"| {r['seconds']:.1f} "
            f"| {r['cpu_seconds']:.1f} | {_gib(peak)} | {_gib(r.get('largest_process_bytes'))} "
            f"| {_mb(r.get('spill_peak_bytes') or 0)} | {verdict} |"
        )
    lines.append("")
    if reports.get("checks"):
        lines += [
            f"**Key figures, pandas against duckdb** on {key_rows:,} rows of the same "
            "generator (one Parquet file, each engine reading it its own way): the headline "
            "text and every key figure of `summary.json` (values to 1e-9 relative, printed "
            "texts, intervals and bases exactly).",
            "",
            "| report | log | rows | headline (pandas) | key figures (pandas) | duckdb vs pandas |",
            "|---|---|---:|---|---|---|",
        ]
        for c in reports["checks"]:
            log = c.get("log", "uniform")
            ref = next(
                (
                    r
                    for r in reports["runs"]
                    if r["report"] == c["report"]
                    and r["engine"] == "pandas"
                    and r["rows"] == c["rows"]
                    and r.get("log", "uniform") == log
                ),
                {},
            )
            figures = "; ".join(f"{k['label']}: {k['text']}" for k in ref.get("kpis") or [])
            headline = " ".join(str(ref.get("headline") or "–").split())
            lines.append(
                f"| {c['report']} | {log} | {c['rows']:,} | {headline} | {figures or '–'} "
                f"| {c['verdict']} |"
            )
        lines.append("")
    big = [r for r in reports.get("runs", []) if r["rows"] == rows and r.get("headline")]
    if big:
        lines += [f"Headlines at {rows:,} rows:", ""]
        lines += [
            f"- {r['report']} (log {r.get('log', 'uniform')}): {' '.join(r['headline'].split())}"
            for r in big
        ]
        lines.append("")
    if reports.get("skipped"):
        lines += [
            "Not measured, not converted yet (the notebook still loads the whole log into "
            "pandas, so it would hold it in memory): " + ", ".join(reports["skipped"]) + ".",
            "",
        ]
    return lines


def write_results(
    path: Path,
    rows: list[dict],
    ooc: list[dict],
    facts: dict,
    argv: list[str],
    partial: dict | None = None,
    parallel: list[dict] | None = None,
    reports: dict | None = None,
) -> None:
    from benchmarks.parallel_runs import section as parallel_section

    lines = [
        "# Benchmarks: loyalty_lib against its peers",
        "",
        "Generated by `make bench` (`python -m benchmarks.run "
        + " ".join(argv)
        + "`); do not edit by hand: interpretation is in "
        "`benchmarks/notes.md`, included at the end.",
        "",
        "Each case runs in its own process on a pandas frame loaded from Parquet (polars: "
        "its own frame from the same file). The first run is a warm-up whose result is "
        "compared with loyalty_lib's (column **check**); the time is the **median** of the "
        "runs after it. **Ratio** = our median / the peer's median (below 1: we are "
        "faster). **Peak** = peak RSS of the process above what it held after loading the "
        "input, over all runs, and that peak as a multiple of the input frame's size.",
        "",
        "## Machine",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in facts.items()]
    lines += [
        "",
        "Load average (1/5/15 min) before and after the run is above: the machine "
        "is shared, so a high load means noisy timings.",
        "",
    ]
    sizes = sorted({r["rows"] for r in rows})
    partial = partial or {}
    for workload, title in TITLES.items():
        if not any(r["workload"] == workload for r in rows):
            continue
        lines += [f"## {title}", ""]
        if workload in partial:
            p = partial[workload]
            lines += [
                f"From a separate run of this workload only (`python -m benchmarks.run "
                f"{p['argv']}`), {p['date']}, load (1/5/15 min) {p['load_before']} before, "
                f"{p['load_after']} after; the other sections are from the full run "
                "described under Machine.",
                "",
            ]
        if workload == "clv":
            lines += _clv_section(rows, sizes)
            continue
        for size in sizes:
            for ids in sorted({r["ids"] for r in rows if r["workload"] == workload}):
                group = [
                    r
                    for r in rows
                    if r["workload"] == workload and r["rows"] == size and r["ids"] == ids
                ]
                if not group:
                    continue
                ours = next((r for r in group if r["impl"] == "loyalty_lib"), None)
                label = f"{size:,} rows" + ("" if ids == "-" else f", {ids} customer ids")
                lines += [
                    f"### {label}",
                    "",
                    "| implementation | median s | runs | ratio ours/peer | peak memory "
                    "| × input | check |",
                    "|---|---:|---:|---:|---:|---:|---|",
                ]
                for r in group:
                    if "error" in r:
                        lines.append(f"| {r['impl']} | failed | | | | | {r['error'][-120:]!r} |")
                        continue
                    no_ratio = r["impl"] == "loyalty_lib" or ours is None or "median" not in ours
                    ratio = "" if no_ratio else f"{ours['median'] / r['median']:.2f}"
                    lines.append(
                        f"| {r['impl']} | {r['median']:.3f} | {r['runs']} | {ratio} | "
                        f"{_mb(r['peak_bytes'])} | {r['peak_bytes'] / r['input_bytes']:.2f} | "
                        f"{r['check']} |"
                    )
                lines.append("")
    lines += parallel_section(parallel or [])
    if parallel and "parallel" in (partial or {}):
        p = partial["parallel"]
        lines[-1:-1] = [
            f"(From a separate run: `python -m benchmarks.run {p['argv']}`, {p['date']}, load "
            f"{p['load_before']} before, {p['load_after']} after.)",
            "",
        ]
    lines += ["## Targets (largest size, every id kind)", ""]
    largest = max(sizes) if sizes else 0
    for workload, peer, limit, text in TARGETS:
        for r_ours in [
            r
            for r in rows
            if r["workload"] == workload
            and r["rows"] == largest
            and r["impl"] == "loyalty_lib"
            and "median" in r
        ]:
            r_peer = next(
                (
                    r
                    for r in rows
                    if r["workload"] == workload
                    and r["rows"] == largest
                    and r["ids"] == r_ours["ids"]
                    and r["impl"] == peer
                    and "median" in r
                ),
                None,
            )
            if r_peer is None:
                continue
            ratio = r_ours["median"] / r_peer["median"]
            verdict = (
                "**met**" if ratio <= limit else f"**missed** by {100 * (ratio / limit - 1):.0f} %"
            )
            ids = "" if r_ours["ids"] == "-" else f" ({r_ours['ids']} ids)"
            lines.append(f"- {text}{ids}: ratio {ratio:.2f} → {verdict}")
    for r in [
        r for r in rows if r["rows"] == largest and r["impl"] == "loyalty_lib" and "median" in r
    ]:
        multiple = r["peak_bytes"] / r["input_bytes"]
        ids = "" if r["ids"] == "-" else f", {r['ids']} ids"
        verdict = "**met**" if multiple <= 2 else f"**missed** by {100 * (multiple / 2 - 1):.0f} %"
        lines.append(
            f"- peak memory at most 2× the input ({r['workload']}{ids}): "
            f"{multiple:.2f}× → {verdict}"
        )
    lines += ["", "## Out of core", ""]
    if not ooc:
        lines.append("Not run (`--ooc-rows 0`).")
    for r in ooc:
        if "error" in r:
            lines.append(f"- {r['case']}: failed: `{r['error'][-300:]}`")
            continue
        verdict = "**met**" if r["peak_bytes"] < 4 * 2**30 else "**missed**"
        extra = ", ".join(
            f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
            for k, v in r.items()
            if k in ("cohorts", "customers", "top_value_share")
        )
        lines.append(
            f"- {r['case']} on {r['rows']:,} rows in Parquet ({_mb(r['parquet_bytes'])} on disk, "
            f"a glob passed to loyalty_lib; DuckDB memory_limit {r['memory_limit']}): "
            f"{r['seconds']:.1f} s, peak RSS of the whole process {_mb(r['peak_bytes'])} "
            f"(target < 4 GiB: {verdict}); {extra}."
        )
    if reports:
        lines += [""] + _reports_section(reports, partial or {})
    notes = HERE / "notes.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    path.write_text("\n".join(lines) + "\n")
