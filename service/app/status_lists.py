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
* A revocation is committed before the call returns; the served list is rebuilt whenever
  its ``version`` moved, so the next list served shows it.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from service.app.signing import BatchSigner
from service.app.telemetry import observe_publication_lag
from service.dates import format_utc
from service.errors import ConflictError, NotFoundError, ValidationFailed
from service.status.bitstring import (
    DEFAULT_LIST_BITS,
    bitstring,
    encode_list,
    entry_json,
    list_credential,
)
from service.store import Repository
from service.store.models import IssuerRow, StatusEntryRow, StatusListRow
from service.store.repositories import new_id
from service.store.repositories.pathways import PathwaysRepository

#: A list is closed for new entries at half capacity, so a random free index is found fast
#: and every list stays sparse enough that an index says little about issue order.
FILL_LIMIT = DEFAULT_LIST_BITS // 2
#: How long a served status list credential is valid (its ``validUntil``). Online verifiers
#: and caches refresh far sooner (``Cache-Control: max-age``), and a status change re-signs the
#: list at once; this bounds how long a *saved* copy serves offline checks (a border office
#: that fetched it this morning). Ten minutes made the README's offline flow fail the same day.
LIST_TTL = timedelta(hours=24)


def list_url(base_url: str, list_id: str) -> str:
    return f"{base_url.rstrip('/')}/status/{list_id}"


@dataclass(frozen=True)
class Reservation:
    """The status entries reserved for one credential, as ``credentialStatus`` JSON."""

    credential_id: str
    entries: list[dict[str, str]]


def purposes_for(issuer: IssuerRow) -> tuple[str, ...]:
    return ("revocation", "suspension") if issuer.suspension_enabled else ("revocation",)


