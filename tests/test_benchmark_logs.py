"""The benchmarks' BG/NBD log written in files (write_bgnbd_parquet) and the merge of report
runs on two logs (merge_reports): the pieces that put the loyalty-drivers page's model
sections into benchmarks/results.md."""

from __future__ import annotations

import pandas as pd

from benchmarks.run import merge_reports
from benchmarks.synth import bgnbd_transactions, write_bgnbd_parquet


def test_bgnbd_files_are_one_log_of_disjoint_customers_each_file_its_own_draw(tmp_path):
    write_bgnbd_parquet(25_000, tmp_path, chunk_rows=10_000, progress=False)
    files = sorted(tmp_path.glob("*.parquet"))
    assert [f.name for f in files] == [
        "part-0000.parquet",
        "part-0001.parquet",
        "part-0002.parquet",
    ]
    parts = [pd.read_parquet(f) for f in files]
    for i, (part, rows) in enumerate(zip(parts, (10_000, 10_000, 5_000), strict=True)):
        # each file is bgnbd_transactions of its rows and seed, ids moved past the earlier files
        own = bgnbd_transactions(rows, seed=13 + i)
        assert len(part) == len(own)
        expected = "C" + (own["customer_id"] + i * 1_000).astype(str).str.zfill(8)
        assert part["customer_id"].tolist() == expected.tolist()
        pd.testing.assert_series_equal(part["amount"], own["amount"])
    ids = [set(p["customer_id"]) for p in parts]
    assert not (ids[0] & ids[1]) and not (ids[1] & ids[2]) and not (ids[0] & ids[2])
    assert len(ids[0]) == 1_000 and len(ids[2]) == 500  # rows // 10 customers per file


def test_runs_on_another_log_are_kept_beside_the_saved_ones_with_their_own_description():
    def run(log, engine, rows, seconds):
        r = {"report": "loyalty_drivers_cdnow", "engine": engine, "rows": rows, "seconds": seconds}
        return r if log is None else {**r, "log": log}

    saved = {
        "rows": 100_000_000,
        "key_rows": 1_000_000,
        "parquet_bytes": 987,
        "facts": {"date": "2026-12-03 15:54 UTC"},
        "runs": [run(None, "duckdb", 100_000_000, 536.0), run(None, "pandas", 1_000_000, 16.0)],
        "checks": [{"report": "loyalty_drivers_cdnow", "rows": 1_000_000, "verdict": "equal"}],
    }
    new = {
        "rows": 100_000_000,
        "key_rows": 1_000_000,
        "log": "bgnbd",
        "parquet_bytes": 1234,
        "facts": {"date": "2026-12-03 18:17 UTC"},
        "runs": [run("bgnbd", "duckdb", 100_000_000, 377.0)],
        "checks": [
            {"report": "loyalty_drivers_cdnow", "rows": 1_000_000, "log": "bgnbd", "verdict": "x"}
        ],
    }
    out = merge_reports(saved, new)
    # the uniform log's runs, check and description stay; the bgnbd ones are added
    assert [(r.get("log"), r["seconds"]) for r in out["runs"]] == [
        (None, 536.0),
        (None, 16.0),
        ("bgnbd", 377.0),
    ]
    assert [c["verdict"] for c in out["checks"]] == ["equal", "x"]
    assert out["parquet_bytes"] == 987 and out["facts"]["date"] == "2026-12-03 15:54 UTC"
    assert out["logs"]["bgnbd"]["parquet_bytes"] == 1234
    # a second bgnbd run replaces the first bgnbd run only
    again = merge_reports(out, {**new, "runs": [run("bgnbd", "duckdb", 100_000_000, 300.0)]})
    assert [(r.get("log"), r["seconds"]) for r in again["runs"]] == [
        (None, 536.0),
        (None, 16.0),
        ("bgnbd", 300.0),
    ]
