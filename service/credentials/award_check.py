"""Checking award rows fast: a national cohort has hundreds of thousands of them.

The award schema (``schemas/award.schema.json``) is the rule. Most rows are plainly valid
(a name, a date, perhaps a reference and a result, all short strings), and for those a few
string tests say so some 20 times faster than the JSON Schema validator (profiled: 27 us a
row, 2.7 s for 100,000). :func:`plainly_valid` only ever accepts rows the schema accepts;
every other row goes through the validator, which names each problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from service.credentials.schemas import validate
from service.errors import ValidationFailed

#: Fields the fast path knows, with their maximum length (the schema's maxLength).
_SHORT_FIELDS = {"moduleId": 36, "learnerName": 200, "learnerId": 200, "result": 100}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def plainly_valid(award: Any) -> bool:
    """True only for a row the award schema accepts (and which names no personal data);
    False means "ask the validator", not "invalid"."""
    if type(award) is not dict or "learnerName" not in award or "completedOn" not in award:
        return False
    for key, value in award.items():
        if type(value) is not str:
            return False
        if key == "completedOn":
            if not _DATE.fullmatch(value):
                return False
            try:
                date.fromisoformat(value)
            except ValueError:
                return False
            continue
        limit = _SHORT_FIELDS.get(key)
        if limit is None or len(value) > limit:
            return False
    name = award["learnerName"]
    return bool(name) and not name.isspace() and award.get("result", "x") != ""


def award_errors(award: Mapping[str, Any], *, row: int, module_id: str) -> list[dict[str, str]]:
    """The problems of one award row (numbered ``row``) of a cohort for ``module_id``;
    empty when it is valid."""
    if not plainly_valid(award):
        try:
            validate("award", award, what=f"award in row {row}")
        except ValidationFailed as exc:
            return [{"row": str(row), **e} for e in exc.errors]
    if award.get("moduleId") not in (None, module_id):
        return [{"row": str(row), "path": "$.moduleId", "message": "differs from the module"}]
    return []


__all__ = ["award_errors", "plainly_valid"]
