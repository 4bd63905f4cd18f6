"""State shared by every service process, in Redis (``TESSERA_REDIS_URL``).

Without Redis each process keeps its own rate-limit counters and caches: correct on one
process (the embedded default), but N processes then allow N times a client's rate. The
service says so when it starts (see :func:`describe`).

Redis is a help, never a condition: when it does not answer within a short timeout, the
operation goes on without it (:class:`Fallback`: the rate limit is counted by the process
alone, a cache is the process's own), Redis is left alone for a few seconds so a slow Redis
does not slow every request, a warning is logged at most once a minute and
``tessera_shared_state_fallbacks`` counts what was served without it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from redis import Redis
from redis.exceptions import RedisError

from service.app.telemetry import SHARED_STATE_FALLBACKS

log = logging.getLogger("tessera.shared_state")

#: Readiness probe and start-up: a slow Redis must not hold them for long.
SOCKET_TIMEOUT_SECONDS = 0.5
#: Cache reads and writes in a verification: far below the public verifier's latency target.
CACHE_TIMEOUT_SECONDS = 0.1
#: After Redis failed to answer, how long a process goes without it before asking again.
COOLDOWN_SECONDS = 5.0
#: Seconds between two warnings that Redis is not answering (per kind of operation).
WARN_EVERY_SECONDS = 60.0


def connect_redis(url: str | None, *, timeout: float = SOCKET_TIMEOUT_SECONDS) -> Redis | None:
    """A Redis client for ``url`` (connects lazily), or None when no URL is configured."""
    if not url:
        return None
    return Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
    )


def describe(url: str | None) -> str:
    """One start-up line saying where shared state lives."""
    if not url:
        return (
            "no Redis (TESSERA_REDIS_URL unset): rate limits and caches are per process; "
            "set it when running more than one service process"
        )
    return "shared state (rate limits, verification memo, DID documents) in Redis"


class Fallback:
    """What happens when Redis does not answer, for one kind of operation (``what``): after a
    failure :meth:`active` is true for ``cooldown`` seconds (the caller does without Redis and
    calls :meth:`served`); each failure and each operation served without Redis is counted,
    and logged at most once a minute."""

    def __init__(
        self,
        what: str,
        *,
        cooldown: float = COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.cooldown = cooldown
        self._clock = clock
        self._until = 0.0
        self._warned_at = -WARN_EVERY_SECONDS
        self._counter = SHARED_STATE_FALLBACKS.labels(what)

    def active(self) -> bool:
        """True while Redis is left alone after a failure."""
        return self._until > 0.0 and self._clock() < self._until

    def served(self) -> None:
        """Count one operation served without Redis."""
        self._counter.inc()

    def failed(self, exc: BaseException) -> None:
        """Redis did not answer: do without it for ``cooldown`` seconds (and count this one)."""
        now = self._clock()
        self._until = now + self.cooldown
        self._counter.inc()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning(
                "Redis does not answer (%s: %s); %s per process for the next %g s",
                type(exc).__name__,
                str(exc).splitlines()[0] if str(exc) else "",
                self.what.replace("_", " "),
                self.cooldown,
            )


class RedisCache:
    """The shared level of a process's cache (:class:`service.verification.shared.SharedLevel`):
    byte values under ``prefix`` in Redis, each with its own expiry.

    Called from the worker threads that verify (a synchronous client with a short timeout),
    never from the event loop. One round trip per :meth:`get`: under load, writes of
    :meth:`put` wait for the next read and travel in its pipeline; they go at once with
    ``flush=True``, when ``max_pending`` are waiting, or when the last two reads were
    ``idle_seconds`` or more apart (little traffic: the next read may be long in coming). Any Redis failure reads as a
    miss and drops the writes (:class:`Fallback`).
    """

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        fallback: Fallback,
        max_pending: int = 64,
        idle_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._prefix = prefix.encode()
        self._fallback = fallback
        self._max_pending = max_pending
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._sent_at = -math.inf  # the first write goes at once
        self._gap = 0.0  # seconds between the last two sends
        self._pending: list[tuple[bytes, bytes, int]] = []
        self._lock = threading.Lock()

    def get(self, key: bytes) -> bytes | None:
        """The value under ``key``, or None (absent, expired, or Redis not answering)."""
        if self._fallback.active():
            self._fallback.served()
            return None
        results = self._send(get=self._prefix + key)
        value = results[-1] if results else None
        return value if isinstance(value, bytes) else None

    def put(self, key: bytes, value: bytes, *, seconds: float, flush: bool = False) -> None:
        """Keep ``value`` under ``key`` for ``seconds`` (sent with the next read, or now)."""
        milliseconds = int(seconds * 1000)
        if milliseconds <= 0 or self._fallback.active():
            return
        with self._lock:
            self._pending.append((self._prefix + key, value, milliseconds))
            flush = (
                flush or len(self._pending) >= self._max_pending or self._gap >= self._idle_seconds
            )
        if flush:
            self._send(get=None)

    def _send(self, *, get: bytes | None) -> list[object]:
        with self._lock:
            pending, self._pending = self._pending, []
            now = self._clock()
            self._gap, self._sent_at = now - self._sent_at, now
        if not pending and get is None:
            return []
        try:
            pipe = self._redis.pipeline(transaction=False)
            for name, value, milliseconds in pending:
                pipe.set(name, value, px=milliseconds)
            if get is not None:
                pipe.get(get)
            return list(pipe.execute())
        except RedisError as exc:
            self._fallback.failed(exc)
            return []


__all__ = [
    "CACHE_TIMEOUT_SECONDS",
    "Fallback",
    "RedisCache",
    "connect_redis",
    "describe",
]
