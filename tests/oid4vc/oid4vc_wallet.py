"""A minimal wallet for the OpenID4VC tests: holder keys (Ed25519, P-256) as did:key or
did:jwk, and ``openid4vci-proof+jwt`` key proofs made the way RFC 7515 says."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from service.encoding import b58encode, b64url_encode


@dataclass
class Holder:
    """A wallet's key. ``did`` is a did:key (or did:jwk with ``jwk_did=True``)."""

    private: Any
    curve: str  # "Ed25519" or "P-256"
    jwk_did: bool = False

    @classmethod
    def new(cls, curve: str = "Ed25519", *, jwk_did: bool = False) -> Holder:
        private: Any = (
            ed25519.Ed25519PrivateKey.generate()
            if curve == "Ed25519"
            else ec.generate_private_key(ec.SECP256R1())
        )
        return cls(private, curve, jwk_did)

    @classmethod
    def from_seed(cls, seed: bytes) -> Holder:
        """An Ed25519 holder with a known seed (the reference JS harness can sign with it)."""
        return cls(ed25519.Ed25519PrivateKey.from_private_bytes(seed), "Ed25519")

    @property
    def jwk(self) -> dict[str, str]:
        public = self.private.public_key()
        if self.curve == "Ed25519":
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(raw)}
        numbers = public.public_numbers()
        return {
            "crv": "P-256",
            "kty": "EC",
            "x": b64url_encode(numbers.x.to_bytes(32, "big")),
            "y": b64url_encode(numbers.y.to_bytes(32, "big")),
        }

    @property
    def did(self) -> str:
        if self.jwk_did:
            return "did:jwk:" + b64url_encode(json.dumps(self.jwk, separators=(",", ":")).encode())
        public = self.private.public_key()
        if self.curve == "Ed25519":
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return "did:key:z" + b58encode(b"\xed\x01" + raw)
        point = public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        return "did:key:z" + b58encode(b"\x80\x24" + point)

    @property
    def kid(self) -> str:
        if self.jwk_did:
            return self.did + "#0"
        return self.did + "#" + self.did.split(":")[-1]

    def sign_jwt(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        alg = "EdDSA" if self.curve == "Ed25519" else "ES256"
        head = b64url_encode(json.dumps({"alg": alg, **header}).encode())
        body = b64url_encode(json.dumps(claims).encode())
        data = f"{head}.{body}".encode()
        if self.curve == "Ed25519":
            signature = self.private.sign(data)
        else:
            r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{head}.{body}.{b64url_encode(signature)}"

    def key_proof(
        self, *, audience: str, nonce: str | None, iat: float | None = None, use_jwk: bool = False
    ) -> str:
        header: dict[str, Any] = {"typ": "openid4vci-proof+jwt"}
        if use_jwk:
            header["jwk"] = self.jwk
        else:
            header["kid"] = self.kid
        claims: dict[str, Any] = {
            "aud": audience,
            "iat": int(iat if iat is not None else time.time()),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return self.sign_jwt(header, claims)


def offer_from_deep_link(link: str) -> dict[str, Any]:
    """The ``credential_offer`` (by value) or ``credential_offer_uri`` of a deep link."""
    assert link.startswith("openid-credential-offer://")
    query = parse_qs(urlsplit(link).query)
    if "credential_offer" in query:
        return {"credential_offer": json.loads(query["credential_offer"][0])}
    return {"credential_offer_uri": query["credential_offer_uri"][0]}
