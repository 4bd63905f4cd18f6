"""Recognition of prior learning data: assessors and cases, scoped by provider.

``repo.rpl`` shares the transaction of a
:class:`~service.store.repositories.Repositories`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from service.errors import NotFoundError
from service.store.models import IssuerKeyRow, RplAssessorRow, RplCaseRow
from service.store.repositories._base import SessionRepository, new_id


class RplRepository(SessionRepository):
    """Data access for RPL within one transaction."""

    def add_assessor(
        self,
        *,
        issuer_id: str,
        name: str,
        key_name: str,
        verification_method: str,
        public_key_multibase: str,
        now: datetime,
    ) -> RplAssessorRow:
        """Record an assessor and publish their key in the provider's DID document as an
        assertion method, without making it the provider's signing key."""
        self._session.add(
            IssuerKeyRow(
                id=new_id(),
                issuer_id=issuer_id,
                key_name=key_name,
                verification_method=verification_method,
                public_key_multibase=public_key_multibase,
                active=False,
                created_at=now,
                retired_at=None,
            )
        )
        row = RplAssessorRow(
            id=new_id(),
            issuer_id=issuer_id,
            name=name,
            key_name=key_name,
            verification_method=verification_method,
            created_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return row

    def assessors(self, issuer_id: str) -> Sequence[RplAssessorRow]:
        return self._session.scalars(
            select(RplAssessorRow)
            .where(RplAssessorRow.issuer_id == issuer_id)
            .order_by(RplAssessorRow.created_at, RplAssessorRow.id)
        ).all()

    def assessor(self, issuer_id: str, assessor_id: str) -> RplAssessorRow:
        row = self._session.get(RplAssessorRow, assessor_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No assessor {assessor_id!r} at this provider.")
        return row

    def add_case(
        self,
        *,
        issuer_id: str,
        learner_name: str,
        learner_ref: str | None,
        language: str | None,
        record: dict[str, Any],
        now: datetime,
    ) -> RplCaseRow:
        row = RplCaseRow(
            id=new_id(),
            issuer_id=issuer_id,
            learner_name=learner_name,
            learner_ref=learner_ref,
            language=language,
            status="open",
            record=record,
            opened_at=now,
            decided_at=None,
        )
        self._session.add(row)
        self._session.flush()
        return row

    def case(self, issuer_id: str, case_id: str, *, lock: bool = False) -> RplCaseRow:
        """One case of the provider; ``lock`` holds it (SELECT … FOR UPDATE) until the
        transaction ends, so two decisions on one case cannot both pass the open check."""
        query = select(RplCaseRow).where(RplCaseRow.id == case_id)
        if lock:
            query = query.with_for_update()
        row = self._session.scalar(query)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No RPL case {case_id!r} at this provider.")
        return row

    def cases(
        self, issuer_id: str, *, status: str | None, limit: int, offset: int
    ) -> Sequence[RplCaseRow]:
        query = select(RplCaseRow).where(RplCaseRow.issuer_id == issuer_id)
        if status is not None:
            query = query.where(RplCaseRow.status == status)
        return self._session.scalars(
            query.order_by(RplCaseRow.opened_at.desc(), RplCaseRow.id).limit(limit).offset(offset)
        ).all()

    def save(self, row: RplCaseRow) -> None:
        """Write back a changed ``record`` (a JSON column changed in place)."""
        flag_modified(row, "record")
        self._session.flush()


__all__ = ["RplRepository"]
