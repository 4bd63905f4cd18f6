"""The tasks a `tessera worker` runs: every background task is registered, and those that a
failure (the database restarting, a key not yet on this host) should not end are retried."""

from __future__ import annotations

from procrastinate import RetryStrategy

from service.app.jobs import REPUBLISH_TASK, TASKS
from service.app.worker import queue_app


def test_every_task_is_registered_and_all_but_the_republication_are_retried() -> None:
    app = queue_app("postgresql+psycopg://tessera@127.0.0.1:5432/none")  # connects on open only
    for name in TASKS:
        strategy = app.tasks[name].retry_strategy
        if name == REPUBLISH_TASK:  # its queueing lock; the workers' sweep queues it again
            assert strategy is None
        else:
            assert isinstance(strategy, RetryStrategy)
            assert strategy.max_attempts == 10 and strategy.exponential_wait == 2
