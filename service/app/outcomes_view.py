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
from service.app.outcomes_medians import PublishedMedians
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


@dataclass(frozen=True)
class _Figures:
    """A published table as the view needs it: rows x columns, their totals (or medians)."""

    rows: tuple[str, ...]
    columns: list[str]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None


def _view(
    lang: str, key: str, title: str, figures: _Figures, *, per_column: str | None, total: str
) -> tuple[tuple[Chart, ...], Table]:
    """Charts (per month; per column when ``per_column`` names its title's key and there is
    more than one column) and the data table, whose last column and row are ``total``."""
    months = [format_month(lang, month) for month in figures.rows]
    per_month = translate(lang, "outcomes.per_month", indicator=title)
    charts = [_chart(lang, f"{key}-month", per_month, months, list(figures.row_totals))]
    single = len(figures.columns) <= 1
    if per_column and not single:
        charts.append(
            _chart(
                lang,
                f"{key}-columns",
                translate(lang, per_column, indicator=title),
                figures.columns,
                list(figures.column_totals),
            )
        )
    headings = (translate(lang, "outcomes.month"), *([] if single else figures.columns), total)

    def line(cells: tuple[int | None, ...], row_total: int | None) -> tuple[Cell, ...]:
        shown = () if single else tuple(figure(lang, v) for v in cells)
        return (*shown, figure(lang, row_total))

    rows = tuple(
        (month, line(cells, row_total))
        for month, cells, row_total in zip(months, figures.cells, figures.row_totals, strict=True)
    )
    totals = (total, line(figures.column_totals, figures.total))
    return tuple(charts), Table(caption=title, headings=headings, rows=rows, totals=totals)


def indicator_view(lang: str, indicator: Indicator) -> IndicatorView:
    """Charts and table of one indicator in ``lang``."""
    table = indicator.table
    title = translate(lang, TITLES.get(indicator.id, indicator.id))
    figures = _Figures(
        rows=table.rows,
        columns=[_column(lang, indicator, column) for column in table.columns],
        cells=table.cells,
        row_totals=table.row_totals,
        column_totals=table.column_totals,
        total=table.total,
    )
    charts, data = _view(
        lang,
        indicator.id,
        title,
        figures,
        per_column=PER_BREAKDOWN.get(indicator.breakdown),
        total=translate(lang, "outcomes.total"),
    )
    return IndicatorView(
        id=indicator.id, title=title, charts=charts, table=data, withheld=table.withheld
    )


def medians_view(lang: str, medians: PublishedMedians, *, by_provider: bool) -> IndicatorView:
    """The median days to a qualification per month and programme (across providers: per
    provider); a median of too few learners reads "withheld"."""
    title = translate(lang, "outcomes.ind_time_to_qualification")
    figures = _Figures(
        rows=medians.rows,
        columns=list(medians.columns),
        cells=medians.cells,
        row_totals=medians.row_medians,
        column_totals=medians.column_medians,
        total=medians.overall,
    )
    charts, data = _view(
        lang,
        "timeToQualification",
        title,
        figures,
        per_column="outcomes.per_provider" if by_provider else "outcomes.per_programme",
        total=translate(lang, "outcomes.overall"),
    )
    withheld = sum(v is None for line in medians.cells for v in line)
    return IndicatorView(
        id="timeToQualification", title=title, charts=charts, table=data, withheld=withheld
    )


def report_view(lang: str, report: OutcomesReport) -> tuple[IndicatorView, ...]:
    """Every indicator of ``report`` in ``lang``, in report order, then the median time to
    a qualification."""
    views = [indicator_view(lang, indicator) for indicator in report.indicators]
    by_provider = report.issuer_did is None
    views.append(medians_view(lang, report.time_to_qualification, by_provider=by_provider))
    return tuple(views)


__all__ = [
    "PER_BREAKDOWN",
    "TITLES",
    "IndicatorView",
    "figure",
    "indicator_view",
    "medians_view",
    "report_view",
]
