"""Benchmark: a year's outcome indicators over 1,000,000 credentials and 5,000,000 public
verifications on PostgreSQL (target: under 2 seconds on the 2-core project machine).

Generates one provider's synthetic year in a fresh PostgreSQL schema, migrated by Alembic
(so the indexes are the ones the service has): 4 programmes of 6 modules (EQF 2-4),
250,000 learners (wallet links), 1,000,000 module credentials spread over 2025,
20,000 revocations and suspensions, 30,000 qualifications, 10,000 recognized credentials of
other providers, and 5,000,000 public verifications. Verifications are stored the way the
service stores them, as monthly sums per verifier country (nothing per request), so they
are 12 x 30 rows whose counts add up to 5,000,000. Rows are generated in SQL
(``generate_series``); the credential documents are small stand-ins (real ones are TOASTed
out of line above 2 KB, so the heap the queries read stays narrow either way).

Then it times :func:`service.app.outcomes.provider_outcomes` for 2025 (every indicator,
disclosure control included) ``--runs`` times, and each aggregate query alone (median of
``--runs``). Progression marks and qualification starts are derived by the migrations'
backfills (the generated rows bypass the service, which records them as it issues).

    python3 bench/bench_outcomes.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                    [--credentials 1000000] [--runs 5] [--keep]

``--keep`` leaves the schema (its URL is printed) so the service can be pointed at it
(``TESSERA_DATABASE_URL=...``) to see the provider ``bench-provider``'s outcomes page,
CSV and signed report.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from service.app.disclosure import DisclosurePolicy  # noqa: E402
from service.app.outcomes import Period, provider_outcomes  # noqa: E402
from service.store import Database, Repositories  # noqa: E402
from service.store.repositories.outcomes import OutcomesRepository  # noqa: E402

DEFAULT_URL = os.environ.get(
    "TESSERA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ISSUER = "00000000-0000-4000-8000-000000000001"
SLUG = "bench-provider"


def _migration(name: str) -> Any:
    """A migration script as a module (Alembic runs them as scripts, not as a package)."""
    path = ROOT / "service" / "store" / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate(url: str, *, credentials: int, learners: int) -> dict[str, float]:
    """Fill the schema at ``url``; answers seconds per step."""
    engine = create_engine(url)
    steps = {
        "provider, programmes, modules": [
            """INSERT INTO issuers (id, slug, name, url, did, suspension_enabled, created_at)
               VALUES (:issuer, :slug, 'Bench Training Provider', NULL,
                       'did:web:localhost%3A8000:issuers:bench-provider', true, now())""",
            """INSERT INTO programmes (id, issuer_id, data, created_at, updated_at)
               SELECT 'prog-' || p, :issuer,
                      json_build_object('defaultLanguage', 'en', 'code', 'PROG-' || p,
                                        'name', json_build_object('en', 'Programme ' || p)),
                      now(), now()
               FROM generate_series(1, 4) p""",
            """INSERT INTO modules (id, issuer_id, programme_id, data, created_at, updated_at)
               SELECT 'mod-' || m, :issuer, 'prog-' || (1 + (m - 1) / 6),
                      json_build_object('defaultLanguage', 'en',
                                        'code', 'MOD-' || lpad(m::text, 2, '0'),
                                        'name', json_build_object('en', 'Module ' || m),
                                        'eqfLevel', 2 + (m - 1) % 3),
                      now(), now()
               FROM generate_series(1, 24) m""",
        ],
        "wallet links (learners)": [
            """INSERT INTO wallet_links (id, issuer_id, token_hash, learner_ref, language,
                                         created_at, revoked_at)
               SELECT 'link-' || g, :issuer, encode(sha256(g::text::bytea), 'hex'), NULL, 'en',
                      now(), NULL
               FROM generate_series(1, :learners) g""",
        ],
        "credentials": [
            """INSERT INTO credentials (id, issuer_id, module_id, learner_name, learner_ref,
                                        batch_id, wallet_link_id, document, issued_at)
               SELECT gen_random_uuid()::text, :issuer, 'mod-' || (1 + g % 24), 'Learner',
                      NULL, NULL, 'link-' || (1 + g % :learners),
                      json_build_object('id', 'urn:uuid:' || g, 'type',
                                        json_build_array('VerifiableCredential',
                                                         'OpenBadgeCredential')),
                      timestamptz '2025-01-01 00:00Z' + (g::float / :credentials)
                          * interval '365 days'
               FROM generate_series(1, :credentials) g""",
        ],
        "status lists and entries": [
            """INSERT INTO status_lists (id, issuer_id, purpose, size, version, created_at,
                                         updated_at)
               VALUES ('list-r', :issuer, 'revocation', 131072, 1, now(), now()),
                      ('list-s', :issuer, 'suspension', 131072, 1, now(), now())""",
            """INSERT INTO status_entries (list_id, position, credential_id, is_set, reason,
                                           updated_at)
               SELECT CASE WHEN n % 4 = 0 THEN 'list-s' ELSE 'list-r' END, n, id, true, NULL,
                      issued_at + interval '20 days'
               FROM (SELECT id, issued_at, row_number() OVER () AS n FROM credentials
                     TABLESAMPLE SYSTEM (3) LIMIT 20000) c""",
        ],
        "qualifications and recognitions": [
            """INSERT INTO qualifications (id, issuer_id, programme_id, programme_version,
                                           wallet_link_id, credential_id, clr_id, relied_on,
                                           flagged_at, review_reason, created_at)
               SELECT gen_random_uuid()::text, :issuer, 'prog-' || (1 + n % 4), 1,
                      'link-' || n, id, id, '{}'::json, NULL, NULL, issued_at + interval '1 day'
               FROM (SELECT id, issued_at, row_number() OVER () AS n FROM credentials
                     TABLESAMPLE SYSTEM (5) LIMIT 30000) c""",
            """INSERT INTO external_credentials (id, issuer_id, wallet_link_id, document_id,
                                                 issuer_did, document, verified_at, created_at)
               SELECT gen_random_uuid()::text, :issuer, 'link-' || g, 'urn:uuid:ext-' || g,
                      'did:web:other.example', '{}'::json,
                      timestamptz '2025-01-01 00:00Z' + (g::float / 10000) * interval '365 days',
                      now()
               FROM generate_series(1, 10000) g""",
        ],
        "5,000,000 verifications as monthly sums per country": [
            """INSERT INTO engagement_counts (issuer_id, month, country, count)
               SELECT :issuer, '2025-' || lpad(m::text, 2, '0'),
                      CASE WHEN c = 30 THEN '' ELSE chr(65 + c % 26) || chr(68 + c / 26)
                      END,
                      -- 5,000,000 split over 12 months x 30 countries, unevenly
                      (5000000 / 12 / 465) * c + CASE WHEN m = 12 AND c = 30
                          THEN 5000000 - 12 * (5000000 / 12 / 465) * 465 ELSE 0 END
               FROM generate_series(1, 12) m, generate_series(1, 30) c""",
        ],
    }
    params = {"issuer": ISSUER, "slug": SLUG, "learners": learners, "credentials": credentials}
    timings = {}
    with engine.begin() as connection:
        for name, statements in steps.items():
            started = time.perf_counter()
            for statement in statements:
                connection.execute(text(statement), params)
            timings[name] = time.perf_counter() - started
        # The rows above bypass the service, which marks progression as credentials reach a
        # learner's wallet link and records a qualification's start with the award; derive
        # both as the migrations do for existing data.
        started = time.perf_counter()
        _migration("0014_progression_marks.py").backfill(connection)
        timings["progression marks (the migration's backfill)"] = time.perf_counter() - started
        started = time.perf_counter()
        _migration("0015_qualification_started_at.py").backfill(connection)
        timings["qualification starts (the migration's backfill)"] = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        started = time.perf_counter()
        # Only this schema's tables: a bare VACUUM takes on every table of the database and
        # waits behind any other session's open transaction (other benchmarks, test runs).
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).scalars()
        connection.execute(text("VACUUM ANALYZE " + ", ".join(f'"{t}"' for t in tables)))
        timings["vacuum analyze"] = time.perf_counter() - started
        total = connection.execute(text("SELECT sum(count) FROM engagement_counts")).scalar()
        assert total == 5_000_000, total
    engine.dispose()
    return timings


#: The aggregate queries of a report, timed one by one.
QUERIES = (
    "credentials_issued",
    "qualifications",
    "recognitions",
    "status_changes",
    "progression",
    "time_to_qualification",
    "engagement",
)


def measure(
    database: Database, runs: int, credentials: int
) -> tuple[list[float], dict[str, list[float]]]:
    period = Period.parse("2025-01", "2025-12")
    policy = DisclosurePolicy()
    now = datetime(2026, 1, 15, tzinfo=UTC)
    whole = []
    for _ in range(runs):
        started = time.perf_counter()
        with database.transaction() as session:
            report = provider_outcomes(
                Repositories(session), issuer_slug=SLUG, period=period, policy=policy, now=now
            )
        whole.append(time.perf_counter() - started)
    issued = report.indicators[0].table
    assert issued.total is not None and issued.total > 0.9 * credentials, issued.total
    parts: dict[str, list[float]] = {}
    for _ in range(runs):
        with database.transaction() as session:
            store = OutcomesRepository(session)
            window = {"issuer_id": ISSUER, "start": period.start, "end": period.end}
            for name in QUERIES:
                started = time.perf_counter()
                if name == "engagement":
                    store.engagement(issuer_id=ISSUER, start=period.first, end=period.last)
                else:
                    getattr(store, name)(**window)
                parts.setdefault(name, []).append(time.perf_counter() - started)
    return whole, parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--credentials", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the schema and print its URL")
    args = parser.parse_args()

    schema = f"tessera_bench_outcomes_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(args.url).update_query_dict({"options": f"-csearch_path={schema}"})
    database = Database(url.render_as_string(hide_password=False))
    try:
        database.migrate()
        timings = generate(
            url.render_as_string(hide_password=False),
            credentials=args.credentials,
            learners=args.learners,
        )
        for name, seconds in timings.items():
            print(f"generate {name:<55} {seconds:7.2f} s")
        whole, parts = measure(database, args.runs, args.credentials)
        print(f"\nA year's indicators, {args.credentials:,} credentials, 5,000,000 verifications:")
        print(
            f"  provider_outcomes (all indicators + disclosure control): "
            f"best {min(whole):.3f} s, median {statistics.median(whole):.3f} s "
            f"over {args.runs} runs (target < 2 s)"
        )
        print(f"  each query alone, median over {args.runs} runs:")
        for name, seconds in parts.items():
            print(f"    {name:<22} {statistics.median(seconds):.3f} s")
        print(f"  load average at the end: {os.getloadavg()[0]:.2f} (1 min)")
        if args.keep:
            print(f"\nkept: TESSERA_DATABASE_URL='{url.render_as_string(hide_password=False)}'")
    finally:
        database.dispose()
        if not args.keep:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
