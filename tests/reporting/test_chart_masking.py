"""Charts publish no contacts (issue 18): every matplotlib text is masked when drawn, and the
library's plot functions mask data labels on their own. Figures are rendered to SVG with
``svg.fonttype: none`` so that their text stays text and can be searched."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from loyalty_lib import nps  # noqa: E402
from loyalty_lib.reporting.chart_safety import (  # noqa: E402
    KERNEL_SETUP_CODE,
    install_chart_masking,
)
from loyalty_lib.survey.plots import plot_nps_segments  # noqa: E402

CONTACTS = ["anna.k@example.com", "+44 20 7946 0958"]


def svg(fig) -> str:
    import io

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text as <text>, not paths
        fig.savefig(buffer, format="svg")
    plt.close(fig)
    return buffer.getvalue()


@pytest.fixture
def masking(monkeypatch):
    """Chart masking installed for one test; matplotlib restored afterwards."""
    monkeypatch.setattr(Text, "draw", Text.draw)
    assert install_chart_masking() is True
    assert install_chart_masking() is False  # once per process


def _hostile_bar_chart():
    fig, ax = plt.subplots()
    ax.bar(CONTACTS + ["North"], [3, 5, 4])
    ax.set_title("Sales of anna.k@example.com")
    ax.set_xlabel("segment (+44 20 7946 0958)")
    ax.bar([0], [0], label="call 020 7946 0001")
    ax.legend()
    ax.annotate("bob\u200b@example.com", (1, 4))
    return fig


def test_without_masking_the_svg_shows_the_contacts():
    # the control: what this file checks is visible in the SVG when nothing masks it
    if getattr(Text.draw, "_loyalty_masked", False):
        pytest.skip("masking already installed in this process")
    page = svg(_hostile_bar_chart())
    assert all(c in page for c in CONTACTS)


def test_every_text_of_a_figure_is_masked_when_drawn(masking):
    page = svg(_hostile_bar_chart())
    for contact in [*CONTACTS, "020 7946 0001", "bob", "7946"]:
        assert contact not in page
    assert page.count("[e-mail]") == 3 and page.count("[phone]") == 3
    assert "North" in page and "Sales of" in page


def test_the_kernel_setup_code_installs_the_masking(monkeypatch):
    monkeypatch.setattr(Text, "draw", Text.draw)
    exec(compile(KERNEL_SETUP_CODE, "<kernel setup>", "exec"), {})
    assert getattr(Text.draw, "_loyalty_masked", False)


def test_the_library_segment_plot_masks_its_labels_on_its_own():
    if getattr(Text.draw, "_loyalty_masked", False):
        pytest.skip("masking already installed in this process")
    rng = np.random.default_rng(5)
    answers = pd.DataFrame(
        {
            "score": rng.integers(0, 11, 120).astype(float),
            "segment": np.repeat([*CONTACTS, "North"], 40),
        }
    )
    result = nps(answers, "score", by="segment")
    ax = plot_nps_segments(result, "segment")
    page = svg(ax.figure)
    for contact in [*CONTACTS, "7946"]:
        assert contact not in page
    assert "[e-mail]" in page and "[phone]" in page and "North" in page
