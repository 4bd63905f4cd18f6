"""Credential offers, wallet nonces and presentation requests (OpenID for Verifiable Credentials).

Every secret is looked up by its hash, and every single-use step is one conditional UPDATE or
DELETE whose row count says whether this caller won: two wallets racing with the same code,
token or nonce cannot both succeed, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, select, update

from service.errors import NotFoundError
from service.store.models import (
    CredentialOfferRow,
    PresentationRequestRow,
    WalletNonceRow,
)
from service.store.records import CredentialOffer, PresentationRequest, record
from service.store.repositories._base import SessionRepository


class OpenIdRepository(SessionRepository):
    """Data access for OID4VCI offers and OID4VP requests, in the caller's transaction
    (``repo.openid`` of a :class:`~service.store.repositories.Repositories` bundle)."""

    # -- offers -----------------------------------------------------------------------------

    def add_offers(self, offers: Sequence[CredentialOffer]) -> None:
        """Insert new offers as given (ids and hashes chosen by the caller)."""
        self._session.add_all(
            CredentialOfferRow(**{f.name: getattr(o, f.name) for f in fields(o)}) for o in offers
        )
        self._session.flush()

    def offer(self, issuer_id: str, offer_id: str) -> CredentialOffer:
        row = self._session.get(CredentialOfferRow, offer_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No credential offer {offer_id!r} for this provider.")
        return record(CredentialOffer, row)

    def _offer_where(self, *condition: Any) -> CredentialOffer | None:
        row = self._session.scalar(select(CredentialOfferRow).where(*condition))
        return None if row is None else record(CredentialOffer, row)

    def offer_by_ref(self, ref_hash: str) -> CredentialOffer | None:
        return self._offer_where(CredentialOfferRow.ref_hash == ref_hash)

    def offer_by_code(self, code_hash: str) -> CredentialOffer | None:
        return self._offer_where(CredentialOfferRow.code_hash == code_hash)

    def offer_by_token(self, token_hash: str) -> CredentialOffer | None:
        return self._offer_where(CredentialOfferRow.token_hash == token_hash)

    def set_code(
        self, offer_id: str, *, code_hash: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Give a live, undelivered offer a new pre-authorized code (the old one stops working)."""
        done = self._session.execute(
            update(CredentialOfferRow)
            .where(
                CredentialOfferRow.id == offer_id,
                CredentialOfferRow.issued_at.is_(None),
                CredentialOfferRow.expires_at > now,
            )
            .values(code_hash=code_hash, code_expires_at=expires_at)
        )
        return _count(done) == 1

    def redeem_code(
        self, code_hash: str, *, token_hash: str, token_expires_at: datetime, now: datetime
    ) -> bool:
        """Exchange a live code for an access token, once: the code is cleared as it is used."""
        done = self._session.execute(
            update(CredentialOfferRow)
            .where(
                CredentialOfferRow.code_hash == code_hash,
                CredentialOfferRow.code_expires_at > now,
                CredentialOfferRow.issued_at.is_(None),
            )
            .values(
                code_hash=None,
                code_expires_at=None,
                token_hash=token_hash,
                token_expires_at=token_expires_at,
            )
        )
        return _count(done) == 1

    def count_tx_code_failure(self, offer_id: str, *, burn_at: int) -> int:
        """Count a wrong transaction code; at ``burn_at`` failures the code is withdrawn, so a
        6-digit code cannot be guessed by trying."""
        self._session.execute(
            update(CredentialOfferRow)
            .where(CredentialOfferRow.id == offer_id)
            .values(tx_code_failures=CredentialOfferRow.tx_code_failures + 1)
        )
        failures = int(
            self._session.scalar(
                select(CredentialOfferRow.tx_code_failures).where(CredentialOfferRow.id == offer_id)
            )
            or 0
        )
        if failures >= burn_at:
            self._session.execute(
                update(CredentialOfferRow)
                .where(CredentialOfferRow.id == offer_id)
                .values(code_hash=None, code_expires_at=None)
            )
        return failures

    def deliver(self, token_hash: str, *, holder_did: str | None, now: datetime) -> bool:
        """Mark the offer behind a live token delivered (once); the token stops working."""
        done = self._session.execute(
            update(CredentialOfferRow)
            .where(
                CredentialOfferRow.token_hash == token_hash,
                CredentialOfferRow.token_expires_at > now,
                CredentialOfferRow.issued_at.is_(None),
            )
            .values(issued_at=now, holder_did=holder_did, token_hash=None, token_expires_at=None)
        )
        return _count(done) == 1

    # -- nonces -----------------------------------------------------------------------------

    def add_nonce(self, nonce_hash: str, *, expires_at: datetime, now: datetime) -> None:
        # Expired nonces go as new ones come: the table holds only the live few.
        self._session.execute(delete(WalletNonceRow).where(WalletNonceRow.expires_at <= now))
        self._session.add(WalletNonceRow(nonce_hash=nonce_hash, expires_at=expires_at))
        self._session.flush()

    def take_nonce(self, nonce_hash: str, *, now: datetime) -> bool:
        """Use a live nonce up: true for the one caller that deleted it."""
        done = self._session.execute(
            delete(WalletNonceRow).where(
                WalletNonceRow.nonce_hash == nonce_hash, WalletNonceRow.expires_at > now
            )
        )
        return _count(done) == 1

    # -- presentation requests ---------------------------------------------------------------

    def add_presentation_request(self, request: PresentationRequest, *, now: datetime) -> None:
        """Insert a new request as given (id, state hash and nonce chosen by the caller)."""
        # The verdicts of expired requests are not kept (no one's credential lingers here).
        self._session.execute(
            delete(PresentationRequestRow).where(PresentationRequestRow.expires_at <= now)
        )
        self._session.add(
            PresentationRequestRow(**{f.name: getattr(request, f.name) for f in fields(request)})
        )
        self._session.flush()

    def presentation_request_by_state(self, state_hash: str) -> PresentationRequest | None:
        row = self._session.scalar(
            select(PresentationRequestRow).where(PresentationRequestRow.state_hash == state_hash)
        )
        return record(PresentationRequest, row) if row is not None else None

    def answer_presentation_request(
        self, request_id: str, *, verdict: dict[str, Any], now: datetime
    ) -> bool:
        """Record the one answer to a live request."""
        done = self._session.execute(
            update(PresentationRequestRow)
            .where(
                PresentationRequestRow.id == request_id,
                PresentationRequestRow.answered_at.is_(None),
                PresentationRequestRow.expires_at > now,
            )
            .values(answered_at=now, verdict=verdict)
        )
        return _count(done) == 1


def _count(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


__all__ = ["OpenIdRepository"]
