"""``tessera trust``: the operator's registry of recognized providers, and ``tessera status
fetch``: save status lists for offline verification. Also the offline collaborators of
``tessera verify`` (``--trust FILE``, ``--status-dir DIR``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import download, engine, fail, print_json
from cli.lazy import command_app
from service.dates import format_utc
from service.errors import TesseraError, ValidationFailed

# The database layer and the registry are imported by the commands that use them, so that
# `tessera verify` loads neither unless it is given --trust (cli/lazy.py).
if TYPE_CHECKING:
    from service.store import Database
    from service.verification.pipeline import StatusChecker, Verifier
    from service.verification.remote import HttpClient
    from service.verification.trust import TrustRegistry

trust_app = command_app(help="The trust registry: which providers this verifier recognizes.")
status_app = command_app(help="Bitstring status lists.")

MAX_LIST_BYTES = 2 * 1024 * 1024


def _database() -> Database:
    from service.store import Database, database_url_from

    return Database(database_url_from(engine().settings))


def _read_json(path: Path) -> Any:
    if not path.is_file():
        fail(f"{path}: no such file.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path} is not valid JSON: {exc}")


def _fail_validation(exc: ValidationFailed) -> None:
    typer.echo(f"error: {exc}", err=True)
    for error in exc.errors[:50]:
        typer.echo(f"  {error.get('path', '$')}: {error.get('message', '')}", err=True)
    raise typer.Exit(2)


@trust_app.command("import")
def trust_import(
    file: Annotated[
        Path, typer.Argument(help="A registry file (the format `trust export` writes).")
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Also remove the entries the file does not list.")
    ] = False,
) -> None:
    """Add or update the providers a registry file lists (all or nothing)."""
    from service.app.trust_registry import import_registry
    from service.store import Repositories

    data = _read_json(file)
    database = _database()
    try:
        database.migrate()
        with database.transaction() as session:
            summary = import_registry(
                Repositories(session),
                data,
                replace=replace,
                actor="cli",
                now=datetime.now(UTC),
            )
    except ValidationFailed as exc:
        _fail_validation(exc)
        return
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    typer.echo(
        f"trust registry: {summary.added} added, {summary.updated} updated, "
        f"{summary.removed} removed"
    )


@trust_app.command("add")
def trust_add(
    did: Annotated[str, typer.Argument(help="The provider's DID (did:web:…, did:key:…).")],
    name: Annotated[str, typer.Option("--name", help="The provider's name, as people know it.")],
    country: Annotated[
        str | None, typer.Option("--country", help="ISO 3166-1 alpha-2 code, e.g. DE.")
    ] = None,
    accrediting_body: Annotated[
        str | None, typer.Option("--accrediting-body", help="Who accredits the provider.")
    ] = None,
    valid_from: Annotated[
        str | None, typer.Option("--valid-from", help="Recognized from (2025-01-01 or a time).")
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option("--valid-until", help="Recognized until (exclusive of later).")
    ] = None,
    withdrawn_at: Annotated[
        str | None,
        typer.Option("--withdrawn-at", help="Recognition withdrawn from this moment."),
    ] = None,
    did_document: Annotated[
        Path | None,
        typer.Option("--did-document", help="The provider's did.json (offline key resolution)."),
    ] = None,
) -> None:
    """Recognize one provider (or replace its entry whole)."""
    raw: dict[str, Any] = {"did": did, "name": name}
    for key, value in (
        ("country", country),
        ("accreditingBody", accrediting_body),
        ("validFrom", valid_from),
        ("validUntil", valid_until),
        ("withdrawnAt", withdrawn_at),
    ):
        if value is not None:
            raw[key] = value
    if did_document is not None:
        raw["didDocument"] = _read_json(did_document)
    from service.app.trust_registry import add_entry
    from service.store import Repositories

    database = _database()
    try:
        database.migrate()
        with database.transaction() as session:
            created = add_entry(Repositories(session), raw, actor="cli", now=datetime.now(UTC))
    except ValidationFailed as exc:
        _fail_validation(exc)
        return
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    typer.echo(f"trust registry: {'added' if created else 'updated'} {name} ({did})")


@trust_app.command("remove")
def trust_remove(
    did: Annotated[str, typer.Argument(help="The DID of the provider to forget.")],
) -> None:
    """Remove a provider's entry. To keep a record that it was recognized until some day, use
    `trust add DID --name … --withdrawn-at DAY` instead."""
    from service.app.trust_registry import remove_entry
    from service.store import Repositories

    database = _database()
    try:
        database.migrate()
        with database.transaction() as session:
            removed = remove_entry(Repositories(session), did, actor="cli", now=datetime.now(UTC))
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    if not removed:
        fail(f"{did} is not in the trust registry (see `tessera trust list`).")
    typer.echo(f"trust registry: removed {did}")


@trust_app.command("export")
def trust_export(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Write the registry, with DID documents, for offline verification (`verify --trust`)."""
    from service.app.providers import did_document
    from service.app.trust_registry import export_registry
    from service.store import Repositories

    database = _database()
    try:
        database.migrate()
        with database.transaction() as session:
            repo = Repositories(session)
            own = {issuer.did: did_document(repo, issuer) for issuer in repo.providers.issuers()}
            data = export_registry(repo, now=datetime.now(UTC), own_did_documents=own)
    finally:
        database.dispose()
    if out is None:
        print_json(data)
        return
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(f"wrote {len(data['providers'])} providers to {out}")


