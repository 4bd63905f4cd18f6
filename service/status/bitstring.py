"""W3C Bitstring Status List v1.0: encode, decode, read bits, and shape entries. Pure.

Its predecessor, the W3C CCG's Status List 2021 (``StatusList2021Entry``, context
``https://w3id.org/vc/status-list/2021/v1``), is read too, for credentials already in
circulation: the same bitstring, GZIP and index rules, other type names, and an
``encodedList`` that is plain base64url (no multibase ``u`` prefix). Tessera only issues
Bitstring Status List entries.

The bitstring is read most-significant bit first: index 0 is the left-most bit of the first
byte (§3.1). ``encodedList`` is the GZIP-compressed bitstring, base64url-encoded without
padding, with the multibase prefix ``u`` (§2.1). Decoding is bounded: a list must inflate
to at least 16 KiB (131,072 entries, the minimum for herd privacy, §6.1) and at most
``MAX_LIST_BYTES``, so a gzip bomb costs nothing. Errors carry the type names the spec
defines (§3.6), as :class:`StatusListError` with ``code``.
"""

from __future__ import annotations

import base64
import gzip
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from service.contexts import CREDENTIALS_V2
from service.errors import StatusListError

MIN_LIST_BITS = 131_072
DEFAULT_LIST_BITS = 131_072
MAX_LIST_BYTES = 16 * 1024 * 1024  # 134 million entries: far above any real list
MAX_GZIP_MEMBERS = 64  # concatenated GZIP members accepted in one encodedList
PURPOSES = ("revocation", "suspension")
_INDEX = re.compile(r"[0-9]+")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def encode_list(bits: bytes) -> str:
    """``encodedList`` for a raw bitstring (``u`` + base64url(gzip(bits)))."""
    compressed = gzip.compress(bits, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(encoded: Any, *, max_bytes: int = MAX_LIST_BYTES, multibase: bool = True) -> bytes:
    """The raw bitstring from ``encodedList``; bounded inflation, spec-named errors.

    ``multibase=False`` reads a Status List 2021 list (base64url without the ``u`` prefix).
    """
    if multibase and (not isinstance(encoded, str) or not encoded.startswith("u")):
        raise StatusListError(
            "MALFORMED_VALUE_ERROR",
            "encodedList must be a multibase base64url string starting with 'u'.",
        )
    if not isinstance(encoded, str):
        raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList must be a string.")
    body = (encoded[1:] if multibase else encoded).rstrip("=")
    if not _BASE64URL.fullmatch(body):  # b64decode would silently skip stray characters
        raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList is not valid base64url.")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        raise StatusListError(
            "MALFORMED_VALUE_ERROR", "encodedList is not valid base64url."
        ) from None
    # A GZIP file is a series of members (RFC 1952 §2.2); streaming writers make several.
    # Each inflates into what is left of one bounded budget, and there are few of them.
    bits = b""
    remaining = compressed
    for _ in range(MAX_GZIP_MEMBERS):
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip container
        try:
            bits += inflater.decompress(remaining, max_bytes + 1 - len(bits))  # never 0
        except zlib.error:
            raise StatusListError(
                "MALFORMED_VALUE_ERROR", "encodedList is not GZIP-compressed data."
            ) from None
        if len(bits) > max_bytes or inflater.unconsumed_tail:
            raise StatusListError(
                "STATUS_LIST_LENGTH_ERROR",
                f"The status list inflates to more than {max_bytes} bytes; refusing it (possible gzip bomb).",
            )
        if not inflater.eof:
            raise StatusListError("MALFORMED_VALUE_ERROR", "encodedList is truncated GZIP data.")
        remaining = inflater.unused_data
        if not remaining:
            break
    else:
        raise StatusListError(
            "MALFORMED_VALUE_ERROR",
            f"encodedList has more than {MAX_GZIP_MEMBERS} GZIP members; refusing it.",
        )
    if len(bits) * 8 < MIN_LIST_BITS:
        raise StatusListError(
            "STATUS_LIST_LENGTH_ERROR",
            f"The status list has {len(bits) * 8} entries; the minimum is {MIN_LIST_BITS}.",
        )
    return bits


