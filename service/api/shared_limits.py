"""The public verifier's per-client rate limit shared by every service process, in Redis.

With ``TESSERA_REDIS_URL`` set, each process counts a client's requests in Redis
(:class:`SharedRateLimiter`), so N processes allow a client its rate once, not N times, and a
restart forgets nothing. The bucket is the same as the in-process one
(:class:`~service.api.rate_limits.RateLimiter`: ``burst`` at once, then ``rate`` per second),
kept as one number per client (GCRA, the "theoretical arrival time") and checked and spent
atomically by a Lua script on Redis's own clock: one round trip per request, on the event loop
(``redis.asyncio``), no thread and no lock.

Clients are keyed by an HMAC of their address under a secret that the processes share through
Redis (made once, at random): Redis never holds an address. If Redis does not answer within
:data:`TIMEOUT_SECONDS`, the request is counted by the process's own limiter instead, and the
process leaves Redis alone for a few seconds (:class:`~service.app.shared_state.Fallback`:
logged, counted in ``tessera_shared_state_fallbacks``): the public verifier stays up and still
limited, never a 500.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from service.api.rate_limits import RateLimiter
from service.app.shared_state import Fallback

#: Redis key of the shared HMAC secret; and the prefix of the buckets.
CLIENT_KEY_NAME = "tessera:limits:client-key"
BUCKET_PREFIX = "tessera:limits:gcra:"
#: A request waits at most this long for Redis before the process counts it alone.
TIMEOUT_SECONDS = 0.1

#: KEYS[1]: the client's bucket (its theoretical arrival time, in seconds on Redis's clock);
#: ARGV[1]: seconds per request (1 / rate); ARGV[2]: the burst. Answers "0" when the request
#: is allowed (and spends it), else the seconds until it would be.
GCRA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat + interval - burst * interval - now
if wait > 0 then return tostring(wait) end
tat = tat + interval
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil((tat - now) * 1000) + 1)
return '0'
"""


async def shared_secret(redis: Redis) -> bytes:
    """The HMAC key every process uses for client addresses (created by the first one)."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.set(CLIENT_KEY_NAME, secrets.token_bytes(32), nx=True)
        pipe.get(CLIENT_KEY_NAME)
        _, value = await pipe.execute()
    if not isinstance(value, bytes):  # pragma: no cover - set just above
        raise RedisError("the shared rate-limit key vanished")
    return value


class SharedRateLimiter:
    """:class:`RateLimiter`'s bucket, counted in Redis for every process (see the module
    docstring); ``fallback`` counts alone while Redis does not answer."""

    def __init__(
        self,
        *,
        redis_url: str,
        rate: float,
        burst: int,
        fallback: RateLimiter,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.fallback = fallback
        self.redis_url = redis_url
        self.timeout = timeout
        self.unanswered = Fallback("rate_limit")
        self._secret: bytes | None = None
        #: One client per event loop (a redis.asyncio connection belongs to its loop).
        self._loop: asyncio.AbstractEventLoop | None = None
        self._redis: Redis | None = None
        self._script: AsyncScript | None = None

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def _client(self) -> tuple[Redis, AsyncScript]:
        loop = asyncio.get_running_loop()
        if self._redis is None or self._script is None or self._loop is not loop:
            self._loop = loop
            self._redis = Redis.from_url(
                self.redis_url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
            )
            self._script = self._redis.register_script(GCRA)  # EVALSHA, loaded once
        return self._redis, self._script

    async def take(self, client: str) -> float:
        """Spend one of ``client``'s requests: 0.0 when allowed, else seconds to wait."""
        if not self.enabled:
            return 0.0
        if self.unanswered.active():
            self.unanswered.served()
            return self.fallback.take(client)
        try:
            redis, gcra = self._client()
            if self._secret is None:
                self._secret = await shared_secret(redis)
            key = hmac.digest(self._secret, client.encode("utf-8", "replace"), "sha256")[:16]
            wait = await gcra(
                keys=[BUCKET_PREFIX + key.hex()], args=[repr(1.0 / self.rate), str(self.burst)]
            )
        except (RedisError, OSError, TimeoutError) as exc:  # down or slow: count alone
            self.unanswered.failed(exc)
            return self.fallback.take(client)
        return float(wait)

    async def aclose(self) -> None:
        """Close this process's connections to Redis (at shutdown)."""
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


__all__ = ["GCRA", "SharedRateLimiter", "shared_secret"]
