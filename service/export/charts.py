"""Outcome charts: one model, two renderers. Pure: text in, text out.

A :class:`Chart` is a horizontal bar chart whose labels and figures are already written for
the reader (translated, digits and month names by Babel); :func:`layout` places its bars in
a box, and both :func:`to_svg` (the provider's page) and the PDF report
(:mod:`service.export.outcomes_pdf`) draw from that one layout, so the page and the funder's
report show the same chart. A :class:`Table` carries the same figures as a data table.

A withheld figure (disclosure control) has no bar: an outlined stub marks it and its text
says "withheld", never 0. The SVG is accessible on its own (``role="img"``, ``<title>``,
``<desc>``) and uses presentation attributes only, so a Content-Security-Policy without
``'unsafe-inline'`` styles draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

#: Geometry of the SVG (user units = CSS px at 100%): a label column, the bars, the figures.
WIDTH = 640.0
ROW = 24.0
LABEL_WIDTH = 170.0
VALUE_WIDTH = 110.0
PAD = 8.0
#: A withheld figure's stub, as wide as this.
STUB = 14.0
BAR_COLOUR = "#1f5f8b"
STUB_COLOUR = "#6b6b6b"
#: Characters of a label that fit its column at the chart's font size (the table has it whole).
LABEL_CHARACTERS = 24


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the published figure (None: withheld) and that figure as written."""

    label: str
    value: int | None
    shown: str


@dataclass(frozen=True)
class Chart:
    """A bar chart: ``key`` names it in a page (element ids), ``title`` and ``description``
    say what it shows; ``rtl`` mirrors it for a right-to-left reader."""

    key: str
    title: str
    description: str
    bars: tuple[Bar, ...]
    rtl: bool = False


@dataclass(frozen=True)
class Cell:
    """One figure of a table as written; ``withheld`` marks a figure disclosure control hid."""

    text: str
    withheld: bool = False


@dataclass(frozen=True)
class Table:
    """A data table: a caption, column headings (the first heads the row labels), rows of a
    label and its cells, and an optional totals row."""

    caption: str
    headings: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Cell, ...]], ...]
    totals: tuple[str, tuple[Cell, ...]] | None = None


@dataclass(frozen=True)
class Box:
    """Where one bar goes: its row's top, the bar's start and length (0 for no bar), where
    its label ends (starts, right to left) and its figure starts, and whether it is a stub."""

    bar: Bar
    top: float
    start: float
    length: float
    label_x: float
    value_x: float
    stub: bool


def height(chart: Chart, *, scale: float = 1.0) -> float:
    """The chart's height (one row per bar, a margin above and below), times ``scale``."""
    return (PAD * 2 + ROW * max(len(chart.bars), 1)) * scale


def layout(chart: Chart, *, scale: float = 1.0) -> list[Box]:
    """One :class:`Box` per bar in a box ``WIDTH * scale`` wide, the longest bar for the
    largest published figure. Left to right: labels | bars | figures; mirrored for
    ``chart.rtl``. The page draws it at scale 1 (px), the PDF at its page width (mm)."""
    width, label_width, pad = WIDTH * scale, LABEL_WIDTH * scale, PAD * scale
    area = width - label_width - VALUE_WIDTH * scale - pad * 2
    peak = max((b.value for b in chart.bars if b.value is not None), default=0) or 1
    boxes = []
    for i, bar in enumerate(chart.bars):
        stub = bar.value is None
        length = STUB * scale if stub else area * (bar.value or 0) / peak
        start = label_width + pad
        label_x, value_x = label_width - pad, start + length + pad
        if chart.rtl:
            start = width - label_width - pad - length
            label_x, value_x = width - label_width + pad, start - pad
        boxes.append(Box(bar, pad + i * ROW * scale, start, length, label_x, value_x, stub))
    return boxes


def short(label: str, limit: int = LABEL_CHARACTERS) -> str:
    """``label`` cut to ``limit`` characters with an ellipsis (the table shows it whole)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def to_svg(chart: Chart) -> str:
    """The chart as inline SVG (no script, no style attribute)."""
    tall = height(chart)
    ids = f"chart-{chart.key}"
    anchor_label, anchor_value = ("start", "end") if chart.rtl else ("end", "start")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH:g} {tall:g}"'
        f' role="img" aria-labelledby="{ids}-t {ids}-d" font-size="13" fill="currentColor"'
        # Anchors below are physical (left/right), whatever the page's direction.
        ' direction="ltr">',
        f'<title id="{ids}-t">{escape(chart.title)}</title>',
        f'<desc id="{ids}-d">{escape(chart.description)}</desc>',
    ]
    axis = WIDTH - LABEL_WIDTH - PAD if chart.rtl else LABEL_WIDTH + PAD
    parts.append(
        f'<line x1="{axis:g}" y1="{PAD / 2:g}" x2="{axis:g}" y2="{tall - PAD / 2:g}"'
        f' stroke="{STUB_COLOUR}"/>'
    )
    for box in layout(chart):
        middle = box.top + ROW / 2
        parts.append(
            f'<text x="{box.label_x:g}"'
            f' y="{middle + 4:g}" text-anchor="{anchor_label}">{escape(short(box.bar.label))}'
            "</text>"
        )
        if box.stub:
            parts.append(
                f'<rect x="{box.start:g}" y="{box.top + 5:g}" width="{box.length:g}"'
                f' height="{ROW - 10:g}" fill="none" stroke="{STUB_COLOUR}"'
                ' stroke-dasharray="3 2"/>'
            )
        elif box.length > 0:
            parts.append(
                f'<rect x="{box.start:g}" y="{box.top + 4:g}" width="{box.length:.1f}"'
                f' height="{ROW - 8:g}" fill="{BAR_COLOUR}"/>'
            )
        parts.append(
            f'<text x="{box.value_x:.1f}" y="{middle + 4:g}" text-anchor="{anchor_value}"'
            f"{' font-style=' + quoteattr('italic') if box.stub else ''}>"
            f"{escape(box.bar.shown)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


__all__ = [
    "Bar",
    "Box",
    "Cell",
    "Chart",
    "Table",
    "height",
    "layout",
    "short",
    "to_svg",
]
