"""Issued credentials, the ``Idempotency-Key`` results they were issued under, and the
Bitstring Status Lists with their allocated entries."""

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
)
from sqlalchemy.orm import Mapped, mapped_column

from service.store.models.base import Base


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


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("issuer_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    credential_ids: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


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
    #: The signed list last published (by the republish job or a read) and its version.
    published_version: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite")
    )
    published_document: Mapped[dict[str, Any] | None]
    published_until: Mapped[datetime | None]
    #: Set by the first change the published list does not show yet; cleared by publishing.
    dirty_since: Mapped[datetime | None]


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


__all__ = ["CredentialRow", "IdempotencyRow", "StatusEntryRow", "StatusListRow"]
