"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow, ``ldp_vc``.

https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html

Each provider is a Credential Issuer and its own Authorization Server; its identifier is
``{base}/issuers/{slug}``. The flow, and what makes each step safe:

1. The provider (or the learner's wallet page) makes an **offer** for one stored credential.
   Its ``credential_offer_uri`` holds a random reference; every read of it mints a fresh
   **pre-authorized code** (:data:`CODE_LIFETIME`), so a printed or mailed offer still
   yields only short-lived codes. An offer may demand a 6-digit **transaction code** that the
   provider sends the learner another way; :data:`TX_CODE_MAX_FAILURES` wrong tries withdraw
   the code.
2. ``POST /token`` exchanges the code for an access token (:data:`TOKEN_LIFETIME`), once.
3. ``POST /nonce`` hands out a ``c_nonce`` (:data:`NONCE_LIFETIME`), usable once.
4. ``POST /credential`` with the token and, optionally, a ``jwt`` key proof (typ
   ``openid4vci-proof+jwt``, ``aud`` this issuer, a fresh ``iat`` and the nonce) signed by a
   did:key / did:jwk (Ed25519 or P-256): the credential is signed again with
   ``credentialSubject.id`` set to that DID (holder binding), keeping its id and status
   entries, so revoking the stored credential revokes the wallet's copy too. A revoked or
   suspended credential is refused. The offer is then spent.

Codes, tokens, references and nonces are stored as SHA-256 hashes only; each single-use
step is one conditional write (see :mod:`service.store.repositories.oid4vci`).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from service.app.signing import BatchSigner
from service.app.status_lists import credential_status
from service.errors import (
    ConflictError,
    InputError,
    InvalidSignature,
    NotFoundError,
    OAuthError,
    ValidationFailed,
)
from service.proofs import DEFAULT_CRYPTOSUITE
from service.proofs.jose import unverified_claims, verify_jwt
from service.store import Repositories
from service.store.records import Credential, CredentialOffer, Issuer
from service.strict_json import loads_strict

T = TypeVar("T")
CODE_LIFETIME = timedelta(minutes=10)
TOKEN_LIFETIME = timedelta(minutes=5)
NONCE_LIFETIME = timedelta(minutes=5)
#: How far a key proof's ``iat`` may be from our clock.
PROOF_MAX_AGE = timedelta(minutes=5)
OFFER_LIFETIME = timedelta(days=7)
#: The offer printed on the certificate's second page.
PRINTED_OFFER_LIFETIME = timedelta(days=30)
MAX_OFFER_LIFETIME = timedelta(days=90)
TX_CODE_LENGTH = 6
TX_CODE_MAX_FAILURES = 5
MAX_BATCH = 2000
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
OFFER_SCHEME = "openid-credential-offer://"
#: The configuration of credentials not made from a catalogue module (VC-API).
GENERIC_CONFIGURATION = "OpenBadgeCredential"
#: The configuration of a learner's CLR 2.0 transcript (issued with a qualification).
CLR_CONFIGURATION = "ClrCredential"
_MODULE_PREFIX = "module-"


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A step's answer or its refusal. A refusal that changed state (a counted wrong
    transaction code, a used-up nonce) must be committed before it is raised, so the use case
    returns it and the caller raises it (:meth:`result`) after the transaction ends."""

    value: T | None = None
    error: OAuthError | None = None

    def result(self) -> T:
        if self.error is not None:
            raise self.error
        if self.value is None:  # pragma: no cover - every Outcome holds one of the two
            raise OAuthError("server_error", "No answer.", 500)
        return self.value


def secret_hash(value: str) -> str:
    """The stored form of a code, token, reference or nonce."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def issuer_identifier(base_url: str, slug: str) -> str:
    """The provider's Credential Issuer Identifier (also its Authorization Server's issuer)."""
    return f"{base_url.rstrip('/')}/issuers/{slug}"


def configuration_id(row: Credential) -> str:
    """The configuration a stored credential is offered under: its module's, a CLR
    transcript's, or the generic Open Badge one (VC-API credentials, qualifications)."""
    if row.module_id:
        return f"{_MODULE_PREFIX}{row.module_id}"
    types = row.document.get("type")
    if isinstance(types, list) and CLR_CONFIGURATION in types:
        return CLR_CONFIGURATION
    return GENERIC_CONFIGURATION


