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

This module is pure: the trust check and the registry file. Storing, listing, importing and
exporting the operator's entries are use cases in :mod:`service.app.trust_registry`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from service.credentials.schemas import validate
from service.dates import format_utc, parse_datetime
from service.dids import method_from_document
from service.errors import DidResolutionError, ValidationFailed
from service.verification.pipeline import Check, Status

JsonObject = dict[str, Any]

#: The ``format`` of a registry file; ``version`` changes only with an incompatible layout.
REGISTRY_FORMAT = "tessera-trust-registry"
REGISTRY_VERSION = 1
MAX_ENTRIES = 10_000

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DID = re.compile(r"^(did:[a-z0-9]+:\S+|https://\S+)$")


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


# -- the registry file ---------------------------------------------------------------------


def registry_to_json(
    entries: Iterable[TrustEntry],
    *,
    exported_at: datetime,
    did_documents: Mapping[str, JsonObject] | None = None,
) -> JsonObject:
    """A registry file: recognized ``providers`` and, apart from them, ``didDocuments`` that
    are resolvable but *not* trusted (e.g. this service's own providers)."""
    out: JsonObject = {
        "format": REGISTRY_FORMAT,
        "version": REGISTRY_VERSION,
        "exportedAt": format_utc(exported_at),
        "providers": [e.to_json() for e in entries],
    }
    if did_documents:
        out["didDocuments"] = dict(did_documents)
    return out


def _text(
    raw: Mapping[str, Any], key: str, errors: list[dict[str, str]], where: str, *, limit: int
) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        errors.append(
            {
                "path": f"{where}.{key}",
                "message": f"must be a non-empty string of at most {limit} characters",
            }
        )
        return None
    return value.strip()


def _moment(
    raw: Mapping[str, Any], key: str, errors: list[dict[str, str]], where: str
) -> datetime | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value += "T00:00:00Z"
    moment = parse_datetime(value)
    if moment is None:
        errors.append(
            {
                "path": f"{where}.{key}",
                "message": "must be a date (2025-01-31) or date-time (2025-01-31T00:00:00Z)",
            }
        )
    return moment


def _check_did_document(
    did: str, document: Any, errors: list[dict[str, str]], where: str
) -> JsonObject | None:
    path = f"{where}.didDocument"
    if not isinstance(document, Mapping):
        errors.append({"path": path, "message": "must be a DID document (a JSON object)"})
        return None
    if document.get("id") != did:
        errors.append({"path": f"{path}.id", "message": f"must be {did!r}, the entry's DID"})
        return None
    methods = document.get("verificationMethod")
    if not isinstance(methods, list) or not methods:
        errors.append({"path": path, "message": "lists no verificationMethod"})
        return None
    for index, method in enumerate(methods):
        ref = method.get("id") if isinstance(method, Mapping) else None
        if not isinstance(ref, str):
            errors.append({"path": f"{path}.verificationMethod[{index}]", "message": "has no id"})
            continue
        try:
            method_from_document(document, f"{did}{ref}" if ref.startswith("#") else ref)
        except DidResolutionError as exc:
            errors.append({"path": f"{path}.verificationMethod[{index}]", "message": str(exc)})
    return dict(document)


