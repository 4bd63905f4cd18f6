"""Benchmark: a national-scale cohort as a background job, issued by `tessera worker`
processes on PostgreSQL, end to end (upload -> 202 -> slices signed and stored -> done).

Starts `tessera serve` and N workers on a fresh PostgreSQL schema, uploads the cohort as one
CSV request (answered 202 at once: the job checks the rows) and follows the job.
``--kill-halfway`` kills one worker with SIGKILL when half the rows are issued; the others
take over its slice. Either way the script checks that every learner has exactly one
credential (no duplicate, no gap). Not a test: run it by hand.

    python3 bench/bench_jobs.py [--learners 100000] [--workers 2] [--concurrency 2]
                                [--kill-halfway] [--postgres URL]

--learners     rows in the cohort CSV (default 100,000)
--workers      `tessera worker` processes (default 2; one per core is the deployment advice)
--concurrency  tasks each worker runs at once (default 2: one signs while one stores)
--postgres     an existing database to create (and drop) a scratch schema in

Where the server runs with ``autovacuum = off`` (as on the project's machines), the script
runs ``ANALYZE`` on its schema every 10 s while the job runs, as autovacuum's analyze does
in production: without statistics the planner treats the growing tables as empty, and the
rate fell from 800/s to 150/s over 100,000 rows (a benchmark of the planner's guesses).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from bench_issue_batch import BUNDLE, TESSERA, create_provider, free_port
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def schema_url(url: str, schema: str) -> str:
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@contextlib.contextmanager
def analyzing(database_url: str, every: float = 10.0) -> Iterator[None]:
    """ANALYZE the schema every ``every`` seconds meanwhile, if the server's autovacuum is off."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        autovacuum = connection.execute(text("SHOW autovacuum")).scalar_one()
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            with engine.connect() as connection:
                connection.execute(text("ANALYZE"))

    thread = threading.Thread(target=loop, daemon=True)
    if autovacuum == "off":
        print("  (autovacuum is off on this server: ANALYZE every 10 s, as it would)")
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()
        engine.dispose()


def run(args: argparse.Namespace) -> dict[str, float | int | str]:
    schema = f"tessera_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    tmp = Path(tempfile.mkdtemp(prefix="tessera-bench-jobs-"))
    port = free_port()
    database_url = schema_url(args.postgres, schema)
    env = {
        **os.environ,
        "TESSERA_DATA_DIR": str(tmp / "data"),
        "TESSERA_KEYS_DIR": str(tmp / "keys"),
        "TESSERA_KEY_PASSPHRASE": "benchmark passphrase",
        "TESSERA_CONTEXTS_BUNDLE": str(BUNDLE),
        "TESSERA_BASE_URL": f"http://127.0.0.1:{port}",
        "TESSERA_DATABASE_URL": database_url,
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([TESSERA, "contexts", "install"], env=env, check=True, capture_output=True)
        subprocess.run([TESSERA, "db", "upgrade"], env=env, check=True, capture_output=True)
        slug, token = create_provider(env, "National Skills Agency")
        server = subprocess.Popen(
            [TESSERA, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(server)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token}"}
        module = httpx.post(
            f"{base}/issuers/{slug}/modules",
            headers=headers,
            timeout=30,
            json={
                "defaultLanguage": "en",
                "code": "WELD-101",
                "name": {"en": "Welding basics"},
                "eqfLevel": 3,
            },
        ).json()["id"]
        workers = [
            subprocess.Popen(
                [
                    TESSERA,
                    "worker",
                    "--name",
                    f"bench-{i}",
                    "--concurrency",
                    str(args.concurrency),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(args.workers)
        ]
        processes.extend(workers)
        time.sleep(3)  # workers up and listening before the clock starts
        csv = "learnerName,completedOn,learnerId\n" + "".join(
            f"Learner {i:06d},2025-06-30,E-{i:06d}\n" for i in range(args.learners)
        )
        with analyzing(database_url):
            started = time.perf_counter()
            accepted = httpx.post(
                f"{base}/issuers/{slug}/awards/batch",
                params={"moduleId": module},
                headers={**headers, "Content-Type": "text/csv"},
                content=csv.encode(),
                timeout=600,
            )
            accepted.raise_for_status()
            queued = time.perf_counter() - started
            job = accepted.json()
            killed_at = None
            last_print = 0.0
            while job["state"] not in ("done", "failed"):
                time.sleep(0.5)
                job = httpx.get(job["url"], headers=headers, timeout=30).json()
                issued = job["progress"]["issued"]
                if args.kill_halfway and killed_at is None and issued >= args.learners // 2:
                    os.kill(workers[0].pid, signal.SIGKILL)
                    killed_at = time.perf_counter() - started
                    print(f"  killed worker 0 (SIGKILL) at {issued:,} rows, {killed_at:.1f} s")
                if time.perf_counter() - last_print > 10:
                    last_print = time.perf_counter()
                    print(
                        f"  {issued:,} / {args.learners:,} rows ({time.perf_counter() - started:.0f} s)"
                    )
            elapsed = time.perf_counter() - started
        engine = create_engine(database_url)
        with engine.connect() as connection:
            total, distinct = connection.execute(
                text("SELECT COUNT(*), COUNT(DISTINCT learner_ref) FROM credentials")
            ).one()
        engine.dispose()
        return {
            "state": job["state"],
            "learners": args.learners,
            "credentials": int(total),
            "distinct learners": int(distinct),
            "upload until 202 (s)": round(queued, 1),
            "end to end (s)": round(elapsed, 1),
            "credentials/s end to end": round(args.learners / elapsed),
            "credentials/s after queueing": round(args.learners / (elapsed - queued)),
        }
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--kill-halfway", action="store_true")
    parser.add_argument(
        "--postgres", default=os.environ.get("TESSERA_BENCH_POSTGRES", DEFAULT_POSTGRES)
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    result = run(args)
    result["load average after (1 min)"] = f"{os.getloadavg()[0]:.2f}"
    for name, value in result.items():
        print(f"{name:>32}: {value:,}" if isinstance(value, int) else f"{name:>32}: {value}")
    ok = result["credentials"] == result["distinct learners"] == args.learners
    print("no duplicate, no gap" if ok else "MISMATCH: duplicates or gaps")
    sys.exit(0 if ok and result["state"] == "done" else 1)


if __name__ == "__main__":
    main()
