"""Contacts that dodge a pattern (issue 18): HTML entities in a Styler table, zero-width and
right-to-left-override characters, national phone formats. Each is planted in a notebook's
outputs and looked for in the *final* page, after nbconvert has decoded what it decodes."""

import html
import re
import unicodedata

import nbformat
import pandas as pd

from loyalty_lib.reporting.html import notebook_to_html

KERNEL = {"name": "loyalty", "display_name": "Python (loyalty)", "language": "python"}

# The contacts as a reader of the page would read them (the RLO string displays reversed).
PLANTED = {
    "carl&#64;example.com": "carl@example.com",
    "dora&#x40;example.com": "dora@example.com",
    "bob\u200b@example.com": "bob@example.com",
    "\u202emoc.elpmaxe@nahtan": "nathan@example.com",
    "020 7946 0001": "020 7946 0001",
    "(555) 123-4567": "(555) 123-4567",
    "+375 29 123-45-67": "+375 29 123-45-67",
    "олена@пошта.укр": "олена@пошта.укр",
}


def visible_text(page: str) -> str:
    """What a browser shows, independently of the library: tags dropped, entities decoded,
    NFKC, format characters (Unicode category Cf: zero-width, bidi) removed; style blocks
    (the template's CSS) are not text."""
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]*>", "", page))
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _page(tmp_path, outputs) -> str:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": KERNEL})
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = outputs
    nb.cells.append(cell)
    path = tmp_path / "hostile.ipynb"
    nbformat.write(nb, path)
    return notebook_to_html(path)


def test_a_styler_table_with_encoded_and_invisible_contacts_is_masked_in_the_final_page(tmp_path):
    segments = pd.DataFrame({"segment": list(PLANTED), "nps": range(len(PLANTED))})
    # Styler does not escape cell values: the entities reach the HTML as entities
    styled = segments.style.hide(axis="index").to_html()
    assert "carl&#64;example.com" in styled
    page = _page(tmp_path, [nbformat.v4.new_output("display_data", data={"text/html": styled})])
    shown = visible_text(page)
    for planted, read in PLANTED.items():
        assert read not in shown, planted
        assert read[::-1] not in shown, planted  # nor its reversed writing
    for local in ("carl", "dora", "bob", "nathan", "nahtan", "олена", "7946", "123-45-67"):
        assert local not in shown
    assert shown.count("[e-mail]") == 5 and shown.count("[phone]") == 3


def test_markdown_text_and_streams_are_masked_after_decoding(tmp_path):
    sentence = "Top segment: " + "; ".join(PLANTED)
    outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": sentence}),
        nbformat.v4.new_output("display_data", data={"text/plain": sentence}),
        nbformat.v4.new_output("stream", name="stdout", text=sentence),
    ]
    shown = visible_text(_page(tmp_path, outputs))
    for read in PLANTED.values():
        assert read not in shown and read[::-1] not in shown
    assert "Top segment:" in shown and "#64" not in shown


def test_a_contact_split_by_an_empty_inline_tag_is_masked(tmp_path):
    # Styler would pass this markup as it is; the browser shows eve@example.com
    fragment = "<table><tr><td>eve<b></b>@example.<i>com</i></td><td>12.5%</td></tr></table>"
    shown = visible_text(
        _page(tmp_path, [nbformat.v4.new_output("display_data", data={"text/html": fragment})])
    )
    assert "eve@example.com" not in shown and "[e-mail]" in shown and "12.5%" in shown
