"""Benchmark: issue a 10,000-learner cohort end to end (HTTP -> signed -> stored).

Starts a real `tessera serve` on loopback (SQLite in a temp dir, then PostgreSQL if
reachable), creates a provider and a module, POSTs the whole cohort as one CSV request and
reports credentials per second. Not a test: run it by hand on a quiet machine.

    python3 bench/bench_issue_batch.py [--learners 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = Path(os.environ.get("TESSERA_SHARED_DIR", ROOT.parent / "shared")) / "contexts"
TESSERA = str(Path(sys.executable).with_name("tessera"))


def create_provider(env: dict[str, str], name: str) -> tuple[str, str]:
    """Create a provider with ``tessera issuers create``; return its slug and first API key."""
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    out = subprocess.run(
        [TESSERA, "issuers", "create", "--name", name, "--slug", slug],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return slug, next(line.split()[-1] for line in out.splitlines() if "API key" in line)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(store: str, database_url: str | None, learners: int) -> float:
    tmp = Path(tempfile.mkdtemp(prefix="tessera-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "TESSERA_DATA_DIR": str(tmp / "data"),
        "TESSERA_KEYS_DIR": str(tmp / "keys"),
        "TESSERA_KEY_PASSPHRASE": "benchmark passphrase",
        "TESSERA_CONTEXTS_BUNDLE": str(BUNDLE),
        "TESSERA_BASE_URL": f"http://127.0.0.1:{port}",
        # One request, signed while it waits (a larger cohort is a job: bench_jobs.py).
        "TESSERA_JOB_THRESHOLD": str(max(1000, learners)),
    }
    if database_url:
        env["TESSERA_DATABASE_URL"] = database_url
    subprocess.run([TESSERA, "contexts", "install"], env=env, check=True, capture_output=True)
    slug, token = create_provider(env, "Benchmark Training Centre")
    server = subprocess.Popen(
        [TESSERA, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
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
                "name": {
                    "en": "Welding basics (MIG/MAG)",
                    "de": "Schweißen Grundlagen",
                    "ar": "أساسيات اللحام",
                },
                "description": {"en": "Safe set-up and basic fillet welds."},
                "learningOutcomes": [{"en": "Sets up a MIG/MAG welder safely"}],
                "assessmentCriteria": [{"en": "Three fillet welds to ISO 5817 level C"}],
                "hours": 40,
                "credits": 2,
                "eqfLevel": 3,
                "iscedField": "0715",
                "escoSkills": [
                    "http://data.europa.eu/esco/skill/3d9d5ea6-9f52-4b6f-a4a2-1f2f0c2a6f3d"
                ],
            },
        ).json()
        warm = "learnerName,completedOn\nWarm Up,2025-06-01\n"
        httpx.post(
            f"{base}/issuers/{slug}/awards/batch",
            params={"moduleId": module["id"]},
            headers={**headers, "Content-Type": "text/csv"},
            content=warm,
            timeout=60,
        )
        csv = "learnerName,completedOn,result\n" + "".join(
            f"Learner {i:05d},2025-06-01,Pass\n" for i in range(learners)
        )
        started = time.perf_counter()
        response = httpx.post(
            f"{base}/issuers/{slug}/awards/batch",
            params={"moduleId": module["id"]},
            headers={**headers, "Content-Type": "text/csv"},
            content=csv,
            timeout=600,
        )
        elapsed = time.perf_counter() - started
        response.raise_for_status()
        issued = response.json()["issued"]
        rate = issued / elapsed
        print(f"{store:10} {issued:6d} credentials in {elapsed:6.2f} s = {rate:7.1f} credentials/s")
        return rate
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "TESSERA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}  learners: {args.learners}  target: >= 500 credentials/s")
    run("sqlite", None, args.learners)
    try:
        import sqlalchemy

        sqlalchemy.create_engine(args.postgres).connect().close()
    except Exception as exc:  # report and skip the PostgreSQL run
        print(f"postgresql skipped: {exc}")
        return
    run("postgresql", args.postgres, args.learners)


if __name__ == "__main__":
    main()
