"""Compact JWS verification for wallets' key proofs (OID4VCI 1.0 §F.1, ``openid4vci-proof+jwt``).

Only what a holder-binding check needs: a compact JWS signed with ``EdDSA`` (Ed25519) or
``ES256`` (P-256), its key named by ``kid`` as a ``did:key`` or ``did:jwk`` DID URL, or given as
a ``jwk`` header. The signer's DID is what the credential is bound to, so a bare ``jwk`` (no
DID) yields a ``did:jwk`` for the same key.

Errors are :class:`~service.errors.InvalidSignature` (the signature does not verify) and
:class:`~service.errors.InputError` (anything malformed); nothing returns ``False``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from service.encoding import b58decode, b64url_decode, b64url_encode
from service.errors import InputError, InvalidSignature

#: multicodec prefixes (varint) of the did:key public keys we accept
_ED25519_PUB = b"\xed\x01"
_P256_PUB = b"\x80\x24"
#: A JWS longer than this is no key proof (a few hundred bytes in practice).
MAX_JWT_BYTES = 8192


@dataclass(frozen=True)
class PublicJwk:
    """An Ed25519 (``OKP``) or P-256 (``EC``) public key as a JWK."""

    jwk: dict[str, str]

    @property
    def alg(self) -> str:
        return "EdDSA" if self.jwk["kty"] == "OKP" else "ES256"

    def did_jwk(self) -> str:
        members = {k: self.jwk[k] for k in ("crv", "kty", "x", "y") if k in self.jwk}
        return "did:jwk:" + b64url_encode(json.dumps(members, separators=(",", ":")).encode())

    def verify(self, *, signing_input: bytes, signature: bytes) -> None:
        """Raise :class:`InvalidSignature` unless ``signature`` is this key's over the input."""
        try:
            if self.jwk["kty"] == "OKP":
                ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(self.jwk["x"])).verify(
                    signature, signing_input
                )
                return
            if len(signature) != 64:
                raise InvalidSignature("An ES256 signature is 64 bytes (r || s).")
            r = int.from_bytes(signature[:32], "big")
            s = int.from_bytes(signature[32:], "big")
            public = ec.EllipticCurvePublicNumbers(
                int.from_bytes(b64url_decode(self.jwk["x"]), "big"),
                int.from_bytes(b64url_decode(self.jwk["y"]), "big"),
                ec.SECP256R1(),
            ).public_key()
            public.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
        except _CryptoInvalidSignature:
            raise InvalidSignature("The key proof's signature does not verify.") from None
        except ValueError as error:
            raise InputError(f"The key proof's public key is not usable: {error}.") from None


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise InputError(f"{what} must be a base64url string.")
    try:
        return b64url_decode(value)
    except ValueError:
        raise InputError(f"{what} is not base64url.") from None


def public_jwk(jwk: Any) -> PublicJwk:
    """Check ``jwk`` is a public Ed25519 or P-256 key (never a private one) and keep its
    public members."""
    if not isinstance(jwk, dict):
        raise InputError("jwk must be a JSON object.")
    if "d" in jwk:
        raise InputError("The jwk carries a private key ('d'): send the public key only.")
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        if len(_b64(jwk.get("x"), "jwk.x")) != 32:
            raise InputError("An Ed25519 jwk.x is 32 bytes.")
        return PublicJwk({"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]})
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        if len(_b64(jwk.get("x"), "jwk.x")) != 32 or len(_b64(jwk.get("y"), "jwk.y")) != 32:
            raise InputError("A P-256 jwk has 32-byte x and y.")
        return PublicJwk({"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"]})
    raise InputError("Key proofs are accepted for Ed25519 (OKP) and P-256 (EC) keys only.")


def _p256_jwk(compressed: bytes) -> PublicJwk:
    try:
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), compressed)
    except ValueError:
        raise InputError("The did:key holds no valid P-256 point.") from None
    numbers = point.public_numbers()
    return PublicJwk(
        {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(numbers.x.to_bytes(32, "big")),
            "y": b64url_encode(numbers.y.to_bytes(32, "big")),
        }
    )


