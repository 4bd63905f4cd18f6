"""Admission control of the public verification endpoints (``POST /credentials/verify``,
``POST /presentations/verify``, the ``/verify`` page, ``/v/{id}``): who may ask, how much, and
how many at once. This is the edge; what a verification *is* lives in
:mod:`service.verification.public`.

- :class:`PublicPolicy`: every limit, from ``TESSERA_VERIFY_*`` settings; its
  :meth:`~PublicPolicy.budget` is the part the verification itself runs under;
- :class:`RateLimiter`: a token bucket per client address (hashed, never kept) -> 429;
- :class:`ConcurrencyGate`: a cap on concurrent verifications no one client can fill -> 503/429;
- :class:`PublicEndpoint`: the three around one :class:`~service.verification.public.PublicVerification`,
  which the routes call (:func:`build_public_endpoint` builds it for a service process).

The exceptions (:class:`~service.errors.RateLimited`, :class:`~service.errors.VerifierBusy`,
:class:`~service.errors.PayloadTooLarge`) are in the one error tree; ``problems.py`` maps them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from service.app.engine import Engine
from service.config import Settings
from service.errors import PayloadTooLarge, RateLimited, VerifierBusy
from service.proofs import Limits
from service.store import Database
from service.verification.geoip import CountryLookup, NoCountries, country_lookup
from service.verification.intake import texts_from_upload
from service.verification.pipeline import VerificationResult
from service.verification.presentations import PresentationResult
from service.verification.public import (
    PublicVerification,
    VerificationBudget,
    build_public_verification,
)

if TYPE_CHECKING:
    import httpx

    from service.api.shared_limits import SharedRateLimiter


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
    #: (``TESSERA_VERIFY_TRUST_OWN_PROVIDERS``; see :func:`service.app.trust_registry.service_registry`).
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
        return self.budget().limits(general)

    def budget(self) -> VerificationBudget:
        """The part of this policy a verification runs under (work budget, memo, directory,
        counters)."""
        return VerificationBudget(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(VerificationBudget)}
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


# -- the endpoint --------------------------------------------------------------------------


class PublicEndpoint:
    """The public verifier as the routes see it: :class:`PublicVerification` behind the rate
    limiter and the concurrency gate, with the policy's byte limits at hand."""

    def __init__(
        self,
        verification: PublicVerification,
        *,
        policy: PublicPolicy,
        countries: CountryLookup | None = None,
    ) -> None:
        self.verification = verification
        self.policy = policy
        #: The verifier's country for engagement counts (TESSERA_GEOIP_DB); the address is
        #: looked up in memory and dropped.
        self.countries = countries or NoCountries()
        self.limiter: RateLimiter | SharedRateLimiter = RateLimiter(
            rate=policy.rate_per_second, burst=policy.burst
        )
        self.gate = ConcurrencyGate(
            limit=policy.max_concurrent,
            max_waiting=policy.max_waiting,
            wait_seconds=policy.queue_seconds,
            in_thread=policy.in_thread,
            per_client=policy.max_concurrent_per_client,
            per_client_waiting=policy.max_waiting_per_client,
        )

    def admit(self, client: str) -> None:
        """Spend one of ``client``'s tokens, or raise :class:`RateLimited`."""
        wait = self.limiter.take(client)
        if wait > 0:
            raise RateLimited(wait)

    async def verify(
        self,
        credential: bytes | str | Mapping[str, Any],
        *,
        now: datetime,
        client: str | None = None,
        skip: Sequence[str] = (),
    ) -> VerificationResult:
        """:meth:`PublicVerification.verify` behind the concurrency gate (``client``, the
        caller's address, has its fair share of it; see :class:`ConcurrencyGate`)."""
        country = self.countries.country(client)
        result: VerificationResult = await self.gate.run(
            lambda: self.verification.verify(credential, now=now, skip=skip, country=country),
            client=self._gate_key(client),
        )
        return result

    async def verify_presentation(
        self,
        presentation: Mapping[str, Any],
        *,
        now: datetime,
        challenge: str | None = None,
        domain: str | None = None,
        client: str | None = None,
        locate: bool = True,
    ) -> PresentationResult:
        """:meth:`PublicVerification.verify_presentation` behind the same gate. ``locate``:
        count the client's country (False when the client is the holder's wallet, not an
        employer: where a learner is stays unrecorded)."""
        country = self.countries.country(client) if locate else ""
        result: PresentationResult = await self.gate.run(
            lambda: self.verification.verify_presentation(
                presentation, now=now, challenge=challenge, domain=domain, country=country
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


def client_address(request: Request) -> str:
    """The caller's address: only the rate limiter's (hashed) bucket key; never stored or logged."""
    return request.client.host if request.client else "unknown"


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, or :class:`PayloadTooLarge` as soon as it is over ``limit`` bytes
    (declared or streamed): an oversized body is never read whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def build_public_endpoint(
    *,
    settings: Settings,
    engine: Engine,
    database: Database,
    own_lists: Callable[[str], dict[str, Any] | None] | None = None,
    policy: PublicPolicy | None = None,
    http_client: httpx.Client | None = None,
) -> PublicEndpoint:
    """The public endpoint of a service process: ``policy`` (default: from ``settings``)
    around :func:`~service.verification.public.build_public_verification`."""
    policy = policy or PublicPolicy.from_settings(settings)
    verification = build_public_verification(
        engine=engine,
        database=database,
        budget=policy.budget(),
        own_lists=own_lists,
        http_client=http_client,
    )
    return PublicEndpoint(verification, policy=policy, countries=country_lookup(settings.geoip_db))


__all__ = [
    "ConcurrencyGate",
    "PublicEndpoint",
    "PublicPolicy",
    "RateLimiter",
    "build_public_endpoint",
    "client_address",
    "read_limited",
]
