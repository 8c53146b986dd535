"""The sanitiser of stakeholder pages (nh3) and the one Content-Security-Policy of a run."""

from html.parser import HTMLParser

import nbformat

from loyalty_lib.reporting.html import notebook_to_html
from loyalty_lib.reporting.html_safety import CSP, clean_html, sanitize_notebook

KERNEL = {"name": "loyalty", "display_name": "Python (loyalty)", "language": "python"}


def test_script_and_style_are_dropped_with_their_content():
    fragment = (
        "<p>a</p><script>alert(1)</script><style>p { color: red }</style><!-- a comment --><p>b</p>"
    )
    assert clean_html(fragment) == "<p>a</p><p>b</p>"


def test_tags_outside_the_allowlist_are_removed_and_their_text_kept():
    fragment = (
        '<img src=x onerror=alert(1)><iframe src="https://example.com">inner</iframe>'
        '<b onclick="x()" title="t">ok</b><td onmouseover="x">cell</td>'
    )
    assert clean_html(fragment) == 'inner<b title="t">ok</b>cell'


def test_relative_links_are_kept_absolute_and_javascript_links_dropped():
    fragment = (
        '<a href="pareto_customers_demo.html">p</a> <a href="#kpis">k</a> '
        '<a href="other.html#top" title="next">o</a> '
        '<a href="javascript:alert(1)">j</a> <a href="JavaScript&#58;alert(1)">J</a> '
        '<a href="http://example.com/">h</a> <a href="https://example.com/">s</a> '
        '<a href="//example.com/">r</a> <a href="/\\example.com/">b</a> '
        '<a href=" //example.com/">w</a> <a href="data:text/html,x">d</a>'
    )
    assert clean_html(fragment) == (
        '<a href="pareto_customers_demo.html">p</a> <a href="#kpis">k</a> '
        '<a href="other.html#top" title="next">o</a> '
        "<a>j</a> <a>J</a> <a>h</a> <a>s</a> <a>r</a> <a>b</a> <a>w</a> <a>d</a>"
    )


def test_markdown_outputs_show_raw_html_as_text_and_keep_relative_links():
    nb = nbformat.v4.new_notebook()
    markdown = (
        'Comment: <script>alert(1)</script> " onmouseover="x <img src=x onerror=alert(1)> '
        "[js](javascript:alert(1)) [web](http://example.com) [next](ok_b.html#top)"
    )
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": markdown})]
    nb.cells.append(cell)
    sanitize_notebook(nb)
    assert nb.cells[0].outputs[0]["data"] == {
        "text/html": '<p>Comment: &lt;script&gt;alert(1)&lt;/script&gt; " onmouseover="x '
        "&lt;img src=x onerror=alert(1)&gt; "
        '<a href="#harmful-link">js</a> <a>web</a> <a href="ok_b.html#top">next</a></p>\n'
    }


class _Csp(HTMLParser):
    def __init__(self):
        super().__init__()
        self.policies = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy":
            self.policies.append(attrs["content"])


def policies(page: str) -> list[str]:
    parser = _Csp()
    parser.feed(page)
    return parser.policies


def test_one_policy_for_the_index_and_every_page(tmp_path):
    from loyalty_lib.reporting.index import index_html
    from loyalty_lib.reporting.runner import ReportOutcome, RunSummary

    assert CSP == "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
    assert not set('"<>&') & set(CSP)  # written into attributes as it is
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "1"})]
    nb.cells.append(cell)
    nbformat.write(nb, str(tmp_path / "page.ipynb"))
    page = notebook_to_html(tmp_path / "page.ipynb", title="Page", footer="footer")
    report = ReportOutcome("page", "Page", "ok", 1.0, {}, html="page.html", headline="h")
    index = index_html(RunSummary("r1", tmp_path, "2024-01-01", 1.0, [report]), str)
    assert policies(page) == [CSP]
    assert policies(index) == [CSP]
    assert f'content="{CSP}"' in page and f'content="{CSP}"' in index
