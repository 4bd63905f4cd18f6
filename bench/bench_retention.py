"""Benchmark: erasing learners and running retention over a stored cohort.

Issues a cohort through the HTTP app (in-process, SQLite in a temp dir, then PostgreSQL if
reachable, in a scratch schema), then measures (1) one learner's erasure through
``POST /issuers/{issuer}/learners/erase`` (p50 and the worst of 20) and (2) one retention run
that erases every remaining stored credential (credentials per second). Not a test: run it by
hand on a quiet machine.

    python3 bench/bench_retention.py [--learners 5000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from service.api import create_app
from service.app.engine import build_engine
from service.app.providers import create_issuer
from service.app.retention import RetentionPolicy, run_retention
from service.app.signing import LocalSigner
from service.config import Settings
from service.contexts import ContextStore
from service.store import Database, Repositories

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = Path(os.environ.get("TESSERA_SHARED_DIR", ROOT.parent / "shared")) / "contexts"


def run(store: str, database_url: str | None, learners: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="tessera-bench-retention-"))
    settings = Settings(
        data_dir=tmp / "data",
        keys_dir=tmp / "keys",
        key_passphrase="benchmark passphrase",  # type: ignore[arg-type]
        key_kdf="interactive",
        base_url="https://bench.example",
        job_threshold=1_000_000,
        retention_interval_hours=0,
    )
    ContextStore(settings.contexts_dir).install_from_dir(BUNDLE)
    engine = build_engine(settings)
    database = Database(database_url or f"sqlite:///{tmp / 'tessera.db'}")
    database.migrate()
    with database.transaction() as session:
        _issuer, key = create_issuer(
            Repositories(session),
            engine.keys(),
            name="Benchmark Centre",
            url=None,
            slug="bench",
            base_url=settings.base_url,
            actor="bench",
            now=datetime.now(UTC),
        )
    headers = {"Authorization": f"Bearer {key.token}"}
    app = create_app(settings, database=database, signer=LocalSigner(engine), migrate=False)
    with TestClient(app) as client:
        module = client.post(
            "/issuers/bench/modules",
            json={"defaultLanguage": "en", "code": "B-1", "name": {"en": "Bench"}, "hours": 1},
            headers=headers,
        ).json()["id"]
        rows = [
            {
                "learnerName": f"Learner {i:06d}",
                "learnerId": f"L-{i:06d}",
                "completedOn": "2025-06-30",
            }
            for i in range(learners)
        ]
        start = time.perf_counter()
        for first in range(0, learners, 1000):
            answer = client.post(
                "/issuers/bench/awards/batch",
                json={"moduleId": module, "awards": rows[first : first + 1000]},
                headers=headers,
            )
            assert answer.status_code == 201, answer.text
        issued = time.perf_counter() - start
        times = []
        for i in range(20):
            begin = time.perf_counter()
            erased = client.post(
                "/issuers/bench/learners/erase", json={"learnerRef": f"L-{i:06d}"}, headers=headers
            )
            times.append(time.perf_counter() - begin)
            assert erased.json()["erasedCredentials"] == 1, erased.text

    @contextmanager
    def repositories() -> Iterator[Repositories]:
        with database.transaction() as session:
            yield Repositories(session)

    begin = time.perf_counter()
    report = run_retention(
        repositories,
        policy=RetentionPolicy(30, 30, 30, 30),
        now=datetime.now(UTC) + timedelta(days=31),
    )
    took = time.perf_counter() - begin
    database.dispose()
    print(
        f"{store}: {learners} issued in {issued:.1f} s; one learner's erasure p50 "
        f"{statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms; retention "
        f"erased {report.credentials} credentials and {report.wallet_links} wallet links in "
        f"{took:.1f} s ({report.credentials / took:.0f} credentials/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "TESSERA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    run("sqlite", None, args.learners)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = sqlalchemy.create_engine(args.postgres)
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server: SQLite only
        print(f"postgresql skipped: {exc}")
        return
    url = (
        make_url(args.postgres)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        run("postgresql", url, args.learners)
    finally:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
