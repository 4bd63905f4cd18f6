"""Retention: forget what is no longer needed, on a schedule, and say how much (counts only).

GDPR Article 5(1)(e), storage limitation. The operator's ``TESSERA_RETENTION_*`` settings say
how many days each kind of record is kept (0: kept until erased):

* stored credential documents (with the learner's name), counted from issue: erased as a
  learner's erasure erases them (status entries stay, detached; what hangs on them goes);
* wallet links that hold no credential any more, counted from when they were made;
* cohort requests' remnants: finished background jobs with their uploaded rows (names,
  learner ids), and replay records (``Idempotency-Key``: which credentials a request made);
* expired employers' presentation requests (their verdicts name the learner) and wallet
  nonces, whatever the settings: they are dead once expired;
* wallet-app offers (OID4VCI: hashed pre-authorized code, transaction code and access token,
  the wallet's DID once delivered), whatever the settings, :data:`OFFER_GRACE` after they
  ended (delivered, or expired with their token): until then a late wallet is told the offer
  is used or expired rather than unknown;
* audit events: the oldest are deleted once a retention cutoff is recorded, the only deletion
  the database allows on the append-only log.

:func:`run_retention` is one job run: idempotent, in short transactions of at most ``batch``
records, so it never holds a lock for long and a run cut short resumes on the next. ``tessera
serve`` runs it every ``TESSERA_RETENTION_INTERVAL_HOURS`` in-process (:class:`RetentionSchedule`),
``tessera worker`` runs it daily as a Procrastinate periodic task (service.app.worker), and
``tessera retention run`` runs it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from service.app.issuing import Transactions
from service.config import Settings

log = logging.getLogger("tessera.retention")

#: How long an ended wallet-app offer is kept (README, Privacy: Retention).
OFFER_GRACE = timedelta(days=30)


@dataclass(frozen=True)
class RetentionPolicy:
    """Days each kind of record is kept (0: until erased)."""

    credential_days: int
    wallet_link_days: int
    cohort_days: int
    audit_days: int

    @classmethod
    def of(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            credential_days=settings.retention_credential_days,
            wallet_link_days=settings.retention_wallet_link_days,
            cohort_days=settings.retention_cohort_days,
            audit_days=settings.retention_audit_days,
        )


@dataclass(frozen=True)
class RetentionReport:
    """What one run removed: counts only."""

    credentials: int = 0
    wallet_links: int = 0
    cohort_records: int = 0
    audit_events: int = 0
    expired_requests: int = 0
    wallet_offers: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "credentials": self.credentials,
            "walletLinks": self.wallet_links,
            "cohortRecords": self.cohort_records,
            "auditEvents": self.audit_events,
            "expiredRequests": self.expired_requests,
            "walletOffers": self.wallet_offers,
        }


def _cutoff(now: datetime, days: int) -> datetime | None:
    return now - timedelta(days=days) if days > 0 else None


def run_retention(
    repositories: Transactions, *, policy: RetentionPolicy, now: datetime, batch: int = 500
) -> RetentionReport:
    """Apply ``policy`` as of ``now`` (see the module docstring) and audit one
    ``retention.run`` event with the counts."""
    credentials = links = cohort = audit = 0
    cutoff = _cutoff(now, policy.credential_days)
    while cutoff is not None:
        with repositories() as repo:
            data = repo.retention
            found = data.credential_ids_issued_before(cutoff, limit=batch)
            for issuer_id in sorted({i for i, _ in found}):
                ids = [c for i, c in found if i == issuer_id]
                link_ids = {r.wallet_link_id for r in data.credentials_in_ids(issuer_id, ids)}
                done = data.erase(
                    issuer_id, credential_ids=ids, link_ids={i for i in link_ids if i}
                )
                credentials += done.credentials
                links += done.wallet_links
        if len(found) < batch:
            break
    cutoff = _cutoff(now, policy.wallet_link_days)
    while cutoff is not None:
        with repositories() as repo:
            data = repo.retention
            stale = data.stale_link_ids(cutoff, limit=batch)
            for issuer_id in sorted({i for i, _ in stale}):
                done = data.erase(
                    issuer_id,
                    credential_ids=(),
                    link_ids=[link for i, link in stale if i == issuer_id],
                )
                links += done.wallet_links
        if len(stale) < batch:
            break
    with repositories() as repo:
        data = repo.retention
        cutoff = _cutoff(now, policy.cohort_days)
        if cutoff is not None:
            cohort = data.delete_idempotency_before(cutoff)
            cohort += data.delete_finished_jobs_before(cutoff)
        cutoff = _cutoff(now, policy.audit_days)
        if cutoff is not None:
            audit = data.delete_audit_before(cutoff, now=now)
        expired = data.delete_expired_requests(now)
        offers = data.delete_offers_ended_before(now - OFFER_GRACE)
        report = RetentionReport(credentials, links, cohort, audit, expired, offers)
        repo.audit.record(
            actor="retention",
            action="retention.run",
            now=now,
            detail=" ".join(f"{k}={v}" for k, v in report.to_json().items()),
        )
    return report


class RetentionSchedule:
    """Runs :func:`run_retention` in a daemon thread every ``interval`` (the first run one
    minute after start), until :meth:`stop`. A failed run is logged and retried next time."""

    def __init__(
        self,
        repositories: Transactions,
        *,
        policy: RetentionPolicy,
        interval: timedelta,
        after_run: Callable[[], Any] = lambda: None,
        first_delay: timedelta = timedelta(minutes=1),
    ) -> None:
        self._repositories = repositories
        self._policy = policy
        self._interval = interval
        self._after_run = after_run
        self._first_delay = first_delay
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tessera-retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        wait = self._first_delay
        while not self._stopped.wait(wait.total_seconds()):
            try:
                report = run_retention(
                    self._repositories, policy=self._policy, now=datetime.now(UTC)
                )
                self._after_run()
                log.info("retention run: %s", report.to_json())
            except Exception:  # a database outage must not end the schedule
                log.exception("retention run failed; retrying at the next interval")
            wait = self._interval


__all__ = [
    "OFFER_GRACE",
    "RetentionPolicy",
    "RetentionReport",
    "RetentionSchedule",
    "run_retention",
]
