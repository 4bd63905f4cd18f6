"""``tessera outcomes``: a provider's (or every provider's) outcome indicators from this
service's database, for a funder: CSV, SDMX-CSV, a Frictionless Data Package, JSON or a PDF
with a chart and table per indicator. Every figure passes the same disclosure control as the
HTTP API (TESSERA_OUTCOMES_MIN_COUNT, TESSERA_OUTCOMES_ROUNDING_BASE). ``tessera outcomes
keys`` makes and revokes the operator's API keys for GET /outcomes. Heavy imports happen
inside the commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from cli.common import engine, fail
from cli.lazy import command_app
from service.errors import TesseraError

if TYPE_CHECKING:
    from service.store import Repositories

T = TypeVar("T")

outcomes_app = command_app(
    help="Outcome indicators for funders (small counts withheld): CSV, SDMX, PDF.",
)
FORMATS = ("csv", "pdf", "sdmx-csv", "datapackage", "json")


@outcomes_app.command("report")
def outcomes_report(
    first: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    to: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    issuer: Annotated[
        str | None, typer.Option("--issuer", help="Provider slug (omit: every provider).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="csv, pdf, sdmx-csv, datapackage or json.")
    ] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write here (needed for pdf; else stdout).")
    ] = None,
) -> None:
    """Write a report of the indicators for --from..--to."""
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
    if fmt == "pdf" and out is None:
        fail("A PDF report needs --out FILE.pdf.")
    from service.app import outcomes_formats as formats
    from service.app.disclosure import DisclosurePolicy
    from service.app.outcomes import Period, operator_outcomes, provider_outcomes
    from service.store import Database, Repositories, database_url_from

    settings = engine().settings
    try:
        period = Period.parse(first, to)
        policy = DisclosurePolicy(
            min_count=settings.outcomes_min_count, rounding_base=settings.outcomes_rounding_base
        )
        database = Database(database_url_from(settings))
        try:
            database.migrate()
            now = datetime.now(UTC)
            with database.transaction() as session:
                repo = Repositories(session)
                if issuer is None:
                    report = operator_outcomes(repo, period=period, policy=policy, now=now)
                else:
                    report = provider_outcomes(
                        repo, issuer_slug=issuer, period=period, policy=policy, now=now
                    )
        finally:
            database.dispose()
    except TesseraError as exc:
        fail(str(exc))
    if fmt == "pdf":
        data = formats.to_pdf(report)
    elif fmt == "csv":
        data = formats.to_csv(report).encode()
    elif fmt == "sdmx-csv":
        data = formats.to_sdmx_csv(report).encode()
    elif fmt == "datapackage":
        data = json.dumps(formats.to_datapackage(report), ensure_ascii=False, indent=2).encode()
    else:
        data = json.dumps(report.to_json(), ensure_ascii=False, indent=2).encode()
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        typer.echo(f"Wrote {out} ({len(data):,} bytes).", err=True)


keys_app = command_app(
    help="The operator's API keys for GET /outcomes (every provider's outcomes).",
)
outcomes_app.add_typer(keys_app, name="keys")


def _in_transaction(work: Callable[[Repositories], T]) -> T:
    """Run ``work`` in one transaction on this service's database, or exit 2 saying why."""
    from service.store import Database, Repositories, database_url_from

    database = Database(database_url_from(engine().settings))
    try:
        database.migrate()
        with database.transaction() as session:
            return work(Repositories(session))
    except TesseraError as exc:
        fail(str(exc))
    finally:
        database.dispose()


@keys_app.command("create")
def keys_create(
    label: Annotated[str, typer.Option("--label", help="What the key is for.")] = "operator",
) -> None:
    """Make an operator API key with the outcomes scope (printed once; only its hash is kept)."""
    from service.app.access import create_operator_key

    key = _in_transaction(
        lambda repo: create_operator_key(
            repo, label=label, scopes=["outcomes"], actor="cli", now=datetime.now(UTC)
        )
    )
    typer.echo(f"created operator API key {key.id} (scopes: {' '.join(key.scopes)})")
    typer.echo(f"  token  {key.token}")
    typer.echo("  (shown only this once: store it safely; send it as Authorization: Bearer)")


@keys_app.command("list")
def keys_list() -> None:
    """The operator API keys: id, label, scopes, created, revoked (never a secret)."""
    keys = _in_transaction(lambda repo: repo.access.operator_keys())
    for key in keys:
        revoked = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "live"
        typer.echo(f"{key.id}  {key.label:20} {key.scopes:10} {key.created_at:%Y-%m-%d}  {revoked}")
    if not keys:
        typer.echo("no operator API keys; make one with `tessera outcomes keys create`")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from `list`).")]) -> None:
    """Revoke an operator API key at once."""
    from service.app.access import revoke_operator_key

    changed = _in_transaction(
        lambda repo: revoke_operator_key(repo, key_id=key_id, actor="cli", now=datetime.now(UTC))
    )
    typer.echo(f"revoked {key_id}" if changed else f"{key_id} was revoked already")