def _open_list(
    repo: Repository, issuer: IssuerRow, purpose: str, needed: int, now: datetime
) -> StatusListRow:
    session = repo.session
    rows = session.scalars(
        select(StatusListRow)
        .where(StatusListRow.issuer_id == issuer.id, StatusListRow.purpose == purpose)
        .order_by(StatusListRow.created_at.desc())
        .with_for_update()
    ).all()
    for row in rows:
        used = (
            session.scalar(
                select(func.count())
                .select_from(StatusEntryRow)
                .where(StatusEntryRow.list_id == row.id)
            )
            or 0
        )
        if used + needed <= FILL_LIMIT:
            return row
    row = StatusListRow(
        id=new_id(),
        issuer_id=issuer.id,
        purpose=purpose,
        size=DEFAULT_LIST_BITS,
        version=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def reserve_entries(
    repo: Repository,
    *,
    issuer: IssuerRow,
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
        taken = set(
            repo.session.scalars(
                select(StatusEntryRow.position).where(StatusEntryRow.list_id == status_list.id)
            )
        )
        chosen: list[int] = []
        while len(chosen) < len(credential_ids):
            index = secrets.randbelow(status_list.size)
            if index not in taken:
                taken.add(index)
                chosen.append(index)
        repo.session.bulk_insert_mappings(
            StatusEntryRow,
            [
                {
                    "list_id": status_list.id,
                    "position": index,
                    "credential_id": cid,
                    "is_set": False,
                    "reason": None,
                    "updated_at": now,
                }
                for cid, index in zip(credential_ids, chosen, strict=True)
            ],
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


def _entries(repo: Repository, credential_id: str) -> list[tuple[StatusEntryRow, StatusListRow]]:
    rows = repo.session.execute(
        select(StatusEntryRow, StatusListRow)
        .join(StatusListRow, StatusListRow.id == StatusEntryRow.list_id)
        .where(StatusEntryRow.credential_id == credential_id)
    ).all()
    return [(entry, status_list) for entry, status_list in rows]


def credential_status(
    repo: Repository, *, issuer: IssuerRow, credential_id: str
) -> CredentialStatus:
    repo.credential(issuer.id, credential_id)
    flags = {
        status_list.purpose: entry.is_set for entry, status_list in _entries(repo, credential_id)
    }
    return CredentialStatus(
        credential_id, flags.get("revocation", False), flags.get("suspension", False)
    )


def change_status(
    repo: Repository,
    *,
    issuer: IssuerRow,
    credential_id: str,
    action: str,
    reason: str | None,
    actor: str,
    now: datetime,
) -> CredentialStatus:
    """Revoke, suspend or unsuspend one of the provider's credentials.

    Revocation is permanent (un-revoking is :class:`ConflictError`); suspension needs the
    provider to have it enabled. The reason stays internal and is never published.
    """
    if action not in ACTIONS:
        raise ValidationFailed(
            f"Unknown status action {action!r}; use revoke, suspend or unsuspend."
        )
    purpose, value = ACTIONS[action]
    repo.credential(issuer.id, credential_id)  # 404 for anyone else's
    entries = _entries(repo, credential_id)
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
    # Conditional on the bit still being the other way: of concurrent requests making the
    # same change, the others wait for the first one's row lock, then match nothing (READ
    # COMMITTED re-checks the condition), so the change is counted and audited once.
    changed = entry.is_set != value and (
        repo.session.execute(
            update(StatusEntryRow)
            .where(StatusEntryRow.id == entry.id, StatusEntryRow.is_set.is_(not value))
            .values(is_set=value, reason=(reason or None) if value else None, updated_at=now)
            .returning(StatusEntryRow.id)
            .execution_options(synchronize_session=False)
        ).first()
        is not None
    )
    if changed:
        repo.audit(
            actor=actor,
            action=f"credential.{action}",
            now=now,
            issuer_id=issuer.id,
            subject=credential_id,
        )
        if value:  # revoked or suspended: a qualification resting on it is never silently valid
            _flag_qualifications(repo, issuer, credential_id, action, actor=actor, now=now)
    repo.session.expire_all()
    status = credential_status(repo, issuer=issuer, credential_id=credential_id)
    if changed:
        # Last: every change to one list bumps its one row, so that row's lock serializes
        # concurrent changes (across processes) until commit; taken last, it is held for
        # the commit only, not for the audit, the qualification check and the reads above.
        repo.session.execute(
            update(StatusListRow)
            .where(StatusListRow.id == status_list.id)
            .values(version=StatusListRow.version + 1, updated_at=now)
        )
    return status


def _flag_qualifications(
    repo: Repository,
    issuer: IssuerRow,
    credential_id: str,
    action: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    document_id = str(repo.credential(issuer.id, credential_id).document.get("id", ""))
    PathwaysRepository.of(repo).flag_relying_on(
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
    repo: Repository, *, issuer: IssuerRow, request: Mapping[str, Any], actor: str, now: datetime
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
        )
    if result is None:  # pragma: no cover - updates is non-empty
        raise ValidationFailed("Nothing to change.")
    return result


def _record_id(repo: Repository, issuer: IssuerRow, credential_id: str) -> str:
    """The record id behind a VC-API ``credentialId``: our own id URL or uuid, else whatever
    id the client chose when it issued the credential (404 if none)."""
    candidate = credential_id.rstrip("/").rsplit("/", 1)[-1].removeprefix("urn:uuid:")
    try:
        row = repo.credential(issuer.id, candidate)
    except NotFoundError:
        row = None
    if row is not None and credential_id in (row.id, f"urn:uuid:{row.id}", row.document.get("id")):
        return row.id
    return repo.credential_by_document_id(issuer.id, credential_id).id


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


# -- publishing lists -----------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedList:
    """A signed status list credential and the version it reflects."""

    list_id: str
    version: int
    document: dict[str, Any]
    valid_until: datetime


def list_snapshot(repo: Repository, list_id: str) -> tuple[StatusListRow, IssuerRow, bytes]:
    """The list row, its issuer and its current bitstring (from the entry rows)."""
    row = repo.session.get(StatusListRow, list_id)
    if row is None:
        raise NotFoundError(f"No status list {list_id!r}.")
    issuer = repo.issuer(row.issuer_id)
    positions = repo.session.scalars(
        select(StatusEntryRow.position).where(
            StatusEntryRow.list_id == list_id, StatusEntryRow.is_set.is_(True)
        )
    ).all()
    return row, issuer, bitstring(row.size, positions)


def unsigned_list(
    *, base_url: str, row: StatusListRow, issuer: IssuerRow, bits: bytes, now: datetime
) -> dict[str, Any]:
    return list_credential(
        list_url=list_url(base_url, row.id),
        issuer=issuer.did,
        purpose=row.purpose,
        encoded=encode_list(bits),
        valid_from=format_utc(now),
        valid_until=format_utc(now + LIST_TTL),
    )


class ListPublisher:
    """Signs and caches this service's status list credentials.

    A list is re-signed when its ``version`` moved (a status changed) or when less than half
    of its validity is left; otherwise every request gets the cached document, so serving a
    list costs one indexed read.
    """

    def __init__(
        self,
        *,
        repositories: Callable[[], AbstractContextManager[Repository]],
        signer: BatchSigner,
        base_url: str,
    ) -> None:
        self._repositories = repositories
        self._signer = signer
        self._base_url = base_url
        self._cache: dict[str, PublishedList] = {}
        self._lock = threading.Lock()

    def current(self, list_id: str, *, now: datetime) -> PublishedList:
        """The signed list as of now (raises :class:`NotFoundError` for an unknown id)."""
        with self._repositories() as repo:
            row = repo.session.get(StatusListRow, list_id)
            if row is None:
                raise NotFoundError(f"No status list {list_id!r}.")
            version = row.version
        with self._lock:
            cached = self._cache.get(list_id)
        if cached and cached.version == version and cached.valid_until - now > LIST_TTL / 2:
            return cached
        with self._repositories() as repo:
            row, issuer, bits = list_snapshot(repo, list_id)
            version = row.version
            key_name = repo.active_key(issuer.id).key_name
            document = unsigned_list(
                base_url=self._base_url, row=row, issuer=issuer, bits=bits, now=now
            )
        signed = self._signer.sign_all(key_name, [document], created=now)[0]
        if cached is not None and cached.version != version:
            # A change this process saw published before (a first signing after start-up
            # would count the time the process was not running).
            changed = row.updated_at
            observe_publication_lag(
                changed_at=changed if changed.tzinfo else changed.replace(tzinfo=UTC),
                signed_at=now,
            )
        published = PublishedList(
            list_id=list_id, version=version, document=signed, valid_until=now + LIST_TTL
        )
        with self._lock:
            self._cache[list_id] = published
        return published

    def by_url(self, url: str, *, now: datetime) -> dict[str, Any] | None:
        """The document for one of this service's list URLs, or None if the URL is not ours."""
        prefix = list_url(self._base_url, "")
        if not url.startswith(prefix):
            return None
        try:
            return self.current(url.removeprefix(prefix), now=now).document
        except NotFoundError:
            return None


__all__ = [
    "ACTIONS",
    "FILL_LIMIT",
    "LIST_TTL",
    "CredentialStatus",
    "ListPublisher",
    "PublishedList",
    "Reservation",
    "apply_vcapi_update",
    "change_status",
    "credential_status",
    "list_snapshot",
    "list_url",
    "purposes_for",
    "reserve_entries",
    "unsigned_list",
]
