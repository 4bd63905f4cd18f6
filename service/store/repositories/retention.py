"""Queries of the retention job (``service.app.retention``): what is past its time, and
deleting it. Erasing credentials and links goes through :meth:`LearnerDataRepository.erase`, so
retention forgets exactly what an erasure forgets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select

from service.store.models import (
    AuditRetentionRow,
    AuditRow,
    Base,
    CredentialOfferRow,
    CredentialRow,
    IdempotencyRow,
    JobChunkRow,
    JobRow,
    PresentationRequestRow,
    WalletLinkRow,
    WalletNonceRow,
)
from service.store.repositories.learner_data import LearnerDataRepository


class RetentionRepository(LearnerDataRepository):
    """Retention queries in the caller's transaction (``session``)."""

    def credential_ids_issued_before(
        self, cutoff: datetime, *, limit: int
    ) -> list[tuple[str, str]]:
        """``(issuer id, credential id)`` of records issued before ``cutoff``, oldest first."""
        rows = self._session.execute(
            select(CredentialRow.issuer_id, CredentialRow.id)
            .where(CredentialRow.issued_at < cutoff)
            .order_by(CredentialRow.issued_at, CredentialRow.id)
            .limit(limit)
        ).all()
        return [(str(r[0]), str(r[1])) for r in rows]

    def stale_link_ids(self, cutoff: datetime, *, limit: int) -> list[tuple[str, str]]:
        """``(issuer id, link id)`` of wallet links made before ``cutoff`` that are revoked or
        hold no credential any more."""
        held = select(CredentialRow.wallet_link_id).where(CredentialRow.wallet_link_id.is_not(None))
        rows = self._session.execute(
            select(WalletLinkRow.issuer_id, WalletLinkRow.id)
            .where(
                WalletLinkRow.created_at < cutoff,
                (WalletLinkRow.revoked_at.is_not(None)) | (WalletLinkRow.id.not_in(held)),
            )
            .order_by(WalletLinkRow.created_at, WalletLinkRow.id)
            .limit(limit)
        ).all()
        return [(str(r[0]), str(r[1])) for r in rows]

    def delete_idempotency_before(self, cutoff: datetime) -> int:
        """Forget cohort requests' replay records (which credentials a request made) made
        before ``cutoff``."""
        return len(
            self._session.execute(
                delete(IdempotencyRow)
                .where(IdempotencyRow.created_at < cutoff)
                .returning(IdempotencyRow.id)
                .execution_options(synchronize_session=False)
            ).all()
        )

    def delete_finished_jobs_before(self, cutoff: datetime) -> int:
        """Delete cohort jobs made before ``cutoff`` with nothing left to issue, and their
        slices (the uploaded rows: names, learner ids)."""
        queued = select(JobChunkRow.job_id).where(JobChunkRow.state == "queued")
        ids = list(
            self._session.scalars(
                select(JobRow.id).where(JobRow.created_at < cutoff, JobRow.id.not_in(queued))
            )
        )
        self._delete(JobChunkRow, JobChunkRow.job_id, ids)
        return self._delete(JobRow, JobRow.id, ids)

    def delete_expired_requests(self, now: datetime) -> int:
        """Delete expired OpenID4VP requests (an answered one keeps the verdict the employer saw,
        which names the learner) and expired wallet nonces; how many requests went."""
        self._delete_where(WalletNonceRow, WalletNonceRow.expires_at <= now)
        return self._delete_where(PresentationRequestRow, PresentationRequestRow.expires_at <= now)

    def delete_offers_ended_before(self, cutoff: datetime) -> int:
        """Delete wallet-app offers that ended before ``cutoff``: delivered, or expired with
        any access token they handed out; their hashed codes and token and the wallet's DID go
        with them. How many went."""
        token_over = or_(
            CredentialOfferRow.token_expires_at.is_(None),
            CredentialOfferRow.token_expires_at < cutoff,
        )
        return self._delete_where(
            CredentialOfferRow,
            or_(
                CredentialOfferRow.issued_at < cutoff,
                and_(CredentialOfferRow.expires_at < cutoff, token_over),
            ),
        )

    def _delete_where(self, table: type[Base], condition: Any) -> int:
        result = self._session.execute(
            delete(table).where(condition).execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def delete_audit_before(self, cutoff: datetime, *, now: datetime) -> int:
        """Record ``cutoff`` as the audit log's retention boundary, then delete the events
        older than it: the only deletion the database allows on the log."""
        self._session.add(AuditRetentionRow(cutoff=cutoff, at=now))
        self._session.flush()
        return len(
            self._session.execute(
                delete(AuditRow)
                .where(AuditRow.at < cutoff)
                .returning(AuditRow.id)
                .execution_options(synchronize_session=False)
            ).all()
        )


__all__ = ["RetentionRepository"]
