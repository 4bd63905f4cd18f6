"""Learners' erasure requests: asked from a wallet page (the provider confirms) or made by the
provider's own erasure, kept after the erasure as the record that it happened (random ids,
times and counts; no name, no token, no learner reference)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update

from service.errors import NotFoundError
from service.store.models import ErasureRequestRow
from service.store.records import ErasureRequest, record
from service.store.repositories._base import SessionRepository, new_id


class ErasureRequestRepository(SessionRepository):
    """Erasure requests in the caller's transaction (``repo.erasure_requests``)."""

    def add(
        self, *, issuer_id: str, wallet_link_id: str | None, requested_by: str, now: datetime
    ) -> ErasureRequest:
        row = ErasureRequestRow(
            id=new_id(),
            issuer_id=issuer_id,
            wallet_link_id=wallet_link_id,
            requested_by=requested_by,
            requested_at=now,
            erased_at=None,
            credentials_erased=None,
        )
        self._session.add(row)
        self._session.flush()
        return record(ErasureRequest, row)

    def get(self, issuer_id: str, request_id: str) -> ErasureRequest:
        row = self._session.get(ErasureRequestRow, request_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No erasure request {request_id!r}.")
        return record(ErasureRequest, row)

    def of_provider(
        self, issuer_id: str, *, pending_only: bool, limit: int, offset: int
    ) -> list[ErasureRequest]:
        query = select(ErasureRequestRow).where(ErasureRequestRow.issuer_id == issuer_id)
        if pending_only:
            query = query.where(ErasureRequestRow.erased_at.is_(None))
        return self._all(
            query.order_by(ErasureRequestRow.requested_at, ErasureRequestRow.id)
            .limit(limit)
            .offset(offset),
        )

    def of_link(self, link_id: str) -> list[ErasureRequest]:
        return self._all(
            select(ErasureRequestRow)
            .where(ErasureRequestRow.wallet_link_id == link_id)
            .order_by(ErasureRequestRow.requested_at, ErasureRequestRow.id),
        )

    def mark_done(
        self, request_id: str, *, credentials_erased: int, now: datetime
    ) -> ErasureRequest:
        """Mark the request carried out at ``now`` with its count, unless it already was
        (the first erasure's time and count stay); the request as it is now."""
        self._session.execute(
            update(ErasureRequestRow)
            .where(ErasureRequestRow.id == request_id, ErasureRequestRow.erased_at.is_(None))
            .values(erased_at=now, credentials_erased=credentials_erased)
            .execution_options(synchronize_session=False)
        )
        row = self._session.get(ErasureRequestRow, request_id, populate_existing=True)
        if row is None:
            raise NotFoundError(f"No erasure request {request_id!r}.")
        return record(ErasureRequest, row)

    def _all(self, query: Select[Any]) -> list[ErasureRequest]:
        return [record(ErasureRequest, row) for row in self._session.scalars(query)]


__all__ = ["ErasureRequestRepository"]
