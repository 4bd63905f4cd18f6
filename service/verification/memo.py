"""A memo of canonical hashes for the public verifier: the same credential verified again
skips canonicalization (the costly step), and nothing else: the signature, validity, status and
trust are checked afresh every time.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from service.proofs.data_integrity import Cryptosuite


class HashMemo:
    """A bounded LRU of ``hash_data`` outputs, keyed by SHA-256 of the exact JSON of
    (suite, document, proof configuration).

    Canonicalization is a pure function of that JSON (contexts are pinned by hash), so a hit
    is exactly what recomputing would give; failures are never remembered.
    """

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._items: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

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
        value = suite.hash_data(document=document, proof_config=proof_config)
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.entries:
                self._items.popitem(last=False)
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
