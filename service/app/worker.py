"""`tessera worker`: runs queued tasks from PostgreSQL with Procrastinate: cohort checks and
slices, qualification awards, status-list republication (service.app.jobs).

Why Procrastinate: its queue is a few tables and functions in the production PostgreSQL
database (migration 0007), so a job is queued in the same transaction that stores it and
nothing else (no broker) has to run, be backed up or be reachable; workers wake on
PostgreSQL NOTIFY. It is maintained, typed, and its workers heartbeat, which is what lets
another worker take over the slice of one killed with SIGKILL: every
:data:`STALL_CHECK_SECONDS` each worker requeues slices whose worker has not sent a heartbeat
for :data:`STALLED_AFTER_SECONDS`. Running a slice twice is harmless (service.app.jobs).
In the same round it queues the republication of any status list left with unpublished
changes for :data:`service.app.job_tasks.SWEEP_AFTER` (its job failed, or the change came
from a process without a queue).

SIGTERM or Ctrl-C stops a worker gracefully: it takes no new slice and finishes the one in
hand (Procrastinate's own signal handling).

Workers also run the retention job (service.app.retention) as a Procrastinate periodic task,
daily at :data:`RETENTION_CRON`: one worker defers each run (Procrastinate keeps one per
period), and a run is idempotent, so several workers or a run of `tessera retention run` in
between do no harm.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Mapping
from typing import Any

import procrastinate

from service.app.issuing import IssueSetup, Transactions
from service.app.job_tasks import SWEEP, task_runners
from service.app.jobs import REPUBLISH_TASK, TASKS, DatabaseQueue, Runner
from service.app.status_publishing import ListPublisher
from service.store.db import libpq_url
from service.store.repositories.jobs import QUEUE

log = logging.getLogger("tessera.worker")

#: Heartbeat period of a worker, and when its running slices count as abandoned.
HEARTBEAT_SECONDS = 2.0
STALLED_AFTER_SECONDS = 10.0
STALL_CHECK_SECONDS = 3.0


#: How a failed task is run again: after 2, 4, 8, ... s, ten times at most (~34 minutes).
RETRY = procrastinate.RetryStrategy(max_attempts=10, exponential_wait=2)

#: The retention job's periodic task and when it runs (UTC; daily, off the hour).
RETENTION_TASK = "tessera.retention"
RETENTION_CRON = "17 3 * * *"


def _retention(context: procrastinate.JobContext, timestamp: int) -> None:
    run: Callable[[], object] | None = context.additional_context.get("tessera_retention")
    if run is not None:
        log.info("retention run: %s", run())


def _task(name: str) -> Callable[..., None]:
    def run(context: procrastinate.JobContext, **arguments: Any) -> None:
        runners: Mapping[str, Runner] = context.additional_context["tessera_tasks"]
        runners[name](**arguments)

    run.__name__ = run.__qualname__ = name.replace(".", "_")
    return run


def queue_app(database_url: str) -> procrastinate.App:
    """A Procrastinate app on the service's PostgreSQL database, with Tessera's tasks."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_url(database_url))
    )
    for name in TASKS:
        # Every task is idempotent, so one that raised (the database restarting, a signing
        # key not yet copied to this host) is simply run again later. Not the republication,
        # whose queueing lock a retry could collide with: the sweep queues it again.
        retry = RETRY if name != REPUBLISH_TASK else False
        app.task(name=name, queue=QUEUE, pass_context=True, retry=retry)(_task(name))
    app.periodic(cron=RETENTION_CRON, periodic_id="retention")(
        app.task(name=RETENTION_TASK, queue=QUEUE, pass_context=True)(_retention)
    )
    return app


async def _requeue_stalled(app: procrastinate.App, sweep: Callable[[], object]) -> None:
    while True:
        try:
            await asyncio.to_thread(sweep)  # status lists whose republication was lost
        except Exception:  # the database may be restarting: try again next round
            log.exception("could not look for unpublished status lists")
        try:
            stalled = await app.job_manager.get_stalled_jobs(
                queue=QUEUE, seconds_since_heartbeat=STALLED_AFTER_SECONDS
            )
            for job in stalled:
                log.warning("requeueing a slice its worker abandoned", extra={"job": job.id})
                await app.job_manager.retry_job(job)
        except Exception:  # the database may be restarting: try again next round
            log.exception("could not look for abandoned slices")
        await asyncio.sleep(STALL_CHECK_SECONDS)


def run_worker(
    *,
    database_url: str,
    repositories: Transactions,
    setup: IssueSetup,
    lists: ListPublisher,
    name: str | None = None,
    wait: bool = True,
    concurrency: int = 1,
    retention: Callable[[], object] | None = None,
) -> None:
    """Run tasks until SIGTERM/SIGINT (or, ``wait=False``, until the queue is empty), and
    ``retention`` (one run of the retention job) when its periodic task comes due.
    ``concurrency`` tasks run at once in threads: one signs while another waits for the
    database."""
    runners = task_runners(repositories, setup, DatabaseQueue(), lists)
    app = queue_app(database_url)
    worker_name = name or f"{socket.gethostname()}-{os.getpid()}"
    context: dict[str, Any] = {"tessera_tasks": runners, "tessera_retention": retention}

    async def main() -> None:
        async with app.open_async():
            recovery = asyncio.create_task(_requeue_stalled(app, runners[SWEEP]))
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    name=worker_name,
                    concurrency=concurrency,
                    wait=wait,
                    additional_context=context,
                    update_heartbeat_interval=HEARTBEAT_SECONDS,
                    stalled_worker_timeout=STALLED_AFTER_SECONDS,
                    delete_jobs="successful",
                    fetch_job_polling_interval=1.0,
                )
            finally:
                recovery.cancel()

    log.info("worker started", extra={"worker": worker_name})
    asyncio.run(main())


__all__ = ["RETENTION_CRON", "RETENTION_TASK", "queue_app", "run_worker"]
