"""``tessera learners``: a provider answers a learner's request to see, take away or erase their
data, on the service's database (the same use cases as the API: ``service.app.learner_data``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import engine, fail, print_json
from cli.lazy import command_app
from service.errors import TesseraError

if TYPE_CHECKING:
    from service.app.learner_data import Selection
    from service.store import Database, Repositories

learners_app = command_app(help="A learner's data at a provider: export it, erase it.")

IssuerOption = Annotated[str, typer.Option("--issuer", help="Provider slug.")]
RefOption = Annotated[
    str | None, typer.Option("--learner-ref", help="The provider's own learner id (learnerId).")
]
LinkOption = Annotated[
    str | None, typer.Option("--wallet-link", help="The id of one of the learner's wallet links.")
]
CredentialOption = Annotated[
    list[str] | None,
    typer.Option("--credential", help="A credential id or URL (repeat for several)."),
]


def _selection(ref: str | None, link: str | None, credentials: list[str] | None) -> Selection:
    from service.app.learner_data import Selection

    return Selection.of(wallet_link_id=link, learner_ref=ref, credential_ids=credentials or ())


@learners_app.command("export")
def learners_export(
    issuer: IssuerOption,
    out: Annotated[Path, typer.Option("--out", help="Where to write the ZIP.")],
    learner_ref: RefOption = None,
    wallet_link: LinkOption = None,
    credential: CredentialOption = None,
) -> None:
    """Write everything held about one learner to a ZIP (their credentials as signed, and
    record.json), as the learner downloads it from their wallet page."""
    from service.app.learner_data import bundle, learner_record
    from service.store import Database, Repositories, database_url_from

    database = Database(database_url_from(engine().settings))
    try:
        database.migrate()
        selection = _selection(learner_ref, wallet_link, credential)
        with database.transaction() as session:
            repo = Repositories(session)
            owner = repo.providers.issuer_by_slug(issuer)
            record, rows = learner_record(
                repo, issuer=owner, selection=selection, now=datetime.now(UTC)
            )
            repo.audit.record(
                actor="cli", action="learner.export", now=datetime.now(UTC), issuer_id=owner.id
            )
        data = bundle(record, rows)
        out.write_bytes(data)
    except TesseraError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"Cannot write {out} ({exc.strerror}): choose a folder you can write.")
    finally:
        database.dispose()
    typer.echo(f"wrote {out}: {len(rows)} credential(s) and record.json")


@learners_app.command("erase")
def learners_erase(
    issuer: IssuerOption,
    learner_ref: RefOption = None,
    wallet_link: LinkOption = None,
    credential: CredentialOption = None,
    request: Annotated[
        str | None,
        typer.Option("--request", help="Carry out this erasure request from a wallet page."),
    ] = None,
) -> None:
    """Erase one learner's records at a provider (idempotent). Their downloaded credentials
    keep verifying; status entries stay, detached; the audit log gets counts, no name."""
    from service.app.learner_data import confirm_erasure, erase
    from service.store import Database, Repositories, database_url_from

    database = Database(database_url_from(engine().settings))
    try:
        database.migrate()
        with database.transaction() as session:
            repo = Repositories(session)
            owner = repo.providers.issuer_by_slug(issuer)
            now = datetime.now(UTC)
            if request is not None:
                if learner_ref or wallet_link or credential:
                    fail("Give --request alone, or name the learner without it.")
                report = confirm_erasure(
                    repo, issuer=owner, request_id=request, actor="cli", now=now
                )
            else:
                selection = _selection(learner_ref, wallet_link, credential)
                report = erase(repo, issuer=owner, selection=selection, actor="cli", now=now)
        database.release_deleted()
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    print_json(report.to_json())


retention_app = command_app(help="Forget old records as the retention settings say (counts only).")


@retention_app.command("run")
def retention_run() -> None:
    """Apply the retention settings now (TESSERA_RETENTION_*): erase stored credentials, wallet
    links, cohort replay records and audit events older than they allow, and wallet-app offers
    30 days after they ended. Prints counts only."""
    from service.app.retention import RetentionPolicy, run_retention
    from service.store import Database, database_url_from

    settings = engine().settings
    database = Database(database_url_from(settings))

    def repositories() -> Any:
        return _repository(database)

    try:
        database.migrate()
        report = run_retention(
            repositories, policy=RetentionPolicy.of(settings), now=datetime.now(UTC)
        )
        database.release_deleted()
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    print_json(report.to_json())


@contextmanager
def _repository(database: Database) -> Iterator[Repositories]:
    from service.store import Repositories

    with database.transaction() as session:
        yield Repositories(session)


__all__ = ["learners_app", "retention_app"]
