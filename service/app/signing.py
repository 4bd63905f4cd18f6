"""Signing many credentials: in this process, or spread over worker processes.

JSON-LD canonicalization is CPU-bound Python, so a cohort of 10,000 learners is signed by a
pool of processes. Workers load issuer keys from the key store themselves (keys are never
pickled or sent between processes) and keep them, and the context store, for their life.

Workers are spawned (a fresh interpreter), not forked from the service: a fork would inherit
the listening socket and the database connections of a threaded server. They die with the
process that started them, even when it is killed with SIGKILL, so a restarted service never
finds its port still held and no orphan keeps decrypted keys in memory.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import datetime
from typing import Any, Protocol

from service.app.engine import Engine, build_engine
from service.config import Settings
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

#: prctl(2) option: the signal this process gets when its parent ends (linux/prctl.h).
_PR_SET_PDEATHSIG = 1
#: How often the portable watchdog looks for its parent.
_PARENT_POLL_SECONDS = 0.5


def die_with_parent(parent: int) -> None:
    """End this process when its parent ends, however the parent ends (SIGKILL included).

    Linux delivers SIGKILL at the parent's death (PR_SET_PDEATHSIG); elsewhere, and should
    prctl fail, a daemon thread notices that the parent changed and exits. Workers must be
    the service's own children for this (spawn; a forkserver outlives its clients' parent).
    Also used by the server processes of ``tessera serve --workers N`` (service.api.asgi).
    ``parent`` is the pid of the process that started this one: it may have died already
    while this interpreter was starting, and then the worker ends at once.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="tessera-parent-watchdog", daemon=True).start()


def _init_worker(settings_json: str, parent: int) -> None:
    global _worker
    die_with_parent(parent)
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
                max_workers=self.workers,
                # Not "forkserver": its server lives on while any worker does, and is the
                # workers' parent, so neither would notice the service's death.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self._settings_json, os.getpid()),
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


__all__ = ["BatchSigner", "LocalSigner", "PoolSigner", "die_with_parent"]
