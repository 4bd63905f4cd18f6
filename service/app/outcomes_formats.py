"""An :class:`~service.app.outcomes.OutcomesReport` written out for the people who read it:
CSV for spreadsheets, SDMX-CSV (SDMX 2.1 / 3.0 CSV, what statistics offices load) and a
Frictionless Data Package (``datapackage.json`` with the table inline). Pure: text in memory.

Every format carries one observation per month x breakdown, plus the totals (``_T``, the
SDMX code for "total"); a withheld figure is an empty value marked confidential, never 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from service.app.outcomes import OutcomesReport

#: The indicator id of the median days to a qualification in the flat formats.
MEDIAN_DAYS = "medianDaysToQualification"

#: SDMX dataflow id for these observations (agency:id(version)).
DATAFLOW = "TESSERA:OUTCOMES(1.0)"
TOTAL = "_T"

FORMATS = ("json", "csv", "sdmx-csv", "datapackage")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "sdmx-csv": "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8",
    "datapackage": "application/json",
}


def observations(report: OutcomesReport) -> Iterator[tuple[str, str, str, int | None]]:
    """``(indicator, month or _T, breakdown value or _T, value or None)`` for every figure;
    the median days to a qualification come last (indicator ``MEDIAN_DAYS``, ``_T`` there
    the median over every month or programme)."""
    for indicator in report.indicators:
        table = indicator.table
        for month, line, total in zip(table.rows, table.cells, table.row_totals, strict=True):
            for column, value in zip(table.columns, line, strict=True):
                yield indicator.id, month, column, value
            yield indicator.id, month, TOTAL, total
        for column, value in zip(table.columns, table.column_totals, strict=True):
            yield indicator.id, TOTAL, column, value
        yield indicator.id, TOTAL, TOTAL, table.total
    medians = report.time_to_qualification
    for month, line, median in zip(medians.rows, medians.cells, medians.row_medians, strict=True):
        for column, value in zip(medians.columns, line, strict=True):
            yield MEDIAN_DAYS, month, column, value
        yield MEDIAN_DAYS, month, TOTAL, median
    for column, value in zip(medians.columns, medians.column_medians, strict=True):
        yield MEDIAN_DAYS, TOTAL, column, value
    yield MEDIAN_DAYS, TOTAL, TOTAL, medians.overall


def _write(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def to_csv(report: OutcomesReport) -> str:
    """``indicator,month,breakdown,value,status`` (status ``withheld`` for a suppressed
    figure); the scope and disclosure rule open the file as comment-free header columns."""
    rows = [["provider", "indicator", "month", "breakdown", "value", "status"]]
    for indicator, month, column, value in observations(report):
        rows.append(
            [
                report.scope,
                indicator,
                month,
                column,
                "" if value is None else str(value),
                "withheld" if value is None else "",
            ]
        )
    return _write(rows)


def to_sdmx_csv(report: OutcomesReport) -> str:
    """SDMX-CSV: ``DATAFLOW`` first, one column per dimension, ``OBS_VALUE``, and the
    ``CONF_STATUS`` attribute (``F`` free, ``C`` confidential: withheld) and ``UNIT_MULT``."""
    rows = [
        [
            "DATAFLOW",
            "PROVIDER",
            "INDICATOR",
            "BREAKDOWN",
            "TIME_PERIOD",
            "OBS_VALUE",
            "CONF_STATUS",
            "ROUNDING_BASE",
        ]
    ]
    for indicator, month, column, value in observations(report):
        rows.append(
            [
                DATAFLOW,
                report.scope,
                indicator,
                column,
                f"{report.period.first}/{report.period.last}" if month == TOTAL else month,
                "" if value is None else str(value),
                "C" if value is None else "F",
                str(report.policy.rounding_base),
            ]
        )
    return _write(rows)


def to_pdf(report: OutcomesReport, lang: str = "en") -> bytes:
    """The funder's report: per indicator, the same charts as the provider's page and the
    data table (service/export/outcomes_pdf)."""
    from service.app.outcomes_view import report_view
    from service.export.outcomes_pdf import Section, outcomes_pdf

    policy = report.policy
    return outcomes_pdf(
        title=f"Outcomes: {report.scope_name}",
        lines=[
            f"{report.period.first} to {report.period.last}"
            + (f" - issuer {report.issuer_did}" if report.issuer_did else ""),
            f"Counts below {policy.min_count} are withheld, with further counts withheld so "
            f"none can be worked out from the totals; every count shown is rounded to a "
            f"multiple of {policy.rounding_base}, so totals need not add up.",
            f"Generated {report.generated_at.strftime('%Y-%m-%d %H:%M UTC')}.",
        ],
        sections=[
            Section(title=view.title, charts=view.charts, table=view.table)
            for view in report_view(lang, report)
        ],
    )


def to_datapackage(report: OutcomesReport) -> dict[str, Any]:
    """A Frictionless Data Package descriptor with the observations inline (``data``)."""
    return {
        "profile": "tabular-data-package",
        "name": f"tessera-outcomes-{report.scope}-{report.period.first}-{report.period.last}",
        "title": f"Outcomes of {report.scope_name}, {report.period.first} to {report.period.last}",
        "created": report.generated_at.isoformat().replace("+00:00", "Z"),
        "description": (
            f"Counts below {report.policy.min_count} are withheld (empty), with further counts "
            "withheld so none can be worked out from the totals; every count shown is rounded "
            f"to a multiple of {report.policy.rounding_base}."
        ),
        "resources": [
            {
                "name": "outcomes",
                "profile": "tabular-data-resource",
                "format": "json",
                "schema": {
                    "fields": [
                        {"name": "indicator", "type": "string"},
                        {"name": "month", "type": "string", "description": "YYYY-MM or _T"},
                        {"name": "breakdown", "type": "string", "description": "or _T"},
                        {"name": "value", "type": "integer", "constraints": {"minimum": 0}},
                    ],
                    "missingValues": [""],
                },
                "data": [
                    {"indicator": i, "month": m, "breakdown": b, "value": v}
                    for i, m, b, v in observations(report)
                ],
            }
        ],
    }


__all__ = [
    "DATAFLOW",
    "FORMATS",
    "MEDIAN_DAYS",
    "MEDIA_TYPES",
    "observations",
    "to_csv",
    "to_datapackage",
    "to_pdf",
    "to_sdmx_csv",
]
