"""Beyond one machine, with real processes: two `tessera serve` processes and two
`tessera worker` processes on one PostgreSQL database and one Redis. The public verifier's
rate limit is shared by both service processes, and a cohort job survives a worker's
SIGKILL: the other worker takes over the task it held, and every learner gets exactly one
credential (no duplicate, no gap); revocations through both services are republished by
the surviving worker (the republish job)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import TESSERA, service_env
from conftest import postgres_schema
from factories import small_credential
from redis import Redis
from sqlalchemy import Engine, create_engine, text
from test_service_cli import create_module, create_provider, free_port, serving

from service.app.jobs import ISSUE_CHUNK_TASK

ROWS = 600
SLICE = 25
BURST = 6


@contextmanager
def worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    with log.open("wb") as output:
        process = subprocess.Popen(
            # One task at a time, so "both workers busy" means each holds one slice.
            [*TESSERA, "worker", "--concurrency", "1"],
            env={**clean, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover - only if shutdown hangs
                process.kill()
                process.wait()


def wait_until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def count(db: Engine, sql: str, **params: Any) -> int:
    """The one number a ``SELECT COUNT(*)`` answers."""
    with db.connect() as connection:
        return int(connection.execute(text(sql), params).scalar_one())


def kill_while_holding_a_slice(
    a: subprocess.Popen[bytes], a_id: int, slices: Callable[[str], int], db: Engine
) -> None:
    """SIGKILL worker A (Procrastinate worker ``a_id``) while it holds a started, unfinished
    slice. A is frozen (SIGSTOP) before the check that decides, so it cannot finish the
    slice between the check and the kill; when the check fails, A goes on and we try again."""

    def a_holds_a_started_slice() -> bool:
        held = count(
            db,
            "SELECT COUNT(*) FROM procrastinate_jobs j JOIN job_chunks c"
            " ON c.job_id = j.args->>'job_id' AND c.position = (j.args->>'position')::int"
            " WHERE j.status = 'doing' AND j.task_name = :task AND j.worker_id = :a"
            " AND c.state = 'queued' AND c.attempts = 1",
            task=ISSUE_CHUNK_TASK,
            a=a_id,
        )
        return bool(held) and slices("state = 'done'") >= 2

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if a_holds_a_started_slice():
            os.kill(a.pid, signal.SIGSTOP)
            if a_holds_a_started_slice():
                os.kill(a.pid, signal.SIGKILL)
                return
            os.kill(a.pid, signal.SIGCONT)
        time.sleep(0.02)
    pytest.fail("worker A never held a started slice")


@pytest.mark.postgres
def test_two_services_and_two_workers_share_limits_and_take_over_a_killed_workers_job(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    ports = [free_port(), free_port()]
    with postgres_schema(postgres_url) as database_url:
        env = service_env(
            tmp_path,
            TESSERA_DATABASE_URL=database_url,
            TESSERA_REDIS_URL=redis_url,
            TESSERA_JOB_THRESHOLD="100",
            TESSERA_JOB_SLICE_ROWS=str(SLICE),
            TESSERA_VERIFY_RATE_PER_SECOND="0.2",
            TESSERA_VERIFY_BURST=str(BURST),
        )
        db = create_engine(database_url)
        try:
            with serving(env, *ports, logs=tmp_path) as (first, second):
                # -- the rate limit is one for both processes ----------------------------
                codes = [
                    httpx.post(
                        f"{url}/credentials/verify",
                        json={"verifiableCredential": small_credential()},
                        timeout=30,
                    ).status_code
                    for url in [first, second] * BURST
                ]
                assert 429 not in codes[:BURST], codes
                assert set(codes[BURST:]) == {429}, codes  # per process it would be 2 x BURST
                # In Redis: one bucket for the one client, under a keyed hash, with an
                # expiry; never the client's address.
                with Redis.from_url(redis_url) as redis:
                    buckets = redis.keys("tessera:limits:gcra:*")
                    assert len(buckets) == 1, redis.keys("*")
                    assert redis.pttl(buckets[0]) > 0
                    assert all(b"127.0.0.1" not in k + (redis.get(k) or b"") for k in buckets)
                for url in (first, second):
                    ready = httpx.get(f"{url}/readyz", timeout=30).json()
                    assert ready["status"] == "ready", ready
                    assert {"check": "redis", "status": "ok", "detail": "answers"} in ready[
                        "checks"
                    ]

                # -- a cohort job, two workers, one killed mid-job -------------------------
                slug, _, token = create_provider(env, "National Skills Agency")
                headers = {"Authorization": f"Bearer {token}"}
                module_id = create_module(first, slug, token)
                rows = [
                    {"learnerName": f"Learner {i:04d}", "completedOn": "2025-06-30"}
                    for i in range(ROWS)
                ]
                accepted = httpx.post(
                    f"{second}/issuers/{slug}/awards/batch",
                    json={"moduleId": module_id, "awards": rows},
                    headers=headers,
                    timeout=120,
                )
                assert accepted.status_code == 202, accepted.text
                job = accepted.json()
                assert job["progress"]["slices"] == ROWS // SLICE

                def slices(where: str) -> int:
                    return count(db, f"SELECT COUNT(*) FROM job_chunks WHERE {where}")

                def workers() -> list[int]:
                    with db.connect() as connection:
                        return [
                            r[0]
                            for r in connection.execute(
                                text("SELECT id FROM procrastinate_workers ORDER BY id")
                            )
                        ]

                with worker(env, tmp_path / "worker-a.log") as a:
                    # A's Procrastinate id is the first registered; A waits (frozen) for B,
                    # so that both work on the job from the start.
                    a_id = wait_until(workers, 60, "worker A to register")[0]
                    os.kill(a.pid, signal.SIGSTOP)
                    with worker(env, tmp_path / "worker-b.log") as b:
                        wait_until(lambda: len(workers()) == 2, 60, "worker B to register")
                        os.kill(a.pid, signal.SIGCONT)
                        kill_while_holding_a_slice(a, a_id, slices, db)
                        a.wait()
                        assert slices("state = 'done'") < ROWS // SLICE

                        def finished() -> dict[str, Any] | None:
                            body = httpx.get(job["url"], headers=headers, timeout=30).json()
                            return body if body["state"] in ("done", "failed") else None

                        done = wait_until(finished, 240, "the job to finish after the kill")
                        assert b.poll() is None  # B is still serving

                        # -- revocations through both services: the worker republishes ------
                        with db.connect() as connection:
                            revoked = [
                                r[0]
                                for r in connection.execute(
                                    text("SELECT id FROM credentials WHERE module_id = :m LIMIT 4"),
                                    {"m": module_id},
                                )
                            ]
                        for n, credential_id in enumerate(revoked):
                            answer = httpx.post(
                                f"{(first, second)[n % 2]}/issuers/{slug}/credentials/"
                                f"{credential_id}/revoke",
                                headers=headers,
                                timeout=30,
                            )
                            assert answer.status_code == 200, answer.text

                        def republished() -> bool:
                            dirty = count(
                                db,
                                "SELECT COUNT(*) FROM status_lists WHERE dirty_since IS NOT"
                                " NULL OR published_version IS DISTINCT FROM version",
                            )
                            return dirty == 0

                        wait_until(republished, 60, "a worker to republish the status list")
                assert done["state"] == "done", done
                assert done["result"] == {"issued": ROWS, "failedRows": 0}
                # A's slice was taken over: started twice, issued once.
                assert slices("attempts >= 2") >= 1
                with db.connect() as connection:
                    names = [
                        r[0]
                        for r in connection.execute(
                            text("SELECT learner_name FROM credentials WHERE module_id = :m"),
                            {"m": module_id},
                        )
                    ]
                    audit = connection.execute(
                        text("SELECT COUNT(*) FROM audit_log WHERE action = 'credential.issue'")
                    ).scalar_one()
                assert sorted(names) == sorted(r["learnerName"] for r in rows)  # no gap, no twin
                assert audit == ROWS
                metrics = httpx.get(f"{first}/metrics", timeout=30).text
                assert "tessera_http_requests_total" in metrics
        finally:
            db.dispose()
