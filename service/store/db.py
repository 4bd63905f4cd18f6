"""Database engine, sessions and migrations for SQLite (embedded default) and PostgreSQL.

``Database`` is built from a URL at the edge (CLI, app factory) and passed down; nothing
connects at import time. ``migrate()`` runs Alembic to head, so ``tessera serve`` and
``tessera db upgrade`` bring any database to the current schema.

A URL that is not a database URL, names an unsupported database or driver, or a database
that cannot be reached raises :class:`ConfigurationError` with one line saying what is wrong
and what to do (never the password).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.errors import ConfigurationError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: PostgreSQL advisory lock key held while migrating ("tessera" in ASCII).
MIGRATION_LOCK = 0x74657373657261


def database_url_from(settings: Settings) -> str:
    """TESSERA_DATABASE_URL, or a SQLite file in the data directory."""
    if settings.database_url:
        return settings.database_url
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot create the data directory {settings.data_dir} ({exc.strerror}): set "
            "TESSERA_DATA_DIR to a folder this user can write, or TESSERA_DATABASE_URL."
        ) from None
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
    # Deleted rows are overwritten with zeros, not left in free pages: an erased learner's name
    # must not survive in the file (README "Privacy").
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # A deferred SQLite transaction that reads and then writes fails with SQLITE_BUSY_SNAPSHOT
    # when another connection committed in between (WAL). Taking the write lock at BEGIN makes
    # writers queue (busy_timeout) instead. Transactions here are short: signing happens
    # outside them.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


#: The databases Tessera runs on, and the URL form to use for each.
SUPPORTED_DATABASES = {
    "postgresql": "postgresql+psycopg://USER@HOST:PORT/DB",
    "sqlite": "sqlite:///PATH",
}
_URL_HINT = (
    "set TESSERA_DATABASE_URL to postgresql+psycopg://USER@HOST:PORT/DB, "
    "or leave it unset for SQLite in TESSERA_DATA_DIR"
)


def _parse_url(url: str) -> URL:
    """``url`` parsed, or :class:`ConfigurationError` if Tessera cannot use it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"{url!r} is not a database URL: {_URL_HINT}.") from None
    if parsed.get_backend_name() not in SUPPORTED_DATABASES:
        raise ConfigurationError(
            f"Tessera does not run on {parsed.get_backend_name()!r} "
            f"({parsed.render_as_string(hide_password=True)}): {_URL_HINT}."
        )
    return parsed


def libpq_url(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://…`` (SQLAlchemy) as the ``postgresql://…`` libpq reads."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(False)


def _one_line(exc: BaseException) -> str:
    """The driver's own reason, without the hints psycopg adds on further lines."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return " ".join(reason.split()).removeprefix("connection failed: ")


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = _parse_url(url)
        self.safe_url = parsed.render_as_string(hide_password=True)
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
        except (NoSuchModuleError, ImportError) as exc:
            raise ConfigurationError(
                f"The database driver {parsed.drivername!r} is not available ({exc}): use "
                f"{SUPPORTED_DATABASES[parsed.get_backend_name()]}."
            ) from None
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
        # Alembic is imported here, not at the top: commands that only read (and `tessera
        # verify --trust`) should not pay for loading it.
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._sqlite_migration_lock(), self._connected() as connection:
            if connection.dialect.name == "postgresql":
                # Processes that start together (uvicorn workers, several hosts) would race to
                # create the same tables; they migrate one at a time and the rest find the
                # schema at head. (SQLite processes hold _sqlite_migration_lock instead.)
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def _connected(self) -> Iterator[Any]:
        """A connection in a transaction; a database that cannot be reached or opened raises
        :class:`ConfigurationError` naming it (errors once connected propagate unchanged)."""
        with ExitStack() as stack:
            try:
                connection = stack.enter_context(self.engine.begin())
            except DBAPIError as exc:
                raise ConfigurationError(
                    f"Cannot connect to the database {self.safe_url}: {_one_line(exc)}. Check "
                    "that it is running and that TESSERA_DATABASE_URL names it (host, port, "
                    "database, user)."
                ) from None
            yield connection

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

    def release_deleted(self) -> None:
        """After an erasure: on SQLite, copy the write-ahead log into the database and empty it,
        so no earlier copy of an erased row stays in ``-wal`` (deleted pages are zeroed by
        ``secure_delete``). PostgreSQL reclaims deleted rows by (auto)vacuum."""
        if self.dialect != "sqlite":
            return
        # Outside any transaction (SQLAlchemy's would BEGIN IMMEDIATE, and a checkpoint cannot
        # empty the log while its own connection holds it).
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()

    def ping(self) -> None:
        """Raises if the database does not answer ``SELECT 1`` (no transaction, no lock)."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

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


__all__ = ["Database", "database_url_from", "libpq_url"]
