"""Publishing status lists: the signed Bitstring Status List credential of each list.

The status list is served from the database, so it is always current: a status change
bumps the list's ``version`` in the revoking transaction, and a list whose published version
is behind is signed from the entry rows before it is served (as it was before jobs). The
republish job (:meth:`ListPublisher.republish`, queued by the first change since the last
publication, one waiting per list) signs it once for a whole batch of changes and keeps it
in the database, so every service process serves that copy instead of each signing its own;
a read only signs when it comes before the job. The lag from a change to the publication
that shows it is measured (``tessera_status_list_publication_lag_seconds``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from service.app.signing import BatchSigner
from service.app.status_lists import list_url
from service.app.telemetry import observe_publication_lag
from service.dates import format_utc
from service.errors import NotFoundError
from service.status.bitstring import bitstring, encode_list, list_credential
from service.store import Repositories
from service.store.records import Issuer, StatusList

#: How long a served status list credential is valid (its ``validUntil``). Online verifiers
#: and caches refresh far sooner (``Cache-Control: max-age``), and a status change re-signs the
#: list at once; this bounds how long a *saved* copy serves offline checks (a border office
#: that fetched it this morning). Ten minutes made the README's offline flow fail the same day.
LIST_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class PublishedList:
    """A signed status list credential and the version it reflects."""

    list_id: str
    version: int
    document: dict[str, Any]
    valid_until: datetime


def list_snapshot(repo: Repositories, list_id: str) -> tuple[StatusList, Issuer, bytes]:
    """The list, its issuer and its current bitstring (from the entry rows)."""
    row = repo.status_lists.status_list(list_id)
    issuer = repo.providers.issuer(row.issuer_id)
    return row, issuer, bitstring(row.size, repo.status_lists.set_positions(list_id))


def unsigned_list(
    *, base_url: str, row: StatusList, issuer: Issuer, bits: bytes, now: datetime
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
    """Signs, keeps and serves this service's status list credentials.

    A list is re-signed when its ``version`` moved past the published one (a status changed)
    or when less than half of its validity is left; otherwise a request gets the document
    cached in this process or, after another process published it, the one in the database.
    """

    def __init__(
        self,
        *,
        repositories: Callable[[], AbstractContextManager[Repositories]],
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
            state = repo.status_lists.publication(list_id)
            with self._lock:
                cached = self._cache.get(list_id)
            if cached and cached.version == state.version and _fresh(cached.valid_until, now):
                return cached
            if (
                state.published_version == state.version
                and state.published_until is not None
                and _fresh(state.published_until, now)
            ):
                document = repo.status_lists.published_document(list_id)
                if document is not None:
                    return self._keep(
                        PublishedList(list_id, state.version, document, state.published_until)
                    )
        return self.publish(list_id, now=now)

    def publish(self, list_id: str, *, now: datetime) -> PublishedList:
        """Sign the list from its entry rows now and keep it (here and in the database)."""
        with self._repositories() as repo:
            changed_since = repo.status_lists.publication(list_id).dirty_since
            row, issuer, bits = list_snapshot(repo, list_id)
            key_name = repo.providers.active_key(issuer.id).key_name
            document = unsigned_list(
                base_url=self._base_url, row=row, issuer=issuer, bits=bits, now=now
            )
        signed = self._signer.sign_all(key_name, [document], created=now)[0]
        published = PublishedList(
            list_id=list_id, version=row.version, document=signed, valid_until=now + LIST_TTL
        )
        with self._repositories() as repo:
            kept = repo.status_lists.store_publication(
                list_id, version=row.version, document=signed, until=published.valid_until
            )
        if kept and changed_since is not None:
            observe_publication_lag(changed_at=changed_since, signed_at=now)
        return self._keep(published)

    def republish(self, list_id: str, *, now: datetime, rounds: int = 10) -> bool:
        """The republish job: publish until the list has no unpublished change, at most
        ``rounds`` times (changes keep coming: the caller queues it again). Whether it is
        clean now."""
        for _ in range(rounds):
            with self._repositories() as repo:
                state = repo.status_lists.publication(list_id)
            if state.dirty_since is None and state.published_version == state.version:
                return True
            self.publish(list_id, now=now)
        with self._repositories() as repo:
            return repo.status_lists.publication(list_id).dirty_since is None

    def _keep(self, published: PublishedList) -> PublishedList:
        with self._lock:
            cached = self._cache.get(published.list_id)
            if cached is None or cached.version <= published.version:
                self._cache[published.list_id] = published
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


def _fresh(valid_until: datetime, now: datetime) -> bool:
    return valid_until - now > LIST_TTL / 2


__all__ = ["LIST_TTL", "ListPublisher", "PublishedList", "list_snapshot", "unsigned_list"]
