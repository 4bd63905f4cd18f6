"""Key-proof JWS checks (service/proofs/jose.py): what verifies, and every malformed or
hostile token answered with InputError or InvalidSignature, never another exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oid4vc_wallet import Holder

from service.encoding import b64url_encode
from service.errors import InputError, InvalidSignature
from service.proofs.jose import resolve_did_key, unverified_claims, verify_jwt

TYP = "openid4vci-proof+jwt"


def part(value: Any) -> str:
    return b64url_encode(json.dumps(value).encode())


@pytest.mark.parametrize(
    ("curve", "jwk_did"), [("Ed25519", False), ("P-256", False), ("P-256", True), ("Ed25519", True)]
)
def test_holder_dids_resolve_and_sign(curve: str, jwk_did: bool) -> None:
    holder = Holder.new(curve, jwk_did=jwk_did)
    assert resolve_did_key(holder.did).jwk == {k: v for k, v in holder.jwk.items()}
    token = holder.sign_jwt({"typ": TYP, "kid": holder.kid}, {"aud": "x", "nonce": "n"})
    verified = verify_jwt(token, typ=TYP)
    assert verified.holder == holder.did and verified.claims["nonce"] == "n"
    assert unverified_claims(token) == {"aud": "x", "nonce": "n"}


def test_refusals() -> None:
    holder = Holder.new()
    good = holder.sign_jwt({"typ": TYP, "kid": holder.kid}, {"aud": "x"})
    head, body, signature = good.split(".")
    cases: list[tuple[Any, type[Exception], str]] = [
        (123, InputError, "compact JWT"),
        ("a.b", InputError, "compact JWT"),
        ("x" * 9000, InputError, "compact JWT"),
        (
            f"{part({'typ': 'JWT', 'alg': 'EdDSA', 'kid': holder.kid})}.{body}.{signature}",
            InputError,
            "typ",
        ),
        (
            f"{part({'typ': TYP, 'alg': 'none', 'kid': holder.kid})}.{body}.",
            InputError,
            "alg must be EdDSA",
        ),
        (
            f"{part({'typ': TYP, 'alg': 'HS256', 'kid': holder.kid})}.{body}.{signature}",
            InputError,
            "alg must be EdDSA",
        ),
        (
            f"{part({'typ': TYP, 'alg': 'EdDSA', 'kid': holder.kid, 'jwk': holder.jwk})}.{body}.{signature}",
            InputError,
            "exactly one",
        ),
        (f"{part({'typ': TYP, 'alg': 'EdDSA'})}.{body}.{signature}", InputError, "exactly one"),
        (
            f"{part({'typ': TYP, 'alg': 'EdDSA', 'jwk': {**holder.jwk, 'd': 'secret'}})}.{body}.{signature}",
            InputError,
            "private key",
        ),
        (
            f"{part({'typ': TYP, 'alg': 'EdDSA', 'kid': 'did:web:example.org#key'})}.{body}.{signature}",
            InputError,
            "did:key or did:jwk",
        ),
        (
            f"{part({'typ': TYP, 'alg': 'EdDSA', 'kid': 'did:key:z0OIl'})}.{body}.{signature}",
            InputError,
            "base58",
        ),
        (
            f"{part({'typ': TYP, 'alg': 'EdDSA', 'kid': 'did:jwk:bm90IGpzb24'})}.{body}.{signature}",
            InputError,
            "did:jwk",
        ),
        (
            f"{part({'typ': TYP, 'alg': 'ES256', 'jwk': {'kty': 'EC', 'crv': 'P-256', 'x': 'AA', 'y': 'AA'}})}.{body}.{signature}",
            InputError,
            "32-byte",
        ),
        (f"{head}.{part({'aud': 'y'})}.{signature}", InvalidSignature, "does not verify"),
        (f"{head}.{body}.AAAA", InvalidSignature, "does not verify"),
        (f"{part([1])}.{body}.{signature}", InputError, "JSON object"),
    ]
    for token, error, words in cases:
        with pytest.raises(error, match=words):
            verify_jwt(token, typ=TYP)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_refused_cleanly(text: str) -> None:
    with pytest.raises((InputError, InvalidSignature)):
        verify_jwt(text, typ=TYP)
