"""Bitstring status lists and their entries (one allocated index per credential and purpose).

The concurrency guarantees :mod:`service.app.status_lists` documents live here:
:meth:`StatusListRepository.lock_lists` takes the provider's lists ``FOR UPDATE`` (PostgreSQL;
SQLite serializes writers anyway), :meth:`~StatusListRepository.set_entry` changes a bit only
if it is still the other way, and :meth:`~StatusListRepository.bump_version` is an atomic
``version = version + 1``. Entry rows are never deleted, so an index is never reused.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update

from service.errors import NotFoundError
from service.store.models import IssuerRow, StatusEntryRow, StatusListRow
from service.store.records import Publication, StatusEntry, StatusList
from service.store.repositories._base import SessionRepository, new_id


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _list(row: StatusListRow) -> StatusList:
    return StatusList(
        id=row.id,
        issuer_id=row.issuer_id,
        purpose=row.purpose,
        size=row.size,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class StatusListRepository(SessionRepository):
    """Lists, entries and the atomic writes that keep them consistent."""

    def lock_lists(self, issuer_id: str, purpose: str) -> list[StatusList]:
        """The provider's lists of this purpose, newest first, locked ``FOR UPDATE`` until
        the transaction ends (so two allocations never pick the same index)."""
        rows = self._session.scalars(
            select(StatusListRow)
            .where(StatusListRow.issuer_id == issuer_id, StatusListRow.purpose == purpose)
            .order_by(StatusListRow.created_at.desc())
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        return [_list(row) for row in rows]

    def entry_count(self, list_id: str) -> int:
        """How many indices of the list are allocated (erased credentials' included)."""
        count = self._session.scalar(
            select(func.count())
            .select_from(StatusEntryRow)
            .where(StatusEntryRow.list_id == list_id)
        )
        return int(count or 0)

    def lock_list_creation(self, issuer_id: str) -> None:
        """Hold the provider's row ``FOR UPDATE`` until the transaction ends: whoever opens a
        new list for it holds this first, so two concurrent allocations cannot each open one."""
        self._session.execute(
            select(IssuerRow.id).where(IssuerRow.id == issuer_id).with_for_update()
        )

    def add_list(self, *, issuer_id: str, purpose: str, size: int, now: datetime) -> StatusList:
        row = StatusListRow(
            id=new_id(),
            issuer_id=issuer_id,
            purpose=purpose,
            size=size,
            version=0,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return _list(row)

    def taken_among(self, list_id: str, candidates: Iterable[int]) -> set[int]:
        """Which of these indices of the list are allocated already."""
        wanted = sorted(candidates)
        taken: set[int] = set()
        for start in range(0, len(wanted), 1000):
            taken.update(
                self._session.scalars(
                    select(StatusEntryRow.position).where(
                        StatusEntryRow.list_id == list_id,
                        StatusEntryRow.position.in_(wanted[start : start + 1000]),
                    )
                )
            )
        return taken

    def add_entries(
        self, *, list_id: str, allocations: Iterable[tuple[str, int]], now: datetime
    ) -> None:
        """Record ``(credential id, index)`` allocations, all unset, in one statement."""
        values = [
            {
                "list_id": list_id,
                "position": index,
                "credential_id": credential_id,
                "is_set": False,
                "reason": None,
                "updated_at": now,
            }
            for credential_id, index in allocations
        ]
        if values:
            self._session.execute(insert(StatusEntryRow), values)

    def entries_of(self, credential_id: str) -> list[tuple[StatusEntry, StatusList]]:
        """The credential's entries with their lists, read fresh from the database."""
        rows = self._session.execute(
            select(StatusEntryRow, StatusListRow)
            .join(StatusListRow, StatusListRow.id == StatusEntryRow.list_id)
            .where(StatusEntryRow.credential_id == credential_id)
            .execution_options(populate_existing=True)
        ).all()
        return [
            (
                StatusEntry(
                    id=entry.id,
                    list_id=entry.list_id,
                    position=entry.position,
                    credential_id=entry.credential_id,
                    is_set=entry.is_set,
                ),
                _list(status_list),
            )
            for entry, status_list in rows
        ]

    def set_entry(self, entry_id: int, *, value: bool, reason: str | None, now: datetime) -> bool:
        """Set the entry's bit to ``value`` if it is still the other way; whether it changed.

        Of concurrent requests making the same change, the others wait for the first one's
        row lock, then match nothing (READ COMMITTED re-checks the condition), so a change
        is counted and audited once. The reason is kept only while the bit is set.
        """
        changed = self._session.execute(
            update(StatusEntryRow)
            .where(StatusEntryRow.id == entry_id, StatusEntryRow.is_set.is_(not value))
            .values(is_set=value, reason=(reason or None) if value else None, updated_at=now)
            .returning(StatusEntryRow.id)
            .execution_options(synchronize_session=False)
        ).first()
        return changed is not None

    def bump_version(self, list_id: str, *, now: datetime) -> bool:
        """``version = version + 1`` in the database (atomic: no lost update), and the list
        marked dirty since ``now`` unless it was already; True when it was not (the first
        change since the last publication: the caller queues the republish job)."""
        dirty_since = self._session.scalar(
            update(StatusListRow)
            .where(StatusListRow.id == list_id)
            .values(
                version=StatusListRow.version + 1,
                updated_at=now,
                dirty_since=func.coalesce(StatusListRow.dirty_since, now),
            )
            .returning(StatusListRow.dirty_since)
            .execution_options(synchronize_session=False)
        )
        return dirty_since is None or _aware(dirty_since) == _aware(now)

    def publication(self, list_id: str) -> Publication:
        """The list's version and what was last published of it (one indexed read, without
        the document; :meth:`published_document` reads that)."""
        row = self._session.execute(
            select(
                StatusListRow.version,
                StatusListRow.published_version,
                StatusListRow.published_until,
                StatusListRow.dirty_since,
            ).where(StatusListRow.id == list_id)
        ).first()
        if row is None:
            raise NotFoundError(f"No status list {list_id!r}.")
        version, published, until, dirty = row
        return Publication(
            version=int(version),
            published_version=None if published is None else int(published),
            published_until=None if until is None else _aware(until),
            dirty_since=None if dirty is None else _aware(dirty),
        )

    def published_document(self, list_id: str) -> dict[str, Any] | None:
        return self._session.scalar(
            select(StatusListRow.published_document).where(StatusListRow.id == list_id)
        )

    def store_publication(
        self, list_id: str, *, version: int, document: dict[str, Any], until: datetime
    ) -> bool:
        """Keep the signed list of ``version`` unless a newer one is kept already; the list
        is clean again (``dirty_since`` NULL) only if no change came after ``version``.
        Whether this one was kept."""
        stored = self._session.execute(
            update(StatusListRow)
            .where(
                StatusListRow.id == list_id,
                (StatusListRow.published_version.is_(None))
                | (StatusListRow.published_version < version),
            )
            .values(
                published_version=version,
                published_document=document,
                published_until=until,
                dirty_since=case(
                    (StatusListRow.version == version, None), else_=StatusListRow.dirty_since
                ),
            )
            .returning(StatusListRow.id)
            .execution_options(synchronize_session=False)
        ).first()
        return stored is not None

    def dirty_lists(self, *, since_before: datetime | None = None) -> list[str]:
        """Lists with a change not published yet (made before ``since_before``, if given)."""
        query = select(StatusListRow.id).where(StatusListRow.dirty_since.is_not(None))
        if since_before is not None:
            query = query.where(StatusListRow.dirty_since < since_before)
        return list(self._session.scalars(query.order_by(StatusListRow.dirty_since)))

    def status_list(self, list_id: str) -> StatusList:
        """:class:`NotFoundError` for an unknown id."""
        row = self._session.get(StatusListRow, list_id, populate_existing=True)
        if row is None:
            raise NotFoundError(f"No status list {list_id!r}.")
        return _list(row)

    def set_positions(self, list_id: str) -> list[int]:
        """The indices whose bit is set."""
        return list(
            self._session.scalars(
                select(StatusEntryRow.position).where(
                    StatusEntryRow.list_id == list_id, StatusEntryRow.is_set.is_(True)
                )
            )
        )


__all__ = ["StatusListRepository"]
