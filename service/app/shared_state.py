"""State shared by every service process, in Redis (``TESSERA_REDIS_URL``).

Without Redis each process keeps its own rate-limit counters and caches: correct on one
process (the embedded default), but N processes then allow N times a client's rate. The
service says so when it starts (see :func:`describe`).
"""

from __future__ import annotations

from redis import Redis

#: Short timeouts: a slow Redis must not hold a public verification for long.
SOCKET_TIMEOUT_SECONDS = 0.5


def connect_redis(url: str | None) -> Redis | None:
    """A Redis client for ``url`` (connects lazily), or None when no URL is configured."""
    if not url:
        return None
    return Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


def describe(url: str | None) -> str:
    """One start-up line saying where shared state lives."""
    if not url:
        return (
            "no Redis (TESSERA_REDIS_URL unset): rate limits and caches are per process; "
            "set it when running more than one service process"
        )
    return "shared state (rate limits, caches) in Redis"


__all__ = ["connect_redis", "describe"]
