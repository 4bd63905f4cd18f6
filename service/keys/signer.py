"""The tiny signing interface (:class:`Signer`) and its in-memory Ed25519 implementation."""

from __future__ import annotations

from typing import Any, Protocol

import nacl.signing

from service.errors import InputError
from service.keys.ed25519 import SEED_BYTES
from service.keys.multikey import encode_public_multikey


class Signer(Protocol):
    """Something that signs bytes for one verification method."""

    @property
    def verification_method(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


class Ed25519Signer:
    """An in-memory Ed25519 signer. Its repr and str never show the key."""

    __slots__ = ("_key", "_verification_method")

    def __init__(self, seed: bytes, *, verification_method: str) -> None:
        if len(seed) != SEED_BYTES:
            raise InputError("An Ed25519 seed is 32 bytes.")
        self._key = nacl.signing.SigningKey(seed)
        self._verification_method = verification_method

    @property
    def verification_method(self) -> str:
        return self._verification_method

    @property
    def public_key(self) -> bytes:
        return bytes(self._key.verify_key)

    @property
    def public_key_multibase(self) -> str:
        return encode_public_multikey(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data).signature

    def __repr__(self) -> str:
        return f"Ed25519Signer(verification_method={self._verification_method!r})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # Keep keys out of pickles (and so out of multiprocessing queues) by accident.
        raise TypeError("Ed25519Signer cannot be pickled; pass the key name instead.")


__all__ = ["Ed25519Signer", "Signer"]
