"""Cohort CSV uploads -> award rows. Pure: bytes in, list of dicts out.

Spreadsheets export CSV in many dialects: UTF-8 with a byte-order mark, comma or semicolon
(European Excel), CRLF. We accept those, map headers to award fields case- and
separator-insensitively, and leave empty cells out, so the award schema reports what is
really missing. Unknown columns are kept so the schema names them.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from service.errors import ValidationFailed

COLUMNS = {
    "learnername": "learnerName",
    "name": "learnerName",
    "completedon": "completedOn",
    "completiondate": "completedOn",
    "result": "result",
    "grade": "result",
    "learnerid": "learnerId",
    "learnerdid": "learnerDid",
    "language": "language",
    "moduleid": "moduleId",
}
#: Room for the largest cohort a job takes (service.app.jobs.MAX_JOB_ROWS, 1,000,000 rows) at
#: up to 134 bytes a row; a typical row (name, date, result, learner id) is about 60. Parsing
#: the largest takes about 1.2 GB in the service process for a few seconds.
MAX_CSV_BYTES = 128 * 1024 * 1024
#: The same cohort as JSON awards: every row names its fields, about twice the CSV.
MAX_JSON_BYTES = 2 * MAX_CSV_BYTES
#: What a client whose cohort is over either limit should do.
TOO_LARGE_ADVICE = "Split the cohort into uploads of at most 1,000,000 rows."


def _key(header: str) -> str:
    normal = "".join(ch for ch in header.strip().lower() if ch.isalnum())
    return COLUMNS.get(normal, header.strip())


def parse_cohort_csv(data: bytes) -> list[dict[str, Any]]:
    """Rows of a cohort CSV (first line = headers) as award dicts, in file order. The caller
    bounds ``data`` by :data:`MAX_CSV_BYTES` as it reads it (the route answers 413)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            "The CSV file is not UTF-8. In your spreadsheet, save as 'CSV UTF-8' and upload again."
        ) from None
    if not text.strip():
        raise ValidationFailed("The CSV file is empty.")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = [_key(h) for h in next(reader)]
    if "learnerName" not in headers or "completedOn" not in headers:
        raise ValidationFailed(
            "The CSV needs a header row with at least the columns learnerName and completedOn "
            f"(found: {', '.join(headers)})."
        )
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        row = {h: c.strip() for h, c in zip(headers, cells, strict=False) if c.strip()}
        if len(cells) > len(headers):
            row["_extraCells"] = str(len(cells) - len(headers))
        rows.append(row)
    return rows


__all__ = ["MAX_CSV_BYTES", "MAX_JSON_BYTES", "TOO_LARGE_ADVICE", "parse_cohort_csv"]