def resolve_did_key(did: str) -> PublicJwk:
    """The public key a ``did:key`` (Ed25519 ``z6Mk…`` or P-256 ``zDn…``) or ``did:jwk`` names."""
    if did.startswith("did:jwk:"):
        try:
            document = json.loads(_b64(did[len("did:jwk:") :], "did:jwk"))
        except ValueError:
            raise InputError("A did:jwk must hold base64url JSON.") from None
        return public_jwk(document)
    if not did.startswith("did:key:z"):
        raise InputError("The holder key must be a did:key or did:jwk (or a jwk header).")
    try:
        raw = b58decode(did[len("did:key:z") :])
    except ValueError:
        raise InputError("The did:key is not base58btc.") from None
    if raw.startswith(_ED25519_PUB) and len(raw) == 34:
        return PublicJwk({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw[2:])})
    if raw.startswith(_P256_PUB) and len(raw) == 35:
        return _p256_jwk(raw[2:])
    raise InputError("The did:key must be an Ed25519 or P-256 public key.")


@dataclass(frozen=True)
class VerifiedJwt:
    """A compact JWS whose signature verified: its header and claims, and the signer's DID."""

    header: dict[str, Any]
    claims: dict[str, Any]
    holder: str


def _json_part(part: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64(part, what))
    except ValueError:
        raise InputError(f"The JWT {what} is not JSON.") from None
    if not isinstance(value, dict):
        raise InputError(f"The JWT {what} must be a JSON object.")
    return value


def _parts(token: Any) -> list[str]:
    if not isinstance(token, str) or len(token) > MAX_JWT_BYTES:
        raise InputError("A key proof is a compact JWT string (header.payload.signature).")
    parts = token.split(".")
    if len(parts) != 3:
        raise InputError("A key proof is a compact JWT string (header.payload.signature).")
    return parts


def unverified_claims(token: Any) -> dict[str, Any]:
    """The claims of a compact JWS *before* its signature is checked: only to find which
    single-use nonce it spends, so a forged proof uses its nonce up as a genuine one would."""
    return _json_part(_parts(token)[1], "payload")


def verify_jwt(token: Any, *, typ: str) -> VerifiedJwt:
    """Verify a compact JWS of type ``typ`` and return who signed it.

    The key comes from ``kid`` (a did:key / did:jwk URL; the DID before ``#`` is the holder)
    or from ``jwk`` (the holder is that key's did:jwk); ``alg`` must match the key type, so a
    token cannot choose a weaker check (no ``none``, no HMAC)."""
    parts = _parts(token)
    header = _json_part(parts[0], "header")
    claims = _json_part(parts[1], "payload")
    signature = _b64(parts[2], "signature")
    if header.get("typ") != typ:
        raise InputError(f"The JWT header typ must be {typ!r}.")
    kid, jwk = header.get("kid"), header.get("jwk")
    if (kid is None) == (jwk is None):
        raise InputError("The JWT header must name its key by exactly one of kid or jwk.")
    if kid is not None:
        if not isinstance(kid, str):
            raise InputError("The JWT header kid must be a DID URL.")
        holder = kid.split("#", 1)[0]
        key = resolve_did_key(holder)
    else:
        key = public_jwk(jwk)
        holder = key.did_jwk()
    if header.get("alg") != key.alg:
        raise InputError(f"The JWT alg must be {key.alg} for this key.")
    key.verify(signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"), signature=signature)
    return VerifiedJwt(header=header, claims=claims, holder=holder)


__all__ = [
    "MAX_JWT_BYTES",
    "PublicJwk",
    "VerifiedJwt",
    "public_jwk",
    "resolve_did_key",
    "verify_jwt",
]
