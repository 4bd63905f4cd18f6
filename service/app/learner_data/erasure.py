"""Erasure (GDPR Article 17): a learner's records at one provider deleted, in the caller's
transaction, with one audit event of counts; the learner's request from their wallet page and
the provider's confirmation of it. See :mod:`service.app.learner_data`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.app.learner_data.selection import Selection, find
from service.errors import ConflictError
from service.store import Repositories
from service.store.records import ErasureRequest, Issuer, WalletLink
from service.store.repositories.learner_data import Erased


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
    request: ErasureRequest | None = None,
) -> ErasureReport:
    """Erase a learner's records at this provider, in the caller's transaction (idempotent:
    a second call erases nothing and reports zeros). See :mod:`service.app.learner_data`."""
    data = repo.learner_data
    found = find(data, issuer, selection)
    link_ids = {link.id for link in found.links}
    if selection.wallet_link_id is not None:
        link_ids.add(selection.wallet_link_id)
    done = data.erase(
        issuer.id, credential_ids=[c.id for c in found.credentials], link_ids=link_ids
    )
    if request is None and (done.credentials or done.wallet_links):
        request = repo.erasure_requests.add(
            issuer_id=issuer.id, wallet_link_id=None, requested_by="provider", now=now
        )
    if request is not None and request.erased_at is None:
        request = repo.erasure_requests.mark_done(
            request.id, credentials_erased=done.credentials, now=now
        )
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
    request: ErasureRequest | None,
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


def describe_request(row: ErasureRequest) -> dict[str, Any]:
    """A request as the wallet page, the provider's API and the learner's record show it."""
    return {
        "id": row.id,
        "walletLinkId": row.wallet_link_id,
        "requestedBy": row.requested_by,
        "requestedAt": row.requested_at.isoformat(),
        "erasedAt": row.erased_at.isoformat() if row.erased_at is not None else None,
        "erasedCredentials": row.credentials_erased,
    }


@dataclass(frozen=True)
class ErasureRequested:
    """The learner's request: pending (the provider confirms) or already carried out."""

    request: ErasureRequest
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
    pending = [r for r in repo.erasure_requests.of_link(link.id) if r.erased_at is None]
    request = pending[0] if pending else None
    if request is None:
        request = repo.erasure_requests.add(
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
    request = repo.erasure_requests.get(issuer.id, request_id)
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
    rows = repo.erasure_requests.of_provider(
        issuer.id, pending_only=pending_only, limit=limit, offset=offset
    )
    return [describe_request(r) for r in rows]


__all__ = [
    "ErasureReport",
    "ErasureRequested",
    "confirm_erasure",
    "describe_request",
    "erase",
    "pending_requests",
    "request_erasure",
]
