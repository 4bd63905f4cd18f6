"""Multikey encoding of Ed25519 keys (Controlled Identifiers 1.0 §2.2.2).

``publicKeyMultibase`` is ``z`` + base58btc of the multicodec prefix ``0xed 0x01`` followed
by the 32-byte public key; ``secretKeyMultibase`` uses prefix ``0x80 0x26`` followed by the
32-byte seed.
"""

from __future__ import annotations

from service.encoding import decode_multibase_b58, multibase_b58
from service.errors import InputError
from service.keys.ed25519 import SEED_BYTES, public_key_from_seed

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


def encode_public_multikey(public_key: bytes) -> str:
    """``publicKeyMultibase`` (``z6Mk…``) for a raw 32-byte Ed25519 public key."""
    if len(public_key) != 32:
        raise InputError("An Ed25519 public key is 32 bytes.")
    return multibase_b58(ED25519_PUB_PREFIX + public_key)


def decode_public_multikey(value: str) -> bytes:
    """Raw 32-byte Ed25519 public key from a ``publicKeyMultibase`` value."""
    raw = decode_multibase_b58(value, what="publicKeyMultibase")
    if raw[:2] != ED25519_PUB_PREFIX or len(raw) != 34:
        raise InputError(
            "publicKeyMultibase is not an Ed25519 Multikey (expected multicodec 0xed01 and "
            "a 32-byte key, which encodes as 'z6Mk…')."
        )
    return raw[2:]


def encode_secret_multikey(seed: bytes) -> str:
    """``secretKeyMultibase`` for a 32-byte Ed25519 seed. Handle the result as a secret."""
    if len(seed) != SEED_BYTES:
        raise InputError("An Ed25519 seed is 32 bytes.")
    return multibase_b58(ED25519_PRIV_PREFIX + seed)


def decode_secret_multikey(value: str) -> bytes:
    """The 32-byte seed from a ``secretKeyMultibase`` value. The message never echoes it."""
    try:
        raw = decode_multibase_b58(value, what="secretKeyMultibase")
    except InputError:
        raise InputError("secretKeyMultibase is not valid multibase base58btc.") from None
    if raw[:2] != ED25519_PRIV_PREFIX or len(raw) not in (34, 66):
        raise InputError("secretKeyMultibase is not an Ed25519 secret key (multicodec 0x8026).")
    seed = raw[2:34]
    # @digitalbazaar/ed25519-multikey (and the Open Badges 3.0 test vector) export the
    # 64-byte libsodium form, seed || public key ('zrv…'); accept it when the halves agree.
    if len(raw) == 66 and public_key_from_seed(seed) != raw[34:]:
        raise InputError("secretKeyMultibase holds a seed and a public key that do not match.")
    return seed


__all__ = [
    "ED25519_PRIV_PREFIX",
    "ED25519_PUB_PREFIX",
    "decode_public_multikey",
    "decode_secret_multikey",
    "encode_public_multikey",
    "encode_secret_multikey",
]
