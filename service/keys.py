"""Ed25519 keys, Multikey encoding, and the local encrypted key store.

This is the one module that imports PyNaCl. Everything else signs through the tiny
:class:`Signer` protocol and checks signatures with :func:`verify_signature`, so a KMS or HSM
signer can replace :class:`Ed25519Signer` without touching the proof code.

Multikey (Controlled Identifiers 1.0 §2.2.2): ``publicKeyMultibase`` is ``z`` + base58btc of
the multicodec prefix ``0xed 0x01`` followed by the 32-byte public key; ``secretKeyMultibase``
uses prefix ``0x80 0x26`` followed by the 32-byte seed.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils

from service.dates import format_utc
from service.encoding import b64url_decode, b64url_encode, decode_multibase_b58, multibase_b58
from service.errors import (
    InputError,
    InvalidSignature,
    KeyExistsError,
    KeyNotFoundError,
    KeyStoreError,
    PassphraseRequiredError,
    WrongPassphraseError,
)

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
SEED_BYTES = 32
KEY_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

Kdf = Literal["interactive", "moderate", "sensitive"]
_KDF_LIMITS: dict[str, tuple[int, int]] = {
    "interactive": (
        nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
        nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE,
    ),
    "moderate": (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE),
    "sensitive": (nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE, nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE),
}


# -- Multikey ---------------------------------------------------------------------------


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


# -- signing and verifying --------------------------------------------------------------


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


def generate_seed() -> bytes:
    """32 random bytes from the OS CSPRNG."""
    return nacl.utils.random(SEED_BYTES)


def public_key_from_seed(seed: bytes) -> bytes:
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


# -- identifiers ------------------------------------------------------------------------


def did_key_for(public_key: bytes) -> tuple[str, str]:
    """The did:key DID and its verification method id for an Ed25519 public key."""
    multikey = encode_public_multikey(public_key)
    did = f"did:key:{multikey}"
    return did, f"{did}#{multikey}"


def did_web_for(host_and_path: str) -> str:
    """``did:web`` for ``HOST[:PORT][:PATH…]`` or ``HOST[:PORT][/PATH…]`` (did:web §3.1)."""
    # Accept the DID itself too: `--did-web` is documented as "did:web:HOST[:PATH]".
    text = host_and_path.strip().removeprefix("did:web:").removeprefix("https://").strip("/")
    if not text or " " in text:
        raise InputError(
            f"{host_and_path!r} is not a host for did:web (e.g. example.org:issuers:acme)."
        )
    if "/" in text:
        host, _, path = text.partition("/")
        segments = [s for s in path.split("/") if s]
    else:
        host, *segments = text.split(":")
        # a port is a purely numeric segment right after the host
        if segments and segments[0].isdigit():
            host = f"{host}:{segments.pop(0)}"
    host = host.lower().replace("%3a", ":").replace(":", "%3A")
    if not re.fullmatch(r"[a-z0-9.-]+(%3A\d+)?", host):
        raise InputError(f"{host!r} is not a valid host name for did:web.")
    for segment in segments:
        # DID syntax idchars; empty, "." and ".." segments would make a broken or escaping URL.
        if segment in (".", "..") or not _DID_WEB_SEGMENT.fullmatch(segment):
            raise InputError(
                f"{segment!r} is not a valid did:web path segment in {host_and_path!r}."
            )
    return ":".join(["did:web", host, *segments])


_DID_WEB_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+")


# -- the local key store ----------------------------------------------------------------


@dataclass(frozen=True)
class KeyInfo:
    """Public facts about a stored key (nothing secret)."""

    name: str
    controller: str
    verification_method: str
    public_key_multibase: str
    created: str
    encrypted: bool
    development: bool


class KeyStore:
    """Keys as JSON files in a directory, seeds encrypted with Argon2id + XSalsa20-Poly1305.

    A key file records the KDF limits it was made with, so stronger limits can be adopted
    later without breaking old files. ``passphrase`` is needed to create or load an
    encrypted key; without it only ``dev=True`` keys (stored in plain text and marked
    ``development``) can be created.
    """

    def __init__(self, directory: Path, *, passphrase: str | None, kdf: Kdf = "moderate") -> None:
        self.directory = directory
        self._passphrase = passphrase
        self._kdf = kdf

    def __repr__(self) -> str:
        return f"KeyStore(directory={str(self.directory)!r})"

    @property
    def has_passphrase(self) -> bool:
        return self._passphrase is not None

    def _path(self, name: str) -> Path:
        if not KEY_NAME.match(name):
            raise InputError(
                f"Key name {name!r} is not valid: use 1-63 lower-case letters, digits, '-' or '_'."
            )
        return self.directory / f"{name}.key.json"

    def generate(self, name: str, *, did_web: str | None = None, dev: bool = False) -> KeyInfo:
        """Create and store a new key. Refuses to overwrite, and refuses plaintext unless ``dev``."""
        path = self._path(name)
        if path.exists():
            raise KeyExistsError(f"A key named {name!r} already exists in {self.directory}.")
        if self._passphrase is None and not dev:
            raise PassphraseRequiredError(
                "TESSERA_KEY_PASSPHRASE is not set, so the new key cannot be encrypted. Set it, "
                "or pass --dev to create an unencrypted development key (never for real credentials)."
            )
        return self.import_seed(name, generate_seed(), did_web=did_web, dev=dev)

    def import_seed(
        self, name: str, seed: bytes, *, did_web: str | None = None, dev: bool = False
    ) -> KeyInfo:
        """Store an existing seed under ``name`` (used by ``generate`` and by tests)."""
        path = self._path(name)
        public = public_key_from_seed(seed)
        multikey = encode_public_multikey(public)
        if did_web:
            controller = did_web_for(did_web)
            vm = f"{controller}#{multikey}"
        else:
            controller, vm = did_key_for(public)
        record: dict[str, Any] = {
            "name": name,
            "type": "Ed25519",
            "controller": controller,
            "verificationMethod": vm,
            "publicKeyMultibase": multikey,
            "created": format_utc(datetime.now(UTC)),
        }
        if self._passphrase is not None and not dev:
            record["encrypted"] = self._encrypt(seed, self._passphrase)
        else:
            record["development"] = True
            record["seed"] = b64url_encode(seed)
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyExistsError(
                f"A key named {name!r} already exists in {self.directory}."
            ) from None
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2)
            handle.write("\n")
        return self._info(record)

    def _encrypt(self, seed: bytes, passphrase: str) -> dict[str, Any]:
        ops, mem = _KDF_LIMITS[self._kdf]
        salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
        box_key = nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), salt, opslimit=ops, memlimit=mem
        )
        ciphertext = nacl.secret.SecretBox(box_key).encrypt(seed)
        return {
            "kdf": "argon2id",
            "opslimit": ops,
            "memlimit": mem,
            "salt": b64url_encode(salt),
            "cipher": "xsalsa20-poly1305",
            "ciphertext": b64url_encode(bytes(ciphertext)),
        }

    def _read(self, name: str) -> dict[str, Any]:
        path = self._path(name)
        if not path.exists():
            raise KeyNotFoundError(
                f"No key named {name!r} in {self.directory}. List keys with `tessera keys list`."
            )
        try:
            record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise KeyStoreError(f"Key file {path} is damaged: {exc.msg}.") from None
        return record

    @staticmethod
    def _info(record: dict[str, Any]) -> KeyInfo:
        return KeyInfo(
            name=record["name"],
            controller=record["controller"],
            verification_method=record["verificationMethod"],
            public_key_multibase=record["publicKeyMultibase"],
            created=record["created"],
            encrypted="encrypted" in record,
            development=bool(record.get("development")),
        )

    def info(self, name: str) -> KeyInfo:
        return self._info(self._read(name))

    def list(self) -> list[KeyInfo]:
        if not self.directory.is_dir():
            return []
        names = sorted(p.name.removesuffix(".key.json") for p in self.directory.glob("*.key.json"))
        return [self.info(name) for name in names]

    def signer(self, name: str) -> Ed25519Signer:
        """Decrypt a stored key into a signer. Wrong passphrase -> :class:`WrongPassphraseError`."""
        record = self._read(name)
        if "encrypted" in record:
            seed = self._decrypt(name, record["encrypted"])
        else:
            seed = b64url_decode(record["seed"])
        signer = Ed25519Signer(seed, verification_method=record["verificationMethod"])
        if signer.public_key_multibase != record["publicKeyMultibase"]:
            raise KeyStoreError(
                f"Key file for {name!r} is inconsistent: seed and public key differ."
            )
        return signer

    def _decrypt(self, name: str, box: dict[str, Any]) -> bytes:
        if self._passphrase is None:
            raise PassphraseRequiredError(
                f"Key {name!r} is encrypted: set TESSERA_KEY_PASSPHRASE to use it."
            )
        box_key = nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            self._passphrase.encode(),
            b64url_decode(box["salt"]),
            opslimit=int(box["opslimit"]),
            memlimit=int(box["memlimit"]),
        )
        try:
            return bytes(nacl.secret.SecretBox(box_key).decrypt(b64url_decode(box["ciphertext"])))
        except nacl.exceptions.CryptoError:
            raise WrongPassphraseError(
                f"Cannot decrypt key {name!r}: TESSERA_KEY_PASSPHRASE is not the passphrase it "
                "was created with."
            ) from None


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
