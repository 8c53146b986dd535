"""Since the last run (issue 17, item 6): key figures against the previous complete run of
the same report, tested on synthetic summary.json pairs.

Hand computation used below (normal quantile z = 1.959964 for 95 %):
- NPS 20.0 (16.08 to 23.92) then 26.0 (22.08 to 29.92): se = 7.84 / (2 z) = 2.000037 in
  both runs; z = 6 / (2.000037 * sqrt 2) = 2.121281; two-sided p = erfc(z / sqrt 2) = 0.033898.
- Retention 50.0 % (45.0 % to 55.0 %) then 52.0 % (47.0 % to 57.0 %): se = 0.10 / (2 z)
  = 0.025511; z = 0.02 / (0.025511 * sqrt 2) = 0.554362; p = 0.579331.
- Holm over the two: 2 * 0.033898 = 0.067796 and max(0.067796, 0.579331) = 0.579331:
  neither beyond noise at 0.05, although the NPS change alone has p < 0.05.
- NPS 20.0 then 30.0: z = 10 / 2.828479 = 3.535469, p = 0.00040705, Holm (x2) 0.00081410.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loyalty_lib.i18n import use_language
from loyalty_lib.reporting.index import index_html
from loyalty_lib.reporting.kpi import kpi
from loyalty_lib.reporting.runner import ReportOutcome, RunSummary, _describe_error
from loyalty_lib.reporting.since_last import (
    _read_number,
    change_text,
    figure_changes,
    previous_reports,
    since_last,
)


def _figures(nps: float, nps_ci: tuple[str, str], retention: float, ret_ci, remind: int):
    return [
        kpi("Net Promoter Score", nps, text=f"{nps:+.1f}", interval=nps_ci, base=3000),
        kpi(
            "Retention of promoters",
            retention,
            text=f"{retention:.1%}",
            interval=ret_ci,
            base=800,
            base_unit="customers",
        ),
        kpi("Customers to remind", remind, text=f"{remind:,}", base=5000, base_unit="customers"),
    ]


def _report(name: str, kpis, status: str = "ok", language: str | None = None) -> dict:
    return {
        "name": name,
        "title": name,
        "status": status,
        "seconds": 1.0,
        "parameters": {"language": language} if language else {},
        "kpis": kpis,
    }


def _write(runs: Path, run_id: str, started: str, reports: list[dict], complete=True) -> None:
    (runs / run_id).mkdir(parents=True)
    data = {"run_id": run_id, "started": started, "complete": complete, "reports": reports}
    (runs / run_id / "summary.json").write_text(json.dumps(data), encoding="utf-8")


BEFORE = _figures(20.0, ("+16.08", "+23.92"), 0.50, ("45.0%", "55.0%"), 100)
NOW = _figures(26.0, ("+22.08", "+29.92"), 0.52, ("47.0%", "57.0%"), 120)


@pytest.fixture
def runs(tmp_path):
    runs = tmp_path / "reports"
    _write(runs, "r0", "2026-10-01T06:00:00+00:00", [_report("nps_demo", BEFORE)])
    # later but not candidates: a partial run (--only), a run where the report failed
    partial = _figures(50.0, ("+46.08", "+53.92"), 0.9, ("85.0%", "95.0%"), 1)
    _write(runs, "r1", "2026-10-15T06:00:00+00:00", [_report("nps_demo", partial)], False)
    _write(runs, "r2", "2026-10-20T06:00:00+00:00", [_report("nps_demo", partial, "failed")])
    # a run started after the current one is not "previous"
    _write(runs, "r9", "2026-12-01T06:00:00+00:00", [_report("nps_demo", partial)])
    (runs / "latest").symlink_to(runs / "r9")
    return runs


def test_the_previous_run_is_the_latest_earlier_complete_one_where_the_report_succeeded(runs):
    found = previous_reports(runs, "r3", "2026-11-01T06:00:00+00:00")
    assert set(found) == {"nps_demo"}
    assert found["nps_demo"][0] == "r0"


def test_changes_are_tested_and_holm_adjusted_over_the_figures(runs):
    previous = previous_reports(runs, "r3", "2026-11-01T06:00:00+00:00")
    changes = figure_changes([_report("nps_demo", NOW)], previous)
    nps = changes[("nps_demo", "Net Promoter Score")]
    ret = changes[("nps_demo", "Retention of promoters")]
    remind = changes[("nps_demo", "Customers to remind")]
    assert nps.change == pytest.approx(6.0)
    assert nps.p_value == pytest.approx(0.033898, abs=1e-6)  # hand computation above
    assert ret.p_value == pytest.approx(0.579331, abs=1e-6)
    assert nps.p_value_adjusted == pytest.approx(0.067796, abs=1e-6)  # Holm: 2 x p
    assert ret.p_value_adjusted == pytest.approx(0.579331, abs=1e-6)
    assert not nps.beyond_noise and not ret.beyond_noise
    # a count without an interval: the change only, not tested
    assert remind.change == 20 and not remind.tested


def test_a_change_beyond_noise(runs):
    previous = previous_reports(runs, "r3", "2026-11-01T06:00:00+00:00")
    bigger = _figures(30.0, ("+26.08", "+33.92"), 0.52, ("47.0%", "57.0%"), 120)
    nps = figure_changes([_report("nps_demo", bigger)], previous)[
        ("nps_demo", "Net Promoter Score")
    ]
    assert nps.p_value == pytest.approx(0.00040705, rel=1e-4)
    assert nps.p_value_adjusted == pytest.approx(0.00081410, rel=1e-4)
    assert nps.beyond_noise
    assert change_text(nps, use_language("en")) == (
        "+10.0 from +20.0: beyond noise (Holm-adjusted p = < 0.001)"
    )


def test_raw_bounds_win_over_printed_ones_and_a_printed_interval_not_around_its_value_is_not_used():
    prev = {
        "nps_demo": (
            "r0",
            _report(
                "nps_demo", [kpi("NPS", 20.0, text="+20.0", interval=("+99", "+100"), base=10)]
            ),
        )
    }
    now = [
        _report(
            "nps_demo", [kpi("NPS", 26.0, text="+26.0", interval=("+22.08", "+29.92"), base=10)]
        )
    ]
    assert not figure_changes(now, prev)[("nps_demo", "NPS")].tested  # 20 is not in 99..100
    prev["nps_demo"][1]["kpis"][0]["interval_values"] = [16.08, 23.92]
    assert figure_changes(now, prev)[("nps_demo", "NPS")].p_value == pytest.approx(
        0.033898, abs=1e-6
    )


def test_printed_numbers_in_the_run_language():
    # Russian: no-break space groups thousands, comma decimal, no-break space before %
    assert _read_number("1\u00a0234,5 клиентов", "ru") == (1234.5, 1, False)
    assert _read_number("67,9\u00a0%", "uk") == pytest.approx((0.679, 1, True))
    assert _read_number("\u22123.5", "en") == (-3.5, 1, False)  # a typographic minus
    assert _read_number("n/a") is None


def test_the_index_shows_the_change_and_how_it_was_tested(runs):
    outcome = ReportOutcome(
        name="nps_demo",
        title="NPS",
        status="ok",
        seconds=1.0,
        parameters={},
        html="nps_demo.html",
        kpis=NOW,
    )
    summary = RunSummary("r3", runs / "r3", "2026-11-01T06:00:00+00:00", 5.0, [outcome])
    assert len(since_last(summary)) == 3
    page = index_html(summary, _describe_error)
    assert "since the last run" in page
    assert "+6.0 from +20.0: within noise (Holm-adjusted p = 0.068)" in page
    assert "+2.0 pp from 50.0%: within noise (Holm-adjusted p = 0.58)" in page
    assert "+20 from 100 (no interval: change only, not tested)" in page
    assert "previous complete run (r0)" in page


def test_a_first_run_shows_no_change_column(tmp_path):
    outcome = ReportOutcome(
        name="nps_demo",
        title="NPS",
        status="ok",
        seconds=1.0,
        parameters={},
        html="nps_demo.html",
        kpis=NOW,
    )
    summary = RunSummary("r1", tmp_path / "r1", "2026-11-01T06:00:00+00:00", 5.0, [outcome])
    assert "since the last run" not in index_html(summary, _describe_error)


def test_the_change_column_is_translated(runs):
    outcome = ReportOutcome(
        name="nps_demo",
        title="NPS",
        status="ok",
        seconds=1.0,
        parameters={"language": "ru"},
        html="nps_demo.html",
        kpis=NOW,
    )
    summary = RunSummary("r3", runs / "r3", "2026-11-01T06:00:00+00:00", 5.0, [outcome])
    page = index_html(summary, _describe_error)
    # Russian number forms (comma decimal); "п. п." = percentage points
    assert "с прошлого запуска" in page
    assert "+2,0 п. п. от 50.0%: в пределах шума (p с поправкой Холма = 0,58)" in page
