"""Background jobs and their row slices (``jobs``, ``job_chunks``), and the Procrastinate
queue on PostgreSQL, written in the caller's transaction: a job, its slices and the queue
entries that will run them commit together or not at all, so no accepted job is lost.
:meth:`JobsRepository.after_commit` is the same promise for the in-process runner."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from service.errors import NotFoundError
from service.store.models import JobChunkRow, JobRow
from service.store.records import Job, JobChunk, record
from service.store.repositories._base import SessionRepository

#: The Procrastinate queue Tessera's workers listen on.
QUEUE = "tessera"


@dataclass(frozen=True)
class Progress:
    """How far a job is: rows issued, slices done/failed/total, the first failure."""

    issued: int
    failed_rows: int
    chunks_done: int
    chunks_failed: int
    chunks_total: int
    first_error: str | None
    #: Slices issued whose qualification awards have not run yet.
    awards_pending: int = 0


class JobsRepository(SessionRepository):
    """Background jobs and their chunks (``repo.jobs``), in the caller's transaction."""

    def add_job(
        self,
        *,
        job_id: str,
        issuer_id: str,
        kind: str,
        module_id: str | None,
        actor: str,
        chunks: Sequence[Sequence[Mapping[str, Any]]],
        idempotency_key: str | None,
        request_hash: str,
        now: datetime,
    ) -> None:
        total = sum(len(c) for c in chunks)
        self._session.add(
            JobRow(
                id=job_id,
                issuer_id=issuer_id,
                kind=kind,
                module_id=module_id,
                actor=actor,
                total_rows=total,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                created_at=now,
                state="checking",
            )
        )
        self._session.flush()
        first = 1
        values = []
        for position, chunk in enumerate(chunks):
            values.append(
                {
                    "job_id": job_id,
                    "position": position,
                    "first_row": first,
                    "row_count": len(chunk),
                    "rows": {"rows": list(chunk)},
                    "state": "queued",
                    "issued": 0,
                    "error": None,
                    "attempts": 0,
                    "updated_at": now,
                    "qualified": False,
                }
            )
            first += len(chunk)
        self._session.execute(insert(JobChunkRow), values)

    def job(self, issuer_id: str, job_id: str) -> Job:
        row = self._session.get(JobRow, job_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No job {job_id!r} for this provider.")
        return record(Job, row)

    def job_by_id(self, job_id: str) -> Job:
        row = self._session.get(JobRow, job_id)
        if row is None:
            raise NotFoundError(f"No job {job_id!r}.")
        return record(Job, row)

    def job_by_key(self, issuer_id: str, key: str) -> Job | None:
        row = self._session.scalars(
            select(JobRow).where(JobRow.issuer_id == issuer_id, JobRow.idempotency_key == key)
        ).first()
        return None if row is None else record(Job, row)

    def chunk(self, job_id: str, position: int, *, for_update: bool = False) -> JobChunk:
        query = select(JobChunkRow).where(
            JobChunkRow.job_id == job_id, JobChunkRow.position == position
        )
        if for_update:
            query = query.with_for_update()
        row = self._session.scalars(query).first()
        if row is None:
            raise NotFoundError(f"No slice {position} of job {job_id!r}.")
        return record(JobChunk, row)

    def start_chunk(self, job_id: str, position: int, now: datetime) -> None:
        self._session.execute(
            update(JobChunkRow)
            .where(JobChunkRow.job_id == job_id, JobChunkRow.position == position)
            .values(attempts=JobChunkRow.attempts + 1, updated_at=now)
        )

    def finish_chunk(
        self, job_id: str, position: int, *, issued: int, error: str | None, now: datetime
    ) -> None:
        """Mark a slice done (``error`` None) or failed; a done slice stays done."""
        self._session.execute(
            update(JobChunkRow)
            .where(
                JobChunkRow.job_id == job_id,
                JobChunkRow.position == position,
                JobChunkRow.state != "done",
            )
            .values(
                state="done" if error is None else "failed",
                issued=issued,
                error=error,
                updated_at=now,
                # A failed slice issued nothing, so it awards nothing either.
                qualified=error is not None,
            )
            .execution_options(synchronize_session=False)
        )

    def lock_job(self, job_id: str) -> Job:
        """The job, its row locked until the transaction ends (one check runs at a time)."""
        row = self._session.scalars(
            select(JobRow)
            .where(JobRow.id == job_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if row is None:
            raise NotFoundError(f"No job {job_id!r}.")
        return record(Job, row)

    def all_rows(self, job_id: str) -> list[tuple[int, list[Mapping[str, Any]]]]:
        """(first row number, rows) of every slice, in order."""
        found = self._session.execute(
            select(JobChunkRow.first_row, JobChunkRow.rows)
            .where(JobChunkRow.job_id == job_id)
            .order_by(JobChunkRow.position)
        ).all()
        return [(int(first), list(rows["rows"])) for first, rows in found]

    def positions(self, job_id: str) -> list[int]:
        return list(
            self._session.scalars(
                select(JobChunkRow.position)
                .where(JobChunkRow.job_id == job_id)
                .order_by(JobChunkRow.position)
            )
        )

    def set_job_state(
        self, job_id: str, state: str, *, errors: Sequence[Mapping[str, str]] | None = None
    ) -> None:
        self._session.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(state=state, errors=None if errors is None else {"errors": list(errors)})
            .execution_options(synchronize_session=False)
        )

    def fail_chunks(self, job_id: str, *, error: str, now: datetime) -> None:
        """Fail every slice not done (a cohort refused by its check issues nothing)."""
        self._session.execute(
            update(JobChunkRow)
            .where(JobChunkRow.job_id == job_id, JobChunkRow.state != "done")
            .values(state="failed", error=error, qualified=True, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    def mark_qualified(self, job_id: str, position: int) -> None:
        self._session.execute(
            update(JobChunkRow)
            .where(JobChunkRow.job_id == job_id, JobChunkRow.position == position)
            .values(qualified=True)
            .execution_options(synchronize_session=False)
        )

    def progress(self, job_id: str) -> Progress:
        rows = self._session.execute(
            select(
                JobChunkRow.state,
                func.count(),
                func.sum(JobChunkRow.issued),
                func.sum(JobChunkRow.row_count),
            )
            .where(JobChunkRow.job_id == job_id)
            .group_by(JobChunkRow.state)
        ).all()
        counts = {state: (int(n), int(issued or 0)) for state, n, issued, _ in rows}
        failed_rows = sum(int(size or 0) for state, _, _, size in rows if state == "failed")
        error = self._session.scalars(
            select(JobChunkRow.error)
            .where(JobChunkRow.job_id == job_id, JobChunkRow.state == "failed")
            .order_by(JobChunkRow.position)
            .limit(1)
        ).first()
        awards_pending = self._session.scalar(
            select(func.count())
            .select_from(JobChunkRow)
            .where(
                JobChunkRow.job_id == job_id,
                JobChunkRow.state == "done",
                JobChunkRow.qualified.is_(False),
            )
        )
        return Progress(
            awards_pending=int(awards_pending or 0),
            issued=sum(issued for _, issued in counts.values()),
            failed_rows=failed_rows,
            chunks_done=counts.get("done", (0, 0))[0],
            chunks_failed=counts.get("failed", (0, 0))[0],
            chunks_total=sum(n for n, _ in counts.values()),
            first_error=error,
        )

    def checking_jobs(self) -> list[str]:
        """Jobs whose rows are not checked yet, oldest first (in-process resumption)."""
        return list(
            self._session.scalars(
                select(JobRow.id).where(JobRow.state == "checking").order_by(JobRow.created_at)
            )
        )

    def unfinished_chunks(self) -> list[tuple[str, int]]:
        """(job, position) of every slice of a checked job not issued yet, oldest first."""
        rows = self._session.execute(
            select(JobChunkRow.job_id, JobChunkRow.position)
            .join(JobRow, JobRow.id == JobChunkRow.job_id)
            .where(JobChunkRow.state == "queued", JobRow.state == "issuing")
            .order_by(JobChunkRow.updated_at, JobChunkRow.job_id, JobChunkRow.position)
        ).all()
        return [(str(job), int(position)) for job, position in rows]

    def unqualified_chunks(self) -> list[tuple[str, int]]:
        """(job, position) of every slice issued whose qualification awards have not run."""
        rows = self._session.execute(
            select(JobChunkRow.job_id, JobChunkRow.position)
            .where(JobChunkRow.state == "done", JobChunkRow.qualified.is_(False))
            .order_by(JobChunkRow.updated_at, JobChunkRow.job_id, JobChunkRow.position)
        ).all()
        return [(str(job), int(position)) for job, position in rows]

    def counts_by_state(self) -> dict[str, int]:
        """Slices per state across all jobs (for /metrics)."""
        rows = self._session.execute(
            select(JobChunkRow.state, func.count()).group_by(JobChunkRow.state)
        ).all()
        return {str(state): int(n) for state, n in rows}

    def defer(
        self,
        task_name: str,
        arguments: Sequence[Mapping[str, Any]],
        *,
        queueing_lock: str | None = None,
    ) -> None:
        """Queue one Procrastinate job per argument object, in this transaction (PostgreSQL).

        With a ``queueing_lock`` (one argument object only), nothing is queued while a job
        with that lock still waits (Procrastinate's unique index refuses it; a savepoint
        keeps that refusal from aborting the caller's transaction)."""
        if not arguments:
            return
        statement = text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY("
            " SELECT ROW(:queue, :task, 0, NULL, :lock, a, NULL)::procrastinate_job_to_defer_v1"
            " FROM jsonb_array_elements(CAST(:args AS jsonb)) AS a))"
        )
        values = {
            "queue": QUEUE,
            "task": task_name,
            "lock": queueing_lock,
            "args": json.dumps(list(arguments)),
        }
        if queueing_lock is None:
            self._session.execute(statement, values)
            return
        try:
            with self._session.begin_nested():
                self._session.execute(statement, values)
        except IntegrityError:
            pass  # one is already waiting: it will see this transaction's change too

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this transaction has committed (never if it rolls back).

        The session's ``after_commit`` also fires when a savepoint is released, and the
        connection's ``commit`` fires before the commit is done; together they mark the
        real one. (A session and its connection live for one transaction: the listeners go
        with them.)"""
        session = self._session
        connection = session.connection()
        committing = False
        called = False

        def on_commit(_: Any) -> None:
            nonlocal committing
            committing = True

        def after(_: Any) -> None:
            nonlocal called
            if committing and not called:
                called = True
                callback()

        event.listen(connection, "commit", on_commit)
        event.listen(session, "after_commit", after)


__all__ = ["QUEUE", "JobsRepository", "Progress"]
