"""Holder binding: the ``jwt`` key proof of a credential request (OID4VCI §8.2, appendix F.1),
signed by a did:key or did:jwk (EdDSA or ES256), with this issuer as ``aud``, a recent
``iat`` and a single-use ``c_nonce``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from service.app.oid4vci.common import secret_hash
from service.errors import InputError, InvalidSignature, OAuthError
from service.proofs.jose import unverified_claims, verify_jwt
from service.store import Repositories

PROOF_TYP = "openid4vci-proof+jwt"
#: How far a key proof's ``iat`` may be from our clock.
PROOF_MAX_AGE = timedelta(minutes=5)


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


def proof_holder(
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


__all__ = ["PROOF_MAX_AGE", "PROOF_TYP", "proof_holder"]
