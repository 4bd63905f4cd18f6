"""The parties a credential or presentation names (its ``issuer``, its ``holder``), read the
same way by every layer: the checks, the status lists, the credential view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def party_of(document: Mapping[str, Any], field: str) -> str | None:
    """The id (an absolute URI) of the party ``field`` names (``issuer``, ``holder``), whether
    its value is a string or an object with an ``id``; None when there is no usable id."""
    party = document.get(field)
    if isinstance(party, Mapping):
        party = party.get("id")
    return party if isinstance(party, str) and ":" in party else None


def issuer_of(document: Mapping[str, Any]) -> str | None:
    """The issuer's id, whether ``issuer`` is a string or an object."""
    return party_of(document, "issuer")


__all__ = ["issuer_of", "party_of"]
