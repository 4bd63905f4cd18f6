"""The trust registry: which issuer DIDs this service's verifiers recognise."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.store.models import TrustEntryRow
from service.store.records import TrustRecord, record
from service.store.repositories._base import SessionRepository, new_id


class TrustRegistryRepository(SessionRepository):
    """Registry entries, one per DID."""

    def trust_entries(self) -> list[TrustRecord]:
        rows = self._session.scalars(select(TrustEntryRow).order_by(TrustEntryRow.name)).all()
        return [record(TrustRecord, row) for row in rows]

    def put_trust_entry(
        self,
        *,
        did: str,
        name: str,
        country: str | None,
        accrediting_body: str | None,
        valid_from: datetime | None,
        valid_until: datetime | None,
        withdrawn_at: datetime | None,
        did_document: dict[str, Any] | None,
        now: datetime,
    ) -> bool:
        """Insert or replace (whole) the entry for ``did``; True when it is new."""
        row = self._session.scalar(select(TrustEntryRow).where(TrustEntryRow.did == did))
        created = row is None
        if row is None:
            row = TrustEntryRow(id=new_id(), did=did, created_at=now)
            self._session.add(row)
        row.name = name
        row.country = country
        row.accrediting_body = accrediting_body
        row.valid_from = valid_from
        row.valid_until = valid_until
        row.withdrawn_at = withdrawn_at
        row.did_document = did_document
        self._session.flush()
        return created

    def remove_trust_entry(self, did: str) -> bool:
        """Delete the registry entry for ``did``; False when there was none."""
        row = self._session.scalar(select(TrustEntryRow).where(TrustEntryRow.did == did))
        if row is None:
            return False
        self._session.delete(row)
        self._session.flush()
        return True

    def remove_trust_entries_except(self, keep: Collection[str]) -> int:
        """Delete every registry entry whose DID is not in ``keep``; how many went."""
        rows = self._session.scalars(select(TrustEntryRow)).all()
        gone = [r for r in rows if r.did not in keep]
        for row in gone:
            self._session.delete(row)
        self._session.flush()
        return len(gone)


__all__ = ["TrustRegistryRepository"]
