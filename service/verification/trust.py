"""The operator's trust registry: which training providers this verifier recognizes.

A signature proves *who* issued a credential; it does not say whether anybody vouches for
that provider. The registry is the operator's answer: for each recognized provider its DID,
name, country, accrediting body, the period it is recognized (``valid_from`` /
``valid_until``) and, if it happened, when the recognition was withdrawn. An entry may carry
the provider's DID document, so an offline verifier (`tessera verify --trust FILE`) can
resolve did:web keys without a network.

The ``trust`` check, for a credential whose signature and issuer checks passed, is judged at
the moment the credential says it was issued (``validFrom``; ``now`` if it has none):

``passed``   the provider is listed and recognized at that moment (a withdrawal *after* it
             does not undo the credentials issued before it)
``failed``   the recognition was withdrawn, or had ended, before the credential was issued
``unknown``  the provider is not listed (a genuine signature nobody here vouches for), or it
             was recognized only later

Caveat: ``validFrom`` is the issuer's own claim. A provider whose recognition was withdrawn
could backdate new credentials; a withdrawal for misconduct should therefore go with the
provider rotating or the operator removing its keys (``did_document``).

The providers registered on this service are recognized by its own verifier (registering
them is the operator vouching for them) unless the operator sets
``TESSERA_VERIFY_TRUST_OWN_PROVIDERS=false``; an explicit entry for one of them (for example
a withdrawal) takes precedence. Other providers are recognized once the operator adds them
(``tessera trust add`` or ``tessera trust import``).

This module is pure: the entries and the trust check. The registry file is read and written
by :mod:`service.verification.trust_file`; storing, listing, importing and exporting the
operator's entries are use cases in :mod:`service.app.trust_registry`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from service.dates import format_utc
from service.verification.pipeline import Check, Status

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class TrustEntry:
    """One recognized provider."""

    did: str
    name: str
    country: str | None = None
    accrediting_body: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    withdrawn_at: datetime | None = None
    did_document: JsonObject | None = field(default=None, compare=False)

    def to_json(self) -> JsonObject:
        """The entry as it appears in a registry file (camelCase, dates as XSD dateTime)."""
        out: JsonObject = {"did": self.did, "name": self.name}
        if self.country:
            out["country"] = self.country
        if self.accrediting_body:
            out["accreditingBody"] = self.accrediting_body
        for key, moment in (
            ("validFrom", self.valid_from),
            ("validUntil", self.valid_until),
            ("withdrawnAt", self.withdrawn_at),
        ):
            if moment is not None:
                out[key] = format_utc(moment)
        if self.did_document is not None:
            out["didDocument"] = self.did_document
        return out


TrustReason = Literal["recognized", "withdrawn", "ended", "not_yet", "unlisted"]
_STATUS: dict[TrustReason, Status] = {
    "recognized": "passed",
    "withdrawn": "failed",
    "ended": "failed",
    "not_yet": "unknown",
    "unlisted": "unknown",
}


@dataclass(frozen=True)
class TrustAssessment:
    """What the registry says about an issuer at the moment a credential was issued.

    Pages use ``reason`` and ``entry`` to say it in the reader's language; ``to_check()``
    is the pipeline's (English) line.
    """

    issuer: str
    reason: TrustReason
    at: datetime
    entry: TrustEntry | None = None

    @property
    def status(self) -> Status:
        return _STATUS[self.reason]

    def to_check(self) -> Check:
        entry, at = self.entry, format_utc(self.at, "day")
        if entry is None:
            return Check(
                "trust",
                "unknown",
                f"The issuer {self.issuer} is not in this verifier's trust registry: the "
                "signature is genuine, but nobody here vouches for the provider.",
            )
        who = entry.name + (f" ({entry.country})" if entry.country else "")
        body = f", accredited by {entry.accrediting_body}" if entry.accrediting_body else ""
        if self.reason == "recognized":
            detail = f"{who} is recognized by this verifier's trust registry{body}."
            if entry.withdrawn_at is not None:
                detail += (
                    f" The recognition was withdrawn on {format_utc(entry.withdrawn_at, 'day')}, after this "
                    f"credential was issued ({at})."
                )
            return Check("trust", "passed", detail)
        if self.reason == "withdrawn":
            assert entry.withdrawn_at is not None
            return Check(
                "trust",
                "failed",
                f"The trust registry withdrew its recognition of {who} on "
                f"{format_utc(entry.withdrawn_at, 'day')}, before this credential was issued ({at}).",
            )
        if self.reason == "ended":
            assert entry.valid_until is not None
            return Check(
                "trust",
                "failed",
                f"The recognition of {who} in the trust registry ended on "
                f"{format_utc(entry.valid_until, 'day')}, before this credential was issued ({at}).",
            )
        assert entry.valid_from is not None
        return Check(
            "trust",
            "unknown",
            f"{who} is recognized by the trust registry only from {format_utc(entry.valid_from, 'day')}; "
            f"this credential was issued earlier ({at}).",
        )


class TrustRegistry:
    """An immutable snapshot of the registry, indexed by DID. ``check`` is a ``TrustChecker``."""

    def __init__(self, entries: Iterable[TrustEntry] = ()) -> None:
        self._entries = {e.did: e for e in entries}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> list[TrustEntry]:
        return sorted(self._entries.values(), key=lambda e: (e.name.casefold(), e.did))

    def entry(self, did: str) -> TrustEntry | None:
        return self._entries.get(did)

    def did_documents(self) -> dict[str, JsonObject]:
        """The DID documents the registry carries, by DID (for an offline resolver)."""
        return {e.did: e.did_document for e in self._entries.values() if e.did_document}

    def assess(self, issuer: str, valid_from: datetime | None, now: datetime) -> TrustAssessment:
        """Judge ``issuer`` at the credential's ``valid_from`` (or ``now`` without one)."""
        at = valid_from or now
        entry = self._entries.get(issuer)
        if entry is None:
            return TrustAssessment(issuer, "unlisted", at)
        if entry.withdrawn_at is not None and entry.withdrawn_at <= at:
            return TrustAssessment(issuer, "withdrawn", at, entry)
        if entry.valid_until is not None and entry.valid_until < at:
            return TrustAssessment(issuer, "ended", at, entry)
        if entry.valid_from is not None and at < entry.valid_from:
            return TrustAssessment(issuer, "not_yet", at, entry)
        return TrustAssessment(issuer, "recognized", at, entry)

    def check(self, issuer: str, valid_from: datetime | None, now: datetime) -> Check:
        """The pipeline's ``trust`` check (see :data:`service.verification.pipeline.TrustChecker`)."""
        return self.assess(issuer, valid_from, now).to_check()


__all__ = [
    "TrustAssessment",
    "TrustEntry",
    "TrustReason",
    "TrustRegistry",
]
