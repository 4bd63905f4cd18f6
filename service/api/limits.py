"""Admission control of the public verification endpoints (``POST /credentials/verify``,
``POST /presentations/verify``, the ``/verify`` page, ``/v/{id}``): who may ask, how much, and
how many at once. This is the edge; what a verification *is* lives in
:mod:`service.verification.public`.

- :class:`PublicPolicy`: every limit, from ``TESSERA_VERIFY_*`` settings; its
  :meth:`~PublicPolicy.budget` is the part the verification itself runs under;
- :class:`~service.api.rate_limits.RateLimiter`: a token bucket per client address (hashed,
  never kept) -> 429; with Redis, :class:`~service.api.shared_limits.SharedRateLimiter` counts
  it for every service process;
- :class:`~service.api.gate.ConcurrencyGate`: a cap on concurrent verifications no one client
  can fill -> 503/429;
- :class:`PublicEndpoint`: the three around one :class:`~service.verification.public.PublicVerification`,
  which the routes call (:func:`build_public_endpoint` builds it for a service process, with
  the state shared through Redis when ``TESSERA_REDIS_URL`` is set).

The exceptions (:class:`~service.errors.RateLimited`, :class:`~service.errors.VerifierBusy`,
:class:`~service.errors.PayloadTooLarge`) are in the one error tree; ``problems.py`` maps them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from service.api.gate import ConcurrencyGate
from service.api.rate_limits import RateLimiter
from service.api.shared_limits import SharedRateLimiter
from service.app.engine import Engine
from service.app.shared_state import CACHE_TIMEOUT_SECONDS, Fallback, RedisCache, connect_redis
from service.config import Settings
from service.errors import PayloadTooLarge, RateLimited
from service.proofs import Limits
from service.store import Database
from service.verification.geoip import CountryLookup, NoCountries, country_lookup
from service.verification.intake import texts_from_upload
from service.verification.pipeline import VerificationResult
from service.verification.presentations import PresentationResult
from service.verification.public import (
    PublicVerification,
    SharedCaches,
    VerificationBudget,
    build_public_verification,
)

if TYPE_CHECKING:
    import httpx
    from redis import Redis


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
    #: ``max_canonicalization_seconds`` either way; the caches then have no shared level,
    #: so the event loop never waits for Redis).
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


# -- the endpoint --------------------------------------------------------------------------


class PublicEndpoint:
    """The public verifier as the routes see it: :class:`PublicVerification` behind the rate
    limiter and the concurrency gate, with the policy's byte limits at hand. ``shared`` counts
    the rate limit for every service process (``limiter``, this process's own, stands in
    while Redis does not answer)."""

    def __init__(
        self,
        verification: PublicVerification,
        *,
        policy: PublicPolicy,
        shared: SharedRateLimiter | None = None,
        redis: Redis | None = None,
        countries: CountryLookup | None = None,
    ) -> None:
        self.verification = verification
        self.policy = policy
        #: The verifier's country for engagement counts (TESSERA_GEOIP_DB); the address is
        #: looked up in memory and dropped.
        self.countries = countries or NoCountries()
        self.limiter = (
            shared.fallback
            if shared is not None
            else RateLimiter(rate=policy.rate_per_second, burst=policy.burst)
        )
        self.shared = shared
        self._redis = redis  # the caches' shared level (closed with the endpoint)
        self.gate = ConcurrencyGate(
            limit=policy.max_concurrent,
            max_waiting=policy.max_waiting,
            wait_seconds=policy.queue_seconds,
            in_thread=policy.in_thread,
            per_client=policy.max_concurrent_per_client,
            per_client_waiting=policy.max_waiting_per_client,
        )

    async def admit(self, client: str) -> None:
        """Spend one of ``client``'s tokens, or raise :class:`RateLimited`."""
        wait = await self.shared.take(client) if self.shared else self.limiter.take(client)
        if wait > 0:
            raise RateLimited(wait)

    async def aclose(self) -> None:
        """Close the connections to Redis (at shutdown)."""
        if self.shared is not None:
            await self.shared.aclose()
        if self._redis is not None:
            self._redis.close()

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


async def read_limited(request: Request, limit: int, advice: str | None = None) -> bytes:
    """The request body, or :class:`PayloadTooLarge` (with ``advice``, what to send instead)
    as soon as it is over ``limit`` bytes (declared or streamed): an oversized body is never
    read whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(limit, advice)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit, advice)
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
    around :func:`~service.verification.public.build_public_verification`. With
    ``settings.redis_url``, the rate limit is counted in Redis for every process, and the memo
    and the DID documents have a shared level there (when verifications run in threads)."""
    policy = policy or PublicPolicy.from_settings(settings)
    url = settings.redis_url
    redis = connect_redis(url, timeout=CACHE_TIMEOUT_SECONDS) if policy.in_thread else None
    caches = None
    if redis is not None:
        caches = SharedCaches(
            memo=RedisCache(redis, prefix="tessera:memo:", fallback=Fallback("memo")),
            documents=RedisCache(redis, prefix="tessera:did:", fallback=Fallback("directory")),
        )
    verification = build_public_verification(
        engine=engine,
        database=database,
        budget=policy.budget(),
        own_lists=own_lists,
        http_client=http_client,
        shared=caches,
    )
    shared = None
    if url:
        fallback = RateLimiter(rate=policy.rate_per_second, burst=policy.burst)
        shared = SharedRateLimiter(
            redis_url=url, rate=policy.rate_per_second, burst=policy.burst, fallback=fallback
        )
    return PublicEndpoint(
        verification,
        policy=policy,
        shared=shared,
        redis=redis,
        countries=country_lookup(settings.geoip_db),
    )


__all__ = [
    "PublicEndpoint",
    "PublicPolicy",
    "build_public_endpoint",
    "client_address",
    "read_limited",
]
