"""Dates as credentials state them: one reader of XML Schema dateTimes, and which fields bound
the validity period (VC 2.0 or VC 1.1). Every route to a verdict (pipeline, offline QR, status
lists, the page) reads dates here and words them with :func:`service.dates.format_utc`, so a
date reads the same everywhere."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from service.contexts import CREDENTIALS_V1

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


__all__ = ["is_vc11", "parse_datetime", "valid_from", "validity_fields"]
