"""Providers and what they define: the provider, its signing keys, API keys and browser
sessions (and the operator's keys), its programmes and modules (the catalogue), and the
operator's trust registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from service.store.models.base import Base


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


__all__ = [
    "ApiKeyRow",
    "BrowserSessionRow",
    "IssuerKeyRow",
    "IssuerRow",
    "ModuleRow",
    "OperatorKeyRow",
    "ProgrammeRow",
    "TrustEntryRow",
]
