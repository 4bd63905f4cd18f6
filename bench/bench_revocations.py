"""Benchmark: concurrent revocations on one status list across service processes.

Starts two `tessera serve` processes on a fresh PostgreSQL schema, issues N credentials
(one cohort), then C clients revoke them all at once, each sending its share to both
processes in turn. Reports revocations per second and checks that none was lost: every
status bit set, the list's version moved once per revocation, one audit event each. Not a
test: run it by hand.

    python3 bench/bench_revocations.py [--credentials 1000] [--clients 4] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from bench_issue_batch import BUNDLE, TESSERA, create_provider, free_port
from bench_jobs import DEFAULT_POSTGRES, schema_url
from sqlalchemy import create_engine, text


def wait_healthy(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--postgres", default=os.environ.get("TESSERA_BENCH_POSTGRES", DEFAULT_POSTGRES)
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    schema = f"tessera_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database_url = schema_url(args.postgres, schema)
    tmp = Path(tempfile.mkdtemp(prefix="tessera-bench-revoke-"))
    ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "TESSERA_DATA_DIR": str(tmp / "data"),
        "TESSERA_KEYS_DIR": str(tmp / "keys"),
        "TESSERA_KEY_PASSPHRASE": "benchmark passphrase",
        "TESSERA_CONTEXTS_BUNDLE": str(BUNDLE),
        "TESSERA_BASE_URL": f"http://127.0.0.1:{ports[0]}",
        "TESSERA_DATABASE_URL": database_url,
        "TESSERA_JOB_THRESHOLD": str(max(1000, args.credentials)),
    }
    servers: list[subprocess.Popen[bytes]] = []
    ok = False
    try:
        subprocess.run([TESSERA, "contexts", "install"], env=env, check=True, capture_output=True)
        subprocess.run([TESSERA, "db", "upgrade"], env=env, check=True, capture_output=True)
        slug, token = create_provider(env, "Revocation Bench Centre")
        for port in ports:
            servers.append(
                subprocess.Popen(
                    [TESSERA, "serve", "--port", str(port)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            wait_healthy(url)
        headers = {"Authorization": f"Bearer {token}"}
        module = httpx.post(
            f"{urls[0]}/issuers/{slug}/modules",
            headers=headers,
            timeout=30,
            json={"defaultLanguage": "en", "code": "R-1", "name": {"en": "Revocation"}},
        ).json()["id"]
        issued = httpx.post(
            f"{urls[0]}/issuers/{slug}/awards/batch",
            headers=headers,
            timeout=600,
            json={
                "moduleId": module,
                "awards": [
                    {"learnerName": f"L {i}", "completedOn": "2025-06-30"}
                    for i in range(args.credentials)
                ],
            },
        )
        issued.raise_for_status()
        ids = [cid.rsplit("/", 1)[-1] for cid in issued.json()["credentialIds"]]
        shares = [ids[i :: args.clients] for i in range(args.clients)]
        failures: list[str] = []
        latencies: list[float] = []
        lock = threading.Lock()

        def client(share: list[str], offset: int) -> None:
            with httpx.Client(timeout=60, headers=headers) as http:
                for n, cid in enumerate(share):
                    url = urls[(n + offset) % len(urls)]
                    began = time.perf_counter()
                    response = http.post(
                        f"{url}/issuers/{slug}/credentials/{cid}/revoke",
                        json={"reason": "benchmark"},
                    )
                    with lock:
                        latencies.append(time.perf_counter() - began)
                        if response.status_code != 200:
                            failures.append(f"{response.status_code} {response.text[:200]}")

        threads = [
            threading.Thread(target=client, args=(share, i)) for i, share in enumerate(shares)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        engine = create_engine(database_url)
        with engine.connect() as connection:
            revoked = connection.execute(
                text(
                    "SELECT COUNT(*) FROM status_entries e JOIN status_lists l ON l.id = e.list_id"
                    " WHERE l.purpose = 'revocation' AND e.is_set"
                )
            ).scalar_one()
            versions = connection.execute(
                text(
                    "SELECT COALESCE(SUM(version), 0) FROM status_lists WHERE purpose = 'revocation'"
                )
            ).scalar_one()
            audited = connection.execute(
                text("SELECT COUNT(*) FROM audit_log WHERE action = 'credential.revoke'")
            ).scalar_one()
        engine.dispose()
        latencies.sort()
        print(f"{'revocations':>24}: {len(ids):,} by {args.clients} clients over 2 processes")
        print(f"{'failed requests':>24}: {len(failures)} {failures[:3]}")
        print(f"{'elapsed (s)':>24}: {elapsed:.2f}")
        print(f"{'revocations/s':>24}: {len(ids) / elapsed:.0f}")
        print(
            f"{'p50 / p99 latency (ms)':>24}: {latencies[len(latencies) // 2] * 1000:.0f} / "
            f"{latencies[int(len(latencies) * 0.99)] * 1000:.0f}"
        )
        print(f"{'bits set / audited':>24}: {revoked} / {audited}; list versions sum {versions}")
        ok = not failures and revoked == audited == len(ids)
        print("none lost" if ok else "MISMATCH: a revocation was lost")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