def bit_at(bits: bytes, index: int) -> bool:
    """The bit at ``index`` (0 = most significant bit of the first byte)."""
    if index < 0 or index >= len(bits) * 8:
        raise StatusListError(
            "RANGE_ERROR", f"statusListIndex {index} is outside the list (0..{len(bits) * 8 - 1})."
        )
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def bitstring(size: int, set_indices: Iterable[int]) -> bytes:
    """A bitstring of ``size`` bits with exactly ``set_indices`` set."""
    if size % 8:
        raise ValueError("a status list size is a whole number of bytes")
    buffer = bytearray(size // 8)
    for index in set_indices:
        buffer[index // 8] |= 0x80 >> (index % 8)
    return bytes(buffer)


@dataclass(frozen=True)
class ListFormat:
    """The type names and encoding of one status list specification."""

    entry_type: str
    credential_type: str
    subject_type: str
    multibase: bool


BITSTRING = ListFormat(
    "BitstringStatusListEntry", "BitstringStatusListCredential", "BitstringStatusList", True
)
STATUS_LIST_2021 = ListFormat(
    "StatusList2021Entry", "StatusList2021Credential", "StatusList2021", False
)
_FORMATS = {f.entry_type: f for f in (BITSTRING, STATUS_LIST_2021)}


@dataclass(frozen=True)
class StatusEntry:
    """A parsed ``BitstringStatusListEntry`` (or legacy ``StatusList2021Entry``)."""

    purpose: str
    index: int
    list_url: str
    format: ListFormat = BITSTRING


def entry_json(list_url: str, index: int, purpose: str) -> dict[str, str]:
    """The ``credentialStatus`` entry for ``index`` in the list at ``list_url`` (§2.1)."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def parse_entries(credential: Mapping[str, Any]) -> list[StatusEntry]:
    """Every ``BitstringStatusListEntry`` and ``StatusList2021Entry`` of a credential;
    malformed ones raise. Entries of other types are not status lists and are skipped."""
    raw = credential.get("credentialStatus")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    entries = []
    for item in items:
        kind = item.get("type") if isinstance(item, Mapping) else None
        list_format = _FORMATS.get(kind) if isinstance(kind, str) else None
        if list_format is None or not isinstance(item, Mapping):
            continue
        index_text = item.get("statusListIndex")
        url = item.get("statusListCredential")
        purpose = item.get("statusPurpose")
        # ASCII digits only: str.isdigit() also accepts '²' (which int() refuses) and other
        # scripts' digits, which other verifiers do not read as numbers.
        if not isinstance(index_text, str) or not _INDEX.fullmatch(index_text):
            raise StatusListError(
                "MALFORMED_VALUE_ERROR", "statusListIndex must be a string of digits."
            )
        if len(index_text.lstrip("0")) > 18:  # int() would refuse over 4,300 digits
            raise StatusListError("RANGE_ERROR", "statusListIndex is far outside any status list.")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise StatusListError("MALFORMED_VALUE_ERROR", "statusListCredential must be a URL.")
        if not isinstance(purpose, str):
            raise StatusListError("MALFORMED_VALUE_ERROR", "statusPurpose must be a string.")
        entries.append(
            StatusEntry(purpose=purpose, index=int(index_text), list_url=url, format=list_format)
        )
    return entries


def list_credential(
    *, list_url: str, issuer: str, purpose: str, encoded: str, valid_from: str, valid_until: str
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` (§2.2); ``validUntil`` tells caches when to refresh."""
    return {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "validUntil": valid_until,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }


def read_list_credential(
    document: Mapping[str, Any], *, purpose: str, list_format: ListFormat = BITSTRING
) -> bytes:
    """Check a status list credential's shape and purpose, return its bitstring."""
    types = document.get("type")
    if not isinstance(types, list) or list_format.credential_type not in types:
        raise StatusListError(
            "STATUS_VERIFICATION_ERROR",
            f"The status list is not a {list_format.credential_type}.",
        )
    subject = document.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("type") != list_format.subject_type:
        raise StatusListError(
            "STATUS_VERIFICATION_ERROR",
            f"The status list has no {list_format.subject_type} subject.",
        )
    purposes = subject.get("statusPurpose")
    listed = purposes if isinstance(purposes, list) else [purposes]
    if purpose not in listed:
        raise StatusListError(
            "STATUS_VERIFICATION_ERROR",
            f"The credential's entry is for {purpose!r} but the list is for {purposes!r}.",
        )
    return decode_list(subject.get("encodedList"), multibase=list_format.multibase)


__all__ = [
    "BITSTRING",
    "DEFAULT_LIST_BITS",
    "MIN_LIST_BITS",
    "PURPOSES",
    "STATUS_LIST_2021",
    "ListFormat",
    "StatusEntry",
    "bit_at",
    "bitstring",
    "decode_list",
    "encode_list",
    "entry_json",
    "list_credential",
    "parse_entries",
    "read_list_credential",
]
