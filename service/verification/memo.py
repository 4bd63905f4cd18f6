"""A memo of canonical hashes for the public verifier: the same credential verified again
skips canonicalization (the costly step), and nothing else: the signature, validity, status and
trust are checked afresh every time.

With several service processes the memo has a shared level (Redis, through
:class:`~service.verification.shared.SharedLevel`) behind this process's LRU: a credential
verified by one process skips canonicalization in the others. A value never goes stale (it is
a pure function of its key), so the shared level's expiry only bounds its size.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from service.proofs.data_integrity import Cryptosuite
from service.verification.shared import SharedLevel

#: Seconds a canonical hash is kept in the shared level (bounds its size; see the README).
SHARED_SECONDS = 600.0
#: Bytes of a ``hash_data`` output: SHA-256 of the proof configuration, then of the document.
HASH_BYTES = 64


class HashMemo:
    """A bounded LRU of ``hash_data`` outputs, keyed by SHA-256 of the exact JSON of
    (suite, document, proof configuration).

    Canonicalization is a pure function of that JSON (contexts are pinned by hash), so a hit
    is exactly what recomputing would give; failures are never remembered. ``shared`` (asked
    on a miss here, told what was computed) is the level shared by every service process; it
    is called from the thread that verifies, so it may block.
    """

    def __init__(
        self,
        entries: int,
        *,
        shared: SharedLevel | None = None,
        shared_seconds: float = SHARED_SECONDS,
    ) -> None:
        self.entries = entries
        self.shared = shared if entries > 0 else None
        self.shared_seconds = shared_seconds
        self._items: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.shared_hits = 0

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
        value = self._shared_value(key)
        if value is None:
            value = suite.hash_data(document=document, proof_config=proof_config)
            if self.shared is not None:
                self.shared.put(key, value, seconds=self.shared_seconds)
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.entries:
                self._items.popitem(last=False)
        return value

    def _shared_value(self, key: bytes) -> bytes | None:
        if self.shared is None:
            return None
        value = self.shared.get(key)
        if value is None or len(value) != HASH_BYTES:
            return None
        with self._lock:
            self.shared_hits += 1
        return value


class _MemoizedSuite:
    def __init__(self, suite: Cryptosuite, memo: HashMemo) -> None:
        self.suite = suite
        self.memo = memo
        self.proof_type = suite.proof_type
        self.cryptosuite = suite.cryptosuite

    def hash_data(self, *, document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
        return self.memo.get_or_compute(self.suite, document, proof_config)


__all__ = ["HashMemo"]
