"""The trust registry file (``schemas/trust-registry.schema.json``, README "Trust registry
file"): written by :func:`registry_to_json`, read whole by :func:`registry_from_json`, which
reports every problem at once with its path and returns nothing partially."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from service.credentials.schemas import validate
from service.dates import format_utc, parse_datetime
from service.dids import method_from_document
from service.errors import DidResolutionError, ValidationFailed
from service.verification.trust import JsonObject, TrustEntry, TrustRegistry

#: The ``format`` of a registry file; ``version`` changes only with an incompatible layout.
REGISTRY_FORMAT = "tessera-trust-registry"
REGISTRY_VERSION = 1
MAX_ENTRIES = 10_000

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DID = re.compile(r"^(did:[a-z0-9]+:\S+|https://\S+)$")


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
    "entry_from_json",
    "load_registry",
    "registry_from_json",
    "registry_to_json",
]
