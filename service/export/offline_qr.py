"""The offline QR: a compact, signed summary of one credential that a verifier checks with no
network at all, given the issuer's public key (a did:key, or a saved DID document / trust list).

A full Open Badges credential needs a version 33 QR code even deflated and Base45-encoded, and
a small VC 2.0 one version 18, which cheap phones cannot read from paper. This format keeps
what a person checking a certificate reads (who, what, which provider, when, where its
revocation status lives), binds it to the full credential by a digest, and signs it with the
provider's key. A typical module credential fits a version 13 QR at error correction M.

Text form: ``TSR1:`` followed by Base45 (RFC 9285) of the binary form, so the whole text uses
the QR alphanumeric alphabet. Binary form, format 1::

    0x01 | CBOR claims | Ed25519 signature (64 bytes)

The signature covers ``SIGNING_DOMAIN || 0x01 || CBOR claims`` (the domain string keeps a
signature made for this format from meaning anything elsewhere). The claims are one CBOR map
(deterministic encoding, see :mod:`service.export.binary`) with these unsigned-integer keys:

==  ======================  ==============================================================
 1  credential id           URL item (below) under ``/credentials/``; optional
 2  issuer                  the issuer's DID (text); required
 3  issuer name             text; optional
 4  learner name            text (``credentialSubject.name``); optional
 5  achievement name        text (``credentialSubject.achievement.name``, else ``name``)
 6  completed on            days since 1970-01-01 (``credentialSubject.activityEndDate``)
 7  valid from              seconds since 1970-01-01T00:00:00Z (``validFrom``)
 8  valid until             seconds since the epoch (``validUntil``); optional
 9  status                  array of ``[purpose, list URL item under /status/, index]``,
                            purpose 0 = revocation, 1 = suspension, or text
10  digest                  SHA-256 of the RFC 8785 (JCS) bytes of the whole signed credential
11  result                  text (the first ``credentialSubject.result[].value``); optional
==  ======================  ==============================================================

The QR does not name the key: a verifier tries the issuer's ``assertionMethod`` keys from its
DID document (computed for did:key, saved for did:web), which is what DID resolution hands it
anyway. That saves the 34 bytes of a key id, and keys rotated since still verify old QRs.

A URL item is 16 bytes (a UUID: ``ORIGIN + path + uuid``), text starting with ``/`` (a path
under ORIGIN), or any other text (the URL itself). ORIGIN is ``https://HOST`` of a did:web
issuer, so a service's own credential and status-list URLs cost 17 bytes instead of ~70.

Nothing is in the payload that the credential does not state, and everything in it is
readable after decoding without any key (:func:`decode_offline`). This module encodes and
decodes only (bytes in, bytes out); what a credential puts in the claims is
:mod:`service.export.offline_payload`, and checking a QR's signature, issuer, dates and status
is :func:`service.verification.offline.verify_offline`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from service.dids import did_web_host
from service.errors import InputError, MalformedDocumentError
from service.export.binary import Cbor, base45_decode, base45_encode, cbor_decode, cbor_encode
from service.export.offline_payload import (
    FORMAT_NAME,
    MAX_STATUS,
    OfflinePayload,
    StatusReference,
    credential_digest,
    payload_for,
)
from service.keys import Signer

PREFIX = FORMAT_NAME + ":"
FORMAT_VERSION = 1
SIGNING_DOMAIN = b"tessera/offline-credential/v1\x00"
SIGNATURE_BYTES = 64
#: The longest text a QR code holds in alphanumeric mode (version 40, level L).
MAX_TEXT = 4296
STATUS_PURPOSES = ("revocation", "suspension")
EPOCH = date(1970, 1, 1)

_ID, _ISSUER, _ISSUER_NAME, _LEARNER, _ACHIEVEMENT = 1, 2, 3, 4, 5
_COMPLETED, _VALID_FROM, _VALID_UNTIL, _STATUS, _DIGEST, _RESULT = 6, 7, 8, 9, 10, 11
_KNOWN = frozenset(range(1, 12))
_CREDENTIALS_PATH, _STATUS_PATH = "/credentials/", "/status/"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MAX_TEXT_FIELD = 1000


# -- claims <-> CBOR --------------------------------------------------------------------


def _origin(issuer: str) -> str | None:
    """``https://HOST`` of a did:web issuer: the base its own URLs are shortened against."""
    host = did_web_host(issuer)
    return f"https://{host}" if host else None


