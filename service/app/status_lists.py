"""Revocation and suspension: allocate status list entries, change them, publish the lists.

How it stays correct under concurrency (several processes, one PostgreSQL database):

* Allocation takes the list row ``FOR UPDATE`` (PostgreSQL; SQLite serializes writers
  anyway), so two batches never pick the same index. It runs in its own short transaction
  *before* signing: reserved indices are committed at once and the lock is not held while
  a cohort is signed. If issuing then fails, those indices are simply burned: an index is
  never handed out twice and never reused, which is what the spec asks for privacy.
* A status change updates one entry row and bumps the list's ``version`` with an atomic
  ``version = version + 1``. The published bits are derived from the entry rows, so
  concurrent revocations on one list cannot overwrite each other.
* A revocation is committed before the call returns; the served list is signed again
  whenever its ``version`` moved past the published one, so the next list served shows it
  (:class:`service.app.status_publishing.ListPublisher`). The first change since the last
  publication queues the republish job (one waiting per list), which signs the list once
  for the whole batch of changes, so reads seldom have to.

The statements that give these guarantees are in
:class:`service.store.repositories.status_lists.StatusListRepository` (``repo.status_lists``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.app.jobs import REPUBLISH_TASK, JobQueue, republish_lock
from service.errors import ConflictError, NotFoundError, ValidationFailed
from service.status.bitstring import (
    DEFAULT_LIST_BITS,
    entry_json,
)
from service.store import Repositories
from service.store.records import Issuer, StatusList

#: A list is closed for new entries at half capacity, so a random free index is found fast
#: and every list stays sparse enough that an index says little about issue order.
FILL_LIMIT = DEFAULT_LIST_BITS // 2
_random = secrets.SystemRandom()


def list_url(base_url: str, list_id: str) -> str:
    return f"{base_url.rstrip('/')}/status/{list_id}"


@dataclass(frozen=True)
class Reservation:
    """The status entries reserved for one credential, as ``credentialStatus`` JSON."""

    credential_id: str
    entries: list[dict[str, str]]


def purposes_for(issuer: Issuer) -> tuple[str, ...]:
    return ("revocation", "suspension") if issuer.suspension_enabled else ("revocation",)


def _open_list(
    repo: Repositories, issuer: Issuer, purpose: str, needed: int, now: datetime
) -> StatusList:
    """The newest list with room for ``needed`` more entries (locked), or a new one.

    A new list is opened under the provider's creation lock, after looking again: two
    workers issuing the first slices of a new provider's cohort at once would otherwise
    each open a list of their own, and a list few credentials share tells more about them."""
    found = _list_with_room(repo, issuer, purpose, needed)
    if found is None:
        repo.status_lists.lock_list_creation(issuer.id)
        # After the wait, this statement sees a list that the lock's last holder committed.
        found = _list_with_room(repo, issuer, purpose, needed)
    if found is not None:
        return found
    return repo.status_lists.add_list(
        issuer_id=issuer.id, purpose=purpose, size=DEFAULT_LIST_BITS, now=now
    )


def _list_with_room(
    repo: Repositories, issuer: Issuer, purpose: str, needed: int
) -> StatusList | None:
    for status_list in repo.status_lists.lock_lists(issuer.id, purpose):
        if repo.status_lists.entry_count(status_list.id) + needed <= FILL_LIMIT:
            return status_list
    return None


def _free_indices(repo: Repositories, status_list: StatusList, count: int) -> list[int]:
    """``count`` random indices of the (locked) list that were never handed out.

    Asks the database about the candidates only, not for every index taken: a list is at
    most half full, so a round finds most of them free, while reading every taken index of
    a list 60,000 entries deep took longer than the rest of a slice's reservation."""
    chosen: list[int] = []
    seen: set[int] = set()
    while len(chosen) < count:
        candidates: set[int] = set()
        while len(candidates) < count - len(chosen):
            index = secrets.randbelow(status_list.size)
            if index not in seen:
                candidates.add(index)
                seen.add(index)
        taken = repo.status_lists.taken_among(status_list.id, candidates)
        chosen.extend(candidates - taken)
    # A set's order follows the numbers; rows in file order must not get rising indices.
    _random.shuffle(chosen)
    return chosen


