"""``tessera offers create``: credential offers for wallet apps (OpenID4VCI), for a cohort at
once, from the local database like the other service commands: a CSV to mail-merge and a QR
code picture per learner to print."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from cli.common import engine, fail
from cli.lazy import command_app

offers_app = command_app(
    help="Credential offers for wallet apps (OpenID4VCI): print them or send them.",
)


@offers_app.command("create")
def create(
    credentials: Annotated[
        list[str], typer.Argument(help="Credential ids (UUIDs, check codes or URLs).")
    ],
    issuer: Annotated[str, typer.Option("--issuer", help="The provider's slug.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for offers.csv and the QR codes.")
    ],
    tx_code: Annotated[
        bool,
        typer.Option(
            "--tx-code", help="Each offer needs a 6-digit code: send it to the learner apart."
        ),
    ] = False,
    hours: Annotated[
        int, typer.Option("--hours", min=1, max=2160, help="How long the offers work.")
    ] = 168,
) -> None:
    """Make one offer per credential, all or none (a revoked or suspended credential refuses
    the whole run), and write OUT/offers.csv (credential, offer link, transaction code, until
    when) and OUT/<check code>.png (the offer's QR code)."""
    from service.app.oid4vci import create_offers
    from service.errors import TesseraError
    from service.export import qr
    from service.store import Database, Repositories, database_url_from

    eng = engine()
    try:
        ids = [str(qr.credential_uuid(c)) for c in credentials]
    except TesseraError:
        fail("Name each credential by its id, check code or URL.")
    database = Database(database_url_from(eng.settings))
    try:
        with database.transaction() as session:
            repo = Repositories(session)
            made = create_offers(
                repo,
                issuer=repo.providers.issuer_by_slug(issuer),
                credential_ids=ids,
                tx_code=tx_code,
                lifetime=timedelta(hours=hours),
                base_url=eng.settings.base_url,
                actor="cli",
                now=datetime.now(UTC),
            )
            rows = [
                (o.row.credential_id, o.deep_link_by_reference(), o.tx_code or "", o.row.expires_at)
                for o in made
            ]
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    out.mkdir(parents=True, exist_ok=True)
    with (out / "offers.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["credentialId", "checkCode", "offer", "txCode", "expiresAt"])
        for credential_id, link, pin, until in rows:
            code = qr.short_id(credential_id)
            writer.writerow([credential_id, code, link, pin, until.isoformat()])
            (out / f"{code}.png").write_bytes(qr.png(qr.make_qr(link), scale=8))
    typer.echo(f"{len(rows)} offer(s) in {out / 'offers.csv'}, one QR code picture each.")
