"""A learner's data rights: see what the service holds, take it away, have it erased.

GDPR Articles 15 (access), 20 (portability) and 17 (erasure). A learner is found within one
provider by a wallet link (what the learner holds), a learner reference or credential ids (what
the provider holds). :func:`learner_record` lists everything stored about them; :func:`bundle`
packs it as a ZIP (each credential as its own file, exactly as signed, plus ``record.json``).

:func:`erase` deletes the stored credential documents (the only place the name is kept), the
wallet links (token hashes, learner references, language) and the internal revocation
reasons; each status entry stays, detached from any record, so its index is never handed out
again and a revoked bit stays published. A learner's downloaded credential still verifies:
the proof and the status list do not depend on the stored copy. One audit event says an
erasure happened, with counts and no name. Erasing again finds nothing and changes nothing.

A learner asks from their wallet page (:func:`request_erasure`); the provider confirms
(:func:`confirm_erasure`), or the operator's ``TESSERA_ERASURE_AUTO_CONFIRM`` carries it out
at once.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.errors import ConflictError, NotFoundError, ValidationFailed
from service.export.qr import short_id
from service.store import Repositories
from service.store.models import CredentialRow, ErasureRequestRow, WalletLinkRow
from service.store.records import Issuer, WalletLink
from service.store.repositories.learner_data import Erased, LearnerDataRepository

#: What the service never records, said in every record so a learner need not ask.
NOT_RECORDED = (
    "This service does not record when a wallet page, a credential or a certificate is viewed "
    "or downloaded, nor who verified a credential (public verification logs no one; it keeps "
    "only daily counts of outcomes)."
)


def learner_data(repo: Repositories) -> LearnerDataRepository:
    """The learner-data repository in ``repo``'s transaction."""
    return repo.learner_data


@dataclass(frozen=True)
class Selection:
    """Which learner, within one provider: exactly one of the three."""

    wallet_link_id: str | None = None
    learner_ref: str | None = None
    credential_ids: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        wallet_link_id: str | None = None,
        learner_ref: str | None = None,
        credential_ids: Sequence[str] = (),
    ) -> Selection:
        """A checked selection; :class:`ValidationFailed` unless exactly one is given."""
        given = [wallet_link_id is not None, learner_ref is not None, bool(credential_ids)]
        if sum(given) != 1:
            raise ValidationFailed(
                "Name the learner by exactly one of walletLinkId, learnerRef or credentialIds."
            )
        if learner_ref is not None and not learner_ref.strip():
            raise ValidationFailed("learnerRef is empty.")
        if len(credential_ids) > 1000:
            raise ValidationFailed("At most 1,000 credentialIds at once.")
        ids = tuple(dict.fromkeys(c.rstrip("/").rsplit("/", 1)[-1] for c in credential_ids))
        return cls(
            wallet_link_id=wallet_link_id,
            learner_ref=learner_ref.strip() if learner_ref is not None else None,
            credential_ids=ids,
        )


@dataclass(frozen=True)
class Found:
    """A learner's records at one provider."""

    credentials: list[CredentialRow]
    links: list[WalletLinkRow]


def _find(data: LearnerDataRepository, issuer: Issuer, selection: Selection) -> Found:
    """The selected records, with the qualifications and transcripts awarded to their links."""
    found = _selected(data, issuer, selection)
    extra = data.qualification_credentials(issuer.id, [link.id for link in found.links])
    by_id = {c.id: c for c in [*found.credentials, *extra]}
    return Found(sorted(by_id.values(), key=lambda c: (c.issued_at, c.id)), found.links)


def _selected(data: LearnerDataRepository, issuer: Issuer, selection: Selection) -> Found:
    if selection.wallet_link_id is not None:
        links = data.links(issuer.id, [selection.wallet_link_id])
        return Found(data.credentials_in_links(issuer.id, [selection.wallet_link_id]), links)
    if selection.learner_ref is not None:
        credentials = data.credentials_of_ref(issuer.id, selection.learner_ref)
        link_ids = {c.wallet_link_id for c in credentials if c.wallet_link_id}
        by_link = {link.id: link for link in data.links_of_ref(issuer.id, selection.learner_ref)}
        by_link.update({link.id: link for link in data.links(issuer.id, link_ids)})
        more = data.credentials_in_links(issuer.id, set(by_link) - link_ids)
        by_id = {c.id: c for c in [*credentials, *more]}
        return Found(
            sorted(by_id.values(), key=lambda c: (c.issued_at, c.id)), list(by_link.values())
        )
    credentials = data.credentials_in_ids(issuer.id, selection.credential_ids)
    link_ids = {c.wallet_link_id for c in credentials if c.wallet_link_id}
    return Found(credentials, data.links(issuer.id, link_ids))


# -- see and take away --------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def learner_record(
    repo: Repositories, *, issuer: Issuer, selection: Selection, now: datetime
) -> tuple[dict[str, Any], list[CredentialRow]]:
    """``(record, credentials)``: everything the service holds about this learner at this
    provider, as JSON, and the credential records (their documents go into the bundle).

    :class:`NotFoundError` if the selection names nothing (a learner already erased, too)."""
    data = learner_data(repo)
    found = _find(data, issuer, selection)
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
    requests = [r for link in found.links for r in data.erasure_requests_for_link(link.id)]
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


