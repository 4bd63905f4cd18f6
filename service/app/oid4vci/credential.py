"""The credential endpoint (OID4VCI §8): check the access token, the configuration and the
key proof, sign the stored credential again for the holder's DID, then spend the offer."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.app.oid4vci.common import Outcome, configuration_id, issuer_identifier, secret_hash
from service.app.oid4vci.key_proofs import proof_holder
from service.app.signing import BatchSigner
from service.app.status_lists import credential_status
from service.errors import ConflictError, InputError, OAuthError
from service.proofs import DEFAULT_CRYPTOSUITE
from service.store import Repositories
from service.store.records import Credential, CredentialOffer, Issuer
from service.strict_json import loads_strict


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
        holder = proof_holder(
            repo, request, ident=issuer_identifier(base_url, issuer.slug), now=now
        )
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
    "CredentialGrant",
    "bearer_token",
    "bound_credential",
    "check_credential_request",
    "credential_request",
    "deliver",
]
