"""An :class:`~service.app.outcomes.OutcomesReport` as people read it, in their language: per
indicator, bar charts (per month, and per module, programme, status, country or provider)
and the data table with the same published figures. The provider's page draws the charts as
SVG, the funder's PDF draws the same chart models (:mod:`service.export.charts`).

Labels and figures are written here, once: months and country names by CLDR (Babel), digits
by the language's rules, a withheld figure as "withheld" (never 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from service.app.outcomes import OTHER, Indicator, OutcomesReport
from service.export.charts import Bar, Cell, Chart, Table
from service.i18n import country_name, format_month, format_number, is_rtl, translate

#: Message key of each indicator's title.
TITLES = {
    "credentialsIssued": "outcomes.ind_credentials",
    "qualificationsAttained": "outcomes.ind_qualifications",
    "recognitions": "outcomes.ind_recognitions",
    "statusChanges": "outcomes.ind_status",
    "progression": "outcomes.ind_progression",
    "employerVerifications": "outcomes.ind_verifications",
}
#: Message key of the title of the chart per breakdown ("total" has none: a single count).
PER_BREAKDOWN = {
    "module": "outcomes.per_module",
    "programme": "outcomes.per_programme",
    "status": "outcomes.per_status",
    "country": "outcomes.per_country",
    "provider": "outcomes.per_provider",
}
#: Column keys the report names in English that readers see translated.
_COLUMN_KEYS = {
    OTHER: "outcomes.other",
    "revocation": "outcomes.revocation",
    "suspension": "outcomes.suspension",
}


@dataclass(frozen=True)
class IndicatorView:
    """One indicator for a reader: its title, charts and data table, and how many of its
    figures are withheld."""

    id: str
    title: str
    charts: tuple[Chart, ...]
    table: Table
    withheld: int


def figure(lang: str, value: int | None) -> Cell:
    """A published figure as written in ``lang``; a withheld one says so."""
    if value is None:
        return Cell(translate(lang, "outcomes.withheld"), withheld=True)
    return Cell(format_number(lang, value))


def _column(lang: str, indicator: Indicator, column: str) -> str:
    if column in _COLUMN_KEYS:
        return translate(lang, _COLUMN_KEYS[column])
    if indicator.breakdown == "country":
        return country_name(lang, column) or column
    return column


def _chart(lang: str, key: str, title: str, labels: list[str], values: list[int | None]) -> Chart:
    bars = tuple(
        Bar(label, value, figure(lang, value).text)
        for label, value in zip(labels, values, strict=True)
    )
    return Chart(
        key=key,
        title=title,
        description=translate(lang, "outcomes.chart_desc"),
        bars=bars,
        rtl=is_rtl(lang),
    )


def indicator_view(lang: str, indicator: Indicator) -> IndicatorView:
    """Charts and table of one indicator in ``lang``."""
    table = indicator.table
    title = translate(lang, TITLES.get(indicator.id, indicator.id))
    months = [format_month(lang, month) for month in table.rows]
    columns = [_column(lang, indicator, column) for column in table.columns]
    per_month = translate(lang, "outcomes.per_month", indicator=title)
    charts = [_chart(lang, f"{indicator.id}-month", per_month, months, list(table.row_totals))]
    if indicator.breakdown in PER_BREAKDOWN and len(table.columns) > 1:
        per_column = translate(lang, PER_BREAKDOWN[indicator.breakdown], indicator=title)
        charts.append(
            _chart(lang, f"{indicator.id}-columns", per_column, columns, list(table.column_totals))
        )
    single = len(table.columns) <= 1
    total = translate(lang, "outcomes.total")
    headings = (translate(lang, "outcomes.month"), *([] if single else columns), total)

    def line(cells: tuple[int | None, ...], row_total: int | None) -> tuple[Cell, ...]:
        shown = () if single else tuple(figure(lang, v) for v in cells)
        return (*shown, figure(lang, row_total))

    rows = tuple(
        (month, line(cells, row_total))
        for month, cells, row_total in zip(months, table.cells, table.row_totals, strict=True)
    )
    return IndicatorView(
        id=indicator.id,
        title=title,
        charts=tuple(charts),
        table=Table(
            caption=title,
            headings=headings,
            rows=rows,
            totals=(total, line(table.column_totals, table.total)),
        ),
        withheld=table.withheld,
    )


def report_view(lang: str, report: OutcomesReport) -> tuple[IndicatorView, ...]:
    """Every indicator of ``report`` in ``lang``, in report order."""
    return tuple(indicator_view(lang, indicator) for indicator in report.indicators)


__all__ = ["PER_BREAKDOWN", "TITLES", "IndicatorView", "figure", "indicator_view", "report_view"]