# -- metadata ---------------------------------------------------------------------------------


def _configuration(display: list[dict[str, str]], *, clr: bool = False) -> dict[str, Any]:
    from service.credentials.openbadges import CONTEXTS
    from service.credentials.qualification import CLR_CONTEXTS

    contexts = CLR_CONTEXTS if clr else CONTEXTS
    kind = CLR_CONFIGURATION if clr else GENERIC_CONFIGURATION
    return {
        "format": "ldp_vc",
        "credential_definition": {
            "@context": list(contexts),
            "type": ["VerifiableCredential", kind],
        },
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
        "credential_signing_alg_values_supported": [DEFAULT_CRYPTOSUITE],
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
        },
        "credential_metadata": {"display": display},
    }


def issuer_metadata(
    *, issuer: Issuer, modules: Sequence[Mapping[str, Any]], base_url: str
) -> dict[str, Any]:
    """Credential Issuer Metadata (§12.2): one ``ldp_vc`` configuration per catalogue module,
    displayed under its name in every language the catalogue gives it, plus the generic one.

    ``modules`` are ``{"id": ..., "data": module data}``."""
    ident = issuer_identifier(base_url, issuer.slug)
    languages: list[str] = []
    configurations: dict[str, Any] = {
        GENERIC_CONFIGURATION: _configuration([{"name": "Open Badge", "locale": "en"}]),
        CLR_CONFIGURATION: _configuration(
            [{"name": "Comprehensive Learner Record", "locale": "en"}], clr=True
        ),
    }
    for module in modules:
        names = module["data"].get("name") or {}
        display = [{"name": str(text), "locale": lang} for lang, text in sorted(names.items())]
        languages.extend(lang for lang in names if lang not in languages)
        configurations[f"{_MODULE_PREFIX}{module['id']}"] = _configuration(display)
    return {
        "credential_issuer": ident,
        "credential_endpoint": f"{ident}/credential",
        "nonce_endpoint": f"{ident}/nonce",
        "display": [{"name": issuer.name, "locale": lang} for lang in languages or ["en"]],
        "credential_configurations_supported": configurations,
    }


def authorization_server_metadata(*, issuer: Issuer, base_url: str) -> dict[str, Any]:
    """RFC 8414 metadata of the provider's authorization server (pre-authorized code only)."""
    ident = issuer_identifier(base_url, issuer.slug)
    return {
        "issuer": ident,
        "token_endpoint": f"{ident}/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


# -- offers -------------------------------------------------------------------------------------


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
        ref, code = _new_secret(), _new_secret()
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
    from service.errors import OfferGone

    store = repo.openid
    row = store.offer_by_ref(secret_hash(ref))
    if row is None or row.issuer_id != issuer.id:
        raise OfferGone("No credential offer at this address.")
    if row.issued_at is not None or row.expires_at <= now:
        raise OfferGone(
            "This credential offer was used or has expired: ask for a new one on your wallet page "
            "or from your training provider."
        )
    code = _new_secret()
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


# -- token, nonce, credential -----------------------------------------------------------------


def exchange_code(
    repo: Repositories, *, issuer: Issuer, form: Mapping[str, str], now: datetime
) -> Outcome[dict[str, Any]]:
    """The token endpoint (§6): a pre-authorized code (and transaction code) for an access
    token. A wrong transaction code is counted (commit, then raise the outcome's error)."""
    if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
        raise OAuthError(
            "unsupported_grant_type", "Only the pre-authorized code grant is supported."
        )
    code = form.get("pre-authorized_code")
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is missing.")
    store = repo.openid
    row = store.offer_by_code(secret_hash(code))
    if (
        row is None
        or row.issuer_id != issuer.id
        or row.issued_at is not None
        or row.code_expires_at is None
        or row.code_expires_at <= now
    ):
        raise OAuthError(
            "invalid_grant",
            "The pre-authorized code is unknown, used or expired: scan the offer again.",
        )
    if row.tx_code_hash is not None:
        given = form.get("tx_code")
        if not given:
            raise OAuthError("invalid_request", "This offer needs the transaction code (tx_code).")
        if not hmac.compare_digest(secret_hash(given), row.tx_code_hash):
            failures = store.count_tx_code_failure(row.id, burn_at=TX_CODE_MAX_FAILURES)
            left = TX_CODE_MAX_FAILURES - failures
            return Outcome(
                error=OAuthError(
                    "invalid_grant",
                    f"Wrong transaction code ({left} tries left)."
                    if left > 0
                    else "Wrong transaction code too often: ask for a new offer.",
                )
            )
    token = _new_secret()
    if not store.redeem_code(
        secret_hash(code),
        token_hash=secret_hash(token),
        token_expires_at=now + TOKEN_LIFETIME,
        now=now,
    ):
        raise OAuthError("invalid_grant", "The pre-authorized code was used already.")
    return Outcome(
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        }
    )


