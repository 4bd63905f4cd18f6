"""`tessera worker`: run background jobs (cohort slices, qualification awards, status-list
republishing) from the PostgreSQL queue."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import engine, fail


def worker(
    name: Annotated[
        str | None, typer.Option(help="Worker name in logs (default: host-pid).")
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this worker's Prometheus metrics on this port (/metrics)."),
    ] = None,
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="Stop once the queue is empty.")
    ] = False,
    concurrency: Annotated[
        int,
        typer.Option(
            min=1, max=8, help="Tasks at once (threads): 2 lets one sign while one stores."
        ),
    ] = 2,
) -> None:
    """Run background jobs (cohorts, awards, status lists) from the PostgreSQL queue; one per core."""
    from collections.abc import Iterator
    from contextlib import contextmanager
    from datetime import UTC, datetime

    from service.app.issuing import IssueSetup
    from service.app.retention import RetentionPolicy, run_retention
    from service.app.signing import LocalSigner
    from service.app.status_publishing import ListPublisher
    from service.app.telemetry import CountingSigner
    from service.app.worker import run_worker
    from service.logs import configure_logging
    from service.store import Database, Repositories, database_url_from

    eng = engine()
    url = database_url_from(eng.settings)
    database = Database(url)
    if database.dialect != "postgresql":
        database.dispose()
        fail(
            "tessera worker needs PostgreSQL (TESSERA_DATABASE_URL=postgresql+psycopg://…): on "
            "the embedded SQLite default, `tessera serve` runs jobs itself."
        )
    missing = eng.contexts.missing()
    if missing:
        fail(f"{len(missing)} pinned contexts are not installed: run `tessera contexts install`.")
    database.migrate()
    configure_logging(eng.settings.log_format)

    @contextmanager
    def repositories() -> Iterator[Repositories]:
        with database.transaction() as session:
            yield Repositories(session)

    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    signer = CountingSigner(LocalSigner(eng))
    setup = IssueSetup(
        base_url=eng.settings.base_url, signer=signer, canonicalizer=eng.canonicalizer
    )
    typer.echo(f"tessera worker: taking jobs from {database.dialect} (Ctrl-C stops gracefully)")
    try:
        run_worker(
            database_url=url,
            repositories=repositories,
            setup=setup,
            lists=ListPublisher(
                repositories=repositories, signer=signer, base_url=eng.settings.base_url
            ),
            name=name,
            wait=not until_empty,
            concurrency=concurrency,
            retention=lambda: run_retention(
                repositories, policy=RetentionPolicy.of(eng.settings), now=datetime.now(UTC)
            ).to_json(),
        )
    finally:
        signer.close()
        database.dispose()


__all__ = ["worker"]
