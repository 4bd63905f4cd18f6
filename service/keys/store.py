"""The local key store: keys as JSON files in a directory, seeds encrypted with Argon2id +
XSalsa20-Poly1305 (or, for development only, in plain text and marked so)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from service.dates import format_utc
from service.encoding import b64url_decode, b64url_encode
from service.errors import (
    InputError,
    KeyExistsError,
    KeyNotFoundError,
    KeyStoreError,
    PassphraseRequiredError,
    WrongPassphraseError,
)
from service.keys.ed25519 import generate_seed, public_key_from_seed
from service.keys.identifiers import did_key_for, did_web_for
from service.keys.multikey import encode_public_multikey
from service.keys.signer import Ed25519Signer

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


__all__ = ["KEY_NAME", "Kdf", "KeyInfo", "KeyStore"]
