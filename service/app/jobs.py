"""Background jobs: a cohort too large for one request is issued in slices by workers.

``POST /issuers/{issuer}/awards/batch`` with more than ``TESSERA_JOB_THRESHOLD`` rows checks
every row first (all or nothing, as a small batch), then stores the job and its slices of
:data:`CHUNK_ROWS` rows and queues one task per slice, in one transaction, and answers 202
with the job's URL. A slice is issued by :func:`run_chunk` through the ordinary issuing use
case under the Idempotency-Key ``job:{job}:{position}``: its credentials, wallet links and
audit events commit in one transaction together with that key, so a slice that runs twice
(a worker killed after the commit, or two workers racing after a stall) issues nothing twice,
and one killed before the commit left nothing behind and is simply run again. Progress and
state are read from the slices.

Where slices run is a :class:`JobQueue`: Procrastinate on PostgreSQL (``tessera worker``
processes; service.app.worker), or a thread of the service process on the embedded SQLite
default (:class:`InProcessQueue`), so a single ``tessera serve`` still does everything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from service.app.idempotency import request_hash
from service.app.issuing import IssueSetup, Transactions, issue_awards
from service.app.pathways import qualify_holders
from service.app.telemetry import JOB_ROWS, JOBS_RUN
from service.credentials import validate
from service.dates import format_utc
from service.errors import TesseraError, ValidationFailed
from service.store.repositories import new_id
from service.store.repositories.jobs import JobsRepository, Progress

log = logging.getLogger("tessera.jobs")

#: Rows per slice: large enough to amortize a transaction and a status-list reservation,
#: small enough that a killed worker loses little work.
CHUNK_ROWS = 500
#: The most rows one job takes (a national programme's cohort).
MAX_JOB_ROWS = 1_000_000
#: The Procrastinate task that issues one slice.
ISSUE_CHUNK_TASK = "tessera.issue_chunk"


class JobQueue(Protocol):
    """Where a job's slices run."""

    def enqueue(self, jobs: JobsRepository, job_id: str, positions: Sequence[int]) -> None:
        """Queue the slices in the transaction that creates the job."""

    def committed(self, job_id: str, positions: Sequence[int]) -> None:
        """Called once that transaction has committed."""


class DatabaseQueue:
    """Procrastinate's queue in the same PostgreSQL database: a slice is queued in the
    transaction that stores it, and `tessera worker` processes take it from there."""

    def enqueue(self, jobs: JobsRepository, job_id: str, positions: Sequence[int]) -> None:
        jobs.defer(ISSUE_CHUNK_TASK, [{"job_id": job_id, "position": p} for p in positions])

    def committed(self, job_id: str, positions: Sequence[int]) -> None:
        return None