def _url_item(url: str, origin: str | None, path: str) -> Cbor:
    if origin and url.startswith(origin + "/"):
        tail = url[len(origin) :]
        rest = tail.removeprefix(path)
        if rest != tail and _UUID.fullmatch(rest):
            return uuid.UUID(rest).bytes
        return tail
    return url


def _url_from(item: Cbor, origin: str | None, path: str, what: str) -> str:
    if isinstance(item, bytes) and len(item) == 16 and origin:
        return f"{origin}{path}{uuid.UUID(bytes=item)}"
    if isinstance(item, str) and item.startswith("/") and origin:
        return origin + item
    if isinstance(item, str) and item and not item.startswith("/"):
        return item
    raise MalformedDocumentError(f"The offline QR's {what} is not a URL it can rebuild.")


def _seconds(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())


def _claims(payload: OfflinePayload) -> dict[int, Cbor]:
    origin = _origin(payload.issuer)
    claims: dict[int, Cbor] = {_ISSUER: payload.issuer, _DIGEST: payload.digest}
    if payload.credential_id is not None:
        claims[_ID] = _url_item(payload.credential_id, origin, _CREDENTIALS_PATH)
    texts = (
        (_ISSUER_NAME, payload.issuer_name),
        (_LEARNER, payload.learner_name),
        (_ACHIEVEMENT, payload.achievement_name),
        (_RESULT, payload.result),
    )
    claims.update({k: v for k, v in texts if v is not None})
    if payload.completed_on is not None:
        claims[_COMPLETED] = (payload.completed_on - EPOCH).days
    if payload.valid_from is not None:
        claims[_VALID_FROM] = _seconds(payload.valid_from)
    if payload.valid_until is not None:
        claims[_VALID_UNTIL] = _seconds(payload.valid_until)
    if payload.status:
        claims[_STATUS] = [
            [
                STATUS_PURPOSES.index(s.purpose) if s.purpose in STATUS_PURPOSES else s.purpose,
                _url_item(s.list_credential, origin, _STATUS_PATH),
                s.index,
            ]
            for s in payload.status
        ]
    return claims


def _get_text(claims: Mapping[int, Cbor], key: int, what: str) -> str | None:
    value = claims.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > _MAX_TEXT_FIELD:
        raise MalformedDocumentError(f"The offline QR's {what} is not a short text.")
    return value


def _get_int(claims: Mapping[int, Cbor], key: int, what: str) -> int | None:
    value = claims.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or abs(value) > 10**11:
        raise MalformedDocumentError(f"The offline QR's {what} is not a date it can read.")
    return value


def _status_from(raw: Cbor, origin: str | None) -> tuple[StatusReference, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_STATUS:
        raise MalformedDocumentError("The offline QR's status references are not a short list.")
    references = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 3):
            raise MalformedDocumentError(
                "An offline QR status reference is not [purpose, list, index]."
            )
        purpose, url, index = item
        if isinstance(purpose, int) and 0 <= purpose < len(STATUS_PURPOSES):
            purpose = STATUS_PURPOSES[purpose]
        if not isinstance(purpose, str) or not purpose or not isinstance(index, int) or index < 0:
            raise MalformedDocumentError("An offline QR status reference is not valid.")
        references.append(
            StatusReference(purpose, _url_from(url, origin, _STATUS_PATH, "status list"), index)
        )
    return tuple(references)


