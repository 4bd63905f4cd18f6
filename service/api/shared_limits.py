"""The public verifier's per-client rate limit shared by every service process, in Redis.

With ``TESSERA_REDIS_URL`` set, each process's :class:`~service.api.limits.RateLimiter` is
replaced by :class:`SharedRateLimiter`: the same contract (``take``, ``key``), counted with
the maintained ``limits`` library (sliding-window counters in Redis), so N processes allow a
client its rate once, not N times, and a restart forgets nothing. ``burst`` requests per
``burst / rate`` seconds is the token bucket's shape: a burst at once, then ``rate`` per second.

Clients are keyed by an HMAC of their address under a secret that the processes share through
Redis (made once, at random): Redis never holds an address. If Redis stops answering, each
process falls back to its own in-memory limiter until it answers again (logged), so the
public verifier stays up and still limited.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time

from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from redis import Redis
from redis.exceptions import RedisError

from service.api.limits import RateLimiter

log = logging.getLogger("tessera.limits")

#: Redis key of the shared HMAC secret; and the prefix of the counters.
CLIENT_KEY_NAME = "tessera:limits:client-key"
COUNTER_PREFIX = "tessera:limits"
#: Seconds between two warnings that Redis is not answering.
WARN_EVERY_SECONDS = 60.0


def shared_secret(redis: Redis) -> bytes:
    """The HMAC key every process uses for client addresses (created by the first one)."""
    redis.set(CLIENT_KEY_NAME, secrets.token_bytes(32), nx=True)
    value = redis.get(CLIENT_KEY_NAME)
    if not isinstance(value, bytes):  # pragma: no cover - set just above
        raise RedisError("the shared rate-limit key vanished")
    return value


class SharedRateLimiter:
    """:class:`RateLimiter`'s contract, counted in Redis (see the module docstring)."""

    def __init__(
        self, *, redis: Redis, redis_url: str, rate: float, burst: int, fallback: RateLimiter
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.fallback = fallback
        self._redis = redis
        self._secret: bytes | None = None
        storage = RedisStorage(
            redis_url, key_prefix=COUNTER_PREFIX, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._item = RateLimitItemPerSecond(burst, max(1, round(burst / rate)))
        self._warned_at = -WARN_EVERY_SECONDS

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def key(self, client: str) -> bytes:
        """The keyed hash that stands for ``client`` (the same in every process while Redis
        answers; the fallback's own key before it ever has)."""
        if self._secret is None:
            try:
                self._secret = shared_secret(self._redis)
            except RedisError:
                return self.fallback.key(client)
        return hmac.digest(self._secret, client.encode("utf-8", "replace"), "sha256")[:16]

    def take(self, client: str) -> float:
        """Spend one of ``client``'s requests: 0.0 when allowed, else seconds to wait."""
        if not self.enabled:
            return 0.0
        try:
            if self._secret is None:
                self._secret = shared_secret(self._redis)
            key = self.key(client).hex()
            if self._limiter.hit(self._item, key):
                return 0.0
            stats = self._limiter.get_window_stats(self._item, key)
        except Exception as exc:  # Redis down or slow: keep limiting, per process
            now = time.monotonic()
            if now - self._warned_at >= WARN_EVERY_SECONDS:
                self._warned_at = now
                log.warning("Redis does not answer; rate limits are per process: %s", exc)
            return self.fallback.take(client)
        return max(0.1, stats.reset_time - time.time())


__all__ = ["SharedRateLimiter", "shared_secret"]
