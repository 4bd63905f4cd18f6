"""Background jobs: where tasks run, and what a client sees of a job.

A task is a name and keyword arguments (:data:`TASKS`): a cohort's row check, one slice of
it, a slice's qualification awards, a status list's republication. A task is queued in the
transaction that makes it necessary, so it runs if and only if that transaction committed,
and every task is idempotent: running it twice (a killed worker, a restart) does no harm.
The cohort use cases are in :mod:`service.app.cohort_jobs`, the republication in
:mod:`service.app.status_publishing`, and :func:`service.app.job_tasks.task_runners` maps
names to them.

Where tasks run is a :class:`JobQueue`: Procrastinate on PostgreSQL (``tessera worker``
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
from typing import TYPE_CHECKING, Any, Protocol

from service.dates import format_utc
from service.store import Repositories
from service.store.repositories.jobs import JobsRepository, Progress

if TYPE_CHECKING:  # issuing imports status_lists, which queues through this module
    from service.app.issuing import Transactions

log = logging.getLogger("tessera.jobs")

#: Rows per slice: large enough to amortize a transaction and a status-list reservation,
#: small enough that a killed worker loses little work.
CHUNK_ROWS = 500
#: The most rows one job takes (a national programme's cohort).
MAX_JOB_ROWS = 1_000_000
#: The tasks: a cohort's row check, one slice, a slice's qualification awards, and the
#: republication of one status list.
CHECK_COHORT_TASK = "tessera.check_cohort"
ISSUE_CHUNK_TASK = "tessera.issue_chunk"
AWARD_TASK = "tessera.award_qualifications"
REPUBLISH_TASK = "tessera.republish_list"
TASKS = (CHECK_COHORT_TASK, ISSUE_CHUNK_TASK, AWARD_TASK, REPUBLISH_TASK)

Runner = Callable[..., object]
"""Runs one task from its keyword arguments."""


class JobQueue(Protocol):
    """Where tasks run."""

    def enqueue(
        self,
        jobs: JobsRepository,
        task: str,
        arguments: Sequence[Mapping[str, Any]],
        *,
        lock: str | None = None,
    ) -> None:
        """Queue one task per argument object with the caller's transaction: they run once
        it has committed (never if it rolls back). With ``lock``, not while a task queued
        under the same lock still waits."""


class DatabaseQueue:
    """Procrastinate's queue in the same PostgreSQL database: a task is queued in the
    transaction that needs it, and `tessera worker` processes take it from there."""

    def enqueue(
        self,
        jobs: JobsRepository,
        task: str,
        arguments: Sequence[Mapping[str, Any]],
        *,
        lock: str | None = None,
    ) -> None:
        jobs.defer(task, arguments, queueing_lock=lock)


class InProcessQueue:
    """Runs tasks on one background thread of this process (the embedded default).

    Tasks left unfinished by a previous run of the process are found in the database by
    :meth:`resume` when it starts again (each task's state lives in the rows it works on)."""

    def __init__(self, runners: Mapping[str, Runner] | None = None) -> None:
        self.runners: dict[str, Runner] = dict(runners or {})
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tessera-job")
        self._lock = threading.Lock()
        self._waiting: set[str] = set()
        self._closed = False

    def enqueue(
        self,
        jobs: JobsRepository,
        task: str,
        arguments: Sequence[Mapping[str, Any]],
        *,
        lock: str | None = None,
    ) -> None:
        items = list(arguments)
        jobs.after_commit(lambda: self.submit(task, items, lock=lock))

    def submit(
        self, task: str, arguments: Sequence[Mapping[str, Any]], *, lock: str | None = None
    ) -> None:
        """Run the tasks now (in queue order): for work already committed."""
        with self._lock:
            if self._closed or (lock is not None and lock in self._waiting):
                return
            if lock is not None:
                self._waiting.add(lock)
            for item in arguments:
                self._executor.submit(self._safely, task, dict(item), lock)

    def resume(self, repositories: Transactions) -> int:
        """Queue every task the database says is unfinished; returns how many."""
        with repositories() as repo:
            pending = unfinished_tasks(repo)
        for task, arguments, lock in pending:
            self.submit(task, [arguments], lock=lock)
        return len(pending)

    def _safely(self, task: str, arguments: dict[str, Any], lock: str | None) -> None:
        if lock is not None:
            with self._lock:
                self._waiting.discard(lock)  # as Procrastinate: a running task holds no lock
        try:
            self.runners[task](**arguments)
        except Exception:  # logged; the task's rows say it is unfinished: resumed at start
            log.exception("job task failed", extra={"task": task})

    def close(self, *, wait: bool = True) -> None:
        """Finish the task in hand (``wait``) and drop the rest (they resume at start)."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=wait, cancel_futures=True)


def republish_lock(list_id: str) -> str:
    """The queueing lock of a list's republication: one waits at a time per list."""
    return f"republish:{list_id}"


def unfinished_tasks(repo: Repositories) -> list[tuple[str, dict[str, Any], str | None]]:
    """Every task the database says is still to do, in the order to run them."""
    jobs = repo.jobs
    found: list[tuple[str, dict[str, Any], str | None]] = []
    found += [(CHECK_COHORT_TASK, {"job_id": j}, None) for j in jobs.checking_jobs()]
    found += [
        (ISSUE_CHUNK_TASK, {"job_id": j, "position": p}, None) for j, p in jobs.unfinished_chunks()
    ]
    found += [
        (AWARD_TASK, {"job_id": j, "position": p}, None) for j, p in jobs.unqualified_chunks()
    ]
    found += [
        (REPUBLISH_TASK, {"list_id": list_id}, republish_lock(list_id))
        for list_id in repo.status_lists.dirty_lists()
    ]
    return found


@dataclass(frozen=True)
class JobView:
    """What a client sees of a job: ``checking`` (its rows) is reported as queued."""

    id: str
    kind: str
    total_rows: int
    created_at: datetime
    progress: Progress
    job_state: str = "issuing"
    errors: Sequence[Mapping[str, str]] = ()

    @property
    def state(self) -> str:
        p = self.progress
        if self.job_state == "checking":
            return "queued"
        if p.chunks_done + p.chunks_failed == p.chunks_total and not p.awards_pending:
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
                "checked": self.job_state != "checking",
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
            if self.errors:
                body["result"]["errors"] = list(self.errors)
        return body


def job_view(jobs: JobsRepository, job_id: str, issuer_id: str) -> JobView:
    row = jobs.job(issuer_id, job_id)
    return JobView(
        id=row.id,
        kind=row.kind,
        total_rows=row.total_rows,
        created_at=row.created_at,
        progress=jobs.progress(row.id),
        job_state=row.state,
        errors=(row.errors or {}).get("errors", []),
    )


def job_status(repositories: Transactions, *, issuer_id: str, job_id: str) -> JobView:
    """The job as its provider sees it (another provider's job is not found)."""
    with repositories() as repo:
        return job_view(repo.jobs, job_id, issuer_id)


__all__ = [
    "AWARD_TASK",
    "CHECK_COHORT_TASK",
    "CHUNK_ROWS",
    "ISSUE_CHUNK_TASK",
    "MAX_JOB_ROWS",
    "REPUBLISH_TASK",
    "TASKS",
    "DatabaseQueue",
    "InProcessQueue",
    "JobQueue",
    "JobView",
    "Runner",
    "job_status",
    "job_view",
    "republish_lock",
    "unfinished_tasks",
]
