"""The background tasks by name (service.app.jobs), bound to their collaborators: the same
functions run in `tessera worker` processes (Procrastinate) and in the service process on
the embedded default."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from service.app.cohort_jobs import award_slice, check_cohort, run_chunk
from service.app.issuing import IssueSetup, Transactions
from service.app.jobs import (
    AWARD_TASK,
    CHECK_COHORT_TASK,
    ISSUE_CHUNK_TASK,
    REPUBLISH_TASK,
    JobQueue,
    Runner,
    republish_lock,
)
from service.app.status_publishing import ListPublisher
from service.app.telemetry import JOBS_RUN

#: Not a queued task: what a worker calls every few seconds (service.app.worker).
SWEEP = "tessera.sweep_dirty_lists"
#: How long a list may stay dirty before a worker queues its republication itself.
SWEEP_AFTER = timedelta(seconds=30)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def task_runners(
    repositories: Transactions,
    setup: IssueSetup,
    queue: JobQueue,
    lists: ListPublisher,
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> dict[str, Runner]:
    """Each task name -> the function that runs it from its keyword arguments."""

    def check(job_id: str) -> int:
        return check_cohort(repositories, queue, job_id=job_id, now=clock())

    def issue(job_id: str, position: int) -> int:
        return run_chunk(repositories, setup, queue, job_id=job_id, position=position, now=clock())

    def award(job_id: str, position: int) -> int:
        return award_slice(repositories, setup, job_id=job_id, position=position, now=clock())

    def republish(list_id: str) -> bool:
        clean = lists.republish(list_id, now=clock())
        if not clean:  # changes kept coming: queue it again rather than hold this worker
            with repositories() as repo:
                queue.enqueue(
                    repo.jobs,
                    REPUBLISH_TASK,
                    [{"list_id": list_id}],
                    lock=republish_lock(list_id),
                )
        JOBS_RUN.labels(REPUBLISH_TASK, "done").inc()
        return clean

    def sweep() -> int:
        """Queue the republication of every list left dirty for a while (its job failed,
        or the change came from a process with no queue); returns how many."""
        now = clock()
        with repositories() as repo:
            stale = repo.status_lists.dirty_lists(since_before=now - SWEEP_AFTER)
            for list_id in stale:
                queue.enqueue(
                    repo.jobs, REPUBLISH_TASK, [{"list_id": list_id}], lock=republish_lock(list_id)
                )
        return len(stale)

    return {
        SWEEP: sweep,
        CHECK_COHORT_TASK: check,
        ISSUE_CHUNK_TASK: issue,
        AWARD_TASK: award,
        REPUBLISH_TASK: republish,
    }


__all__ = ["SWEEP", "SWEEP_AFTER", "task_runners"]