@trust_app.command("list")
def trust_list() -> None:
    """The recognized providers, one per line: the registry's entries and (unless
    TESSERA_VERIFY_TRUST_OWN_PROVIDERS=false) the providers registered on this service."""
    from service.app.trust_registry import list_entries, service_registry
    from service.store import Repositories

    trust_own = engine().settings.verify_trust_own_providers
    database = _database()
    try:
        database.migrate()
        with database.transaction() as session:
            repo = Repositories(session)
            listed = {e.did for e in list_entries(repo)}
            entries = service_registry(repo, trust_own_providers=trust_own).entries
    finally:
        database.dispose()
    if not entries:
        typer.echo(
            "the trust registry is empty; add a provider with `tessera trust add DID --name NAME` "
            "or a registry file with `tessera trust import FILE`"
        )
    now = datetime.now(UTC)
    for entry in entries:
        state = "recognized"
        if entry.withdrawn_at is not None and entry.withdrawn_at <= now:
            state = f"withdrawn {entry.withdrawn_at:%Y-%m-%d}"
        elif entry.valid_until is not None and entry.valid_until < now:
            state = f"ended {entry.valid_until:%Y-%m-%d}"
        elif entry.valid_from is not None and now < entry.valid_from:
            state = f"from {entry.valid_from:%Y-%m-%d}"
        body = f"  [{entry.accrediting_body}]" if entry.accrediting_body else ""
        doc = "  +did-document" if entry.did_document else ""
        own = "" if entry.did in listed else "  (provider of this service)"
        typer.echo(f"{state:22} {entry.country or '--'}  {entry.name}  {entry.did}{body}{doc}{own}")


# -- status lists for offline verification ------------------------------------------------


def _list_urls(credential: Any) -> list[str]:
    status = credential.get("credentialStatus") if isinstance(credential, dict) else None
    entries = status if isinstance(status, list) else [status] if status else []
    urls = [e.get("statusListCredential") for e in entries if isinstance(e, dict)]
    return sorted({u for u in urls if isinstance(u, str)})


def _download(url: str) -> bytes:
    try:
        return download(
            url, accept="application/vc+ld+json, application/json", max_bytes=MAX_LIST_BYTES
        )
    except TesseraError as exc:
        fail(str(exc))


@status_app.command("fetch")
def status_fetch(
    sources: Annotated[
        list[str],
        typer.Argument(help="Status list URLs, or credential files whose lists to fetch."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to save the lists in.")] = Path(
        "status-lists"
    ),
) -> None:
    """Download status list credentials into a folder, for `tessera verify --status-dir`.

    Each list is saved as it was served (its signature is checked when it is used); an
    ``index.json`` records which URL each file came from and when."""
    from service.verification.status import saved_list_path

    urls: list[str] = []
    for source in sources:
        if source.startswith(("https://", "http://")):
            urls.append(source)
        else:
            found = _list_urls(_read_json(Path(source)))
            if not found:
                typer.echo(f"{source}: names no status list", err=True)
            urls.extend(found)
    if not urls:
        fail("nothing to fetch: give status list URLs or credentials that name one.")
    out.mkdir(parents=True, exist_ok=True)
    index_path = out / "index.json"
    index: dict[str, Any] = {}
    if index_path.is_file():
        try:
            index = json.loads(index_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            index = {}
    for url in dict.fromkeys(urls):
        body = _download(url)
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            fail(f"{url} did not answer with JSON.")
        if not isinstance(document, dict):
            fail(f"{url} did not answer with a JSON object.")
        path = saved_list_path(out, url)
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        index[url] = {
            "file": path.name,
            "fetchedAt": format_utc(datetime.now(UTC)),
            "validUntil": document.get("validUntil"),
        }
        typer.echo(f"saved {url} -> {path}")
    index_path.write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")


# -- offline collaborators of `tessera verify` ---------------------------------------------


def offline_trust(path: Path) -> tuple[TrustRegistry, dict[str, dict[str, Any]]]:
    """The registry and every DID document a `trust export` file carries."""
    from service.verification.trust_file import load_registry

    try:
        return load_registry(_read_json(path))
    except ValidationFailed as exc:
        _fail_validation(exc)
        raise  # unreachable: _fail_validation exits


def status_checker_for(
    directory: Path | None, verifier: Verifier, *, client: HttpClient | None = None
) -> StatusChecker:
    """The status check of `tessera verify`: the lists `tessera status fetch` saved in
    ``directory`` when one is given; else, with ``client``, the lists fetched over https by
    the service's rules; else none at all, and the check says how to fetch them (fail
    closed)."""
    from service.verification.status import DirectoryLists, HttpsLists, ListSource, NoLists
    from service.verification.status import StatusChecker as BitstringStatusChecker

    if directory is not None and not directory.is_dir():
        fail(f"{directory}: no such folder (save lists there with `tessera status fetch`).")
    lists: ListSource
    if directory is not None:
        lists = DirectoryLists(directory)
    elif client is not None:
        lists = HttpsLists(
            client=client,
            hint=" Without a network: `tessera status fetch {url} --out status-lists` once, "
            "then verify with --status-dir status-lists.",
        )
    else:
        lists = NoLists()
    return BitstringStatusChecker(lists=lists, list_verifier=verifier)


__all__ = ["offline_trust", "status_app", "status_checker_for", "trust_app"]
