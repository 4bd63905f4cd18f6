"""Alembic migrations on an empty SQLite file and an empty PostgreSQL schema, the schema they
build against the models, and the database-enforced append-only audit log."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import postgres_schema
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from service.store import Database, Repositories
from service.store.db import MIGRATIONS
from service.store.models import Base

#: The issuing service's tables; later migrations may add more (the models say which).
ISSUING_TABLES = {
    "issuers",
    "issuer_keys",
    "api_keys",
    "programmes",
    "modules",
    "credentials",
    "idempotency_keys",
    "audit_log",
}


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database nothing has touched: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield database
        database.dispose()
    else:
        with postgres_schema(request.getfixturevalue("postgres_url")) as url:
            database = Database(url)
            yield database
            database.dispose()


#: Procrastinate's job queue (migration 0007), on PostgreSQL only: not Tessera's models.
QUEUE_TABLES = {
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
}


def test_upgrade_on_an_empty_database_creates_every_table(empty_database: Database) -> None:
    assert inspect(empty_database.engine).get_table_names() == []

    empty_database.migrate()

    tables = set(inspect(empty_database.engine).get_table_names())
    queue = QUEUE_TABLES if empty_database.dialect == "postgresql" else set()
    assert tables == set(Base.metadata.tables) | {"alembic_version"} | queue
    assert tables >= ISSUING_TABLES
    with empty_database.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == head_revision()


def test_upgrade_twice_is_a_no_op(empty_database: Database) -> None:
    empty_database.migrate()
    with empty_database.transaction() as session:
        Repositories(session).audit.record(actor="test", action="probe", now=datetime.now(UTC))

    empty_database.migrate()

    with empty_database.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM audit_log")).scalar_one() == 1
        assert connection.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar_one() == 1


def test_migrated_schema_matches_the_models(empty_database: Database) -> None:
    """A model change without a migration (or the reverse) shows up as a difference here."""
    empty_database.migrate()
    with empty_database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, kind, _: not (name or "").startswith("procrastinate_")
            },
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"],
    ids=["update", "delete"],
)
def test_audit_log_refuses_update_and_delete(db: Database, statement: str) -> None:
    with db.transaction() as session:
        Repositories(session).audit.record(
            actor="api-key:k1", action="credential.issue", now=datetime.now(UTC), subject="c1"
        )

    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))

    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT actor, subject FROM audit_log")).all()
    assert [tuple(r) for r in rows] == [("api-key:k1", "c1")]


def test_audit_log_still_accepts_new_events(db: Database) -> None:
    now = datetime.now(UTC)
    with db.transaction() as session:
        repo = Repositories(session)
        repo.audit.record(actor="cli", action="issuer.create", now=now)
        repo.audit.record_many(
            actor="api-key:k1",
            action="credential.issue",
            now=now,
            issuer_id="i",
            subjects=["a", "b"],
        )
    with db.transaction() as session:
        log = Repositories(session).audit.log(limit=10)
    assert [(a.action, a.subject) for a in log] == [
        ("credential.issue", "b"),
        ("credential.issue", "a"),
        ("issuer.create", None),
    ]


def test_processes_starting_together_migrate_once(empty_database: Database) -> None:
    """Service processes that start at the same time all migrate on start; none may fail."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        database = Database(empty_database.url)
        try:
            barrier.wait(timeout=10)
            database.migrate()
        except BaseException as exc:
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with empty_database.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [v for (v,) in versions] == [head_revision()]
