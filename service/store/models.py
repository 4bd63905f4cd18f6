"""Typed rows (SQLAlchemy 2.0 ``Mapped``). Schema changes go through Alembic migrations.

Timestamps are stored as timezone-aware UTC. JSON columns hold catalogue data and signed
credentials as issued (the exact bytes matter less than the exact JSON value, which is what
was signed). The audit log holds who/what/when and never credential content.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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


class IssuerRow(Base):
    __tablename__ = "issuers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    did: Mapped[str] = mapped_column(String(300), unique=True)
    suspension_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime]


class IssuerKeyRow(Base):
    __tablename__ = "issuer_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    key_name: Mapped[str] = mapped_column(String(64), unique=True)
    verification_method: Mapped[str] = mapped_column(String(400), unique=True)
    public_key_multibase: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]
    #: Declared compromised from this moment: proofs made with it since then do not verify.
    compromised_at: Mapped[datetime | None]


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class BrowserSessionRow(Base):
    """A provider's signed-in browser (the outcomes page): the hash of the cookie's token and
    the API key it signed in with; a revoked key ends its sessions."""

    __tablename__ = "browser_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class OperatorKeyRow(Base):
    """The operator's API keys (scope ``outcomes``: every provider's outcomes), stored as a
    public prefix and the hash of the secret, like providers' keys."""

    __tablename__ = "operator_api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ProgrammeRow(Base):
    __tablename__ = "programmes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ModuleRow(Base):
    __tablename__ = "modules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    programme_id: Mapped[str | None] = mapped_column(ForeignKey("programmes.id"))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CredentialRow(Base):
    __tablename__ = "credentials"
    # Outcome indicators count a provider's credentials by month and by learner in time
    # order: those two indexes cover what they read, so a year's figures come from indexes
    # only (bench/bench_outcomes.py); export and erasure find a learner by learner id;
    # retention finds the oldest records.
    __table_args__ = (
        Index("ix_credentials_outcomes_month", "issuer_id", "issued_at", "module_id"),
        Index(
            "ix_credentials_outcomes_learner",
            "issuer_id",
            "wallet_link_id",
            "issued_at",
            "module_id",
        ),
        Index("ix_credentials_learner_ref", "issuer_id", "learner_ref"),
        Index("ix_credentials_issued_at", "issued_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    module_id: Mapped[str | None] = mapped_column(ForeignKey("modules.id"))
    learner_name: Mapped[str] = mapped_column(String(300))
    learner_ref: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
    wallet_link_id: Mapped[str | None] = mapped_column(ForeignKey("wallet_links.id"), index=True)
    document: Mapped[dict[str, Any]]
    issued_at: Mapped[datetime]


class StatusListRow(Base):
    """One Bitstring Status List of a provider. The bits are derived from its entries; only
    ``version`` changes on a write (an atomic increment), so concurrent revocations never
    overwrite each other."""

    __tablename__ = "status_lists"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StatusEntryRow(Base):
    """An allocated index. Rows are never deleted, so an index is never handed out twice,
    even after the credential record is erased (``credential_id`` becomes NULL)."""

    __tablename__ = "status_entries"
    __table_args__ = (UniqueConstraint("list_id", "position"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"))
    position: Mapped[int] = mapped_column(Integer)
    credential_id: Mapped[str | None] = mapped_column(String(36), index=True)
    is_set: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class WalletLinkRow(Base):
    """A learner's private wallet link. Only the token's hash is stored."""

    __tablename__ = "wallet_links"
    __table_args__ = (Index("ix_wallet_links_learner_ref", "issuer_id", "learner_ref"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    learner_ref: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class TrustEntryRow(Base):
    """A recognized provider in the operator's trust registry."""

    __tablename__ = "trust_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    did: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    accrediting_body: Mapped[str | None] = mapped_column(String(300))
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    did_document: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


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


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("issuer_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    credential_ids: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


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


class QualificationRow(Base):
    """A qualification awarded to a learner (their wallet link at the provider) for one
    programme version: at most one, whatever order or concurrency the modules arrive in.
    ``relied_on`` names every module credential it rests on (id, issuer, digest); a
    revocation of one of them sets ``flagged_at`` for the provider's review."""

    __tablename__ = "qualifications"
    __table_args__ = (UniqueConstraint("programme_id", "programme_version", "wallet_link_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"))
    programme_version: Mapped[int] = mapped_column(Integer)
    wallet_link_id: Mapped[str] = mapped_column(ForeignKey("wallet_links.id"), index=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"))
    clr_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"))
    relied_on: Mapped[dict[str, Any]]
    flagged_at: Mapped[datetime | None]
    review_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class QualificationSourceRow(Base):
    """A credential a qualification rests on, indexed so a revocation finds its dependants."""

    __tablename__ = "qualification_sources"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    qualification_id: Mapped[str] = mapped_column(ForeignKey("qualifications.id"), index=True)
    document_id: Mapped[str] = mapped_column(String(500), index=True)


class ExternalCredentialRow(Base):
    """A module credential from another provider that a learner presented to their wallet,
    kept as presented once the full verification pipeline accepted it."""

    __tablename__ = "external_credentials"
    __table_args__ = (UniqueConstraint("wallet_link_id", "document_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    wallet_link_id: Mapped[str] = mapped_column(ForeignKey("wallet_links.id"), index=True)
    document_id: Mapped[str] = mapped_column(String(500))
    issuer_did: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict[str, Any]]
    verified_at: Mapped[datetime]
    created_at: Mapped[datetime]


class CredentialOfferRow(Base):
    """An OID4VCI credential offer (pre-authorized code flow) for one stored credential.

    Only hashes of its secrets are stored: the reference in its ``credential_offer_uri``, the
    pre-authorized code (reissued each time a wallet reads the offer), the optional
    transaction code and the access token. ``issued_at`` ends it: an offer delivers once."""

    __tablename__ = "credential_offers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    ref_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[datetime | None]
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_code_failures: Mapped[int] = mapped_column(Integer, default=0)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None]
    holder_did: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    issued_at: Mapped[datetime | None]


class WalletNonceRow(Base):
    """A single-use nonce handed to a wallet (OID4VCI ``c_nonce``), stored hashed."""

    __tablename__ = "wallet_nonces"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class PresentationRequestRow(Base):
    """An employer's OpenID4VP request from the /verify page and, once a wallet answered,
    the verdict shown on that employer's screen (kept until the request expires)."""

    __tablename__ = "presentation_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    answered_at: Mapped[datetime | None]
    verdict: Mapped[dict[str, Any] | None]


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


class RplAssessorRow(Base):
    """An assessor of recognition of prior learning: a person with their own signing key,
    published under the provider's DID document (never the provider's issuing key)."""

    __tablename__ = "rpl_assessors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key_name: Mapped[str] = mapped_column(String(64), unique=True)
    verification_method: Mapped[str] = mapped_column(String(400), unique=True)
    created_at: Mapped[datetime]


class RplCaseRow(Base):
    """One learner's recognition of prior learning case. ``record`` holds the scope, the
    foreign credentials and their mapping, the evidence (descriptions and digests only) and
    the outcome per module; each step is audited."""

    __tablename__ = "rpl_cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    learner_name: Mapped[str] = mapped_column(String(300))
    learner_ref: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    record: Mapped[dict[str, Any]]
    opened_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


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


class AuditRetentionRow(Base):
    """A retention run's cutoff for the audit log: the database lets audit events older than
    the newest cutoff be deleted, and no other change (see migration ``learner_data``)."""

    __tablename__ = "audit_retention"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cutoff: Mapped[datetime]
    at: Mapped[datetime]


__all__ = [
    "ApiKeyRow",
    "AuditRetentionRow",
    "AuditRow",
    "Base",
    "CredentialOfferRow",
    "CredentialRow",
    "EngagementCountRow",
    "ErasureRequestRow",
    "ExternalCredentialRow",
    "IdempotencyRow",
    "IssuerKeyRow",
    "IssuerRow",
    "JobChunkRow",
    "JobRow",
    "ModuleRow",
    "PresentationRequestRow",
    "ProgrammeRow",
    "QualificationRow",
    "QualificationSourceRow",
    "RplAssessorRow",
    "RplCaseRow",
    "StatusEntryRow",
    "StatusListRow",
    "TrustEntryRow",
    "VerificationCountRow",
    "WalletLinkRow",
    "WalletNonceRow",
]
