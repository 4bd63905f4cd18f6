"""The shared level of the public verifier's caches (the canonical-hash memo, the DID
documents): what a store shared by several service processes must offer. The process's own
cache stays in front of it, so a hit there costs nothing; the shared level is asked on a local
miss only. :class:`service.app.shared_state.RedisCache` is the one for Redis.
"""

from __future__ import annotations

from typing import Protocol


class SharedLevel(Protocol):
    """Byte values by byte key, each kept for its own number of seconds. A failure of the store
    behind it reads as a miss; nothing here raises."""

    def get(self, key: bytes) -> bytes | None:
        """The value under ``key``, or None."""
        ...

    def put(self, key: bytes, value: bytes, *, seconds: float, flush: bool = False) -> None:
        """Keep ``value`` for ``seconds`` (``flush``: now, not with the next read)."""
        ...


__all__ = ["SharedLevel"]
