"""``tessera verify``: a credential, a presentation of credentials, or the QR code in an image,
through the same verification pipeline the HTTP service uses, and the verdict for a terminal.

Exit codes: 0 verified, 1 not verified, 2 the input is unreadable. The pipeline and its
collaborators are imported inside the command: ``tessera --help`` loads none of them.
"""

from __future__ import annotations

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
    print_json,
    read_input,
    read_json_object,
)
from service.errors import TesseraError

if TYPE_CHECKING:
    from service.verification.pipeline import VerificationResult
    from service.verification.presentations import PresentationResult


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
        typer.Option(
            "--qr",
            help="A photo, scan or PDF with QR codes, instead of FILE (a verification link is "
            "followed online).",
        ),
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
    from service.dates import parse_datetime
    from service.dids import Resolver, StaticResolver
    from service.verification.pipeline import verify_credential

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
        from service.verification.remote import DidWebResolver, LazyClient

        client = LazyClient(ca_file=ca_file)
        keys = DidWebResolver(client=client, saved=resolver)
    eng = engine()
    verifier = eng.verifier(resolver=keys, trust=registry.check if registry else None)
    verifier = replace(verifier, status=status_checker_for(status_dir, verifier, client=client))
    if qr_image is not None:
        from cli.verify_qr import verify_qr_image

        raise typer.Exit(
            verify_qr_image(
                qr_image,
                documents=saved,
                now=moment,
                output=output,
                render=render_text,
                verifier=verifier,
                client=client,
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
    from service.verification.presentations import is_presentation

    try:
        # Strict, as every input is read: a duplicate member, NaN or a lone surrogate is left
        # to the credential pipeline, which refuses it with a PARSING_ERROR.
        value = loads_strict(raw)
    except (TesseraError, RecursionError):
        return None
    return value if is_presentation(value) and isinstance(value, dict) else None


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


__all__ = ["render_presentation_text", "render_text", "verify_command"]
