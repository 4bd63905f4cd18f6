"""The one formatter of moments as text, always in UTC.

Signed documents, saved files and the sentences a verifier shows all word a moment through
:func:`format_utc`, so one credential read by any route shows its dates alike:

- ``"second"``: XML Schema ``dateTime`` to the second (``2025-01-31T09:30:00Z``), the form the
  W3C vectors use for ``created``, ``validFrom`` and the like;
- ``"minute"``: a check's detail for people (``2025-01-31 09:30 UTC``);
- ``"day"``: a calendar day (``2025-01-31``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

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


__all__ = ["Precision", "format_utc"]
