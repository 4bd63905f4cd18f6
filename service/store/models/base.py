"""What every model shares: the declarative base and the time type that reads back aware UTC.

Timestamps are stored as timezone-aware UTC. JSON columns hold catalogue data and signed
credentials as issued (the exact bytes matter less than the exact JSON value, which is what
was signed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that reads back aware UTC on every database.

    SQLite keeps no offset, so without this the same row is aware on PostgreSQL and naive
    on SQLite, and comparing it with an aware ``now`` raises.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # A naive time is taken as UTC (PostgreSQL would read it in the session's time zone).
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: UTCDateTime(),
    }


__all__ = ["Base", "UTCDateTime"]
