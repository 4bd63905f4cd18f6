"""Pathways and recognition of prior learning: qualifications awarded on module credentials
(and what they rest on), RPL assessors and cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.store.models.base import Base


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
    #: When the learner's first module credential of the programme (the provider's own,
    #: issued before the award) was issued: the start of the time to the qualification
    #: (outcomes). None when the qualification rests on recognized credentials only.
    started_at: Mapped[datetime | None]


class QualificationSourceRow(Base):
    """A credential a qualification rests on, indexed so a revocation finds its dependants."""

    __tablename__ = "qualification_sources"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    qualification_id: Mapped[str] = mapped_column(ForeignKey("qualifications.id"), index=True)
    document_id: Mapped[str] = mapped_column(String(500), index=True)


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


__all__ = ["QualificationRow", "QualificationSourceRow", "RplAssessorRow", "RplCaseRow"]
