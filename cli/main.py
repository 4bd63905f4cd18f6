"""The ``tessera`` command: a thin Typer layer over the same engine the HTTP service uses.

Exit codes: 0 success (for ``verify``: verified), 1 verification failed, 2 the input or the
set-up is unusable (the message says what to do).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    EXIT_UNUSABLE,
    engine,
    fail,
    fetch_context,
    print_json,
)
from cli.lazy import command_app, lazy_group
from cli.verify_commands import verify_command
from service.errors import TesseraError

# Commands in other modules are imported when used (cli/lazy.py): `tessera --help` and
# `tessera verify` start without the web service, the database layer or the PDF renderer.
app = command_app(
    help="Tessera: verifiable, portable training credentials.",
    cls=lazy_group(
        {
            "db": (
                "cli.service_commands:db_app",
                "The database (SQLite by default, PostgreSQL via TESSERA_DATABASE_URL).",
            ),
            "issuers": ("cli.service_commands:issuers_app", "Training providers (issuers)."),
            "awards": (
                "cli.awards_commands:awards_app",
                "Issue credentials through a running service.",
            ),
            "trust": (
                "cli.trust_commands:trust_app",
                "The trust registry: which providers this verifier recognizes.",
            ),
            "status": ("cli.trust_commands:status_app", "Bitstring status lists."),
            "rpl": (
                "cli.rpl_commands:rpl_app",
                "Recognition of prior learning: assessors, cases, evidence, decisions.",
            ),
            "outcomes": (
                "cli.outcomes_commands:outcomes_app",
                "Outcome indicators for funders (small counts withheld): CSV, SDMX, PDF.",
            ),
            "export": (
                "cli.export_commands:export_app",
                "Export a stored credential: its file, QR codes or printable certificate.",
            ),
            "credentials": (
                "cli.service_commands:credentials_app",
                "A provider's issued credentials.",
            ),
            "offers": (
                "cli.offer_commands:offers_app",
                "Credential offers for wallet apps (OpenID4VCI): print them or send them.",
            ),
            "learners": (
                "cli.learner_commands:learners_app",
                "A learner's data at a provider: export it, erase it.",
            ),
            "retention": (
                "cli.learner_commands:retention_app",
                "Forget old records as the retention settings say (counts only).",
            ),
            "serve": (
                "cli.service_commands:serve",
                "Run the HTTP service (migrates the database, installs missing contexts first).",
            ),
            "worker": (
                "cli.worker_commands:worker",
                "Run background jobs (cohorts, awards, status lists) from the PostgreSQL queue; one per core.",
            ),
            "sign": (
                "cli.signing_commands:sign_command",
                "Sign a credential and print it. The issuer is set to the key's controller if absent.",
            ),
        }
    ),
)
contexts_app = command_app(help="The pinned JSON-LD context store.")
keys_app = command_app(
    help="Issuer signing keys in the local key store.",
    cls=lazy_group(
        {
            "rotate": (
                "cli.service_commands:keys_rotate",
                "Give provider ISSUER a new signing key; old keys stay in its DID document.",
            ),
            "revoke": (
                "cli.service_commands:keys_revoke",
                "Declare a key of provider ISSUER compromised from a moment on.",
            ),
        }
    ),
)
app.add_typer(contexts_app, name="contexts")
app.add_typer(keys_app, name="keys")
# Eager, not lazy: `tessera verify` is the command people run most, and its module imports
# the engine only inside the command.
app.command("verify")(verify_command)


# -- contexts ---------------------------------------------------------------------------


@contexts_app.command("install")
def contexts_install(
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="Offline bundle directory (e.g. ../shared/contexts)."),
    ] = None,
) -> None:
    """Install the pinned contexts, each checked against its sha256."""
    eng = engine()
    source = from_dir or eng.settings.contexts_bundle
    try:
        if source is not None:
            installed = eng.contexts.install_from_dir(source)
        else:
            installed = eng.contexts.install_from_web(fetch_context)
    except TesseraError as exc:
        fail(str(exc))
    for url in installed:
        typer.echo(f"installed {url}")
    typer.echo(f"{len(installed)} contexts installed in {eng.contexts.directory}")


@contexts_app.command("add")
def contexts_add(url: str, file: Path) -> None:
    """Trust one more context URL, pinned from now on to the sha256 of FILE."""
    eng = engine()
    if not file.is_file():
        fail(f"{file}: no such file.")
    try:
        pin = eng.contexts.add(url, file.read_bytes())
    except TesseraError as exc:
        fail(str(exc))
    typer.echo(f"trusted {pin.url} (sha256 {pin.sha256})")


@contexts_app.command("list")
def contexts_list() -> None:
    """Every trusted context URL, its pin, and whether it is installed."""
    eng = engine()
    for url, pin in eng.contexts.pins().items():
        state = "installed" if eng.contexts.is_installed(url) else "MISSING"
        origin = "project" if pin.bundled else "operator" if pin.operator else "manifest"
        typer.echo(f"{state:9} {origin:8} {pin.sha256[:16]}…  {url}")


# -- keys -------------------------------------------------------------------------------


@keys_app.command("generate")
def keys_generate(
    name: str,
    did_web: Annotated[
        str | None, typer.Option("--did-web", help="Use did:web:HOST[:PATH] instead of did:key.")
    ] = None,
    dev: Annotated[
        bool, typer.Option("--dev", help="Store the key UNENCRYPTED (development only).")
    ] = False,
) -> None:
    """Create an Ed25519 signing key, encrypted with TESSERA_KEY_PASSPHRASE."""
    eng = engine()
    try:
        info = eng.keys().generate(name, did_web=did_web, dev=dev)
    except TesseraError as exc:
        fail(str(exc))
    if info.development:
        typer.echo(
            "warning: development key stored unencrypted; never use it for real credentials.",
            err=True,
        )
    typer.echo(f"created key {info.name}")
    typer.echo(f"  issuer id            {info.controller}")
    typer.echo(f"  verification method  {info.verification_method}")
    typer.echo(f"  publicKeyMultibase   {info.public_key_multibase}")


@keys_app.command("list")
def keys_list() -> None:
    """The keys in the local key store (public facts only)."""
    eng = engine()
    infos = eng.keys().list()
    if not infos:
        typer.echo(
            f"no keys in {eng.settings.keys_dir}; create one with `tessera keys generate NAME`"
        )
    for info in infos:
        protection = "encrypted" if info.encrypted else "DEVELOPMENT (unencrypted)"
        typer.echo(f"{info.name:20} {info.controller}  [{protection}]")


@keys_app.command("did-document")
def keys_did_document(name: str) -> None:
    """Print the DID document for a key (publish a did:web one at its https URL)."""
    from service.dids import controller_document, did_key_document

    eng = engine()
    try:
        info = eng.keys().info(name)
    except TesseraError as exc:
        fail(str(exc))
    if info.controller.startswith("did:key:"):
        print_json(did_key_document(info.public_key_multibase))
    else:
        print_json(
            controller_document(
                info.controller, [(info.verification_method, info.public_key_multibase)]
            )
        )


def run() -> None:
    """Console-script entry point."""
    try:
        app()
    except TesseraError as exc:  # a deliberate error that slipped past a command's handler
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    except OSError as exc:  # a folder or file the set-up names cannot be used
        where = f" {exc.filename}" if exc.filename else ""
        typer.echo(
            f"error: cannot use{where}: {exc.strerror or exc}. Check the path, its permissions "
            "and TESSERA_DATA_DIR / TESSERA_KEYS_DIR.",
            err=True,
        )
        sys.exit(EXIT_UNUSABLE)


__all__ = ["app", "run"]
