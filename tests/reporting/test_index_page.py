"""The run's index page (a Jinja2 template, autoescaped): untrusted titles, names, headlines,
error messages and key figures are shown as text, never as markup."""

from pathlib import Path

from loyalty_lib.reporting.index import index_html
from loyalty_lib.reporting.runner import ReportOutcome, RunSummary, _describe_error

SCRIPT = "<script>alert(1)</script>"
QUOTE = '" onmouseover="x'
IMG = "<img src=x onerror=alert(1)>"


def _index(*reports: ReportOutcome, **kw) -> str:
    summary = RunSummary("r1", Path("/tmp"), "2024-01-01T00:00:00+00:00", 12.0, list(reports))
    return index_html(summary, kw.get("describe_error", _describe_error))


def _li(page: str, name: str) -> str:
    """The list item of one report (a headline can end with a line break)."""
    items = page.split("<ul>\n", 1)[1].split("</li>\n")
    return next(item + "</li>" for item in items if f'<p class="meta">{name}' in item)


def test_untrusted_text_of_a_report_is_escaped():
    report = ReportOutcome(
        name=f"ok{QUOTE}",
        title=f"Title {SCRIPT}",
        status="ok",
        seconds=1.5,
        parameters={},
        html="ok_a.html",
        headline=f"Headline {IMG} {QUOTE} {SCRIPT}",
    )
    page = _index(report)
    assert "<script" not in page and "<img" not in page
    assert _li(page, "ok") == (
        '<li><h2><a href="ok_a.html">Title &lt;script&gt;alert(1)&lt;/script&gt;</a> '
        '<span class="ok">ok</span></h2><p>Headline &lt;img src=x onerror=alert(1)&gt; '
        '" onmouseover="x &lt;script&gt;alert(1)&lt;/script&gt;</p>\n'
        '<p class="meta">ok&#34; onmouseover=&#34;x · 1.5 s</p></li>'
    )


def test_an_error_message_is_escaped():
    report = ReportOutcome(
        name="bad",
        title=f"Broken {IMG}",
        status="failed",
        seconds=2.0,
        parameters={},
        html=None,
        error={"ename": "ValueError", "evalue": f"{SCRIPT}{QUOTE}", "cell_index": 1, "cell": 2},
    )
    assert _li(_index(report), "bad") == (
        "<li><h2>Broken &lt;img src=x onerror=alert(1)&gt; "
        '<span class="failed">failed</span></h2><p class="error">FAILED at cell 2 of the '
        "notebook (In [2]): ValueError: &lt;script&gt;alert(1)&lt;/script&gt;&#34; "
        'onmouseover=&#34;x</p><p class="meta">bad · 2.0 s</p></li>'
    )


def test_headline_links_stay_relative():
    headline = (
        "[next](pareto_customers_demo.html) [kpis](#kpis) [js](javascript:alert(1)) "
        "[web](http://example.com/) [host](//example.com/)"
    )
    report = ReportOutcome("links", "Links", "ok", 1.0, {}, html="links.html", headline=headline)
    assert (
        '<p><a href="pareto_customers_demo.html">next</a> <a href="#kpis">kpis</a> '
        '<a href="#harmful-link">js</a> <a>web</a> <a>host</a></p>'
    ) in _index(report)


def test_key_figures_are_escaped():
    report = ReportOutcome(
        name="k",
        title="K",
        status="ok",
        seconds=1.0,
        parameters={},
        html=f"k.html{QUOTE}",
        headline="h",
        kpis=[{"label": SCRIPT, "text": IMG, "note": QUOTE, "base": 1200, "base_unit": "<b>"}],
    )
    assert (
        '<tbody><tr><td><a href="k.html&#34; onmouseover=&#34;x">'
        '&lt;script&gt;alert(1)&lt;/script&gt;</a><div class="meta">K</div></td>'
        '<td class="num"><strong>&lt;img src=x onerror=alert(1)&gt;</strong></td>'
        '<td class="num"></td><td class="num">1,200 &lt;b&gt;</td>'
        "<td>&#34; onmouseover=&#34;x</td></tr></tbody>"
    ) in _index(report)
