"""Ed25519 keys: primitives, Multikey encoding, the signer interface, the DIDs a key is
published under, and the local encrypted key store.

This package is the one place that imports PyNaCl. Everything else signs through the tiny
:class:`Signer` protocol and checks signatures with :func:`verify_signature`, so a KMS or HSM
signer can replace :class:`Ed25519Signer` without touching the proof code.

- :mod:`.ed25519`: seeds, public keys, signature checks;
- :mod:`.multikey`: ``publicKeyMultibase`` / ``secretKeyMultibase``;
- :mod:`.signer`: :class:`Signer` and :class:`Ed25519Signer`;
- :mod:`.identifiers`: did:key and did:web identifiers for a key;
- :mod:`.store`: :class:`KeyStore`, keys as (encrypted) JSON files in a directory.
"""

from service.keys.ed25519 import generate_seed, public_key_from_seed, verify_signature
from service.keys.identifiers import did_key_for, did_web_for
from service.keys.multikey import (
    decode_public_multikey,
    decode_secret_multikey,
    encode_public_multikey,
    encode_secret_multikey,
)
from service.keys.signer import Ed25519Signer, Signer
from service.keys.store import KeyInfo, KeyStore

__all__ = [
    "Ed25519Signer",
    "KeyInfo",
    "KeyStore",
    "Signer",
    "decode_public_multikey",
    "decode_secret_multikey",
    "did_key_for",
    "did_web_for",
    "encode_public_multikey",
    "encode_secret_multikey",
    "generate_seed",
    "public_key_from_seed",
    "verify_signature",
]
