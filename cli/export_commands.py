"""``tessera export json|qr|offline-qr|pdf CREDENTIAL``: from the local database, like the
other service commands. (``tessera verify --qr IMAGE`` is :mod:`cli.verify_qr`.)"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import engine, fail
from cli.lazy import command_app
from service.app.signing import LocalSigner
from service.app.wallet import catalogue_entry
from service.errors import TesseraError
from service.export import qr
from service.export.offline_qr import PREFIX, encode_offline
from service.export.pdf import CertificateInput, certificate_pdf, find_fonts
from service.i18n import LANGUAGES, supported
from service.store import Database, Repositories, database_url_from
from service.store.records import Credential

export_app = command_app(
    help="Export a stored credential: its file, QR codes or printable certificate.",
)

CredentialArg = Annotated[
    str, typer.Argument(help="Credential id: its UUID, short check code, or URL.")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
]


def _load(credential: str) -> tuple[Credential, str, str]:
    """(stored credential, its issuer's active key name, the service's base URL)."""
    row, key_name, base_url, _ = _load_with_catalogue(credential)
    return row, key_name, base_url


def _load_with_catalogue(
    credential: str,
) -> tuple[Credential, str, str, Mapping[str, Any] | None]:
    """:func:`_load` and the catalogue entry (module data) the credential was issued from."""
    eng = engine()
    try:
        credential_id = str(qr.credential_uuid(credential))
    except TesseraError:
        fail(f"{credential!r} is not a credential id, check code or credential URL.")
    database = Database(database_url_from(eng.settings))
    try:
        with database.transaction() as session:
            repo = Repositories(session)
            row = repo.credentials.public_credential(credential_id)
            if row is None:
                fail(f"No credential {credential_id} in {database.dialect} database.")
            key_name = repo.providers.active_key(row.issuer_id).key_name
            catalogue = catalogue_entry(repo, row)
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    return row, key_name, eng.settings.base_url, catalogue


def _offline_text(row: Credential, key_name: str) -> str:
    try:
        signer = LocalSigner(engine()).signer(key_name)
        return encode_offline(row.document, signer=signer)
    except TesseraError as exc:
        fail(str(exc))


def _write(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        out.write_bytes(data)
        typer.echo(f"wrote {out} ({len(data)} bytes)", err=True)


def _image(text: str, image_format: str, scale: int) -> bytes:
    symbol = qr.make_qr(text) if text.startswith(PREFIX) else qr.link_qr(text)
    typer.echo(f"QR version {symbol.version}, error correction {symbol.level}", err=True)
    if image_format == "svg":
        return qr.svg(symbol)
    if image_format == "png":
        return qr.png(symbol, scale=scale)
    fail("--format must be png or svg.")


@export_app.command("json")
def export_json(credential: CredentialArg, out: OutOption = None) -> None:
    """The credential as a .json file that W3C wallets import."""
    row, _, _ = _load(credential)
    _write((json.dumps(row.document, ensure_ascii=False, indent=2) + "\n").encode(), out)


@export_app.command("qr")
def export_qr(
    credential: CredentialArg,
    out: OutOption = None,
    image_format: Annotated[str, typer.Option("--format", help="png or svg.")] = "png",
    scale: Annotated[int, typer.Option(help="PNG pixels per module.")] = 8,
) -> None:
    """The verification QR: a short link to the credential's public verification page."""
    row, _, base_url = _load(credential)
    _write(_image(qr.verification_url(base_url, row.id), image_format, scale), out)


@export_app.command("offline-qr")
def export_offline_qr(
    credential: CredentialArg,
    out: OutOption = None,
    image_format: Annotated[str, typer.Option("--format", help="png, svg, or text.")] = "png",
    scale: Annotated[int, typer.Option(help="PNG pixels per module.")] = 6,
) -> None:
    """The offline QR: a signed summary verifiable with no network (TSR1 format)."""
    row, key_name, _ = _load(credential)
    text = _offline_text(row, key_name)
    if image_format == "text":
        _write((text + "\n").encode(), out)
    else:
        _write(_image(text, image_format, scale), out)


@export_app.command("pdf")
def export_pdf(
    credential: CredentialArg,
    out: OutOption = None,
    lang: Annotated[str, typer.Option("--lang", help=f"One of {', '.join(LANGUAGES)}.")] = "en",
    paper: Annotated[str, typer.Option("--paper", help="a4 or letter.")] = "a4",
) -> None:
    """The printable certificate (PDF) in LANG, with both QR codes."""
    language = supported(lang)  # fa-AF -> prs, ku -> kmr
    if language is None:
        fail(f"--lang must be one of {', '.join(LANGUAGES)}.")
    if paper not in ("a4", "letter"):
        fail("--paper must be a4 or letter.")
    row, key_name, base_url, catalogue = _load_with_catalogue(credential)
    data = CertificateInput(
        credential=row.document,
        verification_url=qr.verification_url(base_url, row.id),
        offline_qr=_offline_text(row, key_name),
        language=language,
        paper="letter" if paper == "letter" else "a4",
        catalogue=catalogue,
    )
    try:
        body = certificate_pdf(data, fonts=find_fonts())
    except TesseraError as exc:
        fail(str(exc))
    _write(body, out)


__all__ = ["export_app"]