class InProcessQueue:
    """Runs slices on one background thread of this process (the embedded default).

    Slices left unfinished by a previous run of the process are picked up by :meth:`resume`
    when it starts again."""

    def __init__(self, run: Callable[[str, int], None]) -> None:
        self._run = run
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tessera-job")
        self._lock = threading.Lock()
        self._closed = False

    def enqueue(self, jobs: JobsRepository, job_id: str, positions: Sequence[int]) -> None:
        return None

    def committed(self, job_id: str, positions: Sequence[int]) -> None:
        with self._lock:
            if self._closed:
                return
            for position in positions:
                self._executor.submit(self._safely, job_id, position)

    def resume(self, repositories: Transactions) -> int:
        """Queue every unfinished slice; returns how many."""
        with repositories() as repo:
            pending = repo.jobs.unfinished_chunks()
        for job_id, position in pending:
            self.committed(job_id, [position])
        return len(pending)

    def _safely(self, job_id: str, position: int) -> None:
        try:
            self._run(job_id, position)
        except Exception:  # logged; the slice stays queued and resumes at the next start
            log.exception("job slice failed", extra={"job": job_id, "position": position})

    def close(self, *, wait: bool = True) -> None:
        """Finish the slice in hand (``wait``) and drop the rest (they resume at start)."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=wait, cancel_futures=True)


@dataclass(frozen=True)
class JobView:
    """What a client sees of a job."""

    id: str
    kind: str
    total_rows: int
    created_at: datetime
    progress: Progress

    @property
    def state(self) -> str:
        p = self.progress
        if p.chunks_done + p.chunks_failed == p.chunks_total:
            return "failed" if p.chunks_failed else "done"
        return "running" if p.chunks_done or p.chunks_failed else "queued"

    def to_json(self, url: str) -> dict[str, Any]:
        p = self.progress
        body: dict[str, Any] = {
            "id": self.id,
            "url": url,
            "kind": self.kind,
            "state": self.state,
            "createdAt": format_utc(self.created_at),
            "progress": {
                "rows": self.total_rows,
                "issued": p.issued,
                "failedRows": p.failed_rows,
                "slices": p.chunks_total,
                "slicesDone": p.chunks_done,
                "slicesFailed": p.chunks_failed,
            },
        }
        if self.state in ("done", "failed"):
            body["result"] = {"issued": p.issued, "failedRows": p.failed_rows}
            if p.first_error:
                body["result"]["error"] = p.first_error
        return body


def check_rows(awards: Sequence[Mapping[str, Any]], module_id: str) -> None:
    """Every row valid, or :class:`ValidationFailed` naming each bad row (nothing queued)."""
    if not awards:
        raise ValidationFailed("No awards to issue.")
    if len(awards) > MAX_JOB_ROWS:
        raise ValidationFailed(
            f"A cohort holds at most {MAX_JOB_ROWS:,} awards; split this one ({len(awards):,})."
        )
    errors: list[dict[str, str]] = []
    for index, award in enumerate(awards, start=1):
        try:
            validate("award", award, what=f"award in row {index}")
        except ValidationFailed as exc:
            errors.extend({"row": str(index), **e} for e in exc.errors)
            continue
        if award.get("moduleId") not in (None, module_id):
            errors.append(
                {"row": str(index), "path": "$.moduleId", "message": "differs from the module"}
            )
    if errors:
        rows = sorted({e["row"] for e in errors}, key=int)
        raise ValidationFailed(
            f"{len(rows)} of {len(awards)} rows have errors (rows {', '.join(rows[:20])}"
            f"{'…' if len(rows) > 20 else ''}); nothing was queued. Fix them and send the "
            "cohort again.",
            errors[:1000],
        )


def _view(jobs: JobsRepository, job_id: str, issuer_id: str) -> JobView:
    row = jobs.job(issuer_id, job_id)
    return JobView(
        id=row.id,
        kind=row.kind,
        total_rows=row.total_rows,
        created_at=row.created_at,
        progress=jobs.progress(row.id),
    )


def create_cohort_job(
    repositories: Transactions,
    queue: JobQueue,
    *,
    issuer_id: str,
    module_id: str,
    awards: Sequence[Mapping[str, Any]],
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> JobView:
    """Check every row, then store and queue the job (one transaction). With an
    ``idempotency_key`` already used for the same cohort, the existing job is returned."""
    body_hash = request_hash([module_id, list(awards)])
    with repositories() as repo:
        repo.catalogue.module(issuer_id, module_id)  # NotFoundError for another provider's module
        if idempotency_key:
            existing = repo.jobs.job_by_key(issuer_id, idempotency_key)
            if existing is not None:
                if existing.request_hash != body_hash:
                    raise ValidationFailed(
                        "This Idempotency-Key was already used with a different request body. "
                        "Use a new key for a new request."
                    )
                return _view(repo.jobs, existing.id, issuer_id)
    check_rows(awards, module_id)
    chunks = [awards[i : i + chunk_rows] for i in range(0, len(awards), chunk_rows)]
    job_id = new_id()
    positions = list(range(len(chunks)))
    with repositories() as repo:
        jobs = repo.jobs
        jobs.add_job(
            job_id=job_id,
            issuer_id=issuer_id,
            kind="cohort",
            module_id=module_id,
            actor=actor,
            chunks=chunks,
            idempotency_key=idempotency_key,
            request_hash=body_hash,
            now=now,
        )
        repo.audit.record(
            actor=actor, action="job.create", now=now, issuer_id=issuer_id, subject=job_id
        )
        queue.enqueue(jobs, job_id, positions)
    queue.committed(job_id, positions)
    with repositories() as repo:
        return _view(repo.jobs, job_id, issuer_id)


def job_status(repositories: Transactions, *, issuer_id: str, job_id: str) -> JobView:
    """The job as its provider sees it (another provider's job is not found)."""
    with repositories() as repo:
        return _view(repo.jobs, job_id, issuer_id)


def run_chunk(
    repositories: Transactions, setup: IssueSetup, *, job_id: str, position: int, now: datetime
) -> int:
    """Issue one slice, exactly once however often it runs; returns the rows it issued
    (0 when it was done already). A refusal (a revoked key, a deleted module) fails the
    slice with its reason; anything else propagates, and the slice stays queued."""
    with repositories() as repo:
        jobs = repo.jobs
        chunk = jobs.chunk(job_id, position)
        if chunk.state != "queued":
            JOB_ROWS.labels("skipped").inc(chunk.row_count)
            return 0
        job = jobs.job_by_id(job_id)
        jobs.start_chunk(job_id, position, now)
        rows = list(chunk.rows["rows"])
        issuer_id, module_id, actor = job.issuer_id, job.module_id or "", job.actor
    try:
        issued = issue_awards(
            repositories,
            setup,
            issuer_id=issuer_id,
            module_id=module_id,
            awards=rows,
            actor=actor,
            now=now,
            idempotency_key=f"job:{job_id}:{position}",
            idempotency_body=[module_id, rows],
        )
    except TesseraError as exc:
        with repositories() as repo:
            repo.jobs.finish_chunk(job_id, position, issued=0, error=str(exc), now=now)
        JOBS_RUN.labels(ISSUE_CHUNK_TASK, "failed").inc()
        return 0
    # As for a cohort in one request: a module that completes a learner's programme awards
    # the qualification (one per learner and programme version, so a rerun adds none). The
    # learners come from the store, so a slice replayed after its worker died between the
    # commit above and this award still reaches them.
    qualify_holders(
        repositories,
        setup,
        issuer_id=issuer_id,
        credentials=issued.credentials,
        actor=actor,
        now=now,
    )
    with repositories() as repo:
        repo.jobs.finish_chunk(
            job_id, position, issued=len(issued.credentials), error=None, now=now
        )
    JOB_ROWS.labels("issued").inc(len(issued.credentials))
    JOBS_RUN.labels(ISSUE_CHUNK_TASK, "done").inc()
    return len(issued.credentials)


__all__ = [
    "CHUNK_ROWS",
    "ISSUE_CHUNK_TASK",
    "MAX_JOB_ROWS",
    "DatabaseQueue",
    "InProcessQueue",
    "JobQueue",
    "JobView",
    "check_rows",
    "create_cohort_job",
    "job_status",
    "run_chunk",
]
