"""Charts are masked when drawn: no e-mail address or phone number reaches a figure's pixels.

A segment named ``anna.k@example.com`` becomes a bar label, a legend entry or a title long
before any HTML exists, and a PNG cannot be scanned for text afterwards. So the one masking
step (:func:`loyalty_lib.inputs.privacy.mask_contacts`, after decoding entities and removing
invisible characters) runs on every :class:`matplotlib.text.Text` as it is drawn: titles,
axis labels, tick labels, legend entries, annotations and table cells are all ``Text``
objects, and every renderer (the inline backend's PNG, ``savefig`` to PNG, SVG or PDF) draws
them through ``Text.draw``.

:func:`install_chart_masking` wraps ``Text.draw`` once per process; the report runner runs
:data:`KERNEL_SETUP_CODE` in each notebook's kernel before the first cell. The library's own
plot functions also pass data labels through
:func:`~loyalty_lib.inputs.privacy.safe_label`, so a chart drawn outside the runner is safe.
"""

from __future__ import annotations

from loyalty_lib.inputs.privacy import mask_contacts

__all__ = ["KERNEL_SETUP_CODE", "install_chart_masking"]

#: Python source the report runner injects as a first (hidden) cell of every notebook.
KERNEL_SETUP_CODE = (
    "from loyalty_lib.reporting.chart_safety import install_chart_masking\n"
    "install_chart_masking()\n"
)

_MARK = "_loyalty_masked"


def install_chart_masking() -> bool:
    """Mask contacts in every matplotlib text as it is drawn; idempotent.

    Returns True when the wrapper was installed by this call, False when it already was.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from matplotlib.text import Text
    >>> unmasked = Text.draw
    >>> install_chart_masking(), install_chart_masking()
    (True, False)
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("Segment anna.k@example.com")
    >>> fig.canvas.draw()
    >>> ax.get_title()
    'Segment [e-mail]'
    >>> plt.close(fig)
    >>> Text.draw = unmasked  # (the example leaves matplotlib as it found it)
    """
    from matplotlib.text import Text

    if getattr(Text.draw, _MARK, False):
        return False
    original = Text.draw

    def draw(self, renderer, *args, **kwargs):
        text = self.get_text()
        masked = mask_contacts(text, strict=True)
        if masked != text:
            self.set_text(masked)
        return original(self, renderer, *args, **kwargs)

    draw.__doc__ = original.__doc__
    setattr(draw, _MARK, True)
    Text.draw = draw
    return True