def reserve_entries(
    repo: Repositories,
    *,
    issuer: Issuer,
    credential_ids: Sequence[str],
    base_url: str,
    now: datetime,
) -> list[Reservation]:
    """Reserve a random, never-used index in each of the provider's lists for each credential.

    Call in its own transaction (see the module docstring).
    """
    if len(credential_ids) > FILL_LIMIT:
        raise ValidationFailed(f"At most {FILL_LIMIT} credentials can be reserved at once.")
    per_credential: dict[str, list[dict[str, str]]] = {cid: [] for cid in credential_ids}
    for purpose in purposes_for(issuer):
        status_list = _open_list(repo, issuer, purpose, len(credential_ids), now)
        chosen = _free_indices(repo, status_list, len(credential_ids))
        repo.status_lists.add_entries(
            list_id=status_list.id,
            allocations=zip(credential_ids, chosen, strict=True),
            now=now,
        )
        url = list_url(base_url, status_list.id)
        for cid, index in zip(credential_ids, chosen, strict=True):
            per_credential[cid].append(entry_json(url, index, purpose))
    return [
        Reservation(credential_id=cid, entries=entries) for cid, entries in per_credential.items()
    ]


# -- changing status ------------------------------------------------------------------------

ACTIONS = {
    "revoke": ("revocation", True),
    "suspend": ("suspension", True),
    "unsuspend": ("suspension", False),
}


@dataclass(frozen=True)
class CredentialStatus:
    credential_id: str
    revoked: bool
    suspended: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "credentialId": self.credential_id,
            "revoked": self.revoked,
            "suspended": self.suspended,
        }


def credential_status(
    repo: Repositories, *, issuer: Issuer, credential_id: str
) -> CredentialStatus:
    repo.credentials.credential(issuer.id, credential_id)
    flags = {
        status_list.purpose: entry.is_set
        for entry, status_list in repo.status_lists.entries_of(credential_id)
    }
    return CredentialStatus(
        credential_id, flags.get("revocation", False), flags.get("suspension", False)
    )


def change_status(
    repo: Repositories,
    *,
    issuer: Issuer,
    credential_id: str,
    action: str,
    reason: str | None,
    actor: str,
    now: datetime,
    queue: JobQueue | None = None,
) -> CredentialStatus:
    """Revoke, suspend or unsuspend one of the provider's credentials.

    Revocation is permanent (un-revoking is :class:`ConflictError`); suspension needs the
    provider to have it enabled. The reason stays internal and is never published. With a
    ``queue``, the first change since the list's last publication queues its republication.
    """
    if action not in ACTIONS:
        raise ValidationFailed(
            f"Unknown status action {action!r}; use revoke, suspend or unsuspend."
        )
    purpose, value = ACTIONS[action]
    record = repo.credentials.credential(issuer.id, credential_id)  # 404 for anyone else's
    entries = repo.status_lists.entries_of(credential_id)
    by_purpose = {status_list.purpose: (entry, status_list) for entry, status_list in entries}
    revocation = by_purpose.get("revocation")
    if revocation and revocation[0].is_set and action in ("suspend", "unsuspend"):
        raise ConflictError(
            "The credential is revoked; revocation is permanent, so its suspension cannot change."
        )
    if purpose not in by_purpose:
        raise ConflictError(
            f"This credential has no {purpose} status entry"
            + (
                " (suspension is not enabled for this provider)."
                if purpose == "suspension"
                else "."
            )
        )
    entry, status_list = by_purpose[purpose]
    # Conditional on the bit still being the other way, so concurrent identical changes are
    # counted and audited once (see StatusListRepository.set_entry).
    changed = entry.is_set != value and repo.status_lists.set_entry(
        entry.id, value=value, reason=reason, now=now
    )
    if changed:
        repo.audit.record(
            actor=actor,
            action=f"credential.{action}",
            now=now,
            issuer_id=issuer.id,
            subject=credential_id,
        )
        if value:  # revoked or suspended: a qualification resting on it is never silently valid
            _flag_qualifications(
                repo, issuer, str(record.document.get("id", "")), action, actor=actor, now=now
            )
    flags = {p: e.is_set for p, (e, _) in by_purpose.items()} | {purpose: value}
    status = CredentialStatus(
        credential_id, flags.get("revocation", False), flags.get("suspension", False)
    )
    if changed:
        # Last: every change to one list bumps its one row, so that row's lock serializes
        # concurrent changes (across processes) until commit; taken last, it is held for
        # the commit only, not for the audit, the qualification check and the reads above.
        first_change = repo.status_lists.bump_version(status_list.id, now=now)
        if first_change and queue is not None:
            queue.enqueue(
                repo.jobs,
                REPUBLISH_TASK,
                [{"list_id": status_list.id}],
                lock=republish_lock(status_list.id),
            )
    return status


