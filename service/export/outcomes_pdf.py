"""A funder's outcomes report as PDF (fpdf2): per indicator, the same bar charts as the
provider's page (:mod:`service.export.charts`: one chart model, drawn here natively from the
same layout, scaled to the page) and the data table with the same figures. Bytes out.

It draws only figures it is given, which have already passed disclosure control; a
withheld figure has an outlined stub instead of a bar and reads "withheld", never 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from service.export.charts import (
    BAR_COLOUR,
    ROW,
    STUB_COLOUR,
    WIDTH,
    Chart,
    Table,
    height,
    layout,
    short,
)

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"
#: Millimetres of the A4 page's text width the charts fill (the SVG's 640 units).
CHART_MM = 180.0
SCALE = CHART_MM / WIDTH
#: The chart's font size: the SVG's 13 units, scaled, in points.
CHART_PT = 13 * SCALE * 72 / 25.4


@dataclass(frozen=True)
class Section:
    """One indicator: its heading, its charts and its data table."""

    title: str
    charts: Sequence[Chart]
    table: Table


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def outcomes_pdf(*, title: str, lines: Sequence[str], sections: Sequence[Section]) -> bytes:
    """The report: a heading, ``lines`` of context (period, disclosure rule), then each
    section's charts and table."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("NotoSans", style="", fname=str(FONTS / "NotoSans-Regular.ttf"))
    pdf.add_font("NotoSans", style="B", fname=str(FONTS / "NotoSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("NotoSans", "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", "", 9)
    for line in lines:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        pdf.ln(4)
        _keep(pdf, 12 + (height(section.charts[0], scale=SCALE) if section.charts else 0))
        pdf.set_font("NotoSans", "B", 12)
        pdf.multi_cell(0, 6, section.title, new_x="LMARGIN", new_y="NEXT")
        for chart in section.charts:
            draw_chart(pdf, chart)
        _table(pdf, section.table)
    return bytes(pdf.output())


def _keep(pdf: FPDF, needed: float) -> None:
    """Start a new page unless ``needed`` millimetres fit on this one."""
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()


def draw_chart(pdf: FPDF, chart: Chart) -> None:
    """``chart`` at the cursor, full text width, from :func:`service.export.charts.layout`."""
    tall = height(chart, scale=SCALE)
    _keep(pdf, tall + 7)
    pdf.set_font("NotoSans", "", 9)
    pdf.multi_cell(0, 5, chart.title, new_x="LMARGIN", new_y="NEXT")
    top, left = pdf.get_y(), pdf.l_margin
    row = ROW * SCALE
    axis = left + (layout(chart, scale=SCALE)[0].start if chart.bars else 0)
    pdf.set_draw_color(*_rgb(STUB_COLOUR))
    pdf.line(axis, top + 1, axis, top + tall - 1)
    pdf.set_font_size(CHART_PT)
    for box in layout(chart, scale=SCALE):
        y = top + box.top
        label, shown = short(box.bar.label), box.bar.shown
        # Labels meet the axis; figures follow the bar (both mirrored right to left).
        label_w, shown_w = pdf.get_string_width(label) + 0.5, pdf.get_string_width(shown) + 0.5
        pdf.set_xy(left + box.label_x - (0 if chart.rtl else label_w), y)
        pdf.cell(label_w, row, label)
        if box.stub:
            pdf.set_dash_pattern(dash=0.8, gap=0.6)
            pdf.rect(left + box.start, y + row * 0.2, box.length, row * 0.6, style="D")
            pdf.set_dash_pattern()
        elif box.length > 0:
            pdf.set_fill_color(*_rgb(BAR_COLOUR))
            pdf.rect(left + box.start, y + row * 0.15, box.length, row * 0.7, style="F")
        pdf.set_xy(left + box.value_x - (shown_w if chart.rtl else 0), y)
        pdf.cell(shown_w, row, shown)
    pdf.set_xy(left, top + tall)


def _table(pdf: FPDF, table: Table) -> None:
    """The data table: the row label column, then the figures right-aligned."""
    pdf.ln(2)
    figures = len(table.headings) - 1
    first = min(50.0, CHART_MM - 22.0 * figures)
    rest = (CHART_MM - first) / max(figures, 1)
    pdf.set_font("NotoSans", "B", 8)
    _keep(pdf, 8)
    for i, heading in enumerate(table.headings):
        width = first if i == 0 else rest
        pdf.cell(width, 5, short(heading, 30), border="B", align="L" if i == 0 else "R")
    pdf.ln(5)
    lines = [*table.rows, *([table.totals] if table.totals else [])]
    for n, (label, cells) in enumerate(lines):
        bold = table.totals is not None and n == len(lines) - 1
        pdf.set_font("NotoSans", "B" if bold else "", 8)
        pdf.cell(first, 4.5, short(label, 30), border="T" if bold else 0)
        for cell in cells:
            pdf.cell(rest, 4.5, cell.text, align="R", border="T" if bold else 0)
        pdf.ln(4.5)


__all__ = ["Section", "draw_chart", "outcomes_pdf"]
