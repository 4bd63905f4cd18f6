"""Credential offers (OID4VCI §4): made by the provider or the learner's wallet page for
stored credentials, read by a wallet through their ``credential_offer_uri`` (each read mints
a fresh pre-authorized code), optionally guarded by a transaction code."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from service.app.oid4vci.common import (
    CODE_LIFETIME,
    PRE_AUTHORIZED_GRANT,
    configuration_id,
    issuer_identifier,
    new_secret,
    secret_hash,
)
from service.app.status_lists import credential_status
from service.errors import ConflictError, NotFoundError, OfferGone, ValidationFailed
from service.store import Repositories
from service.store.records import Credential, CredentialOffer, Issuer

OFFER_LIFETIME = timedelta(days=7)
#: The offer printed on the certificate's second page.
PRINTED_OFFER_LIFETIME = timedelta(days=30)
MAX_OFFER_LIFETIME = timedelta(days=90)
TX_CODE_LENGTH = 6
MAX_BATCH = 2000
OFFER_SCHEME = "openid-credential-offer://"


@dataclass(frozen=True)
class NewOffer:
    """An offer made now: the secrets in it are shown this once."""

    row: CredentialOffer
    offer_uri: str
    #: the offer by value, with a pre-authorized code valid for :data:`CODE_LIFETIME`
    offer: dict[str, Any]
    tx_code: str | None

    def deep_link_by_reference(self) -> str:
        return f"{OFFER_SCHEME}?credential_offer_uri={quote(self.offer_uri, safe='')}"

    def deep_link_by_value(self) -> str:
        text = json.dumps(self.offer, separators=(",", ":"))
        return f"{OFFER_SCHEME}?credential_offer={quote(text, safe='')}"

    def describe(self) -> dict[str, Any]:
        """The provider API's answer (and the wallet page's content)."""
        return {
            "id": self.row.id,
            "credentialId": self.row.credential_id,
            "credentialOfferUri": self.offer_uri,
            "offerByReference": self.deep_link_by_reference(),
            "offerByValue": self.deep_link_by_value(),
            "credentialOffer": self.offer,
            "txCode": self.tx_code,
            "expiresAt": self.row.expires_at.isoformat(),
        }


def _offer_body(*, ident: str, configuration: str, code: str, tx_code: bool) -> dict[str, Any]:
    grant: dict[str, Any] = {"pre-authorized_code": code}
    if tx_code:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": TX_CODE_LENGTH,
            "description": "The code your training provider sent you",
        }
    return {
        "credential_issuer": ident,
        "credential_configuration_ids": [configuration],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def _refuse_unusable(repo: Repositories, issuer: Issuer, rows: Sequence[Credential]) -> None:
    refused = []
    for row in rows:
        status = credential_status(repo, issuer=issuer, credential_id=row.id)
        if status.revoked or status.suspended:
            refused.append(row.id)
    if refused:
        raise ConflictError(
            f"{len(refused)} credential(s) are revoked or suspended and get no offer: "
            + ", ".join(refused[:10])
            + ". Leave them out and send the request again."
        )


def create_offers(
    repo: Repositories,
    *,
    issuer: Issuer,
    credential_ids: Sequence[str],
    tx_code: bool,
    lifetime: timedelta,
    base_url: str,
    actor: str,
    now: datetime,
) -> list[NewOffer]:
    """Offers for the provider's credentials, all or none: an unknown, revoked or suspended
    credential refuses the whole request (:class:`NotFoundError` / :class:`ConflictError`)."""
    if not 1 <= len(credential_ids) <= MAX_BATCH:
        raise ValidationFailed(f"Send 1 to {MAX_BATCH} credential ids.")
    if not timedelta(minutes=5) <= lifetime <= MAX_OFFER_LIFETIME:
        raise ValidationFailed("An offer lives between 5 minutes and 90 days.")
    ids = list(dict.fromkeys(credential_ids))
    rows = {r.id: r for r in repo.credentials.credentials_by_ids(issuer.id, ids)}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise NotFoundError(f"No credential {missing[0]!r} for this provider.")
    ordered = [rows[i] for i in ids]
    _refuse_unusable(repo, issuer, ordered)
    ident = issuer_identifier(base_url, issuer.slug)
    made: list[NewOffer] = []
    new_rows = []
    for row in ordered:
        ref, code = new_secret(), new_secret()
        pin = (
            "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH))
            if tx_code
            else None
        )
        offer_row = CredentialOffer(
            id=str(uuid.uuid4()),
            issuer_id=issuer.id,
            credential_id=row.id,
            ref_hash=secret_hash(ref),
            code_hash=secret_hash(code),
            code_expires_at=min(now + CODE_LIFETIME, now + lifetime),
            tx_code_hash=secret_hash(pin) if pin else None,
            tx_code_failures=0,
            token_hash=None,
            token_expires_at=None,
            holder_did=None,
            created_at=now,
            expires_at=now + lifetime,
            issued_at=None,
        )
        new_rows.append(offer_row)
        body = _offer_body(
            ident=ident, configuration=configuration_id(row), code=code, tx_code=tx_code
        )
        made.append(NewOffer(offer_row, f"{ident}/credential-offers/{ref}", body, pin))
    repo.openid.add_offers(new_rows)
    repo.audit.record_many(
        actor=actor,
        action="credential_offer.create",
        now=now,
        issuer_id=issuer.id,
        subjects=[r.id for r in new_rows],
    )
    return made


def read_offer(
    repo: Repositories, *, issuer: Issuer, ref: str, base_url: str, now: datetime
) -> dict[str, Any]:
    """The offer behind a ``credential_offer_uri``, with a new pre-authorized code (the
    previous one stops working). A spent, expired or unknown offer is
    :class:`~service.errors.OfferGone`."""
    store = repo.openid
    row = store.offer_by_ref(secret_hash(ref))
    if row is None or row.issuer_id != issuer.id:
        raise OfferGone("No credential offer at this address.")
    if row.issued_at is not None or row.expires_at <= now:
        raise OfferGone(
            "This credential offer was used or has expired: ask for a new one on your wallet page "
            "or from your training provider."
        )
    code = new_secret()
    if not store.set_code(
        row.id,
        code_hash=secret_hash(code),
        expires_at=min(now + CODE_LIFETIME, row.expires_at),
        now=now,
    ):
        raise OfferGone("This credential offer was used or has expired.")
    credential = repo.credentials.credential(issuer.id, row.credential_id)
    return _offer_body(
        ident=issuer_identifier(base_url, issuer.slug),
        configuration=configuration_id(credential),
        code=code,
        tx_code=row.tx_code_hash is not None,
    )


__all__ = [
    "MAX_BATCH",
    "MAX_OFFER_LIFETIME",
    "OFFER_LIFETIME",
    "PRINTED_OFFER_LIFETIME",
    "TX_CODE_LENGTH",
    "NewOffer",
    "create_offers",
    "read_offer",
]
