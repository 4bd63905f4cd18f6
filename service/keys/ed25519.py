"""Ed25519 primitives: seeds, public keys and signature checks (PyNaCl).

PyNaCl is imported in the :mod:`service.keys` package only; everything else signs through
the :class:`~service.keys.signer.Signer` protocol and checks signatures with
:func:`verify_signature`, so a KMS or HSM signer can drop in without touching proof code.
"""

from __future__ import annotations

import nacl.exceptions
import nacl.signing
import nacl.utils

from service.errors import InvalidSignature

SEED_BYTES = 32


def generate_seed() -> bytes:
    """32 random bytes from the OS CSPRNG."""
    return nacl.utils.random(SEED_BYTES)


def public_key_from_seed(seed: bytes) -> bytes:
    """The raw 32-byte Ed25519 public key of a 32-byte seed."""
    return bytes(nacl.signing.SigningKey(seed).verify_key)


def verify_signature(*, public_key: bytes, data: bytes, signature: bytes) -> None:
    """Check an Ed25519 signature; raise :class:`InvalidSignature` if it does not verify."""
    if len(public_key) != 32 or len(signature) != 64:
        raise InvalidSignature("An Ed25519 signature is 64 bytes and a public key 32 bytes.")
    try:
        nacl.signing.VerifyKey(public_key).verify(data, signature)
    except nacl.exceptions.BadSignatureError:
        raise InvalidSignature() from None
    except (nacl.exceptions.ValueError, nacl.exceptions.TypeError, ValueError) as exc:
        raise InvalidSignature(f"The public key or signature is malformed: {exc}") from None


__all__ = ["SEED_BYTES", "generate_seed", "public_key_from_seed", "verify_signature"]