def new_nonce(repo: Repositories, *, now: datetime) -> dict[str, Any]:
    """The nonce endpoint (§7): a fresh single-use ``c_nonce``."""
    nonce = _new_secret()
    repo.openid.add_nonce(secret_hash(nonce), expires_at=now + NONCE_LIFETIME, now=now)
    return {"c_nonce": nonce}


@dataclass(frozen=True)
class CredentialGrant:
    """What a valid access token entitles to: checked before anything is signed."""

    offer: CredentialOffer
    credential: Credential
    issuer: Issuer
    key_name: str
    holder: str | None


def bearer_token(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise OAuthError(
            "invalid_token", "Send the access token as 'Authorization: Bearer …'.", 401
        )
    return authorization[7:].strip()


def _key_proof(request: Mapping[str, Any]) -> Any:
    """The one ``jwt`` key proof of a credential request (``proofs``, or draft ``proof``)."""
    proofs, single = request.get("proofs"), request.get("proof")
    if isinstance(proofs, dict) and set(proofs) == {"jwt"} and isinstance(proofs["jwt"], list):
        if len(proofs["jwt"]) != 1:
            raise OAuthError("invalid_proof", "Send exactly one jwt key proof.")
        return proofs["jwt"][0]
    if isinstance(single, dict) and single.get("proof_type") == "jwt":
        return single.get("jwt")
    raise OAuthError("invalid_proof", "Only jwt key proofs are supported: proofs.jwt = [jwt].")


def _holder(
    repo: Repositories, request: Mapping[str, Any], *, ident: str, now: datetime
) -> str | None:
    """The DID that signed the request's key proof (None without one); the proof's nonce is
    used up first, whatever the proof's fate, so no nonce serves twice."""
    if request.get("proofs") is None and request.get("proof") is None:
        return None
    jwt = _key_proof(request)
    try:
        nonce = unverified_claims(jwt).get("nonce")
        if not isinstance(nonce, str) or not repo.openid.take_nonce(secret_hash(nonce), now=now):
            raise OAuthError(
                "invalid_nonce", "The key proof's nonce is unknown, used or expired: get a new one."
            )
        verified = verify_jwt(jwt, typ=PROOF_TYP)
    except (InputError, InvalidSignature) as error:
        raise OAuthError("invalid_proof", f"The key proof is not valid: {error}") from None
    claims = verified.claims
    if claims.get("aud") != ident:
        raise OAuthError("invalid_proof", f"The key proof's aud must be {ident}.")
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise OAuthError("invalid_proof", "The key proof needs iat (seconds since 1970).")
    # Compared as numbers, never converted: an iat of 10**400 is simply not recent.
    window = PROOF_MAX_AGE.total_seconds()
    if not now.timestamp() - window <= iat <= now.timestamp() + window:
        raise OAuthError("invalid_proof", "The key proof's iat is not recent: make a new proof.")
    return verified.holder


def credential_request(body: bytes) -> dict[str, Any]:
    """The credential request's JSON object (strict JSON, bounded like every input)."""
    if len(body) > 64 * 1024:
        raise OAuthError("invalid_credential_request", "A credential request is at most 64 KiB.")
    try:
        parsed = loads_strict(body)
    except InputError as error:
        raise OAuthError("invalid_credential_request", f"The body is not JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise OAuthError("invalid_credential_request", "Send a JSON object.")
    return parsed


def check_credential_request(
    repo: Repositories,
    *,
    issuer: Issuer,
    token: str,
    request: Any,
    base_url: str,
    now: datetime,
) -> Outcome[CredentialGrant]:
    """The credential endpoint's checks (§8): a live token, the offered configuration, a valid
    key proof if any, and a credential neither revoked nor suspended. A refusal comes back
    in the outcome, so the nonce it used up stays used (commit, then raise)."""
    row = repo.openid.offer_by_token(secret_hash(token))
    if (
        row is None
        or row.issuer_id != issuer.id
        or row.token_expires_at is None
        or row.token_expires_at <= now
    ):
        raise OAuthError("invalid_token", "The access token is unknown, used or expired.", 401)
    if not isinstance(request, dict):
        raise OAuthError("invalid_credential_request", "Send a JSON object.")
    credential = repo.credentials.credential(issuer.id, row.credential_id)
    wanted = request.get("credential_configuration_id")
    if wanted != configuration_id(credential):
        raise OAuthError(
            "unknown_credential_configuration",
            f"This token is for credential_configuration_id {configuration_id(credential)!r}.",
        )
    try:
        holder = _holder(repo, request, ident=issuer_identifier(base_url, issuer.slug), now=now)
    except OAuthError as refusal:
        return Outcome(error=refusal)
    status = credential_status(repo, issuer=issuer, credential_id=credential.id)
    if status.revoked or status.suspended:
        return Outcome(
            error=OAuthError(
                "credential_request_denied",
                "The provider has revoked or suspended this credential: it is not issued.",
            )
        )
    key_name = repo.providers.active_key(issuer.id).key_name
    return Outcome(CredentialGrant(row, credential, issuer, key_name, holder))


def bound_credential(
    grant: CredentialGrant, *, signer: BatchSigner, now: datetime
) -> dict[str, Any]:
    """The stored credential, signed again for the holder's DID (or as stored, unbound).

    Same id and status entries: the provider's revocation applies to this copy too."""
    if grant.holder is None:
        return dict(grant.credential.document)
    document = copy.deepcopy(dict(grant.credential.document))
    document.pop("proof", None)
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        raise ConflictError("This credential has no single subject to bind to a holder.")
    document["credentialSubject"] = {
        "id": grant.holder,
        **{k: v for k, v in subject.items() if k != "id"},
    }
    return signer.sign_all(
        grant.key_name, [document], created=now, cryptosuite=DEFAULT_CRYPTOSUITE
    )[0]


def deliver(repo: Repositories, *, grant: CredentialGrant, token: str, now: datetime) -> None:
    """Spend the offer (once): a second request with the same token is refused."""
    if not repo.openid.deliver(secret_hash(token), holder_did=grant.holder, now=now):
        raise OAuthError("invalid_token", "The access token was used already.", 401)
    repo.audit.record(
        actor="wallet",
        action="credential_offer.deliver",
        now=now,
        issuer_id=grant.issuer.id,
        subject=grant.offer.id,
        detail="bound" if grant.holder else "unbound",
    )


__all__ = [
    "CLR_CONFIGURATION",
    "CODE_LIFETIME",
    "GENERIC_CONFIGURATION",
    "NONCE_LIFETIME",
    "OFFER_LIFETIME",
    "PRE_AUTHORIZED_GRANT",
    "PRINTED_OFFER_LIFETIME",
    "PROOF_TYP",
    "TOKEN_LIFETIME",
    "TX_CODE_MAX_FAILURES",
    "CredentialGrant",
    "NewOffer",
    "Outcome",
    "authorization_server_metadata",
    "bearer_token",
    "bound_credential",
    "check_credential_request",
    "configuration_id",
    "create_offers",
    "credential_request",
    "deliver",
    "exchange_code",
    "issuer_identifier",
    "issuer_metadata",
    "new_nonce",
    "read_offer",
    "secret_hash",
]
