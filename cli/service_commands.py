"""Service commands: run the server, migrate the database, manage providers and their keys,
change a credential's status."""

from __future__ import annotations

import errno
import os
import socket
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

import typer

from cli.common import engine, fail, fetch_context, print_json
from cli.lazy import command_app
from service.app.providers import create_issuer, rotate_key
from service.errors import TesseraError
from service.store import Database, Repositories, database_url_from

db_app = command_app(help="The database (SQLite by default, PostgreSQL via TESSERA_DATABASE_URL).")
issuers_app = command_app(help="Training providers (issuers).")


def _database() -> Database:
    eng = engine()
    return Database(database_url_from(eng.settings))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending schema migration."""
    database = _database()
    try:
        database.migrate()
    finally:
        database.dispose()
    typer.echo(f"database is at the newest schema ({database.dialect})")


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Server processes (PostgreSQL for more than one).")
    ] = 1,
) -> None:
    """Run the HTTP service (migrates the database, installs missing contexts first)."""
    import uvicorn

    eng = engine()
    _check_can_listen(host, port)
    _warn_if_local_base_url_names_another_port(eng.settings.base_url, port)
    missing = eng.contexts.missing()
    if missing:
        source = eng.settings.contexts_bundle
        typer.echo(
            f"installing {len(missing)} pinned contexts from {source or 'their canonical URLs'} …"
        )
        try:
            if source is not None:
                eng.contexts.install_from_dir(source)
            else:
                eng.contexts.install_from_web(fetch_context)
        except TesseraError as exc:
            fail(str(exc))
    database = _database()
    database.migrate()
    database.dispose()
    from service.app.shared_state import describe
    from service.logs import configure_logging

    configure_logging(eng.settings.log_format)
    typer.echo(f"Tessera on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    typer.echo(describe(eng.settings.redis_url))
    if workers > 1:  # server processes end with this one (service.api.asgi.build)
        from service.api.asgi import SUPERVISOR_PID

        os.environ[SUPERVISOR_PID] = str(os.getpid())
    uvicorn.run(
        "service.api.asgi:build",
        host=host,
        port=port,
        workers=workers,
        factory=True,
        log_level="info",
        access_log=False,
        # Our logging set-up (text or JSON), not uvicorn's own.
        log_config=None,
        # SIGTERM: stop accepting, let in-flight requests finish (a cohort may take a while).
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


#: How long `tessera serve` waits for in-flight requests after SIGTERM before closing them.
GRACEFUL_SHUTDOWN_SECONDS = 30

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def _warn_if_local_base_url_names_another_port(base_url: str, port: int) -> None:
    """Warn on stderr when TESSERA_BASE_URL is this machine on another port than ``port``:
    credential ids, did:web and QR links would then lead to a service that is not this one.
    (A public base URL is left alone: a reverse proxy may well forward it to any port.)"""
    parts = urlsplit(base_url)
    if parts.hostname not in LOOPBACK_NAMES:
        return
    named = parts.port or (443 if parts.scheme == "https" else 80)
    if named != port:
        suggested = f"{parts.scheme}://{parts.hostname}:{port}"
        typer.echo(
            f"warning: TESSERA_BASE_URL is {base_url}, but this service listens on port {port}: "
            f"credentials, DIDs and QR links it issues would point to port {named}. Set "
            f"TESSERA_BASE_URL={suggested} for `tessera serve` and every `tessera` command.",
            err=True,
        )


def _check_can_listen(host: str, port: int) -> None:
    """Exit 2 with the reason if ``host:port`` cannot be listened on (before any set-up work)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        fail(f"--host {host}: {exc.strerror}; give an address of this machine, e.g. 127.0.0.1.")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(
                    f"port {port} on {host} is already in use (another tessera serve?): "
                    "stop that process or choose another --port."
                )
            fail(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --host/--port.")


@issuers_app.command("create")
def issuers_create(
    name: Annotated[str, typer.Option("--name", help="The provider's public name.")],
    url: Annotated[str | None, typer.Option("--url", help="The provider's website.")] = None,
    slug: Annotated[
        str | None, typer.Option("--slug", help="URL name (default: from --name).")
    ] = None,
    suspension: Annotated[
        bool, typer.Option("--suspension", help="Also allow suspending credentials.")
    ] = False,
    did_method: Annotated[
        str,
        typer.Option(
            "--did-method",
            help="'web' (did:web under this service, rotatable keys) or 'key' (did:key, for a "
            "provider without a domain of its own; its key cannot change).",
        ),
    ] = "web",
) -> None:
    """Register a provider: DID, signing key, first API key (printed once)."""
    eng = engine()
    database = _database()
    database.migrate()
    now = datetime.now(UTC)
    try:
        with database.transaction() as session:
            issuer, key = create_issuer(
                Repositories(session),
                eng.keys(),
                name=name,
                url=url,
                slug=slug,
                base_url=eng.settings.base_url,
                actor="cli",
                now=now,
                suspension=suspension,
                did_method=did_method,
            )
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    typer.echo(f"created provider {issuer.slug}")
    typer.echo(f"  DID           {issuer.did}")
    if issuer.did.startswith("did:web:"):
        typer.echo(
            f"  DID document  {eng.settings.base_url.rstrip('/')}/issuers/{issuer.slug}/did.json"
        )
    typer.echo(f"  API key       {key.token}")
    typer.echo("  (shown only this once: store it safely)")


@issuers_app.command("list")
def issuers_list() -> None:
    """Every provider with its DID."""
    database = _database()
    database.migrate()
    with database.transaction() as session:
        for row in Repositories(session).providers.issuers():
            typer.echo(f"{row.slug:24} {row.did}  {row.name}")
    database.dispose()


def keys_rotate(issuer: str) -> None:
    """Give provider ISSUER a new signing key; old keys stay in its DID document."""
    eng = engine()
    database = _database()
    database.migrate()
    try:
        with database.transaction() as session:
            repo = Repositories(session)
            vm = rotate_key(
                repo,
                eng.keys(),
                issuer=repo.providers.issuer_by_slug(issuer),
                actor="cli",
                now=datetime.now(UTC),
            )
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    typer.echo(f"new signing key {vm}")


def keys_revoke(
    issuer: Annotated[str, typer.Argument(help="Provider slug.")],
    key: Annotated[
        str | None,
        typer.Option("--key", help="Verification method or key name (default: the signing key)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Compromised from this date-time with an offset, e.g. 2026-03-01T00:00:00Z "
            "(default: now). Signatures it made earlier keep verifying.",
        ),
    ] = None,
) -> None:
    """Declare a key of provider ISSUER compromised from a moment on."""
    from service.app.providers import revoke_key
    from service.dates import parse_datetime

    now = datetime.now(UTC)
    moment = now
    if since is not None:
        parsed = parse_datetime(since, require_offset=True)
        if parsed is None:
            fail(f"--since {since!r} is not a date-time with an offset, like 2026-03-01T00:00:00Z.")
        moment = parsed
    eng = engine()
    database = _database()
    database.migrate()
    try:
        with database.transaction() as session:
            repo = Repositories(session)
            revoked, replacement = revoke_key(
                repo,
                eng.keys(),
                issuer=repo.providers.issuer_by_slug(issuer),
                verification_method=key,
                since=moment,
                actor="cli",
                now=now,
            )
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    typer.echo(
        f"revoked {revoked} from {moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}: "
        "its DID document now says so"
    )
    if replacement:
        typer.echo(f"new signing key {replacement}")


credentials_app = command_app(help="A provider's issued credentials.")


def _change_status(action: str, credential: str, issuer: str, reason: str | None) -> None:
    from service.app.jobs import DatabaseQueue
    from service.app.status_lists import change_status

    database = _database()
    database.migrate()
    # On PostgreSQL the workers republish the list; on SQLite the service does when it
    # next starts (and serves the current list to every read before that anyway).
    queue = DatabaseQueue() if database.dialect == "postgresql" else None
    try:
        with database.transaction() as session:
            repo = Repositories(session)
            result = change_status(
                repo,
                issuer=repo.providers.issuer_by_slug(issuer),
                credential_id=credential.rstrip("/").rsplit("/", 1)[-1],
                action=action,
                reason=reason,
                actor="cli",
                now=datetime.now(UTC),
                queue=queue,
            )
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    print_json(result.to_json())


IssuerOption = Annotated[str, typer.Option("--issuer", help="Provider slug.")]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="Kept internally, never published.")
]


@credentials_app.command("revoke")
def credentials_revoke(credential: str, issuer: IssuerOption, reason: ReasonOption = None) -> None:
    """Revoke a credential (permanent; shows in the status list at once)."""
    _change_status("revoke", credential, issuer, reason)


@credentials_app.command("suspend")
def credentials_suspend(credential: str, issuer: IssuerOption, reason: ReasonOption = None) -> None:
    """Suspend a credential while a case is checked (needs suspension enabled)."""
    _change_status("suspend", credential, issuer, reason)


@credentials_app.command("unsuspend")
def credentials_unsuspend(credential: str, issuer: IssuerOption) -> None:
    """Lift a suspension."""
    _change_status("unsuspend", credential, issuer, None)


__all__ = [
    "credentials_app",
    "db_app",
    "issuers_app",
    "keys_revoke",
    "keys_rotate",
    "serve",
]