def entry_from_json(
    raw: Any, *, where: str = "$", errors: list[dict[str, str]]
) -> TrustEntry | None:
    """One entry of a registry file; problems are appended to ``errors`` (None if any)."""
    if not isinstance(raw, Mapping):
        errors.append({"path": where, "message": "must be a JSON object"})
        return None
    before = len(errors)
    known = {
        "did",
        "name",
        "country",
        "accreditingBody",
        "validFrom",
        "validUntil",
        "withdrawnAt",
        "didDocument",
    }
    for key in sorted(set(raw) - known):
        errors.append(
            {
                "path": f"{where}.{key}",
                "message": f"unknown field (expected one of {', '.join(sorted(known))})",
            }
        )
    did = raw.get("did")
    if not isinstance(did, str) or len(did) > 300 or not _DID.match(did):
        errors.append(
            {
                "path": f"{where}.did",
                "message": "must be a DID (did:web:…, did:key:…) or an https URL, at most 300 characters",
            }
        )
        did = None
    name = _text(raw, "name", errors, where, limit=200)
    if name is None and "name" not in raw:
        errors.append({"path": f"{where}.name", "message": "is required"})
    country = raw.get("country")
    if country is not None and (not isinstance(country, str) or not _COUNTRY.match(country)):
        errors.append(
            {"path": f"{where}.country", "message": "must be an ISO 3166-1 alpha-2 code such as DE"}
        )
        country = None
    body = _text(raw, "accreditingBody", errors, where, limit=300)
    valid_from = _moment(raw, "validFrom", errors, where)
    valid_until = _moment(raw, "validUntil", errors, where)
    withdrawn_at = _moment(raw, "withdrawnAt", errors, where)
    if valid_from and valid_until and valid_until < valid_from:
        errors.append({"path": f"{where}.validUntil", "message": "is before validFrom"})
    document = None
    if did is not None and raw.get("didDocument") is not None:
        document = _check_did_document(did, raw["didDocument"], errors, where)
    if len(errors) > before or did is None or name is None:
        return None
    return TrustEntry(
        did=did,
        name=name,
        country=country,
        accrediting_body=body,
        valid_from=valid_from,
        valid_until=valid_until,
        withdrawn_at=withdrawn_at,
        did_document=document,
    )


def registry_from_json(data: Any) -> tuple[list[TrustEntry], dict[str, JsonObject]]:
    """(providers, extra DID documents) of a registry file, checked whole: every problem is
    reported at once in one :class:`ValidationFailed`, and nothing is returned partially."""
    errors: list[dict[str, str]] = []
    if not isinstance(data, Mapping):
        raise ValidationFailed("A trust registry file is a JSON object with a 'providers' list.")
    if data.get("format", REGISTRY_FORMAT) != REGISTRY_FORMAT:
        errors.append({"path": "$.format", "message": f"must be {REGISTRY_FORMAT!r}"})
    if data.get("version", REGISTRY_VERSION) != REGISTRY_VERSION:
        errors.append(
            {"path": "$.version", "message": f"this Tessera reads version {REGISTRY_VERSION}"}
        )
    providers = data.get("providers")
    if not isinstance(providers, list):
        raise ValidationFailed(
            "A trust registry file needs a 'providers' list.",
            [{"path": "$.providers", "message": "must be a list"}],
        )
    if len(providers) > MAX_ENTRIES:
        raise ValidationFailed(
            f"A registry holds at most {MAX_ENTRIES} providers; this one has {len(providers)}."
        )
    entries: list[TrustEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(providers):
        entry = entry_from_json(raw, where=f"$.providers[{index}]", errors=errors)
        if entry is None:
            continue
        if entry.did in seen:
            errors.append(
                {"path": f"$.providers[{index}].did", "message": f"{entry.did} is listed twice"}
            )
        seen.add(entry.did)
        entries.append(entry)
    documents: dict[str, JsonObject] = {}
    extra = data.get("didDocuments") or {}
    if not isinstance(extra, Mapping):
        errors.append({"path": "$.didDocuments", "message": "must map DIDs to DID documents"})
    else:
        for did, document in extra.items():
            checked = _check_did_document(str(did), document, errors, f"$.didDocuments[{did!r}]")
            if checked is not None:
                documents[str(did)] = checked
    if errors:
        shown = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise ValidationFailed(
            f"The trust registry file has {len(errors)} problem(s): {shown}{more}. Nothing was imported.",
            errors,
        )
    # The checks above say what is wrong in a person's words; the published schema is the
    # contract (README "Trust registry") and catches whatever they do not.
    validate("trust-registry", data, what="trust registry file")
    return entries, documents


def load_registry(data: Any) -> tuple[TrustRegistry, dict[str, JsonObject]]:
    """A registry snapshot and every DID document a registry file makes resolvable
    (the providers' own and the extra ``didDocuments``)."""
    entries, extra = registry_from_json(data)
    registry = TrustRegistry(entries)
    return registry, {**extra, **registry.did_documents()}


__all__ = [
    "MAX_ENTRIES",
    "REGISTRY_FORMAT",
    "REGISTRY_VERSION",
    "TrustAssessment",
    "TrustEntry",
    "TrustReason",
    "TrustRegistry",
    "entry_from_json",
    "load_registry",
    "registry_from_json",
    "registry_to_json",
]
