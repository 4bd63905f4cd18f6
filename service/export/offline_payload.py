"""The claims of an offline QR as values: what a credential says that the QR carries
(:func:`payload_for`), the status references, and the digest that binds the QR to the whole
credential. The text and binary format is :mod:`service.export.offline_qr`."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from service.credentials.reading import achievement_of, plain_text, subject_of
from service.dates import format_utc, parse_datetime
from service.errors import InputError
from service.proofs.eddsa_jcs_2022 import jcs

#: The format's name: its text form starts with it and a colon.
FORMAT_NAME = "TSR1"
#: At most this many status references travel in a QR.
MAX_STATUS = 8


@dataclass(frozen=True)
class StatusReference:
    """Where the credential's status bit lives: a Bitstring Status List and an index in it."""

    purpose: str
    list_credential: str
    index: int

    def entry(self) -> dict[str, str]:
        """The ``BitstringStatusListEntry`` this reference stands for."""
        return {
            "id": f"{self.list_credential}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_credential,
        }


@dataclass(frozen=True)
class OfflinePayload:
    """The claims of an offline QR (readable without any key), and the bytes its signature
    covers once decoded."""

    issuer: str
    digest: bytes
    credential_id: str | None = None
    issuer_name: str | None = None
    learner_name: str | None = None
    achievement_name: str | None = None
    completed_on: date | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    result: str | None = None
    status: tuple[StatusReference, ...] = ()
    signature: bytes = field(default=b"", repr=False, compare=False)
    signed_data: bytes = field(default=b"", repr=False, compare=False)

    def status_document(self) -> dict[str, Any]:
        """A document holding only ``id``, ``issuer`` and ``credentialStatus``: the shape a
        :data:`~service.verification.pipeline.StatusChecker` reads (it checks that each list was issued by
        the same issuer, so the issuer must be there)."""
        return {
            "id": self.credential_id,
            "issuer": self.issuer,
            "credentialStatus": [s.entry() for s in self.status],
        }

    def to_json(self) -> dict[str, Any]:
        """The signed facts, shaped like the credential they summarize (without ``@context``,
        ``type`` or ``proof``, so that nothing mistakes it for a verifiable credential)."""
        subject: dict[str, Any] = {
            "name": self.learner_name,
            "achievement": {"name": self.achievement_name},
            "activityEndDate": f"{self.completed_on.isoformat()}T00:00:00Z"
            if self.completed_on
            else None,
        }
        if self.result is not None:
            subject["result"] = [{"value": self.result}]
        return {
            "id": self.credential_id,
            "issuer": {"id": self.issuer, "name": self.issuer_name},
            "validFrom": format_utc(self.valid_from) if self.valid_from else None,
            "validUntil": format_utc(self.valid_until) if self.valid_until else None,
            "credentialSubject": subject,
            "credentialStatus": [s.entry() for s in self.status],
            "offlinePayload": {
                "format": FORMAT_NAME,
                "credentialDigest": "sha256:" + self.digest.hex(),
            },
        }


def credential_digest(credential: Mapping[str, Any]) -> bytes:
    """SHA-256 of the credential's RFC 8785 (JCS) bytes, proof included: formatting and key
    order do not change it; any changed value does."""
    return hashlib.sha256(jcs(credential)).digest()


def _issuer(credential: Mapping[str, Any]) -> tuple[str, str | None]:
    raw = credential.get("issuer")
    if isinstance(raw, Mapping):
        issuer, name = raw.get("id"), plain_text(raw.get("name"))
    else:
        issuer, name = raw, None
    if not isinstance(issuer, str) or not issuer.startswith("did:"):
        raise InputError("An offline QR needs a credential whose issuer is a DID.")
    return issuer, name


def _status_references(credential: Mapping[str, Any]) -> tuple[StatusReference, ...]:
    raw = credential.get("credentialStatus")
    entries = raw if isinstance(raw, list) else [raw] if raw is not None else []
    references = []
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("type") != "BitstringStatusListEntry":
            continue
        index, url, purpose = (
            entry.get("statusListIndex"),
            entry.get("statusListCredential"),
            entry.get("statusPurpose"),
        )
        if (
            isinstance(index, str)
            and re.fullmatch(r"0|[1-9][0-9]{0,17}", index)
            and isinstance(url, str)
            and isinstance(purpose, str)
        ):
            references.append(StatusReference(purpose, url, int(index)))
    return tuple(references[:MAX_STATUS])


def _to_second(moment: datetime | None) -> datetime | None:
    # The QR carries whole seconds; the digest still binds the exact value.
    return moment.astimezone(UTC).replace(microsecond=0) if moment else None


def payload_for(credential: Mapping[str, Any]) -> OfflinePayload:
    """The (unsigned) offline claims that summarize ``credential``."""
    issuer, issuer_name = _issuer(credential)
    subject = subject_of(credential)
    achievement = achievement_of(credential)
    results = subject.get("result")
    first_result = results[0] if isinstance(results, list) and results else None
    result = plain_text(first_result.get("value")) if isinstance(first_result, Mapping) else None
    ended = parse_datetime(subject.get("activityEndDate"))
    credential_id = credential.get("id")
    return OfflinePayload(
        issuer=issuer,
        digest=credential_digest(credential),
        credential_id=credential_id if isinstance(credential_id, str) else None,
        issuer_name=issuer_name,
        learner_name=plain_text(subject.get("name")),
        achievement_name=plain_text(achievement.get("name")) or plain_text(credential.get("name")),
        completed_on=ended.astimezone(UTC).date() if ended else None,
        valid_from=_to_second(parse_datetime(credential.get("validFrom"))),
        valid_until=_to_second(parse_datetime(credential.get("validUntil"))),
        result=result,
        status=_status_references(credential),
    )


__all__ = [
    "FORMAT_NAME",
    "MAX_STATUS",
    "OfflinePayload",
    "StatusReference",
    "credential_digest",
    "payload_for",
]
