"""A national cohort as a background job: stored at once, checked and issued by workers.

``POST /issuers/{issuer}/awards/batch`` with more than ``TESSERA_JOB_THRESHOLD`` rows stores
the upload as a job in slices of :data:`~service.app.jobs.CHUNK_ROWS` rows and queues its
check, in one transaction, and answers 202 at once. The tasks, each idempotent:

* :func:`check_cohort` checks every row (all or nothing, as a small batch): any bad row
  fails the job, naming each, and nothing is issued; else it queues every slice.
* :func:`run_chunk` issues one slice in two short transactions around the signing: the first
  reserves the slice's status entries, the second stores its credentials, audit events and
  wallet links under the Idempotency-Key ``job:{job}:{position}``, marks the slice done and
  queues its qualification awards. A slice run twice (a worker killed after the commit, two
  workers racing after a stall) issues nothing twice; one killed before the commit left
  nothing but burned status indices, and is simply run again.
* :func:`award_slice` awards the qualifications the slice completed (one per learner and
  programme version, so a rerun adds none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from service.app.idempotency import claim, request_hash
from service.app.issuing import (
    IssueSetup,
    Transactions,
    prepare_rows,
    reserve_slice,
    sign_slice,
    store_slice,
)
from service.app.jobs import (
    AWARD_TASK,
    CHECK_COHORT_TASK,
    CHUNK_ROWS,
    ISSUE_CHUNK_TASK,
    MAX_JOB_ROWS,
    JobQueue,
    JobView,
    job_view,
)
from service.app.pathways import qualify
from service.app.telemetry import JOB_ROWS, JOBS_RUN
from service.credentials.award_check import award_errors
from service.errors import TesseraError, ValidationFailed
from service.store.repositories import new_id

#: Row errors a failed check keeps (the count and the first rows are in its message).
MAX_REPORTED_ERRORS = 1000


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
    """Store the cohort as a job and queue its check (one transaction); its rows are checked
    by the job. With an ``idempotency_key`` already used for the same cohort, the existing
    job is returned."""
    if not awards:
        raise ValidationFailed("No awards to issue.")
    if len(awards) > MAX_JOB_ROWS:
        raise ValidationFailed(
            f"A cohort holds at most {MAX_JOB_ROWS:,} awards; split this one ({len(awards):,})."
        )
    body_hash = request_hash([module_id, list(awards)])
    chunks = [awards[i : i + chunk_rows] for i in range(0, len(awards), chunk_rows)]
    job_id = new_id()
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
                return job_view(repo.jobs, existing.id, issuer_id)
        repo.jobs.add_job(
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
        queue.enqueue(repo.jobs, CHECK_COHORT_TASK, [{"job_id": job_id}])
        return job_view(repo.jobs, job_id, issuer_id)


def check_cohort(repositories: Transactions, queue: JobQueue, *, job_id: str, now: datetime) -> int:
    """Check every row of a job still being checked: queue its slices, or fail it naming
    each bad row (nothing issued). Returns how many rows have errors."""
    with repositories() as repo:
        job = repo.jobs.lock_job(job_id)  # two checks of one job (a takeover) run in turn
        if job.state != "checking":
            return 0
        module_id = job.module_id or ""
        errors: list[dict[str, str]] = []
        bad_rows = 0
        total = 0
        for first, rows in repo.jobs.all_rows(job_id):
            for offset, award in enumerate(rows):
                found = award_errors(award, row=first + offset, module_id=module_id)
                total += 1
                if found:
                    bad_rows += 1
                    errors.extend(found)
        if bad_rows:
            numbers = list(dict.fromkeys(e["row"] for e in errors))
            message = (
                f"{bad_rows} of {total} rows have errors (rows {', '.join(numbers[:20])}"
                f"{'…' if bad_rows > 20 else ''}); nothing was issued. Fix them and send the "
                "cohort again."
            )
            repo.jobs.set_job_state(job_id, "failed", errors=errors[:MAX_REPORTED_ERRORS])
            repo.jobs.fail_chunks(job_id, error=message, now=now)
            JOBS_RUN.labels(CHECK_COHORT_TASK, "failed").inc()
            return bad_rows
        repo.jobs.set_job_state(job_id, "issuing")
        positions = repo.jobs.positions(job_id)
        queue.enqueue(
            repo.jobs, ISSUE_CHUNK_TASK, [{"job_id": job_id, "position": p} for p in positions]
        )
    JOBS_RUN.labels(CHECK_COHORT_TASK, "done").inc()
    return 0


def _slice_key(job_id: str, position: int) -> str:
    return f"job:{job_id}:{position}"


def run_chunk(
    repositories: Transactions,
    setup: IssueSetup,
    queue: JobQueue,
    *,
    job_id: str,
    position: int,
    now: datetime,
) -> int:
    """Issue one slice, exactly once however often it runs; returns the rows it issued
    (0 when it was done already). A refusal (a revoked key, a deleted module) fails the
    slice with its reason; anything else propagates, and the slice stays queued."""
    key = _slice_key(job_id, position)
    try:
        with repositories() as repo:
            jobs = repo.jobs
            chunk = jobs.chunk(job_id, position)
            if chunk.state != "queued":
                JOB_ROWS.labels("skipped").inc(chunk.row_count)
                return 0
            job = jobs.job_by_id(job_id)
            rows = list(chunk.rows["rows"])
            body_hash = request_hash([job.module_id, rows])
            issuer = repo.providers.issuer(job.issuer_id)
            previous = repo.credentials.idempotent_result(issuer.id, key)
            if previous is not None:  # stored by an earlier run that died before its mark
                issued = len(previous.credential_ids["ids"])
                jobs.finish_chunk(job_id, position, issued=issued, error=None, now=now)
                queue.enqueue(jobs, AWARD_TASK, [{"job_id": job_id, "position": position}])
                return issued
            jobs.start_chunk(job_id, position, now)
            module = repo.catalogue.module(issuer.id, job.module_id or "")
            piece = reserve_slice(
                repo,
                setup,
                issuer=issuer,
                module=module,
                rows=prepare_rows(rows, module.id),
                now=now,
            )
        new = sign_slice(setup, piece, now=now)
        with repositories() as repo:
            if not claim(repo, issuer, key, body_hash, [c.id for c in new], now):
                JOB_ROWS.labels("skipped").inc(len(new))
                return 0  # another worker stored this slice first (a takeover race)
            store_slice(repo, setup, piece, new, actor=job.actor, now=now)
            repo.jobs.finish_chunk(job_id, position, issued=len(new), error=None, now=now)
            queue.enqueue(repo.jobs, AWARD_TASK, [{"job_id": job_id, "position": position}])
    except TesseraError as exc:
        with repositories() as repo:
            repo.jobs.finish_chunk(job_id, position, issued=0, error=str(exc), now=now)
        JOBS_RUN.labels(ISSUE_CHUNK_TASK, "failed").inc()
        return 0
    JOB_ROWS.labels("issued").inc(len(new))
    JOBS_RUN.labels(ISSUE_CHUNK_TASK, "done").inc()
    return len(new)


def award_slice(
    repositories: Transactions, setup: IssueSetup, *, job_id: str, position: int, now: datetime
) -> int:
    """Award the qualifications an issued slice completed, as a cohort in one request
    does (a module that completes a learner's programme); returns how many."""
    with repositories() as repo:
        chunk = repo.jobs.chunk(job_id, position)
        if chunk.state != "done" or chunk.qualified:
            return 0
        job = repo.jobs.job_by_id(job_id)
        stored = repo.credentials.idempotent_result(job.issuer_id, _slice_key(job_id, position))
        ids = [] if stored is None else list(stored.credential_ids["ids"])
        link_ids = repo.pathways.links_holding(job.issuer_id, ids)
    awarded = (
        qualify(
            repositories,
            setup,
            issuer_id=job.issuer_id,
            link_ids=link_ids,
            actor=job.actor,
            now=now,
        )
        if link_ids
        else []
    )
    with repositories() as repo:
        repo.jobs.mark_qualified(job_id, position)
    JOBS_RUN.labels(AWARD_TASK, "done").inc()
    return len(awarded)


__all__ = ["award_slice", "check_cohort", "create_cohort_job", "run_chunk"]
