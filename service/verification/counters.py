"""Aggregate counts of public verifications: how many per UTC day and verdict, nothing else.

No credential content, no client address: the counts say how much the public verifier is
used and how often it answers green, red or amber. They are kept in memory and written in one
small upsert every few seconds (:class:`VerificationCounter`); readers (reports of how
employers use the service) read the stored daily totals through the repository.

Employer engagement (issue 15's outcomes) is counted beside them, equally in aggregate: per
provider DID whose signature verified, per UTC month and verifier country (``""`` unless the
operator configured a local GeoIP database), and stored only as monthly sums
(``engagement_counts``); a DID that is not one of this service's providers is not kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from service.dates import format_utc
from service.store import Database, Repositories
from service.verification.pipeline import VerificationResult

Verdict = Literal["valid", "invalid", "incomplete"]


def engaged_issuer(result: VerificationResult) -> str | None:
    """The issuer DID to count engagement for: only when the proof and the issuer checks
    passed, so a forged credential naming a provider cannot inflate its figures."""
    statuses = {c.check: c.status for c in result.checks}
    if statuses.get("proof") == "passed" and statuses.get("issuer") == "passed":
        return result.issuer
    return None


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
        self._engagement: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()
        self._last_flush = clock()

    def record(
        self, verdict: Verdict, now: datetime, *, issuer: str | None = None, country: str = ""
    ) -> None:
        """Count one verdict; ``issuer``: the DID whose signature verified on it (counted
        toward that provider's monthly engagement), ``None`` when none did."""
        day = format_utc(now, "day")
        with self._lock:
            self._pending[(day, verdict)] = self._pending.get((day, verdict), 0) + 1
            if issuer is not None:
                key = (issuer, day[:7], country)
                self._engagement[key] = self._engagement.get(key, 0) + 1
            due = self._clock() - self._last_flush >= self._flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Write what has been counted since the last flush (kept for the next one on error)."""
        with self._lock:
            pending, self._pending = self._pending, {}
            engagement, self._engagement = self._engagement, {}
            self._last_flush = self._clock()
        if not (pending or engagement) or self._database is None:
            return
        try:
            with self._database.transaction() as session:
                repo = Repositories(session)
                repo.counters.add_verification_counts(pending)
                repo.outcomes.add_engagement(engagement)
        except Exception:
            with self._lock:
                for key, n in pending.items():
                    self._pending[key] = self._pending.get(key, 0) + n
                for both, n in engagement.items():
                    self._engagement[both] = self._engagement.get(both, 0) + n
            raise


__all__ = ["Verdict", "VerificationCounter", "engaged_issuer", "verdict_of"]
