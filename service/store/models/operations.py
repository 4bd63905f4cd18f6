"""Running the service: the audit log and its retention cutoffs, verification and engagement
counts, progression marks, learners' erasure requests and background jobs.

The audit log holds who/what/when and never credential content; counts hold no content and no
client; an erasure request keeps only random ids, times and counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.store.models.base import Base


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_issuer_at", "issuer_id", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    issuer_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str | None] = mapped_column(String(400))
    detail: Mapped[str | None] = mapped_column(Text)


class AuditRetentionRow(Base):
    """A retention run's cutoff for the audit log: the database lets audit events older than
    the newest cutoff be deleted, and no other change (see migration ``learner_data``)."""

    __tablename__ = "audit_retention"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cutoff: Mapped[datetime]
    at: Mapped[datetime]


class VerificationCountRow(Base):
    """Aggregate verification counts per day and outcome: no content, no client."""

    __tablename__ = "verification_counts"
    __table_args__ = (UniqueConstraint("day", "outcome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))


class EngagementCountRow(Base):
    """Public verifications of one provider's credentials per month and verifier country
    (``""``: unknown, or GeoIP not configured). Only these monthly sums are ever stored:
    nothing per request, nothing about the credential or the client."""

    __tablename__ = "engagement_counts"
    __table_args__ = (UniqueConstraint("issuer_id", "month", "country"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    month: Mapped[str] = mapped_column(String(7))
    country: Mapped[str] = mapped_column(String(2))
    count: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))


class ProgressionMarkRow(Base):
    """A learner (wallet link) progressed with a provider in a month: earned a module
    credential at a higher EQF level than one they held before, or a qualification. Kept by
    the transactions that put credentials in links and award qualifications
    (``OutcomesRepository.refresh_progression``), so the indicator is a plain indexed count."""

    __tablename__ = "progression_marks"
    __table_args__ = (UniqueConstraint("issuer_id", "month", "wallet_link_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    issuer_id: Mapped[str] = mapped_column(String(36))
    month: Mapped[str] = mapped_column(String(7))
    wallet_link_id: Mapped[str] = mapped_column(String(36), index=True)


class ErasureRequestRow(Base):
    """A learner's erasure request (from their wallet page) or a provider's erasure, kept after
    the erasure as the record that it happened: no name, no token, no learner reference, only
    random ids, times and counts."""

    __tablename__ = "erasure_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    #: The wallet link the learner asked from (a random id; the link row itself is deleted).
    wallet_link_id: Mapped[str | None] = mapped_column(String(36), index=True)
    requested_by: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]
    credentials_erased: Mapped[int | None] = mapped_column(Integer)


class JobRow(Base):
    """A background job (a large cohort): its rows live in :class:`JobChunkRow` slices, which
    workers issue independently; progress and state are derived from them."""

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("issuer_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    module_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(200))
    total_rows: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    #: checking (the job checks its rows) | issuing (slices queued) | failed (row errors)
    state: Mapped[str] = mapped_column(String(10), server_default="issuing")
    #: Row errors found by the check (``{"errors": [...]}``), when it failed.
    errors: Mapped[dict[str, Any] | None]


class JobChunkRow(Base):
    """One slice of a job's rows: issued in one transaction (so exactly once: the slice's
    Idempotency-Key is ``job:{job}:{position}``), then marked done."""

    __tablename__ = "job_chunks"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_row: Mapped[int] = mapped_column(Integer)
    row_count: Mapped[int] = mapped_column(Integer)
    rows: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(10), index=True)  # queued | done | failed
    issued: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]
    #: Whether the qualification awards this slice may complete have run (their own task).
    qualified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())


__all__ = [
    "AuditRetentionRow",
    "AuditRow",
    "EngagementCountRow",
    "ErasureRequestRow",
    "JobChunkRow",
    "JobRow",
    "ProgressionMarkRow",
    "VerificationCountRow",
]
