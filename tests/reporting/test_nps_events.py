"""The NPS page marks the shop's events on its own trend charts (issue 17, item 2): run as
reports.yaml runs nps_survey_demo (events_source: demo), the overall and the by-region trend
draw the East stock-out of June 2024 and the sentence before the chart names it; without an
event log (the default) the page says so and draws none.

The expected event comes from data/README.md (effect 2: a stock-out in region East from
2024-06-01 to 2024-06-30, event E1 of data/demo/events.csv), not from the code under test.
What the charts draw is read in the kernel: a first cell wraps the mark_events that
plot_nps_trend calls and records, per chart, its axes, the events passed and the label texts drawn;
a last cell prints the record with each chart's title."""

from __future__ import annotations

import json

import nbformat
import pytest

SPY = """
import loyalty_lib.survey.plots as _plots
_drawn = []
_mark = _plots.mark_events
def _spy(ax, events, **kw):
    handles = _mark(ax, events, **kw)
    _drawn.append({"ax": ax, "events": list(events["event_id"]),
                   "texts": [t.get_text().strip() for t in ax.texts],
                   "kinds": [h.get_label() for h in handles]})
    return handles
_plots.mark_events = _spy
"""
REPORT = """
import json as _json
for _d in _drawn:  # the title is set after the events are marked: read it now
    _d["title"] = _d.pop("ax").get_title()
print("DRAWN" + _json.dumps(_drawn))
"""
TREND, SEGMENTS = "595d63bc", "3f817c3a"  # the cells of the monthly and by-region trends


def _run(project_root, folder, parameters):
    import papermill

    nb = nbformat.read(str(project_root / "notebooks" / "nps_survey.ipynb"), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(SPY))
    nb.cells.append(nbformat.v4.new_code_cell(REPORT))
    source, out = folder / "in.ipynb", folder / "out.ipynb"
    nbformat.write(nb, str(source))
    papermill.execute_notebook(
        str(source), str(out), kernel_name="loyalty", parameters=parameters,
        progress_bar=False, cwd=str(project_root),
    )  # fmt: skip
    done = nbformat.read(str(out), as_version=4)
    printed = "".join(o.get("text", "") for o in done.cells[-1].get("outputs", []))
    markdown = {
        c.get("id"): "".join(
            "".join(o["data"]["text/markdown"])
            for o in c.get("outputs", [])
            if "text/markdown" in o.get("data", {})
        )
        for c in done.cells
    }
    return json.loads(printed.split("DRAWN", 1)[1]), markdown


@pytest.fixture(scope="module")
def with_events(project_root, tmp_path_factory):
    return _run(project_root, tmp_path_factory.mktemp("nps_events"), {"events_source": "demo"})


def test_the_trend_charts_draw_the_east_stock_out(with_events):
    drawn, _ = with_events
    titles = [d["title"] for d in drawn]
    assert titles == [
        "Monthly NPS with 95% interval band",
        "Monthly NPS by region with 95% interval bands",
    ]
    for chart in drawn:
        assert "E1" in chart["events"], chart["title"]
        assert "Stock-out in East (June 2024)" in chart["texts"], chart["title"]
        assert "stock-out" in chart["kinds"]  # the legend names the kind


def test_the_sentence_before_the_chart_names_the_stock_out(with_events):
    _, markdown = with_events
    expected = "Stock-out in East (June 2024) (stock-out, June 1, 2024 to June 30, 2024)"
    assert f"Marked events: {expected}" in markdown[TREND]
    assert expected in markdown[SEGMENTS]


def test_without_an_event_log_nothing_is_marked_and_the_page_says_so(
    project_root, tmp_path_factory
):
    drawn, markdown = _run(project_root, tmp_path_factory.mktemp("nps_none"), {})
    assert [d["events"] for d in drawn] == [[], []]
    assert "No event log was given for this report: no events are marked." in markdown[TREND]
    assert "Stock-out" not in markdown[TREND] + markdown[SEGMENTS]
