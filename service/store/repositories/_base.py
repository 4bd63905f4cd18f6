"""What every repository shares: id makers and the dialect's ``INSERT ... ON CONFLICT``."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def new_id() -> str:
    return str(uuid.uuid4())


def new_public_id() -> str:
    """An id that ends up in public links (a credential's ``/v/{code}`` and
    ``/credentials/{id}``): 128 random bits in UUID form. (A version-4 UUID fixes 6 of its
    bits, leaving 122; whoever holds the link may see the credential, so the link itself must
    not be guessable.)"""
    return str(uuid.UUID(bytes=secrets.token_bytes(16)))


def upsert_insert(session: Session) -> Any:
    """The ``insert`` that has ``on_conflict_do_*`` on this session's database (PostgreSQL
    or SQLite; the two are the only dialects the service supports)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class SessionRepository:
    """Base of the per-aggregate repositories: all share the caller's session, so one
    :class:`~service.store.repositories.Repositories` bundle is one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session


__all__ = ["SessionRepository", "new_id", "new_public_id", "upsert_insert"]
