"""After the award: the provider's list of qualifications, and its decision on one flagged
for review because a credential it relied on was revoked or suspended (flagged by
``service.app.status_lists`` on every revocation or suspension, and by
``service.app.recognition.recheck``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.app.jobs import JobQueue
from service.app.status_lists import change_status
from service.credentials import validate
from service.errors import ConflictError, NotFoundError
from service.store import Repositories
from service.store.records import Issuer, Qualification


def describe(row: Qualification) -> dict[str, Any]:
    """A qualification record as the provider's API shows it."""
    return {
        "id": row.id,
        "programmeId": row.programme_id,
        "programmeVersion": row.programme_version,
        "walletLinkId": row.wallet_link_id,
        "credentialId": row.credential_id,
        "clrId": row.clr_id,
        "reliedOn": row.relied_on["credentials"],
        "flaggedForReview": row.flagged_at is not None,
        "flaggedAt": row.flagged_at.isoformat() if row.flagged_at else None,
        "reviewReason": row.review_reason,
        "createdAt": row.created_at.isoformat(),
    }


def review_qualification(
    repo: Repositories,
    *,
    issuer: Issuer,
    qualification_id: str,
    data: Mapping[str, Any],
    actor: str,
    now: datetime,
    queue: JobQueue | None = None,
) -> dict[str, Any]:
    """The provider decides on a flagged qualification (``schemas/qualification-review``):
    ``keep`` lifts the flag, ``revoke`` revokes the qualification and its transcript (with a
    ``queue``, their list's republication is queued as for any revocation). Either way the
    decision and its reason stay on the record and in the audit log."""
    validate("qualification-review", data, what="review")
    row = repo.pathways.qualification(issuer.id, qualification_id)
    if row is None:
        raise NotFoundError(f"No qualification {qualification_id!r}.")
    if row.flagged_at is None:
        raise ConflictError("This qualification is not flagged for review.")
    decision, reason = data["decision"], data["reason"].strip()
    if decision == "revoke":
        for credential_id in (row.credential_id, row.clr_id):
            change_status(
                repo,
                issuer=issuer,
                credential_id=credential_id,
                action="revoke",
                reason=f"qualification review: {reason}",
                actor=actor,
                now=now,
                queue=queue,
            )
    verdict = "revoked" if decision == "revoke" else "kept"
    row = repo.pathways.record_review(
        issuer.id,
        qualification_id,
        reason=f"{verdict} after review ({now:%Y-%m-%d}): {reason}",
        lift_flag=decision == "keep",
    )
    repo.audit.record(
        actor=actor,
        action=f"qualification.review.{decision}",
        now=now,
        issuer_id=issuer.id,
        subject=row.id,
    )
    return describe(row)


def list_qualifications(
    repo: Repositories, *, issuer: Issuer, flagged: bool | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The provider's qualifications, newest first (``flagged=True``: those awaiting review)."""
    rows = repo.pathways.qualifications(issuer.id, flagged=flagged, limit=limit, offset=offset)
    return [describe(r) for r in rows]


def get_qualification(
    repo: Repositories, *, issuer: Issuer, qualification_id: str
) -> dict[str, Any]:
    """One of the provider's qualifications as its API shows it (:class:`NotFoundError` for
    an unknown one or another provider's)."""
    row = repo.pathways.qualification(issuer.id, qualification_id)
    if row is None:
        raise NotFoundError(f"No qualification {qualification_id!r}.")
    return describe(row)


__all__ = ["describe", "get_qualification", "list_qualifications", "review_qualification"]
