"""``tessera sign``: sign a credential with a key from the local key store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from cli.common import engine, fail, print_json, read_json_object
from service.errors import TesseraError
from service.proofs import DEFAULT_CRYPTOSUITE, SIGNING_SUITES, sign


def sign_command(
    file: Annotated[str, typer.Argument(help="Unsigned credential JSON, or - for stdin.")],
    key: Annotated[str, typer.Option("--key", help="Name of the key in the key store.")],
    cryptosuite: Annotated[
        str, typer.Option("--cryptosuite", help=f"One of {', '.join(SIGNING_SUITES)}.")
    ] = DEFAULT_CRYPTOSUITE,
) -> None:
    """Sign a credential and print it. The issuer is set to the key's controller if absent."""
    eng = engine()
    document = read_json_object(file)
    try:
        signer = eng.keys().signer(key)
        info = eng.keys().info(key)
        document.setdefault("issuer", info.controller)
        signed = sign(
            document,
            signer=signer,
            canonicalizer=eng.canonicalizer,
            created=datetime.now(UTC),
            cryptosuite=cryptosuite,
        )
    except TesseraError as exc:
        fail(str(exc))
    print_json(signed)


__all__ = ["sign_command"]
