"""Database engine, sessions and migrations for SQLite (embedded default) and PostgreSQL.

``Database`` is built from a URL at the edge (CLI, app factory) and passed down; nothing
connects at import time. ``migrate()`` runs Alembic to head, so ``tessera serve`` and
``tessera db upgrade`` bring any database to the current schema.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: PostgreSQL advisory lock key held while migrating ("tessera" in ASCII).
MIGRATION_LOCK = 0x74657373657261


def database_url_from(settings: Settings) -> str:
    """TESSERA_DATABASE_URL, or a SQLite file in the data directory."""
    if settings.database_url:
        return settings.database_url
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(settings.data_dir / 'tessera.db').resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed during a write; busy_timeout makes writers wait, not fail.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # A deferred SQLite transaction that reads and then writes fails with SQLITE_BUSY_SNAPSHOT
    # when another connection committed in between (WAL). Taking the write lock at BEGIN makes
    # writers queue (busy_timeout) instead. Transactions here are short: signing happens
    # outside them.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin_immediate)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision.

        Safe when several processes start together: they migrate one at a time and the rest
        find the schema at head.
        """
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._sqlite_migration_lock(), self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Processes that start together (uvicorn workers, several hosts) would race to
                # create the same tables; they migrate one at a time and the rest find the
                # schema at head. (SQLite processes hold _sqlite_migration_lock instead.)
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def _sqlite_migration_lock(self) -> Any:
        """An exclusive lock file beside a SQLite database, held while migrating.

        BEGIN IMMEDIATE alone was not enough on a brand-new file (seen under load: four processes
        starting together, one failed with "database is locked"): the first connections race to
        switch it to WAL, and SQLite returns SQLITE_BUSY without waiting for busy_timeout where
        waiting could deadlock. A POSIX file lock serializes whole processes instead.
        """
        url = make_url(self.url)
        if not url.drivername.startswith("sqlite") or not url.database or sys.platform == "win32":
            return nullcontext()
        return _file_lock(Path(f"{url.database}.migrate-lock"))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl  # POSIX only; callers skip this on Windows

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


__all__ = ["Database", "database_url_from"]
