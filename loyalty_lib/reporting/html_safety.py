"""Make executed-notebook outputs safe to publish as stakeholder HTML.

Survey comments, segment names and file names are untrusted: they reach the outputs through
pandas tables and data-driven Markdown sentences. Before export, every rich output is reduced to
a small allowlist of presentational HTML (tables, headings, emphasis, lists) by `nh3`_ (the
Rust ammonia sanitiser; it replaced bleach, which is deprecated): scripts and styles with their
contents, event handlers, iframes, SVG and JavaScript outputs are removed, links may only be
relative (to an anchor or a sibling report of the run), and raw HTML inside Markdown outputs
is escaped so it shows as text. Markdown *cells* are authored in the repository and are kept
as written. Every page also carries the one Content-Security-Policy :data:`CSP`, which forbids
scripts and remote resources, as a second line of defence.

.. _nh3: https://nh3.readthedocs.io/

Two more rules keep the page fit for its readers: e-mail addresses and phone numbers in any
output are masked (:func:`loyalty_lib.inputs.privacy.mask_contacts`, a backstop behind the
notebooks' own masking of comments), and an error that stopped the notebook is shown as a plain
sentence instead of a Python traceback. Masking reads text as the reader will see it: in HTML it
runs *after* cleaning, on the decoded text of each block (a table cell, a paragraph, a list
item, inline tags joined), so an entity (``carl&#64;example.com``), a zero-width or bidi
control, or an empty ``<b></b>`` inside an address cannot hide it; attribute values (titles)
are masked too. Charts are masked when drawn (:mod:`loyalty_lib.reporting.chart_safety`).
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

import nh3

from loyalty_lib.inputs.privacy import mask_contacts

__all__ = [
    "CSP",
    "clean_html",
    "describe_error",
    "error_message",
    "mask_html",
    "sanitize_notebook",
]

# The Content-Security-Policy of every page of a run (the index and each report): no script,
# no request to anywhere; only inline styles and embedded (data:) images and fonts.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "col",
        "colgroup",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "*": frozenset({"class", "title"}),
    "td": frozenset({"class", "colspan", "rowspan"}),
    "th": frozenset({"class", "colspan", "rowspan"}),
    "a": frozenset({"href", "title"}),
}
# Links may only point within the page or to a sibling report (relative URL, no scheme).
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset()
# Removed together with everything inside them (pandas adds a <style> block to every table).
DROPPED_WITH_CONTENT = frozenset({"script", "style"})
# What a browser skips at the start of a URL (C0 controls and space): with it, and "\" read as
# "/", "//host", "/\host" and " //host" are all scheme-relative links to another host.
_URL_IGNORED = "".join(chr(c) for c in range(0x21))
_DROP_MIMETYPES = (
    "application/javascript",
    "text/javascript",
    "image/svg+xml",
    "application/vnd.jupyter.widget-view+json",
)


def _relative_links_only(tag: str, attribute: str, value: str) -> str | None:
    """Drop a scheme-relative link (``//host/...``): it leaves the run like an absolute one.

    Attribute values a reader can see (a ``title`` tooltip) have their contacts masked.
    """
    if attribute == "href":
        probe = re.sub(r"[\t\n\r]", "", value).lstrip(_URL_IGNORED).replace("\\", "/")
        if probe.startswith("//"):
            return None
    return mask_contacts(value, strict=True) if attribute == "title" else value


# A tag as nh3 serialises it (attribute values quoted; ">" may appear inside the quotes).
_TAG = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")
_INLINE = frozenset(
    {"a", "abbr", "b", "code", "em", "i", "small", "span", "strong", "sub", "sup", "u"}
)


def _tag_name(tag: str) -> str:
    match = re.match(r"</?\s*([A-Za-z0-9]+)", tag)
    return match.group(1).lower() if match else ""


def mask_html(fragment: str) -> str:
    """Mask contacts in the text a reader sees in an HTML fragment (cleaned HTML).

    The text of each block (a cell, a paragraph, a heading, a list item: everything between
    two block tags, inline tags such as ``<b>`` joined) is decoded as the browser shows it
    (:func:`~loyalty_lib.inputs.privacy.reveal_text`) and masked; a block in which a contact
    was found is written back as escaped text, without its inline tags. Other blocks are
    kept byte for byte.

    >>> mask_html("<td>carl&#64;example.com</td><td>North</td>")
    '<td>[e-mail]</td><td>North</td>'
    >>> mask_html("<p>mail <b>bob</b><i></i>@example.com, or call 020 7946 0001</p>")
    '<p>mail [e-mail], or call [phone]</p>'
    """
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        texts = [t for t in run if not t.startswith("<")]
        shown = _html.unescape("".join(texts))
        masked = mask_contacts(shown, strict=True)
        if masked == shown or not texts:
            out.extend(run)
        else:
            out.append(_html.escape(masked, quote=False))
        run.clear()

    for token in _TAG.split(fragment):
        if not token:
            continue
        if token.startswith("<") and _tag_name(token) not in _INLINE:
            flush()
            out.append(token)
        else:
            run.append(token)
    flush()
    return "".join(out)


def clean_html(fragment: str) -> str:
    """Reduce an HTML fragment to the presentational allowlist.

    ``<script>`` and ``<style>`` elements (pandas adds a style block to every table) are
    removed with their content; any other tag outside the allowlist is removed and its text
    kept, and so are attributes outside the allowlist. Links keep only relative targets
    (``other_report.html``, ``#anchor``); comments are removed and no ``rel`` is added.
    Contacts in the text that remains are masked (:func:`mask_html`).

    >>> clean_html('<table class="dataframe"><tr><td onclick="x()">1</td></tr></table>')
    '<table class="dataframe"><tbody><tr><td>1</td></tr></tbody></table>'
    >>> clean_html("<script>alert(1)</script><style>b {}</style><b>ok</b><!-- note -->")
    '<b>ok</b>'
    >>> clean_html('<img src=x onerror=alert(1)><iframe src="https://example.com">text</iframe>')
    'text'
    >>> clean_html('<a href="other.html#top">next</a> <a href="javascript:x()">js</a>')
    '<a href="other.html#top">next</a> <a>js</a>'
    """
    cleaned = nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_relative_links_only,
        url_schemes=ALLOWED_URL_SCHEMES,
        strip_comments=True,
        link_rel=None,
    )
    return mask_html(cleaned)


def _markdown_to_safe_html(text: str) -> str:
    import mistune

    return clean_html(mistune.create_markdown(escape=True, plugins=["table"])(text))


def error_message(ename: str, evalue: str, tr: Any = None) -> str:
    """The sentence a reader sees when a notebook stopped with an error.

    A :class:`~loyalty_lib.errors.DataQualityError` is written for readers (in the page's
    language, by ``stop_on_fatal``) and is shown as it is; any other error is named with the
    first line of its message, in the language of ``tr`` (a translator; English by default).

    >>> error_message("DataQualityError", "The sales data cannot be analysed: it is empty.")
    'The sales data cannot be analysed: it is empty.'
    >>> error_message("KeyError", "'amount'")
    "The report stopped because of an unexpected error (KeyError: 'amount')."
    """
    if ename == "DataQualityError":
        return mask_contacts(evalue.strip())
    first = evalue.strip().splitlines()[0] if evalue.strip() else ""
    detail = f"{ename}: {first}" if first else ename
    text = _translator(tr).gettext("The report stopped because of an unexpected error ({detail}).")
    return mask_contacts(text.format(detail=detail))


def _translator(tr: Any) -> Any:
    from loyalty_lib.i18n import use_language

    return tr if tr is not None else use_language("en")


def describe_error(error: dict[str, Any] | None, tr: Any = None) -> str:
    """One line for the index and the console: why a report failed, was stopped or not run.

    ``error`` is a report's recorded error (``summary.json``); the line is in the language of
    ``tr`` (English by default). A sentence the runner wrote (full disk, not run) is stored
    with its catalogue message (``message``: msgid and values) and translated here.

    >>> describe_error({"ename": "DataQualityError", "evalue": "it is empty."})
    'STOPPED by the data-quality check: it is empty.'
    >>> from loyalty_lib.i18n import use_language
    >>> describe_error({"ename": "KeyError", "evalue": "'x'", "cell_index": 2, "cell": 3},
    ...                use_language("ru"))
    "ОШИБКА в ячейке 3 блокнота (In [3]): KeyError: 'x'"
    """
    tr = _translator(tr)
    if not error:
        return tr.gettext("FAILED")
    sentence = error.get("sentence")
    message = error.get("message")
    if sentence and tr.language != "en" and isinstance(message, list | tuple) and message:
        values = message[1] if len(message) > 1 and isinstance(message[1], dict) else {}
        sentence = tr.gettext(str(message[0])).format(**values)
    if error.get("ename") == "NotRun":
        return tr.gettext("not run: {sentence}").format(sentence=sentence)
    if sentence:
        return tr.gettext("FAILED: {sentence}").format(sentence=sentence)
    if error.get("ename") == "DataQualityError":
        return tr.gettext("STOPPED by the data-quality check: {message}").format(
            message=error.get("evalue")
        )
    if error.get("cell_index") is not None:
        return tr.gettext(
            "FAILED at cell {index} of the notebook (In [{count}]): {ename}: {evalue}"
        ).format(
            index=error["cell_index"] + 1,
            count=error.get("cell"),
            ename=error.get("ename"),
            evalue=error.get("evalue"),
        )
    return tr.gettext("FAILED before the first cell: {ename}: {evalue}").format(
        ename=error.get("ename"), evalue=error.get("evalue")
    )


def _error_output(output, tr: Any = None) -> dict:
    import nbformat

    tr = _translator(tr)
    text = error_message(str(output.get("ename", "")), str(output.get("evalue", "")), tr)
    body = (
        f'<div class="loyalty-report-stopped"><p><strong>'
        f"{_html.escape(tr.gettext('This report stopped here.'))}</strong>"
        f"</p><p>{_html.escape(text)}</p></div>"
    )
    return nbformat.v4.new_output("display_data", data={"text/html": body})


def _mask(value):
    if isinstance(value, list):
        value = "".join(value)
    return mask_contacts(value, strict=True)


def sanitize_notebook(nb, tr: Any = None) -> None:
    """Sanitize every code-cell output of a notebook node in place (a copy the caller owns).

    - ``text/html`` outputs: :func:`clean_html` (which masks contacts in the decoded text).
    - ``text/markdown`` outputs: rendered with raw HTML escaped, then cleaned, and stored as
      ``text/html``.
    - JavaScript, SVG and widget outputs: dropped (reports use PNG figures).
    - Output on stderr (warnings): dropped; analysts see it in the executed notebook.
    - Errors: the traceback is replaced by :func:`error_message` in a short note, in the
      language of ``tr`` (a translator; English by default).
    - E-mail addresses and phone numbers in plain text and streams are masked, after
      entities are decoded and invisible controls removed.
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            if output.get("output_type") == "error":
                kept.append(_error_output(output, tr))
                continue
            if output.get("output_type") == "stream":
                output["text"] = _mask(output.get("text", ""))
            data = output.get("data")
            if data is not None:
                if "text/plain" in data:
                    data["text/plain"] = _mask(data["text/plain"])
                for mime in _DROP_MIMETYPES:
                    data.pop(mime, None)
                if "text/markdown" in data:
                    text = data.pop("text/markdown")
                    text = "".join(text) if isinstance(text, list) else text
                    data["text/html"] = _markdown_to_safe_html(text)
                elif "text/html" in data:
                    html = data["text/html"]
                    data["text/html"] = clean_html(
                        "".join(html) if isinstance(html, list) else html
                    )
                if not data:
                    continue
            kept.append(output)
        cell.outputs = kept
