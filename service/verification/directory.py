"""Who the public verifier can resolve, and whom it trusts: the DID documents of this
service's own providers and of the trust registry's entries, and the registry itself, read from
the database and cached briefly (:class:`ServiceDirectory`).

With several service processes the DID documents have a shared level too (Redis, through
:class:`~service.verification.shared.SharedLevel`): each entry carries the moment it was read
from the database, and no level keeps it past that moment plus the TTL, so a changed DID
document (a key rotated out) reaches every process within one TTL, never two.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from service.app.providers import did_document
from service.app.trust_registry import service_registry
from service.dids import StaticResolver, VerificationMethod, did_key_document, method_from_document
from service.errors import DidResolutionError, InputError
from service.store import Database, Repositories
from service.verification.checks import Check
from service.verification.shared import SharedLevel
from service.verification.trust import TrustRegistry

JsonObject = dict[str, Any]


class ServiceDirectory:
    """Resolves verification methods and supplies the trust registry, from the database.

    did:key is computed. Any other controller is looked up among this service's own
    providers (their live DID documents: every key they ever had), then among the DID
    documents saved in the trust registry. Both are cached for ``ttl`` seconds; a method
    missing from a cached document triggers one fresh read (a key rotated a moment ago).
    Being resolvable is not being trusted: trust comes from the registry
    (:func:`service.app.trust_registry.service_registry`: the operator's entries, plus this service's own
    providers unless ``trust_own_providers`` is off). ``shared`` is the level of the documents'
    cache shared by the service processes (asked on a miss here; see the module docstring).
    """

    def __init__(
        self,
        database: Database,
        *,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        trust_own_providers: bool = True,
        shared: SharedLevel | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._database = database
        self._shared = shared
        self._wall_clock = wall_clock
        self._ttl = ttl
        self._trust_own_providers = trust_own_providers
        self._clock = clock
        self._lock = threading.Lock()
        self._registry: tuple[float, TrustRegistry] | None = None
        self._documents: dict[str, tuple[float, JsonObject | None]] = {}
        self._did_key = StaticResolver()

    def invalidate(self) -> None:
        with self._lock:
            self._registry = None
            self._documents.clear()

    def registry(self) -> TrustRegistry:
        now = self._clock()
        cached = self._registry
        if cached is not None and cached[0] > now:
            return cached[1]
        with self._database.transaction() as session:
            registry = service_registry(
                Repositories(session), trust_own_providers=self._trust_own_providers
            )
        with self._lock:
            self._registry = (now + self._ttl, registry)
        return registry

    def _load(self, controller: str) -> JsonObject | None:
        with self._database.transaction() as session:
            repo = Repositories(session)
            issuer = repo.providers.issuer_by_did(controller)
            if issuer is not None:
                return did_document(repo, issuer)
        entry = self.registry().entry(controller)
        return entry.did_document if entry is not None else None

    def document(self, controller: str, *, fresh: bool = False) -> JsonObject | None:
        now = self._clock()
        cached = self._documents.get(controller)
        if cached is not None and cached[0] > now and not fresh:
            return cached[1]
        found = None if fresh else self._shared_document(controller)
        document: JsonObject | None
        if found is not None:
            document, seconds_left = found
        else:
            document, seconds_left = self._load(controller), self._ttl
            if self._shared is not None and document is not None:
                entry = {"readAt": self._wall_clock(), "document": document}
                self._shared.put(
                    controller.encode(), json.dumps(entry).encode(), seconds=self._ttl, flush=True
                )
        with self._lock:
            if len(self._documents) > 10_000:
                self._documents.clear()
            self._documents[controller] = (now + seconds_left, document)
        return document

    def _shared_document(self, controller: str) -> tuple[JsonObject, float] | None:
        """The document in the shared level and the seconds it may still be used, if any."""
        if self._shared is None:
            return None
        raw = self._shared.get(controller.encode())
        try:
            entry = json.loads(raw if raw is not None else b"")
            read_at, document = float(entry["readAt"]), entry["document"]
        except (ValueError, TypeError, KeyError):
            return None  # absent, or not an entry of ours: read the database
        seconds_left = read_at + self._ttl - self._wall_clock()
        if not isinstance(document, dict) or not 0 < seconds_left <= self._ttl:
            return None
        return document, seconds_left

    def resolve(self, verification_method: str) -> VerificationMethod:
        controller = verification_method.partition("#")[0]
        if controller.startswith("did:key:"):
            return self._did_key.resolve(verification_method)
        document = self.document(controller)
        if document is not None:
            try:
                return method_from_document(document, verification_method)
            except DidResolutionError:
                pass
        document = self.document(controller, fresh=True)
        if document is None:
            raise DidResolutionError(
                f"The provider {controller!r} is not known to this service: it is neither one of "
                "its own providers nor in its trust registry with a DID document."
            )
        return method_from_document(document, verification_method)

    def assertion_methods(self, issuer: str) -> list[VerificationMethod]:
        """The keys ``issuer`` authorizes to issue (for offline QR payloads, which name the
        issuer and may leave the key implicit)."""
        if issuer.startswith("did:key:"):
            try:
                document: JsonObject | None = did_key_document(issuer.removeprefix("did:key:"))
            except InputError as exc:
                raise DidResolutionError(f"{issuer!r} is not a valid did:key: {exc}") from exc
        else:
            document = self.document(issuer)
        if document is None:
            raise DidResolutionError(
                f"The provider {issuer!r} is not known to this service: it is neither one of its "
                "own providers nor in its trust registry with a DID document."
            )
        methods = []
        for ref in document.get("assertionMethod") or []:
            ref_id = ref.get("id") if isinstance(ref, Mapping) else ref
            if not isinstance(ref_id, str):
                continue
            try:
                methods.append(
                    method_from_document(
                        document, f"{issuer}{ref_id}" if ref_id.startswith("#") else ref_id
                    )
                )
            except DidResolutionError:
                continue
        return methods

    def trust(self, issuer: str, valid_from: datetime | None, now: datetime) -> Check:
        """The pipeline's ``trust`` check, against the current registry."""
        return self.registry().check(issuer, valid_from, now)


__all__ = ["ServiceDirectory"]
