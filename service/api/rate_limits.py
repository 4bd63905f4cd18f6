"""The public verifier's per-client rate limit within one process: a token bucket per client,
keyed by a hash of its address (:class:`RateLimiter`). With several service processes the
limit is shared through Redis (:mod:`service.api.shared_limits`), which falls back to this one
when Redis does not answer.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable


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


__all__ = ["RateLimiter"]
