"""The ``tessera`` command: a thin Typer layer over the same engine the HTTP service uses.

Exit codes: 0 success (for ``verify``: verified), 1 verification failed, 2 the input or the
set-up is unusable (the message says what to do).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import (
    EXIT_NOT_VERIFIED,
    EXIT_OK,
    EXIT_UNUSABLE,
    engine,
    fail,
    fetch_context,
    print_json,
    read_input,
    read_json_object,
)
from cli.lazy import lazy_group
from service.errors import TesseraError

if TYPE_CHECKING:
    from service.verification.pipeline import VerificationResult
    from service.verification.presentations import PresentationResult

# Commands in other modules are imported when used (cli/lazy.py): `tessera --help` and
# `tessera verify` start without the web service, the database layer or the PDF renderer.
app = typer.Typer(
    help="Tessera: verifiable, portable training credentials.",
    no_args_is_help=True,
    cls=lazy_group(
        {
            "db": (
                "cli.service_commands:db_app",
                "The database (SQLite by default, PostgreSQL via TESSERA_DATABASE_URL).",
            ),
            "issuers": ("cli.service_commands:issuers_app", "Training providers (issuers)."),
            "awards": (
                "cli.service_commands:awards_app",
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
            "export": (
                "cli.export_commands:export_app",
                "Export a stored credential: its file, QR codes or printable certificate.",
            ),
            "credentials": (
                "cli.service_commands:credentials_app",
                "A provider's issued credentials.",
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
                "Run background jobs (large cohorts) from the PostgreSQL queue; one per CPU core.",
            ),
            "sign": (
                "cli.signing_commands:sign_command",
                "Sign a credential and print it. The issuer is set to the key's controller if absent.",
            ),
        }
    ),
)
contexts_app = typer.Typer(help="The pinned JSON-LD context store.", no_args_is_help=True)
keys_app = typer.Typer(
    help="Issuer signing keys in the local key store.",
    no_args_is_help=True,
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


# -- verify -------------------------------------------------------------------------


@app.command("verify")
def verify_command(
    file: Annotated[str | None, typer.Argument(help="Credential JSON, or - for stdin.")] = None,
    output: Annotated[str, typer.Option("--format", help="json, or text for people.")] = "json",
    did_documents: Annotated[
        list[Path] | None,
        typer.Option(
            "--did-document", help="A saved DID/controller document to resolve keys offline."
        ),
    ] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="Verify as of this date-time (default: now).")
    ] = None,
    trust: Annotated[
        Path | None,
        typer.Option("--trust", help="A `tessera trust export` file: trust check + DID documents."),
    ] = None,
    status_dir: Annotated[
        Path | None,
        typer.Option("--status-dir", help="Status lists saved by `tessera status fetch`."),
    ] = None,
    qr_image: Annotated[
        Path | None,
        typer.Option("--qr", help="A photo or scan (PNG, JPEG) of a QR code, instead of FILE."),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="No network: resolve keys only from --did-document/--trust and read status "
            "lists only from --status-dir.",
        ),
    ] = False,
    ca_file: Annotated[
        Path | None,
        typer.Option(
            "--ca-file",
            help="Trust only the certificate authorities in this PEM file for https (a private "
            "CA); default: the system's.",
        ),
    ] = None,
    challenge: Annotated[
        str | None,
        typer.Option("--challenge", help="For a presentation: the challenge you asked it to sign."),
    ] = None,
    domain: Annotated[
        str | None,
        typer.Option("--domain", help="For a presentation: the domain you asked it to sign."),
    ] = None,
) -> None:
    """Verify a credential, a presentation of credentials, or the QR code in an image (--qr).
    Exit 0 verified, 1 not verified, 2 input unreadable.

    Online (the default), a did:web issuer's DID document and its status lists are fetched
    over https from the issuer's own host, by the service's rules (no redirects, size and time
    limits). --did-document and --trust documents are used first; with --status-dir the
    status comes from the saved lists only."""
    from cli.trust_commands import offline_trust, status_checker_for
    from service.dids import Resolver, StaticResolver
    from service.verification.pipeline import parse_datetime, verify_credential

    if output not in ("json", "text"):
        fail("--format must be json or text.")
    if (file is None) == (qr_image is None):
        fail("Give a credential FILE, or --qr IMAGE.")
    raw = read_input(file) if file is not None else b""
    moment = datetime.now(UTC)
    if now is not None:
        parsed = parse_datetime(now)
        if parsed is None:
            fail(f"--now {now!r} is not a date-time like 2025-01-31T00:00:00Z.")
        moment = parsed
    resolver = StaticResolver()
    saved: list[dict[str, Any]] = []
    registry = None
    if trust is not None:
        registry, documents = offline_trust(trust)
        saved.extend(documents.values())
    saved.extend(read_json_object(str(path)) for path in did_documents or [])
    for document in saved:
        resolver.add(document)
    if ca_file is not None and not ca_file.is_file():
        fail(f"--ca-file {ca_file}: no such file.")
    client = None
    keys: Resolver = resolver
    if not offline:
        from service.verification.remote import DidWebResolver, strict_client

        client = strict_client(ca_file=ca_file)
        keys = DidWebResolver(client=client, saved=resolver)
    eng = engine()
    verifier = eng.verifier(resolver=keys, trust=registry.check if registry else None)
    verifier = replace(verifier, status=status_checker_for(status_dir, verifier, client=client))
    if qr_image is not None:
        from cli.export_commands import verify_qr_image

        raise typer.Exit(
            verify_qr_image(
                qr_image,
                documents=saved,
                now=moment,
                output=output,
                render=render_text,
                trust=verifier.trust,
                status=verifier.status,
            )
        )
    presented = _presentation_in(raw)
    if presented is not None:
        from service.verification.presentations import verify_presentation

        shown = verify_presentation(
            presented, verifier=verifier, now=moment, challenge=challenge, domain=domain
        )
        if output == "json":
            print_json(shown.to_json())
        else:
            typer.echo(render_presentation_text(shown))
        if shown.check("parse").status == "failed":
            raise typer.Exit(EXIT_UNUSABLE)
        raise typer.Exit(EXIT_OK if shown.verified else EXIT_NOT_VERIFIED)
    result = verify_credential(raw, verifier=verifier, now=moment)
    if output == "json":
        print_json(result.to_json())
    else:
        typer.echo(render_text(result))
    if result.check("parse").status == "failed":
        raise typer.Exit(EXIT_UNUSABLE)
    raise typer.Exit(EXIT_OK if result.verified else EXIT_NOT_VERIFIED)


_MARKS = {"passed": "✔", "failed": "✘", "unknown": "?"}


def render_text(result: VerificationResult) -> str:
    """The verdict for a terminal: one headline, then a line per check."""
    if result.verified:
        unknown = [c.check for c in result.checks if c.status == "unknown"]
        headline = "VERIFIED" + (f" (not checked: {', '.join(unknown)})" if unknown else "")
    else:
        headline = "NOT VERIFIED"
    lines = [headline]
    if result.issuer:
        lines.append(f"issuer: {result.issuer}")
    lines.extend(f"  {_MARKS[c.status]} {c.check:9} {c.detail}" for c in result.checks)
    return "\n".join(lines)


def _presentation_in(raw: bytes) -> dict[str, Any] | None:
    """The input as a presentation, when it is a JSON object typed VerifiablePresentation."""
    from service.strict_json import loads_strict

    try:
        # Strict, as every input is read: a duplicate member, NaN or a lone surrogate is left
        # to the credential pipeline, which refuses it with a PARSING_ERROR.
        value = loads_strict(raw)
    except (TesseraError, RecursionError):
        return None
    types = value.get("type") if isinstance(value, dict) else None
    is_presentation = "VerifiablePresentation" in (types if isinstance(types, list) else [types])
    return value if is_presentation and isinstance(value, dict) else None


def render_presentation_text(result: PresentationResult) -> str:
    """A presentation's verdict for a terminal: its own checks, then each credential's."""
    lines = ["VERIFIED" if result.verified else "NOT VERIFIED"]
    if result.holder:
        lines.append(f"holder: {result.holder}")
    lines.extend(f"  {_MARKS[c.status]} {c.check:11} {c.detail}" for c in result.checks)
    for number, credential in enumerate(result.credentials, start=1):
        lines.append(f"credential {number}:")
        lines.extend("  " + line for line in render_text(credential).splitlines())
    return "\n".join(lines)


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


__all__ = ["app", "render_text", "run"]
