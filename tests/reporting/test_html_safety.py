"""The sanitiser of stakeholder pages (nh3): what it keeps, what it drops."""

import nbformat

from loyalty_lib.reporting.html_safety import clean_html, sanitize_notebook


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
