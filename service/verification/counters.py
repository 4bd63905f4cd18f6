"""Aggregate counts of public verifications: how many per UTC day and verdict, nothing else.

No credential content, no client address, no issuer: the counts say how much the public
verifier is used and how often it answers green, red or amber. They are kept in memory and
written in one small upsert every few seconds (:class:`VerificationCounter`); readers (reports
of how employers use the service) read the stored daily totals through the repository.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from service.dates import format_utc
from service.store import Database, Repository
from service.verification.pipeline import VerificationResult

Verdict = Literal["valid", "invalid", "incomplete"]


def verdict_of(result: VerificationResult) -> Verdict:
    """Green, red or amber: ``valid`` when every check passed, ``invalid`` when any failed,
    ``incomplete`` when something could not be checked (e.g. an unlisted provider)."""
    if any(c.status == "failed" for c in result.checks):
        return "invalid"
    if all(c.status == "passed" for c in result.checks):
        return "valid"
    return "incomplete"


class VerificationCounter:
    """Counts verifications per UTC day and verdict in memory; written to the database in one
    small upsert every ``flush_seconds``. Nothing about the credential or the client."""

    def __init__(
        self,
        database: Database | None,
        *,
        flush_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._flush_seconds = flush_seconds
        self._clock = clock
        self._pending: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._last_flush = clock()

    def record(self, verdict: Verdict, now: datetime) -> None:
        day = format_utc(now, "day")
        with self._lock:
            self._pending[(day, verdict)] = self._pending.get((day, verdict), 0) + 1
            due = self._clock() - self._last_flush >= self._flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Write what has been counted since the last flush (kept for the next one on error)."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._last_flush = self._clock()
        if not pending or self._database is None:
            return
        try:
            with self._database.transaction() as session:
                Repository(session).add_verification_counts(pending)
        except Exception:
            with self._lock:
                for key, n in pending.items():
                    self._pending[key] = self._pending.get(key, 0) + n
            raise


__all__ = ["Verdict", "VerificationCounter", "verdict_of"]
