"""Reads for operating the service: readiness and metrics (no provider's records)."""

from __future__ import annotations

from sqlalchemy import select, text

from service.store.models import IssuerKeyRow
from service.store.repositories._base import SessionRepository


class OperationsRepository(SessionRepository):
    """Queries an operator's probes need, in the caller's transaction."""

    def ping(self) -> None:
        """Raises if the database does not answer a query."""
        self._session.execute(text("SELECT 1"))

    def active_key_names(self) -> list[str]:
        """The key-store names of every provider's current signing key."""
        rows = self._session.execute(
            select(IssuerKeyRow.key_name).where(IssuerKeyRow.active.is_(True))
        )
        return sorted(str(name) for name in rows.scalars())


__all__ = ["OperationsRepository"]
