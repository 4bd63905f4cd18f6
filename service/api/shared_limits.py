"""The public verifier's per-client rate limit shared by every service process, in Redis.

With ``TESSERA_REDIS_URL`` set, each process counts a client's requests in Redis
(:class:`SharedRateLimiter`), so N processes allow a client its rate once, not N times, and a
restart forgets nothing. The bucket is the same as the in-process one
(:class:`~service.api.rate_limits.RateLimiter`: ``burst`` at once, then ``rate`` per second),
kept as one number per client (GCRA, the "theoretical arrival time") and checked and spent
atomically by a Lua script on Redis's own clock, on the event loop (``redis.asyncio``), no
thread and no lock: one round trip per request, or fewer (the checks of one turn of the event
loop share one pipeline).

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


async def prepare(redis: Redis) -> tuple[bytes, str]:
    """The HMAC key every process uses for client addresses (created by the first one), and
    the SHA-1 of :data:`GCRA` loaded into Redis: one round trip."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.set(CLIENT_KEY_NAME, secrets.token_bytes(32), nx=True)
        pipe.get(CLIENT_KEY_NAME)
        pipe.script_load(GCRA)
        _, secret, sha = await pipe.execute()
    if not isinstance(secret, bytes):  # pragma: no cover - set just above
        raise RedisError("the shared rate-limit key vanished")
    return secret, sha.decode() if isinstance(sha, bytes) else str(sha)


class SharedRateLimiter:
    """:class:`RateLimiter`'s bucket, counted in Redis for every process (see the module
    docstring); ``fallback`` counts alone while Redis does not answer.

    The checks that requests make in one turn of the event loop go to Redis together, in one
    pipeline (one write and one read for all of them, however many clients they are for):
    under load a process pays one round trip per batch, not per request.
    """

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
        self._args = (repr(1.0 / rate) if rate > 0 else "0", str(burst))
        #: One client per event loop (a redis.asyncio connection belongs to its loop).
        self._loop: asyncio.AbstractEventLoop | None = None
        self._redis: Redis | None = None
        self._prepared: tuple[bytes, str] | None = None
        #: Checks waiting for the next batch: (bucket key, where its answer goes).
        self._waiting: list[tuple[str, asyncio.Future[float | None]]] = []
        self._batches: set[asyncio.Task[None]] = set()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def _client(self) -> Redis:
        loop = asyncio.get_running_loop()
        if self._redis is None or self._loop is not loop:
            self._loop, self._prepared, self._waiting = loop, None, []
            self._redis = Redis.from_url(
                self.redis_url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
            )
        return self._redis

    async def take(self, client: str) -> float:
        """Spend one of ``client``'s requests: 0.0 when allowed, else seconds to wait."""
        if not self.enabled:
            return 0.0
        if self.unanswered.active():
            self.unanswered.served()
            return self.fallback.take(client)
        try:
            redis = self._client()
            if self._prepared is None:
                self._prepared = await prepare(redis)
        except (RedisError, OSError, TimeoutError) as exc:  # down or slow: count alone
            self.unanswered.failed(exc)
            return self.fallback.take(client)
        secret = self._prepared[0]
        key = hmac.digest(secret, client.encode("utf-8", "replace"), "sha256")[:16]
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[float | None] = loop.create_future()
        self._waiting.append((BUCKET_PREFIX + key.hex(), answer))
        if len(self._waiting) == 1:  # the first of this turn: send once the turn is over
            loop.call_soon(self._send)
        wait = await answer
        return self.fallback.take(client) if wait is None else wait

    def _send(self) -> None:
        batch, self._waiting = self._waiting, []
        task = asyncio.ensure_future(self._ask(batch))
        self._batches.add(task)  # keep a reference until it is done
        task.add_done_callback(self._batches.discard)

    async def _ask(self, batch: list[tuple[str, asyncio.Future[float | None]]]) -> None:
        answers: list[float | None] = [None] * len(batch)
        try:
            if self._redis is None or self._prepared is None:
                raise RedisError("not connected")
            sha = self._prepared[1]
            if len(batch) == 1:  # a pipeline costs more than it saves for one command
                answers = [float(await self._redis.evalsha(sha, 1, batch[0][0], *self._args))]
            else:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for key, _ in batch:
                        pipe.evalsha(sha, 1, key, *self._args)
                    answers = [float(a) for a in await pipe.execute()]
        except (RedisError, OSError, TimeoutError, ValueError) as exc:
            self._prepared = None  # load the script again (Redis may have restarted)
            self.unanswered.failed(exc)
        for (_, future), wait in zip(batch, answers, strict=True):
            if not future.done():  # not cancelled meanwhile
                future.set_result(wait)

    async def aclose(self) -> None:
        """Close this process's connections to Redis (at shutdown)."""
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


__all__ = ["GCRA", "SharedRateLimiter", "prepare"]
