"""``tessera rpl``: recognition of prior learning on this service's database (the same use
cases as the HTTP API, ``service.app.rpl``). Heavy imports happen inside the commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import engine, fail, print_json, read_json_object
from cli.lazy import command_app
from service.errors import TesseraError

if TYPE_CHECKING:
    from service.store import Database, Repositories

rpl_app = command_app(
    help="Recognition of prior learning: assessors, cases, evidence, decisions.",
)
IssuerOption = Annotated[str, typer.Option("--issuer", help="Provider slug.")]
METHODS = ("interview", "skills-demonstration", "work-sample", "document-review", "test")


def _database() -> Database:
    from service.store import Database, database_url_from

    database = Database(database_url_from(engine().settings))
    database.migrate()
    return database


@contextmanager
def _repositories(database: Database) -> Iterator[Repositories]:
    from service.store import Repositories

    with database.transaction() as session:
        yield Repositories(session)


def _run(work: Any) -> Any:
    """Run ``work(database)``; a Tessera error is one line and exit code 2."""
    database = _database()
    try:
        return work(database)
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()


@rpl_app.command("assessor")
def rpl_assessor(
    issuer: IssuerOption,
    name: Annotated[str, typer.Option("--name", help="The assessor's name.")],
) -> None:
    """Register an assessor: a key of their own, published in the provider's DID document."""
    from service.app.rpl import add_assessor, describe_assessor

    def work(database: Database) -> dict[str, Any]:
        with _repositories(database) as repo:
            row = add_assessor(
                repo,
                engine().keys(),
                issuer=repo.providers.issuer_by_slug(issuer),
                name=name,
                actor="cli",
                now=datetime.now(UTC),
            )
            return describe_assessor(row)

    print_json(_run(work))


@rpl_app.command("open")
def rpl_open(
    issuer: IssuerOption,
    learner: Annotated[str, typer.Option("--learner", help="The learner's name.")],
    module: Annotated[
        list[str] | None, typer.Option("--module", help="A module to assess (repeat).")
    ] = None,
    programme: Annotated[
        str | None, typer.Option("--programme", help="Assess every module of a programme.")
    ] = None,
    learner_id: Annotated[
        str | None, typer.Option("--learner-id", help="Your learner id: joins their wallet.")
    ] = None,
    foreign: Annotated[
        Path | None,
        typer.Option("--foreign", help="JSON file: credentials from abroad and their mapping."),
    ] = None,
) -> None:
    """Open a case for a learner against modules or a whole programme."""
    from service.app.rpl import describe_case, open_case

    data: dict[str, Any] = {"learnerName": learner}
    if module:
        data["moduleIds"] = list(module)
    if programme:
        data["programmeId"] = programme
    if learner_id:
        data["learnerId"] = learner_id
    if foreign is not None:
        loaded = read_json_object(str(foreign))
        data["foreignCredentials"] = loaded.get("foreignCredentials", loaded)

    def work(database: Database) -> dict[str, Any]:
        with _repositories(database) as repo:
            row = open_case(
                repo,
                issuer=repo.providers.issuer_by_slug(issuer),
                data=data,
                actor="cli",
                now=datetime.now(UTC),
            )
            return describe_case(row)

    print_json(_run(work))


@rpl_app.command("evidence")
def rpl_evidence(
    case: Annotated[str, typer.Argument(help="The case id.")],
    issuer: IssuerOption,
    method: Annotated[str, typer.Option("--method", help=f"One of: {', '.join(METHODS)}.")],
    description: Annotated[str, typer.Option("--description", help="What was seen.")],
    assessed_on: Annotated[str, typer.Option("--assessed-on", help="YYYY-MM-DD.")],
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="A file that was seen (a photo of a work sample): only its digest is recorded, "
            "the file itself never leaves this machine.",
        ),
    ] = None,
) -> None:
    """Record an assessment: method, description, date and (with --file) a digest."""
    from service.app.rpl import add_evidence, describe_case
    from service.credentials.rpl import digest_of_bytes

    data: dict[str, Any] = {"method": method, "description": description, "assessedOn": assessed_on}
    if file is not None:
        if not file.is_file():
            fail(f"{file}: no such file.")
        data["digestMultibase"] = digest_of_bytes(file.read_bytes())

    def work(database: Database) -> dict[str, Any]:
        with _repositories(database) as repo:
            row = add_evidence(
                repo,
                issuer=repo.providers.issuer_by_slug(issuer),
                case_id=case,
                data=data,
                actor="cli",
                now=datetime.now(UTC),
            )
            return describe_case(row)

    print_json(_run(work))


