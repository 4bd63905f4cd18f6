"""The audit log (who did what, when; never credential content or personal data) and the
anonymous public-verification tallies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import insert, select

from service.store.models import AuditRow, VerificationCountRow
from service.store.records import AuditEvent, VerificationCount, record
from service.store.repositories._base import SessionRepository, upsert_insert


class AuditRepository(SessionRepository):
    """Append-only audit events."""

    def record(
        self,
        *,
        actor: str,
        action: str,
        now: datetime,
        issuer_id: str | None = None,
        subject: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Append one audit event: who, what, when; never credential content."""
        self._session.add(
            AuditRow(
                at=now,
                actor=actor,
                issuer_id=issuer_id,
                action=action,
                subject=subject,
                detail=detail,
            )
        )

    def record_many(
        self, *, actor: str, action: str, now: datetime, issuer_id: str, subjects: Sequence[str]
    ) -> None:
        """One event per subject, in one statement."""
        self._session.execute(
            insert(AuditRow),
            [
                {
                    "at": now,
                    "actor": actor,
                    "issuer_id": issuer_id,
                    "action": action,
                    "subject": s,
                    "detail": None,
                }
                for s in subjects
            ],
        )

    def log(self, issuer_id: str | None = None, *, limit: int = 100) -> list[AuditEvent]:
        """Newest first; one provider's events, or everyone's when ``issuer_id`` is None."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if issuer_id is not None:
            query = query.where(AuditRow.issuer_id == issuer_id)
        return [record(AuditEvent, row) for row in self._session.scalars(query)]


class CounterRepository(SessionRepository):
    """Aggregate counts of public verifications by day and outcome (no one is logged)."""

    def add_verification_counts(self, counts: Mapping[tuple[str, str], int]) -> None:
        """Add ``{(day, outcome): n}`` to the aggregate counters (one upsert per pair)."""
        insert_for = upsert_insert(self._session)
        for (day, outcome), n in sorted(counts.items()):
            statement = insert_for(VerificationCountRow).values(day=day, outcome=outcome, count=n)
            statement = statement.on_conflict_do_update(
                index_elements=["day", "outcome"],
                set_={"count": VerificationCountRow.count + statement.excluded.count},
            )
            self._session.execute(statement)

    def verification_counts(self) -> list[VerificationCount]:
        rows = self._session.scalars(
            select(VerificationCountRow).order_by(
                VerificationCountRow.day, VerificationCountRow.outcome
            )
        ).all()
        return [record(VerificationCount, row) for row in rows]


__all__ = ["AuditRepository", "CounterRepository"]
