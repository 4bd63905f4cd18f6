"""Recognition of prior learning data: assessors and cases, scoped by provider.

``repo.rpl`` shares the transaction of a
:class:`~service.store.repositories.Repositories`. Reads hand out frozen records
(:class:`~service.store.records.RplAssessor`, :class:`~service.store.records.RplCase`); a case
changes only through :meth:`RplRepository.add_evidence` and :meth:`RplRepository.close_case`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.errors import NotFoundError
from service.store.models import IssuerKeyRow, RplAssessorRow, RplCaseRow
from service.store.records import RplAssessor, RplCase, record
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
    ) -> RplAssessor:
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
        return record(RplAssessor, row)

    def assessors(self, issuer_id: str) -> list[RplAssessor]:
        rows = self._session.scalars(
            select(RplAssessorRow)
            .where(RplAssessorRow.issuer_id == issuer_id)
            .order_by(RplAssessorRow.created_at, RplAssessorRow.id)
        )
        return [record(RplAssessor, row) for row in rows]

    def assessor(self, issuer_id: str, assessor_id: str) -> RplAssessor:
        row = self._session.get(RplAssessorRow, assessor_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No assessor {assessor_id!r} at this provider.")
        return record(RplAssessor, row)

    def add_case(
        self,
        *,
        issuer_id: str,
        learner_name: str,
        learner_ref: str | None,
        language: str | None,
        record: dict[str, Any],
        now: datetime,
    ) -> RplCase:
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
        return _case(row)

    def case(self, issuer_id: str, case_id: str, *, lock: bool = False) -> RplCase:
        """One case of the provider; ``lock`` holds it (SELECT … FOR UPDATE) until the
        transaction ends, so two decisions on one case cannot both pass the open check."""
        return _case(self._row(issuer_id, case_id, lock=lock))

    def cases(
        self, issuer_id: str, *, status: str | None, limit: int, offset: int
    ) -> list[RplCase]:
        query = select(RplCaseRow).where(RplCaseRow.issuer_id == issuer_id)
        if status is not None:
            query = query.where(RplCaseRow.status == status)
        rows = self._session.scalars(
            query.order_by(RplCaseRow.opened_at.desc(), RplCaseRow.id).limit(limit).offset(offset)
        )
        return [_case(row) for row in rows]

    def add_evidence(self, issuer_id: str, case_id: str, evidence: Mapping[str, Any]) -> RplCase:
        """Append one piece of evidence to the case's record; the case as it is now."""
        row = self._row(issuer_id, case_id, lock=True)
        # A new value, not an edit in place: the JSON column sees the change on assignment.
        row.record = {**row.record, "evidence": [*row.record["evidence"], dict(evidence)]}
        self._session.flush()
        return _case(row)

    def close_case(
        self,
        issuer_id: str,
        case_id: str,
        *,
        outcomes: Sequence[Mapping[str, Any]],
        assessor_ids: Sequence[str],
        decided_on: str,
        now: datetime,
    ) -> RplCase:
        """Record the decision (outcomes per module, the assessors, the date) and mark the
        case decided at ``now``; the case as it is now."""
        row = self._row(issuer_id, case_id, lock=True)
        row.record = {
            **row.record,
            "outcomes": [dict(o) for o in outcomes],
            "assessors": list(assessor_ids),
            "decidedOn": decided_on,
        }
        row.status = "decided"
        row.decided_at = now
        self._session.flush()
        return _case(row)

    def _row(self, issuer_id: str, case_id: str, *, lock: bool) -> RplCaseRow:
        query = select(RplCaseRow).where(RplCaseRow.id == case_id)
        if lock:
            query = query.with_for_update()
        row = self._session.scalar(query)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No RPL case {case_id!r} at this provider.")
        return row


def _case(row: RplCaseRow) -> RplCase:
    return record(RplCase, row)


__all__ = ["RplRepository"]
