"""The operator's trust registry as stored: list, add, remove, import and export its entries,
and the registry this service's verifier uses (:func:`service_registry`). Each use case receives
a repository (one transaction, the caller's) and records an audit entry for what it changes.

What an entry means and how the ``trust`` check judges it, and the registry file's format, are
in :mod:`service.verification.trust`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.store.records import TrustRecord
from service.store.repositories import Repositories
from service.verification.trust import TrustEntry, TrustRegistry
from service.verification.trust_file import registry_from_json, registry_to_json

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    removed: int


def entry_from_row(row: TrustRecord) -> TrustEntry:
    """A :class:`TrustEntry` from its stored row."""

    def aware(moment: datetime | None) -> datetime | None:
        # SQLite hands back naive datetimes for timezone-aware columns; they were UTC.
        return (
            moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
        )

    return TrustEntry(
        did=row.did,
        name=row.name,
        country=row.country,
        accrediting_body=row.accrediting_body,
        valid_from=aware(row.valid_from),
        valid_until=aware(row.valid_until),
        withdrawn_at=aware(row.withdrawn_at),
        did_document=row.did_document,
    )


def list_entries(repo: Repositories) -> list[TrustEntry]:
    """Every registry entry, by name."""
    return TrustRegistry(entry_from_row(r) for r in repo.trust.trust_entries()).entries


def service_registry(repo: Repositories, *, trust_own_providers: bool) -> TrustRegistry:
    """The registry this service's verifier uses: the operator's entries and, unless the
    operator turned it off (``TESSERA_VERIFY_TRUST_OWN_PROVIDERS=false``), every provider
    registered on this service (the operator vouched for them by registering them). An
    operator's own entry for a provider wins: it can end or withdraw the recognition."""
    entries = [entry_from_row(r) for r in repo.trust.trust_entries()]
    if trust_own_providers:
        listed = {e.did for e in entries}
        entries.extend(
            TrustEntry(did=issuer.did, name=issuer.name)
            for issuer in repo.providers.issuers()
            if issuer.did not in listed
        )
    return TrustRegistry(entries)


def import_registry(
    repo: Repositories,
    data: Any,
    *,
    replace: bool,
    actor: str,
    now: datetime,
) -> ImportSummary:
    """Import a registry file: every entry is checked before anything is written; entries are
    matched by DID and replaced whole. ``replace`` also removes the entries the file lacks."""
    entries, _extra = registry_from_json(data)
    added = updated = 0
    for entry in entries:
        created = _put(repo, entry, now=now)
        added += created
        updated += not created
    removed = repo.trust.remove_trust_entries_except({e.did for e in entries}) if replace else 0
    repo.audit.record(
        actor=actor,
        action="trust.import",
        now=now,
        detail=f"added={added} updated={updated} removed={removed}",
    )
    return ImportSummary(added=added, updated=updated, removed=removed)


def _put(repo: Repositories, entry: TrustEntry, *, now: datetime) -> bool:
    """Store ``entry`` whole (matched by DID); True when it is new."""
    return repo.trust.put_trust_entry(
        did=entry.did,
        name=entry.name,
        country=entry.country,
        accrediting_body=entry.accrediting_body,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
        withdrawn_at=entry.withdrawn_at,
        did_document=entry.did_document,
        now=now,
    )


def add_entry(repo: Repositories, raw: Mapping[str, Any], *, actor: str, now: datetime) -> bool:
    """Add (or replace whole) one provider, given as a registry file's provider object;
    checked like a file of one. True when it is new."""
    entries, _ = registry_from_json({"providers": [dict(raw)]})
    entry = entries[0]
    created = _put(repo, entry, now=now)
    repo.audit.record(actor=actor, action="trust.add", now=now, detail=entry.did)
    return created


def remove_entry(repo: Repositories, did: str, *, actor: str, now: datetime) -> bool:
    """Remove the operator's entry for ``did`` (False: there was none). A provider of this
    service stays recognized while TESSERA_VERIFY_TRUST_OWN_PROVIDERS is on; to stop
    recognizing one, add an entry with ``withdrawnAt`` instead."""
    removed = repo.trust.remove_trust_entry(did)
    if removed:
        repo.audit.record(actor=actor, action="trust.remove", now=now, detail=did)
    return removed


def export_registry(
    repo: Repositories, *, now: datetime, own_did_documents: Mapping[str, JsonObject]
) -> JsonObject:
    """The registry as a file for offline verifiers. Listed providers without a saved DID
    document get this service's live one when they are its own; the service's other providers
    ride along under ``didDocuments`` (resolvable, not trusted)."""
    entries = []
    for entry in list_entries(repo):
        if entry.did_document is None and entry.did in own_did_documents:
            entry = dataclasses.replace(entry, did_document=own_did_documents[entry.did])
        entries.append(entry)
    listed = {e.did for e in entries}
    extra = {did: doc for did, doc in own_did_documents.items() if did not in listed}
    return registry_to_json(entries, exported_at=now, did_documents=extra)


__all__ = [
    "ImportSummary",
    "add_entry",
    "entry_from_row",
    "export_registry",
    "import_registry",
    "list_entries",
    "remove_entry",
    "service_registry",
]