@rpl_app.command("decide")
def rpl_decide(
    case: Annotated[str, typer.Argument(help="The case id.")],
    issuer: IssuerOption,
    assessor: Annotated[list[str], typer.Option("--assessor", help="Assessor id (one or two).")],
    recognize: Annotated[
        list[str] | None,
        typer.Option("--recognize", help="MODULE_ID[=RESULT] recognized (repeat)."),
    ] = None,
    reject: Annotated[
        list[str] | None, typer.Option("--reject", help="MODULE_ID not recognized (repeat).")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the case).")] = "",
    decided_on: Annotated[
        str | None, typer.Option("--decided-on", help="YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Decide a case: each recognized module becomes an RPL credential signed by the
    assessors (two: a proof set); a programme it completes awards the qualification."""
    from service.app.issuing import IssueSetup
    from service.app.rpl import decide, describe_case
    from service.app.signing import LocalSigner

    outcomes: list[dict[str, Any]] = []
    for item in recognize or []:
        module_id, _, result = item.partition("=")
        outcome = {"moduleId": module_id, "outcome": "recognized", "reason": reason or "-"}
        if result:
            outcome["result"] = result
        outcomes.append(outcome)
    for module_id in reject or []:
        outcomes.append(
            {"moduleId": module_id, "outcome": "not-recognized", "reason": reason or "-"}
        )
    now = datetime.now(UTC)
    data = {
        "assessorIds": list(assessor),
        "outcomes": outcomes,
        "decidedOn": decided_on or now.date().isoformat(),
    }
    eng = engine()

    def work(database: Database) -> dict[str, Any]:
        with _repositories(database) as repo:
            issuer_id = repo.providers.issuer_by_slug(issuer).id
        setup = IssueSetup(
            base_url=eng.settings.base_url, signer=LocalSigner(eng), canonicalizer=eng.canonicalizer
        )
        decided, credentials, awarded = decide(
            lambda: _repositories(database),
            setup,
            issuer_id=issuer_id,
            case_id=case,
            data=data,
            actor="cli",
            now=now,
        )
        return {
            "case": describe_case(decided),
            "credentialIds": [c["id"] for c in credentials],
            "qualifications": [a.to_json() for a in awarded],
        }

    print_json(_run(work))


@rpl_app.command("list")
def rpl_list(
    issuer: IssuerOption,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only cases awaiting a decision.")
    ] = False,
) -> None:
    """The provider's cases, newest first (--open: those awaiting a decision)."""
    from service.app.rpl import list_cases

    def work(database: Database) -> list[dict[str, Any]]:
        with _repositories(database) as repo:
            return list_cases(
                repo,
                issuer=repo.providers.issuer_by_slug(issuer),
                status="open" if open_only else None,
                limit=1000,
                offset=0,
            )

    cases = _run(work)
    for item in cases:
        typer.echo(
            f"{item['id']}  {item['status']:<8}  opened {item['openedAt'][:10]}  "
            f"{len(item['modules'])} module(s), {len(item['evidence'])} evidence"
        )
    if not cases:
        typer.echo("no cases" + (" open" if open_only else ""))


@rpl_app.command("show")
def rpl_show(
    case: Annotated[str, typer.Argument(help="The case id.")], issuer: IssuerOption
) -> None:
    """One case, as JSON: scope, foreign credentials, evidence, outcomes."""
    from service.app.rpl import get_case

    def work(database: Database) -> dict[str, Any]:
        with _repositories(database) as repo:
            return get_case(repo, issuer=repo.providers.issuer_by_slug(issuer), case_id=case)

    print_json(_run(work))
