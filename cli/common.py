"""Helpers shared by the CLI's command modules.

Imports only what every command needs: heavy modules are imported inside the helpers that
use them, so that `tessera --help` and `tessera verify` start fast (see cli/lazy.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from service.contexts import MAX_CONTEXT_BYTES
from service.errors import TesseraError

if TYPE_CHECKING:
    from service.app.engine import Engine

EXIT_OK, EXIT_NOT_VERIFIED, EXIT_UNUSABLE = 0, 1, 2


def fail(message: str) -> NoReturn:
    """Print ``error: message`` to stderr and exit 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_UNUSABLE)


def engine() -> Engine:
    """The engine for the current TESSERA_* settings, or exit 2 saying what is wrong."""
    from service.app.engine import build_engine
    from service.config import get_settings

    try:
        return build_engine(get_settings())
    except TesseraError as exc:  # a missing, invalid or unsafe TESSERA_* setting
        fail(str(exc))


def download(url: str, *, accept: str, max_bytes: int, hint: str = "") -> bytes:
    """GET ``url`` (redirects followed, 20 s timeout), refusing bodies over ``max_bytes``.

    Raises :class:`TesseraError` naming the URL; ``hint`` says what to do without network.
    """
    import httpx

    try:
        with httpx.stream(
            "GET", url, follow_redirects=True, timeout=20.0, headers={"Accept": accept}
        ) as response:
            response.raise_for_status()
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise TesseraError(f"{url} is larger than {max_bytes} bytes; refusing it.")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise TesseraError(f"Could not download {url}: {exc}.{hint}") from None


def fetch_context(url: str) -> bytes:
    """Download one context over HTTPS (install time only; signing/verifying never fetch)."""
    return download(
        url,
        accept="application/ld+json, application/json",
        max_bytes=MAX_CONTEXT_BYTES,
        hint=" Without network access, install from an offline bundle: "
        "`tessera contexts install --from DIR`.",
    )


def read_input(path: str) -> bytes:
    """Bytes of FILE, or of stdin for '-'; unreadable input exits 2 with a reason."""
    if path == "-":
        return sys.stdin.buffer.read()
    file = Path(path)
    if not file.is_file():
        fail(f"{path}: no such file.")
    return file.read_bytes()


def read_json_object(path: str) -> dict[str, Any]:
    """The JSON object in FILE (or stdin for '-'); anything else exits 2 with a reason."""
    raw = read_input(path)
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path} is not valid JSON: {exc}")
    if not isinstance(value, dict):
        fail(f"{path} must hold a JSON object.")
    return value


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


__all__ = [
    "EXIT_NOT_VERIFIED",
    "EXIT_OK",
    "EXIT_UNUSABLE",
    "engine",
    "fail",
    "fetch_context",
    "print_json",
    "read_input",
    "read_json_object",
]