def _flag_qualifications(
    repo: Repositories,
    issuer: Issuer,
    document_id: str,
    action: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    repo.pathways.flag_relying_on(
        [document_id],
        reason=f"relied-on credential {document_id} was {action}d by {issuer.name}",
        actor=actor,
        now=now,
    )


def unrevoke_refused() -> ConflictError:
    return ConflictError(
        "Revocation is permanent: a revoked credential cannot be reinstated. Issue a new one."
    )


def apply_vcapi_update(
    repo: Repositories,
    *,
    issuer: Issuer,
    request: Mapping[str, Any],
    actor: str,
    now: datetime,
    queue: JobQueue | None = None,
) -> CredentialStatus:
    """W3C VC-API ``POST /credentials/status``.

    Accepts ``{"credentialId": ID, "credentialStatus": [{"type": ..., "status": "revoked" |
    "suspended" | "active", ...}]}`` (or ``statusPurpose`` with a boolean ``status``). ID is
    the credential's id URL or its uuid.
    """
    credential_id = request.get("credentialId")
    updates = request.get("credentialStatus")
    if not isinstance(credential_id, str) or not credential_id:
        raise ValidationFailed(
            "credentialId is required.", [{"path": "$.credentialId", "message": "required"}]
        )
    if isinstance(updates, Mapping):
        updates = [updates]
    if not isinstance(updates, list) or not updates:
        raise ValidationFailed(
            'credentialStatus must list the change, e.g. [{"type": "BitstringStatusListEntry", '
            '"status": "revoked"}].',
            [{"path": "$.credentialStatus", "message": "required"}],
        )
    uuid_part = _record_id(repo, issuer, credential_id)
    result: CredentialStatus | None = None
    for item in updates:
        if not isinstance(item, Mapping):
            raise ValidationFailed("Each credentialStatus item must be an object.")
        action = _action_of(item)
        if action == "unrevoke":
            current = credential_status(repo, issuer=issuer, credential_id=uuid_part)
            if current.revoked:
                raise unrevoke_refused()
            result = current
            continue
        result = change_status(
            repo,
            issuer=issuer,
            credential_id=uuid_part,
            action=action,
            reason=item.get("reason") if isinstance(item.get("reason"), str) else None,
            actor=actor,
            now=now,
            queue=queue,
        )
    if result is None:  # pragma: no cover - updates is non-empty
        raise ValidationFailed("Nothing to change.")
    return result


def _record_id(repo: Repositories, issuer: Issuer, credential_id: str) -> str:
    """The record id behind a VC-API ``credentialId``: our own id URL or uuid, else whatever
    id the client chose when it issued the credential (404 if none)."""
    candidate = credential_id.rstrip("/").rsplit("/", 1)[-1].removeprefix("urn:uuid:")
    try:
        row = repo.credentials.credential(issuer.id, candidate)
    except NotFoundError:
        row = None
    if row is not None and credential_id in (row.id, f"urn:uuid:{row.id}", row.document.get("id")):
        return row.id
    return repo.credentials.credential_by_document_id(issuer.id, credential_id).id


def _action_of(item: Mapping[str, Any]) -> str:
    status = item.get("status")
    purpose = item.get("statusPurpose")
    if isinstance(status, str):
        named = {
            "revoked": "revoke",
            "suspended": "suspend",
            "active": "unsuspend",
            "unsuspended": "unsuspend",
        }
        if status.lower() in named:
            action = named[status.lower()]
            if action == "unsuspend" and purpose == "revocation":
                return "unrevoke"
            return action
    if isinstance(status, bool) and purpose in ("revocation", "suspension"):
        if purpose == "revocation":
            return "revoke" if status else "unrevoke"
        return "suspend" if status else "unsuspend"
    raise ValidationFailed(
        "Each credentialStatus item needs status 'revoked', 'suspended' or 'active' "
        "(or statusPurpose with a boolean status)."
    )


__all__ = [
    "ACTIONS",
    "FILL_LIMIT",
    "CredentialStatus",
    "Reservation",
    "apply_vcapi_update",
    "change_status",
    "credential_status",
    "list_url",
    "purposes_for",
    "reserve_entries",
]
