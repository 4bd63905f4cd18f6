"""The learner's wallet and OpenID for Verifiable Credentials: wallet links, credentials a
learner added from elsewhere, OID4VCI offers and nonces, and the employer's OpenID4VP requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.store.models.base import Base


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


__all__ = [
    "CredentialOfferRow",
    "ExternalCredentialRow",
    "PresentationRequestRow",
    "WalletLinkRow",
    "WalletNonceRow",
]
