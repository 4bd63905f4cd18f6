"""``tessera awards``: issue a cohort through a running service, and follow its job."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
)
from rich.text import Text

from cli.common import fail, print_json
from cli.lazy import command_app
from service.credentials.cohort import MAX_CSV_BYTES, MAX_JSON_BYTES, TOO_LARGE_ADVICE

awards_app = command_app(help="Issue credentials through a running service.")


class _AmountColumn(ProgressColumn):
    """Bytes for the upload, rows for the job (a task added with ``rows=True``)."""

    def __init__(self) -> None:
        super().__init__()
        self._bytes = DownloadColumn()

    def render(self, task: Task) -> Text:
        if task.fields.get("rows"):
            return Text(
                f"{task.completed:,.0f}/{task.total or 0:,.0f} rows", style="progress.download"
            )
        return self._bytes.render(task)


def _chunks(
    data: bytes, progress: Progress, task: TaskID, size: int = 64 * 1024
) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        chunk = data[start : start + size]
        progress.update(task, advance=len(chunk))
        yield chunk


#: Seconds between two looks at a background job's progress.
JOB_POLL_SECONDS = 1.0
#: Seconds between two progress lines when stderr is not a terminal (a log, a pipe), where
#: the bar is not drawn.
JOB_REPORT_SECONDS = 10.0


def _follow_job(job: dict[str, Any], *, headers: dict[str, str], progress: Progress) -> None:
    """Poll a cohort job until it ends, with a bar of rows issued; exit 1 if it failed."""
    rows = int(job["progress"]["rows"])
    task = progress.add_task(f"issuing (job {job['id']})", total=rows, rows=True)
    auth = {"Authorization": headers["Authorization"]}
    plain = not progress.console.is_terminal
    if plain:
        typer.echo(f"queued as job {job['url']}: {rows:,} rows", err=True)
    reported = time.monotonic()
    with httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0)) as client:
        while True:
            issued = int(job["progress"]["issued"])
            progress.update(task, completed=issued)
            if job["state"] in ("done", "failed"):
                break
            if plain and time.monotonic() - reported >= JOB_REPORT_SECONDS:
                typer.echo(f"{issued:,} of {rows:,} rows issued", err=True)
                reported = time.monotonic()
            time.sleep(JOB_POLL_SECONDS)
            try:
                response = client.get(job["url"], headers=auth)
            except httpx.HTTPError as exc:
                fail(
                    f"lost contact with the service ({exc}); the job goes on: "
                    f"GET {job['url']} to follow it"
                )
            if response.status_code != 200:
                fail(f"could not read the job at {job['url']}: HTTP {response.status_code}")
            job = response.json()
    progress.stop()
    result = job.get("result", {})
    if job["state"] == "failed":
        typer.echo(
            f"error: the job issued {result.get('issued', 0)} credentials and failed "
            f"{result.get('failedRows', 0)} rows: {result.get('error', 'see the job')}",
            err=True,
        )
        # Rows the job's check refused: bad input, as a small batch's 422 (exit 2).
        for error in result.get("errors", [])[:50]:
            typer.echo(
                f"  row {error.get('row', '?')}: {error.get('path', '')} "
                f"{error.get('message', '')}",
                err=True,
            )
        raise typer.Exit(2 if result.get("errors") else 1)
    typer.echo(f"issued {result.get('issued', 0)} credentials (job {job['id']})")


@awards_app.command("upload")
def awards_upload(
    file: Annotated[Path, typer.Argument(help="Cohort CSV (learnerName, completedOn, …) or JSON.")],
    issuer: Annotated[str, typer.Option("--issuer", help="Provider slug.")],
    module: Annotated[str, typer.Option("--module", help="Module id.")],
    api_key: Annotated[
        str, typer.Option("--api-key", envvar="TESSERA_API_KEY", help="Provider API key.")
    ],
    url: Annotated[
        str, typer.Option("--url", envvar="TESSERA_URL", help="Service URL.")
    ] = "http://127.0.0.1:8000",
    idempotency_key: Annotated[
        str | None, typer.Option("--idempotency-key", help="Make retries safe.")
    ] = None,
) -> None:
    """Issue a whole cohort (all or nothing), with a progress bar: a large one is a background
    job on the service, which this follows until it ends."""
    if not file.is_file():
        fail(f"{file}: no such file.")
    is_json = file.suffix.lower() == ".json"
    limit = MAX_JSON_BYTES if is_json else MAX_CSV_BYTES
    if file.stat().st_size > limit:  # the service would refuse it (413) after the upload
        fail(f"{file} is larger than {limit // (1024 * 1024)} MiB. {TOO_LARGE_ADVICE}")
    data = file.read_bytes()
    content_type = "application/json" if is_json else "text/csv"
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": content_type}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    # The bar goes to stderr: stdout keeps the result alone, for scripts.
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        _AmountColumn(),
        console=Console(stderr=True),
    ) as progress:
        upload = progress.add_task(f"uploading {file.name}", total=len(data))
        try:
            with httpx.Client(timeout=httpx.Timeout(600.0, connect=10.0)) as client:
                request = client.build_request(
                    "POST",
                    f"{url.rstrip('/')}/issuers/{issuer}/awards/batch",
                    params={"moduleId": module},
                    headers=headers,
                    content=_chunks(data, progress, upload),
                )
                response = client.send(request)
        except httpx.HTTPError as exc:
            fail(f"could not reach {url}: {exc}")
        body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
        if response.status_code == 202:
            progress.update(upload, description="uploaded: queued as a background job")
            _follow_job(body, headers=headers, progress=progress)
            return
        progress.update(upload, description="signed and stored")
    if response.status_code != 201:
        typer.echo(f"error: {body.get('detail', response.text)}", err=True)
        for error in body.get("errors", [])[:50]:
            row = f"row {error['row']}: " if "row" in error else ""
            typer.echo(f"  {row}{error.get('path', '')} {error.get('message', '')}", err=True)
        raise typer.Exit(2)
    typer.echo(f"issued {body['issued']} credentials")
    print_json(body["credentialIds"][:5] + (["…"] if body["issued"] > 5 else []))


__all__ = ["awards_app"]