def _payload_from(claims: Cbor) -> OfflinePayload:
    if not isinstance(claims, dict):
        raise MalformedDocumentError("The offline QR's claims are not a CBOR map.")
    unknown = set(claims) - _KNOWN
    if unknown:
        raise MalformedDocumentError(
            f"The offline QR has fields format {FORMAT_VERSION} does not define ({sorted(unknown)})."
        )
    issuer = _get_text(claims, _ISSUER, "issuer")
    if not issuer or not issuer.startswith("did:"):
        raise MalformedDocumentError("The offline QR does not name its issuer's DID.")
    digest = claims.get(_DIGEST)
    if not isinstance(digest, bytes) or len(digest) != 32:
        raise MalformedDocumentError("The offline QR carries no SHA-256 credential digest.")
    origin = _origin(issuer)
    completed = _get_int(claims, _COMPLETED, "completion date")
    valid_from = _get_int(claims, _VALID_FROM, "validFrom")
    valid_until = _get_int(claims, _VALID_UNTIL, "validUntil")
    raw_id = claims.get(_ID)
    try:
        return OfflinePayload(
            issuer=issuer,
            digest=digest,
            credential_id=None
            if raw_id is None
            else _url_from(raw_id, origin, _CREDENTIALS_PATH, "credential id"),
            issuer_name=_get_text(claims, _ISSUER_NAME, "issuer name"),
            learner_name=_get_text(claims, _LEARNER, "learner name"),
            achievement_name=_get_text(claims, _ACHIEVEMENT, "achievement name"),
            completed_on=None if completed is None else EPOCH + timedelta(days=completed),
            valid_from=None if valid_from is None else datetime.fromtimestamp(valid_from, UTC),
            valid_until=None if valid_until is None else datetime.fromtimestamp(valid_until, UTC),
            result=_get_text(claims, _RESULT, "result"),
            status=_status_from(claims.get(_STATUS, []), origin),
        )
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedDocumentError(f"The offline QR holds a date out of range: {exc}") from None


# -- encode and decode ------------------------------------------------------------------


def encode_offline(credential: Mapping[str, Any], *, signer: Signer) -> str:
    """The offline QR text for ``credential``, signed by ``signer``: a key of the
    credential's issuer (else the QR would not verify)."""
    payload = payload_for(credential)
    if not signer.verification_method.startswith(payload.issuer + "#"):
        raise InputError(
            f"The key {signer.verification_method} does not belong to the credential's issuer "
            f"{payload.issuer}; an offline QR signed with it would not verify."
        )
    body = bytes([FORMAT_VERSION]) + cbor_encode(_claims(payload))
    signature = signer.sign(SIGNING_DOMAIN + body)
    text = PREFIX + base45_encode(body + signature)
    decoded = decode_offline(text)
    if decoded != payload:
        # Every field must survive the round trip exactly, or the QR would misstate the
        # credential (a value the format cannot carry, such as an over-long name).
        differing = [
            f.name for f in fields(payload) if getattr(decoded, f.name) != getattr(payload, f.name)
        ]
        raise InputError(f"The credential's {', '.join(differing)} cannot be carried in a QR.")
    return text


def decode_offline(text: str) -> OfflinePayload:
    """Read an offline QR's text without checking its signature (see
    :func:`service.verification.offline.verify_offline`).
    Raises :class:`MalformedDocumentError` when it is not a well-formed format 1 payload."""
    text = text.strip()
    if not text.startswith(PREFIX):
        raise MalformedDocumentError(
            f"This is not a Tessera offline QR: its text does not start with {PREFIX!r}."
        )
    if len(text) > MAX_TEXT:
        raise MalformedDocumentError("The text is longer than any QR code can hold.")
    try:
        raw = base45_decode(text[len(PREFIX) :])
    except MalformedDocumentError as exc:
        raise MalformedDocumentError(f"The offline QR is damaged: {exc}") from None
    if len(raw) < 2 + SIGNATURE_BYTES:
        raise MalformedDocumentError("The offline QR is too short to hold claims and a signature.")
    if raw[0] != FORMAT_VERSION:
        raise MalformedDocumentError(
            f"The offline QR uses format {raw[0]}; this verifier reads format {FORMAT_VERSION}."
        )
    body, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    payload = _payload_from(cbor_decode(body[1:]))
    return replace(payload, signature=signature, signed_data=SIGNING_DOMAIN + body)


def matches_credential(payload: OfflinePayload, credential: Mapping[str, Any]) -> bool:
    """Whether ``payload`` was made for exactly this credential (their digests match)."""
    try:
        return credential_digest(credential) == payload.digest
    except InputError:
        return False


__all__ = [
    "FORMAT_VERSION",
    "PREFIX",
    "SIGNING_DOMAIN",
    "OfflinePayload",
    "StatusReference",
    "credential_digest",
    "decode_offline",
    "encode_offline",
    "matches_credential",
    "payload_for",
]