def bundle(record: dict[str, Any], credentials: Sequence[CredentialRow]) -> bytes:
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


# -- erase ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed: counts only."""

    credentials: int
    wallet_links: int
    status_entries_detached: int
    request_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "erasedCredentials": self.credentials,
            "erasedWalletLinks": self.wallet_links,
            "detachedStatusEntries": self.status_entries_detached,
            "erasureRequestId": self.request_id,
        }


def erase(
    repo: Repositories,
    *,
    issuer: Issuer,
    selection: Selection,
    actor: str,
    now: datetime,
    request: ErasureRequestRow | None = None,
) -> ErasureReport:
    """Erase a learner's records at this provider, in the caller's transaction (idempotent:
    a second call erases nothing and reports zeros). See the module docstring."""
    data = learner_data(repo)
    found = _find(data, issuer, selection)
    link_ids = {link.id for link in found.links}
    if selection.wallet_link_id is not None:
        link_ids.add(selection.wallet_link_id)
    done = data.erase(
        issuer.id, credential_ids=[c.id for c in found.credentials], link_ids=link_ids
    )
    if request is None and (done.credentials or done.wallet_links):
        request = data.add_erasure_request(
            issuer_id=issuer.id, wallet_link_id=None, requested_by="provider", now=now
        )
    if request is not None and request.erased_at is None:
        request.erased_at = now
        request.credentials_erased = done.credentials
    if done.credentials or done.wallet_links:
        _audit_erasure(repo, issuer=issuer, done=done, request=request, actor=actor, now=now)
    return ErasureReport(
        credentials=done.credentials,
        wallet_links=done.wallet_links,
        status_entries_detached=done.status_entries_detached,
        request_id=request.id if request is not None else None,
    )


def _audit_erasure(
    repo: Repositories,
    *,
    issuer: Issuer,
    done: Erased,
    request: ErasureRequestRow | None,
    actor: str,
    now: datetime,
) -> None:
    repo.audit.record(
        actor=actor,
        action="learner.erase",
        now=now,
        issuer_id=issuer.id,
        subject=request.id if request is not None else None,
        detail=(
            f"credentials={done.credentials} wallet_links={done.wallet_links} "
            f"status_entries_detached={done.status_entries_detached}"
        ),
    )


# -- the learner asks, the provider confirms ------------------------------------------------


def describe_request(row: ErasureRequestRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "walletLinkId": row.wallet_link_id,
        "requestedBy": row.requested_by,
        "requestedAt": _iso(row.requested_at),
        "erasedAt": _iso(row.erased_at),
        "erasedCredentials": row.credentials_erased,
    }


@dataclass(frozen=True)
class ErasureRequested:
    """The learner's request: pending (the provider confirms) or already carried out."""

    request: ErasureRequestRow
    report: ErasureReport | None


def request_erasure(
    repo: Repositories,
    *,
    issuer: Issuer,
    link: WalletLink,
    auto_confirm: bool,
    now: datetime,
) -> ErasureRequested:
    """A learner's request from their (live) wallet link. Asking twice keeps one request."""
    data = learner_data(repo)
    pending = [r for r in data.erasure_requests_for_link(link.id) if r.erased_at is None]
    request = pending[0] if pending else None
    if request is None:
        request = data.add_erasure_request(
            issuer_id=issuer.id, wallet_link_id=link.id, requested_by="learner", now=now
        )
        repo.audit.record(
            actor="learner",
            action="learner.erasure_request",
            now=now,
            issuer_id=issuer.id,
            subject=request.id,
        )
    if not auto_confirm:
        return ErasureRequested(request, None)
    report = erase(
        repo,
        issuer=issuer,
        selection=Selection(wallet_link_id=link.id),
        actor="operator-setting:auto-confirm",
        now=now,
        request=request,
    )
    return ErasureRequested(request, report)


def confirm_erasure(
    repo: Repositories, *, issuer: Issuer, request_id: str, actor: str, now: datetime
) -> ErasureReport:
    """Carry out a learner's pending request (idempotent: a done one reports what it erased)."""
    data = learner_data(repo)
    request = data.erasure_request(issuer.id, request_id)
    if request.erased_at is not None:
        return ErasureReport(
            credentials=request.credentials_erased or 0,
            wallet_links=0,
            status_entries_detached=0,
            request_id=request.id,
        )
    if request.wallet_link_id is None:  # pragma: no cover - provider erasures are done at once
        raise ConflictError("This erasure request names no wallet link.")
    return erase(
        repo,
        issuer=issuer,
        selection=Selection(wallet_link_id=request.wallet_link_id),
        actor=actor,
        now=now,
        request=request,
    )


def pending_requests(
    repo: Repositories, *, issuer: Issuer, pending_only: bool, limit: int, offset: int
) -> list[dict[str, Any]]:
    rows = learner_data(repo).erasure_requests(
        issuer.id, pending_only=pending_only, limit=limit, offset=offset
    )
    return [describe_request(r) for r in rows]


__all__ = [
    "NOT_RECORDED",
    "ErasureReport",
    "ErasureRequested",
    "Selection",
    "bundle",
    "confirm_erasure",
    "erase",
    "learner_data",
    "learner_record",
    "pending_requests",
    "request_erasure",
]
