"""The DIDs a key is published under: did:key for the key itself, did:web for a host."""

from __future__ import annotations

import re

from service.errors import InputError
from service.keys.multikey import encode_public_multikey

_DID_WEB_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+")


def did_key_for(public_key: bytes) -> tuple[str, str]:
    """The did:key DID and its verification method id for an Ed25519 public key."""
    multikey = encode_public_multikey(public_key)
    did = f"did:key:{multikey}"
    return did, f"{did}#{multikey}"


def did_web_for(host_and_path: str) -> str:
    """``did:web`` for ``HOST[:PORT][:PATH…]`` or ``HOST[:PORT][/PATH…]`` (did:web §3.1)."""
    # Accept the DID itself too: `--did-web` is documented as "did:web:HOST[:PATH]".
    text = host_and_path.strip().removeprefix("did:web:").removeprefix("https://").strip("/")
    if not text or " " in text:
        raise InputError(
            f"{host_and_path!r} is not a host for did:web (e.g. example.org:issuers:acme)."
        )
    if "/" in text:
        host, _, path = text.partition("/")
        segments = [s for s in path.split("/") if s]
    else:
        host, *segments = text.split(":")
        # a port is a purely numeric segment right after the host
        if segments and segments[0].isdigit():
            host = f"{host}:{segments.pop(0)}"
    host = host.lower().replace("%3a", ":").replace(":", "%3A")
    if not re.fullmatch(r"[a-z0-9.-]+(%3A\d+)?", host):
        raise InputError(f"{host!r} is not a valid host name for did:web.")
    for segment in segments:
        # DID syntax idchars; empty, "." and ".." segments would make a broken or escaping URL.
        if segment in (".", "..") or not _DID_WEB_SEGMENT.fullmatch(segment):
            raise InputError(
                f"{segment!r} is not a valid did:web path segment in {host_and_path!r}."
            )
    return ":".join(["did:web", host, *segments])


__all__ = ["did_key_for", "did_web_for"]
