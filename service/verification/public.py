"""Public verification for employers: the composition behind ``POST /credentials/verify``,
the ``/verify`` page and the short link ``/v/{id}``.

It puts together, once per process:

- a resolver over this service's own providers' DID documents (read from the database), the
  DID documents saved in the trust registry, and did:key; cached briefly, re-read when a key
  is missing (a provider rotated its key a moment ago);
- the trust registry (:mod:`service.verification.trust`) as the pipeline's ``trust`` check;
- the ``status`` check (:func:`status_checker`: the one place it is built);
- a memo of the canonical hashes (:class:`HashMemo`): the same credential verified again
  skips canonicalization, and nothing else: the signature, validity, status and trust are
  checked afresh every time;
- a per-client token bucket (:class:`RateLimiter`), a cap on concurrent verifications that
  no one client can fill (:class:`ConcurrencyGate`) and aggregate counters
  (:class:`VerificationCounter`);
- a work budget far smaller than the CLI's (:attr:`PublicPolicy.limits`): CPU time, RDF
  statements and blank nodes per credential, so hostile documents are refused in
  microseconds (blank-node counts and the poison-graph estimate run before the exponential
  step of canonicalization) or, at worst, after 0.1 s of CPU.

Nothing here stores credential content or a client address: the rate limiter keys its
buckets by a keyed hash of the address that changes with every process, and the counters are
per day and verdict.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from service.app.engine import Engine
from service.app.issuing import did_document
from service.config import Settings
from service.dids import (
    StaticResolver,
    VerificationMethod,
    did_key_document,
    method_from_document,
)
from service.errors import (
    DidResolutionError,
    InputError,
    RateLimited,
    VerifierBusy,
)
from service.proofs import Limits, verification_suites
from service.proofs.canonical import cpu_budget
from service.proofs.data_integrity import Cryptosuite
from service.store import Database, Repository
from service.verification.intake import texts_from_upload
from service.verification.pipeline import (
    Check,
    StatusChecker,
    VerificationResult,
    Verifier,
    verify_credential,
)
from service.verification.presentations import PresentationResult, verify_presentation
from service.verification.trust import TrustRegistry, service_registry

if TYPE_CHECKING:
    import httpx

Verdict = Literal["valid", "invalid", "incomplete"]
JsonObject = dict[str, Any]


def verdict_of(result: VerificationResult) -> Verdict:
    """Green, red or amber: ``valid`` when every check passed, ``invalid`` when any failed,
    ``incomplete`` when something could not be checked (e.g. an unlisted provider)."""
    if any(c.status == "failed" for c in result.checks):
        return "invalid"
    if all(c.status == "passed" for c in result.checks):
        return "valid"
    return "incomplete"


# -- policy --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicPolicy:
    """Limits of the public endpoints. Defaults suit one 2-core machine.

    ``from_settings`` reads ``verify_*`` fields when :class:`~service.config.Settings` has them,
    so they can become ``TESSERA_VERIFY_*`` variables without a change here.
    """

    #: Bytes of a ``POST /credentials/verify`` body (the credential limit plus the envelope).
    max_request_bytes: int = 256 * 1024 + 16 * 1024
    #: Bytes of an upload on the ``/verify`` page (a phone photo of a QR code, a PDF).
    max_upload_bytes: int = 8 * 1024 * 1024
    #: Sustained verifications per second per client address, and the burst allowed.
    rate_per_second: float = 10.0
    burst: int = 60
    #: Verifications canonicalizing at once in this process (CPU-bound: about the core count),
    #: how many may wait for a turn, and for how long before the answer is 503.
    max_concurrent: int = 2
    max_waiting: int = 256
    queue_seconds: float = 2.0
    #: Of those, how many one client address may run at once, and how many more of its
    #: requests may wait; beyond that the client gets 429 (see :class:`ConcurrencyGate`).
    max_concurrent_per_client: int = 1
    max_waiting_per_client: int = 8
    #: The work budget of one public verification (``TESSERA_VERIFY_MAX_*``). The smaller of
    #: these and the service's general limits (``TESSERA_MAX_*``, the CLI's) applies.
    max_canonicalization_seconds: float = 0.1
    #: CPU seconds of all canonicalizations of one verification together (a document may
    #: carry many proofs, each canonicalized on its own).
    max_verification_seconds: float = 0.25
    max_quads: int = 2_000
    max_blank_nodes: int = 200
    max_blank_node_permutations: int = 500
    #: Run verifications in worker threads (the event loop stays free for other requests) or
    #: on the event loop itself (no thread hand-off; canonicalization is bounded to
    #: ``max_canonicalization_seconds`` either way).
    in_thread: bool = True
    #: Canonical hashes remembered (``0``: no memo).
    memo_entries: int = 4096
    #: How long the provider directory (DID documents, trust registry) is cached.
    directory_seconds: float = 30.0
    #: Recognize the providers registered on this service without a registry entry
    #: (``TESSERA_VERIFY_TRUST_OWN_PROVIDERS``; see :func:`service.verification.trust.service_registry`).
    trust_own_providers: bool = True
    #: How often the aggregate counters are written (``0``: on every verification).
    count_flush_seconds: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PublicPolicy:
        values = {
            f.name: getattr(settings, f"verify_{f.name}")
            for f in dataclasses.fields(cls)
            if hasattr(settings, f"verify_{f.name}")
        }
        return cls(**values)

    def limits(self, general: Limits) -> Limits:
        """``general`` (the CLI's limits) narrowed to this policy's work budget."""
        return dataclasses.replace(
            general,
            max_seconds=min(general.max_seconds, self.max_canonicalization_seconds),
            max_quads=min(general.max_quads, self.max_quads),
            max_blank_nodes=min(general.max_blank_nodes, self.max_blank_nodes),
            max_blank_node_permutations=min(
                general.max_blank_node_permutations, self.max_blank_node_permutations
            ),
        )


# -- rate limiting -------------------------------------------------------------------------


class RateLimiter:
    """A token bucket per client, in memory.

    Buckets are keyed by an HMAC of the client address under a random per-process key, so
    the addresses themselves are never kept, and idle buckets are dropped. With several
    server processes each has its own buckets (the limit is per process).
    """

    def __init__(
        self,
        *,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 100_000,
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._max_clients = max_clients
        self._secret = secrets.token_bytes(32)
        self._buckets: dict[bytes, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def key(self, client: str) -> bytes:
        """The keyed hash that stands for ``client`` (its address is never kept)."""
        return hmac.digest(self._secret, client.encode("utf-8", "replace"), "sha256")[:16]

    def take(self, client: str) -> float:
        """Spend one token for ``client``: 0.0 when allowed, else seconds until one is free."""
        if not self.enabled:
            return 0.0
        key = self.key(client)
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            self._calls += 1
            if self._calls % 4096 == 0 or len(self._buckets) >= self._max_clients:
                self._sweep(now)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _sweep(self, now: float) -> None:
        """Forget buckets that have refilled (their clients are idle); if still too many,
        forget the oldest."""
        full_after = self.burst / self.rate
        for key in [k for k, (_, last) in self._buckets.items() if now - last >= full_after]:
            del self._buckets[key]
        while len(self._buckets) >= self._max_clients:
            del self._buckets[next(iter(self._buckets))]

    def __len__(self) -> int:
        return len(self._buckets)


# -- bounded concurrency -------------------------------------------------------------------


class ConcurrencyGate:
    """At most ``limit`` verifications at once in this event loop, and at most ``per_client``
    of them for any one client; up to ``max_waiting`` more wait up to ``wait_seconds`` for a
    turn (``per_client_waiting`` of them per client). Beyond the shared queue the answer is
    :class:`VerifierBusy` (503); beyond a client's own share, :class:`RateLimited` (429): the
    client is asking for too much at once, the service is not overloaded.

    Why per client. Verification is CPU-bound and the slots are few (about the core count),
    so whoever holds them decides everyone's latency. The rate limit bounds how *often* a
    client may ask, not how much work each request costs: a client sending documents that
    each burn the whole work budget (a poison graph that slips past the cheap checks, a PDF
    that takes seconds to render) at its permitted rate would hold every slot, and genuine
    requests would queue behind it until they got 503. With a per-client cap, such a client
    holds at most ``per_client`` slots and queues behind *itself*: its surplus requests wait
    on its own semaphore (never in the shared queue, where they would delay others) and, past
    ``per_client_waiting``, are refused at once (429). Genuine clients keep ``limit - per_client``
    slots and an asyncio semaphore's FIFO turn. Early refusal (blank-node checks before
    canonicalization) and the small work budget make each hostile request cheap; this makes
    sure that even the costly ones cannot starve anyone else. Many addresses at once are a
    distributed attack, which the rate limiter and the network in front must meet.
    """

    def __init__(
        self,
        *,
        limit: int,
        max_waiting: int,
        wait_seconds: float,
        in_thread: bool = True,
        per_client: int | None = None,
        per_client_waiting: int = 8,
    ) -> None:
        self.limit = limit
        self.in_thread = in_thread
        self.max_waiting = max_waiting
        self.wait_seconds = wait_seconds
        self.per_client = max(1, min(per_client if per_client is not None else limit, limit))
        self.per_client_waiting = per_client_waiting
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: asyncio.Semaphore | None = None
        #: Per client with a request in the gate: its semaphore and how many requests it has.
        self._clients: dict[Hashable, tuple[asyncio.Semaphore, int]] = {}
        self.waiting = 0
        self.running = 0

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._loop, self._semaphore = loop, asyncio.Semaphore(self.limit)
            self._clients = {}
        return self._semaphore

    def clients(self) -> int:
        """Clients with a request running or waiting (for tests and metrics)."""
        return len(self._clients)

    async def run(self, work: Callable[[], Any], *, client: Hashable = None) -> Any:
        """Run ``work`` (in a worker thread unless ``in_thread`` is false) once a slot is free
        and ``client`` (any hashable key; ``None``: no per-client cap) is below its share."""
        semaphore = self._gate()
        if client is None:
            return await self._run(semaphore, work, self.wait_seconds)
        own, count = self._clients.get(client, (None, 0))
        if own is None:
            own = asyncio.Semaphore(self.per_client)
        if count >= self.per_client + self.per_client_waiting:
            raise RateLimited(1.0)  # this client's own backlog is full
        self._clients[client] = (own, count + 1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            try:
                await asyncio.wait_for(own.acquire(), self.wait_seconds)
            except TimeoutError:  # waited behind this client's own requests
                raise RateLimited(1.0) from None
            try:
                remaining = self.wait_seconds - (loop.time() - started)
                return await self._run(semaphore, work, max(remaining, 0.0))
            finally:
                own.release()
        finally:
            own, count = self._clients[client]
            if count <= 1:
                del self._clients[client]
            else:
                self._clients[client] = (own, count - 1)

    async def _run(
        self, semaphore: asyncio.Semaphore, work: Callable[[], Any], wait_seconds: float
    ) -> Any:
        if semaphore.locked():
            if self.waiting >= self.max_waiting:
                raise VerifierBusy()
            self.waiting += 1
            try:
                await asyncio.wait_for(semaphore.acquire(), wait_seconds)
            except TimeoutError:
                raise VerifierBusy() from None
            finally:
                self.waiting -= 1
        else:
            await semaphore.acquire()
        self.running += 1
        try:
            return await asyncio.to_thread(work) if self.in_thread else work()
        finally:
            self.running -= 1
            semaphore.release()


# -- aggregate counters --------------------------------------------------------------------


class VerificationCounter:
    """Counts verifications per UTC day and verdict in memory; written to the database in one
    small upsert every ``flush_seconds``. Nothing about the credential or the client."""

    def __init__(
        self,
        database: Database | None,
        *,
        flush_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._flush_seconds = flush_seconds
        self._clock = clock
        self._pending: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._last_flush = clock()

    def record(self, verdict: Verdict, now: datetime) -> None:
        day = now.astimezone(UTC).strftime("%Y-%m-%d")
        with self._lock:
            self._pending[(day, verdict)] = self._pending.get((day, verdict), 0) + 1
            due = self._clock() - self._last_flush >= self._flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Write what has been counted since the last flush (kept for the next one on error)."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._last_flush = self._clock()
        if not pending or self._database is None:
            return
        try:
            with self._database.transaction() as session:
                Repository(session).add_verification_counts(pending)
        except Exception:
            with self._lock:
                for key, n in pending.items():
                    self._pending[key] = self._pending.get(key, 0) + n
            raise


# -- the canonical-hash memo ---------------------------------------------------------------


class HashMemo:
    """A bounded LRU of ``hash_data`` outputs, keyed by SHA-256 of the exact JSON of
    (suite, document, proof configuration).

    Canonicalization is a pure function of that JSON (contexts are pinned by hash), so a hit
    is exactly what recomputing would give; failures are never remembered.
    """

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._items: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def wrap(self, suites: Sequence[Cryptosuite]) -> list[Cryptosuite]:
        if self.entries <= 0:
            return list(suites)
        return [_MemoizedSuite(s, self) for s in suites]

    def get_or_compute(
        self, suite: Cryptosuite, document: Mapping[str, Any], proof_config: Mapping[str, Any]
    ) -> bytes:
        try:
            raw = json.dumps(
                [suite.proof_type, suite.cryptosuite, document, proof_config],
                sort_keys=True,
                ensure_ascii=False,
                separators=(",", ":"),
                allow_nan=False,
            )
        except (TypeError, ValueError):
            return suite.hash_data(document=document, proof_config=proof_config)
        key = hashlib.sha256(raw.encode("utf-8")).digest()
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        value = suite.hash_data(document=document, proof_config=proof_config)
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.entries:
                self._items.popitem(last=False)
        return value


class _MemoizedSuite:
    def __init__(self, suite: Cryptosuite, memo: HashMemo) -> None:
        self.suite = suite
        self.memo = memo
        self.proof_type = suite.proof_type
        self.cryptosuite = suite.cryptosuite

    def hash_data(self, *, document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
        return self.memo.get_or_compute(self.suite, document, proof_config)


# -- who can be resolved, who is trusted ---------------------------------------------------


class ServiceDirectory:
    """Resolves verification methods and supplies the trust registry, from the database.

    did:key is computed. Any other controller is looked up among this service's own
    providers (their live DID documents: every key they ever had), then among the DID
    documents saved in the trust registry. Both are cached for ``ttl`` seconds; a method
    missing from a cached document triggers one fresh read (a key rotated a moment ago).
    Being resolvable is not being trusted: trust comes from the registry
    (:func:`service.verification.trust.service_registry`: the operator's entries, plus this service's own
    providers unless ``trust_own_providers`` is off).
    """

    def __init__(
        self,
        database: Database,
        *,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        trust_own_providers: bool = True,
    ) -> None:
        self._database = database
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
                Repository(session), trust_own_providers=self._trust_own_providers
            )
        with self._lock:
            self._registry = (now + self._ttl, registry)
        return registry

    def _load(self, controller: str) -> JsonObject | None:
        with self._database.transaction() as session:
            repo = Repository(session)
            issuer = repo.issuer_by_did(controller)
            if issuer is not None:
                return did_document(repo, issuer)
        entry = self.registry().entry(controller)
        return entry.did_document if entry is not None else None

    def document(self, controller: str, *, fresh: bool = False) -> JsonObject | None:
        now = self._clock()
        cached = self._documents.get(controller)
        if cached is not None and cached[0] > now and not fresh:
            return cached[1]
        document = self._load(controller)
        with self._lock:
            if len(self._documents) > 10_000:
                self._documents.clear()
            self._documents[controller] = (now + self._ttl, document)
        return document

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


# -- the whole thing -----------------------------------------------------------------------


class PublicVerification:
    """Everything one process needs to verify for the public."""

    def __init__(
        self,
        *,
        engine: Engine,
        database: Database,
        policy: PublicPolicy,
        status: StatusChecker | None = None,
        directory: ServiceDirectory | None = None,
    ) -> None:
        self.policy = policy
        self.engine = engine
        self.database = database
        self.directory = directory or ServiceDirectory(
            database,
            ttl=policy.directory_seconds,
            trust_own_providers=policy.trust_own_providers,
        )
        self.memo = HashMemo(policy.memo_entries)
        limits = policy.limits(engine.canonicalizer.limits)
        base = engine.verifier(resolver=self.directory, trust=self.directory.trust)
        suites = verification_suites(engine.canonicalizer.with_limits(limits))
        self.verifier = dataclasses.replace(
            base, suites=self.memo.wrap(suites), limits=limits, status=status
        )
        self.limiter = RateLimiter(rate=policy.rate_per_second, burst=policy.burst)
        self.gate = ConcurrencyGate(
            limit=policy.max_concurrent,
            max_waiting=policy.max_waiting,
            wait_seconds=policy.queue_seconds,
            in_thread=policy.in_thread,
            per_client=policy.max_concurrent_per_client,
            per_client_waiting=policy.max_waiting_per_client,
        )
        self.counter = VerificationCounter(database, flush_seconds=policy.count_flush_seconds)

    def admit(self, client: str) -> None:
        """Spend one of ``client``'s tokens, or raise :class:`RateLimited`."""
        wait = self.limiter.take(client)
        if wait > 0:
            raise RateLimited(wait)

    def verify(
        self,
        credential: bytes | str | Mapping[str, Any],
        *,
        now: datetime,
        skip: Sequence[str] = (),
    ) -> VerificationResult:
        """Verify a credential, or an offline QR text (``TSR1:…``), and count the verdict.
        ``skip``: checks the caller asked not to run (VC-API ``options.checks``)."""
        with cpu_budget(self.policy.max_verification_seconds):
            if isinstance(credential, str) and credential.lstrip().startswith(OFFLINE_PREFIX):
                result = self._verify_offline(credential, now=now, skip=skip)
            else:
                result = verify_credential(credential, verifier=self.verifier, now=now, skip=skip)
        self.counter.record(verdict_of(result), now)
        return result

    def _verify_offline(
        self, text: str, *, now: datetime, skip: Sequence[str] = ()
    ) -> VerificationResult:
        from service.export.offline_qr import verify_offline

        return verify_offline(
            text,
            keys=self.directory,
            now=now,
            clock_skew=self.verifier.clock_skew,
            status=self.verifier.status,
            trust=self.verifier.trust,
            skip=skip,
        )

    async def verify_async(
        self,
        credential: bytes | str | Mapping[str, Any],
        *,
        now: datetime,
        client: str | None = None,
        skip: Sequence[str] = (),
    ) -> VerificationResult:
        """:meth:`verify` in a worker thread, behind the concurrency gate (``client``, the
        caller's address, has its fair share of it; see :class:`ConcurrencyGate`)."""
        result: VerificationResult = await self.gate.run(
            lambda: self.verify(credential, now=now, skip=skip), client=self._gate_key(client)
        )
        return result

    def verify_presentation(
        self,
        presentation: Mapping[str, Any],
        *,
        now: datetime,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> PresentationResult:
        """Verify a presentation and the credentials in it; each credential's verdict is
        counted like one verified on its own."""
        result = verify_presentation(
            presentation, verifier=self.verifier, now=now, challenge=challenge, domain=domain
        )
        for credential in result.credentials:
            self.counter.record(verdict_of(credential), now)
        return result

    async def verify_presentation_async(
        self,
        presentation: Mapping[str, Any],
        *,
        now: datetime,
        challenge: str | None = None,
        domain: str | None = None,
        client: str | None = None,
    ) -> PresentationResult:
        """:meth:`verify_presentation` behind the same gate as single credentials."""
        result: PresentationResult = await self.gate.run(
            lambda: self.verify_presentation(
                presentation, now=now, challenge=challenge, domain=domain
            ),
            client=self._gate_key(client),
        )
        return result

    async def read_upload(self, data: bytes, *, client: str | None = None) -> list[str]:
        """The candidate texts in an uploaded file (:func:`service.verification.intake.texts_from_upload`:
        QR codes in pictures and PDFs), behind the same gate as verifications."""
        texts: list[str] = await self.gate.run(
            lambda: texts_from_upload(data), client=self._gate_key(client)
        )
        return texts

    def _gate_key(self, client: str | None) -> bytes | None:
        return self.limiter.key(client) if client is not None else None


#: The text every offline QR payload starts with (``service.export.offline_qr.PREFIX``).
OFFLINE_PREFIX = "TSR1:"


def status_checker(
    verifier: Verifier,
    own_lists: Callable[[str], JsonObject | None] | None,
    *,
    http_client: httpx.Client | None = None,
) -> StatusChecker | None:
    """The ``status`` check of the public verifier: the one place it is built.

    Lists come from this service itself (``own_lists``: URL -> signed list, no network) and,
    for other providers, over HTTPS from the issuer's own did:web host only
    (:class:`service.verification.status.HttpsLists`). The lists' own signatures are checked with
    ``verifier`` (same resolver and policy, no status check of their own). ``http_client``
    replaces the default strict client (:func:`service.verification.remote.strict_client`).
    """
    try:
        from service.verification.status import ChainedLists, FunctionLists, HttpsLists
        from service.verification.status import StatusChecker as BitstringStatusChecker
    except ImportError:  # the status module is not there: status stays 'unknown'
        return None
    sources = [FunctionLists(own_lists)] if own_lists is not None else []
    return BitstringStatusChecker(
        lists=ChainedLists(*sources, HttpsLists(client=http_client)),
        list_verifier=dataclasses.replace(verifier, status=None, trust=None),
    )


def build_public_verification(
    *,
    settings: Settings,
    engine: Engine,
    database: Database,
    own_lists: Callable[[str], JsonObject | None] | None = None,
    policy: PublicPolicy | None = None,
    http_client: httpx.Client | None = None,
) -> PublicVerification:
    """The public verifier for a service process (see the module docstring); ``http_client``
    fetches other providers' status lists (default: :func:`service.verification.remote.strict_client`)."""
    policy = policy or PublicPolicy.from_settings(settings)
    public = PublicVerification(engine=engine, database=database, policy=policy)
    public.verifier = dataclasses.replace(
        public.verifier,
        status=status_checker(public.verifier, own_lists, http_client=http_client),
    )
    return public


__all__ = [
    "OFFLINE_PREFIX",
    "ConcurrencyGate",
    "HashMemo",
    "PublicPolicy",
    "PublicVerification",
    "RateLimiter",
    "ServiceDirectory",
    "Verdict",
    "VerificationCounter",
    "build_public_verification",
    "status_checker",
    "verdict_of",
]
