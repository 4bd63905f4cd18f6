"""Signing many credentials: in this process, or spread over worker processes.

JSON-LD canonicalization is CPU-bound Python, so a cohort of 10,000 learners is signed by a
pool of processes. Workers load issuer keys from the key store themselves (keys are never
pickled or sent between processes) and keep them, and the context store, for their life.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import datetime
from typing import Any, Protocol

from service.config import Settings
from service.engine import Engine, build_engine
from service.keys import Ed25519Signer
from service.proofs import DEFAULT_CRYPTOSUITE, sign

JsonObject = dict[str, Any]


class BatchSigner(Protocol):
    """Signs documents with a named key from the key store."""

    def sign_all(
        self,
        key_name: str,
        documents: Sequence[JsonObject],
        *,
        created: datetime,
        cryptosuite: str = ...,
    ) -> list[JsonObject]: ...

    def close(self) -> None: ...


class LocalSigner:
    """Signs in the calling process; caches decrypted keys (Argon2id is deliberately slow)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The canonicalizer's work bound is CPU time, so signing under load never trips it.
        self.canonicalizer = engine.canonicalizer
        self._signers: dict[str, Ed25519Signer] = {}

    def signer(self, key_name: str) -> Ed25519Signer:
        signer = self._signers.get(key_name)
        if signer is None:
            signer = self._signers[key_name] = self.engine.keys().signer(key_name)
        return signer

    def sign_all(
        self,
        key_name: str,
        documents: Sequence[JsonObject],
        *,
        created: datetime,
        cryptosuite: str = DEFAULT_CRYPTOSUITE,
    ) -> list[JsonObject]:
        signer = self.signer(key_name)
        return [
            sign(
                d,
                signer=signer,
                canonicalizer=self.canonicalizer,
                created=created,
                cryptosuite=cryptosuite,
            )
            for d in documents
        ]

    def close(self) -> None:
        self._signers.clear()


_worker: LocalSigner | None = None


def _init_worker(settings_json: str) -> None:
    global _worker
    _worker = LocalSigner(build_engine(Settings.model_validate_json(settings_json)))


def _sign_chunk(
    key_name: str, documents: list[JsonObject], created: datetime, cryptosuite: str
) -> list[JsonObject]:
    if _worker is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("signing worker was not initialized")
    return _worker.sign_all(key_name, documents, created=created, cryptosuite=cryptosuite)


class PoolSigner:
    """Signs large batches across processes; small ones stay local (start-up is not free)."""

    def __init__(
        self, engine: Engine, *, workers: int | None = None, local_threshold: int = 64
    ) -> None:
        self.local = LocalSigner(engine)
        self.workers = workers or max(1, os.cpu_count() or 1)
        self.local_threshold = local_threshold
        self._settings_json = _settings_json(engine.settings)
        self._pool: Executor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, initializer=_init_worker, initargs=(self._settings_json,)
            )
        return self._pool

    def sign_all(
        self,
        key_name: str,
        documents: Sequence[JsonObject],
        *,
        created: datetime,
        cryptosuite: str = DEFAULT_CRYPTOSUITE,
    ) -> list[JsonObject]:
        if len(documents) <= self.local_threshold or self.workers == 1:
            return self.local.sign_all(
                key_name, documents, created=created, cryptosuite=cryptosuite
            )
        size = max(16, -(-len(documents) // (self.workers * 4)))
        chunks = [list(documents[i : i + size]) for i in range(0, len(documents), size)]
        futures = [
            self._executor().submit(_sign_chunk, key_name, chunk, created, cryptosuite)
            for chunk in chunks
        ]
        signed: list[JsonObject] = []
        for future in futures:
            signed.extend(future.result())
        return signed

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self.local.close()


def _settings_json(settings: Settings) -> str:
    """Settings for a worker, passphrase included (it stays in this host's process tree)."""
    data = settings.model_dump(mode="json")
    if settings.key_passphrase is not None:
        data["key_passphrase"] = settings.key_passphrase.get_secret_value()
    return json.dumps(data)


__all__ = ["BatchSigner", "LocalSigner", "PoolSigner"]
