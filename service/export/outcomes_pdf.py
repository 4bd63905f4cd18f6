"""A funder's outcomes report as PDF (fpdf2): per indicator, a bar chart of the monthly
totals with the same figures in a table beside it, and the totals per breakdown. Bytes out.

It draws only figures it is given, which have already passed disclosure control; a
withheld figure is drawn as no bar and printed as "withheld", never as 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"
WITHHELD = "withheld"


@dataclass(frozen=True)
class ChartData:
    """One indicator: its title, figures per month, and totals per breakdown value."""

    title: str
    months: Sequence[str]
    month_totals: Sequence[int | None]
    columns: Sequence[str]
    column_totals: Sequence[int | None]
    total: int | None


def _figure(value: int | None) -> str:
    return WITHHELD if value is None else f"{value:,}"


def outcomes_pdf(*, title: str, lines: Sequence[str], charts: Sequence[ChartData]) -> bytes:
    """The report: a heading, ``lines`` of context (period, disclosure rule), then ``charts``."""
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
    for chart in charts:
        _chart(pdf, chart)
    return bytes(pdf.output())


def _chart(pdf: FPDF, chart: ChartData) -> None:
    height = 48 + 4.5 * max(len(chart.months), len(chart.columns))
    if pdf.get_y() + min(height, 120) > pdf.h - 15:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font("NotoSans", "B", 11)
    pdf.multi_cell(
        0, 6, f"{chart.title} (total: {_figure(chart.total)})", new_x="LMARGIN", new_y="NEXT"
    )
    top, left = pdf.get_y() + 2, pdf.l_margin
    # Bars: one per month, scaled to the largest shown figure.
    shown = [v for v in chart.month_totals if v is not None]
    peak = max(shown, default=0) or 1
    width, tall = 100.0, 40.0
    bar = width / max(len(chart.months), 1)
    pdf.set_draw_color(120, 120, 120)
    pdf.line(left, top + tall, left + width, top + tall)
    pdf.set_font("NotoSans", "", 6)
    for i, (month, value) in enumerate(zip(chart.months, chart.month_totals, strict=True)):
        x = left + i * bar
        if value:
            h = tall * value / peak
            pdf.set_fill_color(31, 95, 139)
            pdf.rect(x + bar * 0.15, top + tall - h, bar * 0.7, h, style="F")
        pdf.set_xy(x, top + tall + 0.5)
        pdf.cell(bar, 3, month[5:] if len(month) == 7 else month, align="C")
    # The same figures as a table beside the chart (and the breakdown's totals below it).
    x_table = left + width + 8
    pdf.set_xy(x_table, top)
    pdf.set_font("NotoSans", "B", 7)
    pdf.cell(28, 4, "Month", border="B")
    pdf.cell(28, 4, "Total", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", "", 7)
    for month, value in zip(chart.months, chart.month_totals, strict=True):
        pdf.set_x(x_table)
        pdf.cell(28, 4, month)
        pdf.cell(28, 4, _figure(value), align="R", new_x="LMARGIN", new_y="NEXT")
    y = max(pdf.get_y(), top + tall + 6) + 2
    pdf.set_xy(left, y)
    pdf.set_font("NotoSans", "B", 7)
    pdf.cell(70, 4, "Breakdown", border="B")
    pdf.cell(28, 4, "Total", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSans", "", 7)
    for column, value in zip(chart.columns, chart.column_totals, strict=True):
        pdf.cell(70, 4, column)
        pdf.cell(28, 4, _figure(value), align="R", new_x="LMARGIN", new_y="NEXT")


__all__ = ["ChartData", "outcomes_pdf"]
