"""Dates as credentials state them, and the one formatter of moments as text, always in UTC.

One reader of XML Schema dateTimes (:func:`parse_datetime`) and of which fields bound the
validity period (VC 2.0 or VC 1.1): every route to a verdict (pipeline, offline QR, status
lists, the pages, the certificate) reads dates here. Signed documents, saved files and the
sentences a verifier shows all word a moment through :func:`format_utc`, so one credential read
by any route shows its dates alike:

- ``"second"``: XML Schema ``dateTime`` to the second (``2025-01-31T09:30:00Z``), the form the
  W3C vectors use for ``created``, ``validFrom`` and the like;
- ``"minute"``: a check's detail for people (``2025-01-31 09:30 UTC``);
- ``"day"``: a calendar day (``2025-01-31``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from service.contexts import CREDENTIALS_V1
from service.errors import InputError

Precision = Literal["second", "minute", "day"]


def format_utc(moment: datetime, precision: Precision = "second") -> str:
    """``moment`` in UTC to ``precision``. A naive ``moment`` is refused (:class:`InputError`):
    its zone is unknown. A moment that has no UTC form (``0001-01-01T00:00:00+01:00`` is before
    year 1 in UTC) is given as written, ISO 8601 with its offset."""
    if moment.tzinfo is None:
        raise InputError("Timestamps must be timezone-aware.")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        return moment.isoformat()
    # date.isoformat, not strftime("%Y"): the C library writes year 1 as "1", not "0001"
    day = utc.date().isoformat()
    if precision == "day":
        return day
    if precision == "minute":
        return f"{day} {utc:%H:%M} UTC"
    return f"{day}T{utc:%H:%M:%S}Z"


_DATETIME = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", re.IGNORECASE
)


def parse_datetime(value: Any, *, require_offset: bool = False) -> datetime | None:
    """An XML Schema dateTime as an aware datetime (UTC if no offset); None if not one, or
    (``require_offset``) if it names no offset: VC 2.0 dates are ``dateTimeStamp``s."""
    if not isinstance(value, str) or not (match := _DATETIME.match(value)):
        return None
    if require_offset and match.group(2) is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def is_vc11(document: Mapping[str, Any]) -> bool:
    """Whether ``document`` is a VC Data Model 1.1 credential (its first context is v1)."""
    contexts = document.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    return first == CREDENTIALS_V1


def validity_fields(document: Mapping[str, Any]) -> tuple[str, str]:
    """The names of the start and end of the validity period: ``validFrom``/``validUntil``
    in VC 2.0, ``issuanceDate``/``expirationDate`` in VC 1.1 (§4.7 of the 1.1 model)."""
    return ("issuanceDate", "expirationDate") if is_vc11(document) else ("validFrom", "validUntil")


def valid_from(document: Mapping[str, Any]) -> datetime | None:
    """The start of the validity period, if the credential states a readable one."""
    return parse_datetime(document.get(validity_fields(document)[0]))


__all__ = [
    "Precision",
    "format_utc",
    "is_vc11",
    "parse_datetime",
    "valid_from",
    "validity_fields",
]
