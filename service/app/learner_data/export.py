"""See and take away (GDPR Articles 15 and 20): everything the service holds about a learner at
one provider, as JSON, and a ZIP with each credential exactly as signed plus ``record.json``."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from service.app.learner_data.erasure import describe_request
from service.app.learner_data.selection import Selection, find
from service.errors import NotFoundError
from service.export.qr import short_id
from service.store import Repositories
from service.store.records import Credential, Issuer

#: What the service never records, said in every record so a learner need not ask.
NOT_RECORDED = (
    "This service does not record when a wallet page, a credential or a certificate is viewed "
    "or downloaded, nor who verified a credential (public verification logs no one; it keeps "
    "only daily counts of outcomes)."
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def learner_record(
    repo: Repositories, *, issuer: Issuer, selection: Selection, now: datetime
) -> tuple[dict[str, Any], list[Credential]]:
    """``(record, credentials)``: everything the service holds about this learner at this
    provider, as JSON, and the credential records (their documents go into the bundle).

    :class:`NotFoundError` if the selection names nothing (a learner already erased, too)."""
    data = repo.learner_data
    found = find(data, issuer, selection)
    if not found.credentials and not found.links:
        raise NotFoundError("This provider holds no credential or wallet link for that learner.")
    ids = [c.id for c in found.credentials]
    facts = data.status_facts(ids)
    events = data.audit_events_about(issuer.id, [*ids, *(link.id for link in found.links)])
    credentials = []
    for row in found.credentials:
        mine = [f for f in facts if f.credential_id == row.id]
        revoked = next((f for f in mine if f.purpose == "revocation" and f.is_set), None)
        suspended = next((f for f in mine if f.purpose == "suspension" and f.is_set), None)
        credentials.append(
            {
                "id": row.id,
                "file": f"credentials/{short_id(row.id)}.json",
                "credentialId": row.document.get("id"),
                "learnerName": row.learner_name,
                "learnerRef": row.learner_ref,
                "moduleId": row.module_id,
                "walletLinkId": row.wallet_link_id,
                "issuedAt": _iso(row.issued_at),
                "revoked": revoked is not None,
                "revokedAt": _iso(revoked.changed_at) if revoked else None,
                "suspended": suspended is not None,
                "suspendedAt": _iso(suspended.changed_at) if suspended else None,
            }
        )
    requests = [r for link in found.links for r in repo.erasure_requests.of_link(link.id)]
    added = data.added_credentials([link.id for link in found.links])
    cases = data.rpl_cases(issuer.id, ids)
    record = {
        "generatedAt": now.isoformat(),
        "provider": {"name": issuer.name, "did": issuer.did, "slug": issuer.slug},
        "credentials": credentials,
        "walletLinks": [
            {
                "id": link.id,
                "learnerRef": link.learner_ref,
                "language": link.language,
                "createdAt": _iso(link.created_at),
                "revokedAt": _iso(link.revoked_at),
                "note": "The link's address is not stored, only a one-way hash of it.",
            }
            for link in found.links
        ],
        "events": [{"at": _iso(e.at), "action": e.action, "subject": e.subject} for e in events],
        "addedCredentials": [
            {
                "id": row.id,
                "credentialId": row.document_id,
                "issuer": row.issuer_did,
                "addedAt": _iso(row.created_at),
                "document": row.document,
            }
            for row in added
        ],
        "recognitionCases": [
            {
                "id": case.id,
                "learnerName": case.learner_name,
                "learnerRef": case.learner_ref,
                "status": case.status,
                "openedAt": _iso(case.opened_at),
                "decidedAt": _iso(case.decided_at),
                "record": case.record,
            }
            for case in cases
        ],
        "erasureRequests": [describe_request(r) for r in requests],
        "notRecorded": NOT_RECORDED,
    }
    return record, found.credentials


def bundle(record: dict[str, Any], credentials: Sequence[Credential]) -> bytes:
    """The take-away ZIP: ``record.json`` and ``credentials/<code>.json`` (as signed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "record.json", json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True)
        )
        for row in credentials:
            archive.writestr(
                f"credentials/{short_id(row.id)}.json",
                json.dumps(row.document, ensure_ascii=False, indent=2),
            )
    return buffer.getvalue()


__all__ = ["NOT_RECORDED", "bundle", "learner_record"]
