"""Publishing status lists: the signed Bitstring Status List credential of each list.

The bits are derived from the entry rows at signing time; a list is re-signed when its
``version`` moved (a status changed) or when half of its validity has passed, so serving a
list is usually one indexed read and a cached document.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    """Signs and caches this service's status list credentials.

    A list is re-signed when its ``version`` moved (a status changed) or when less than half
    of its validity is left; otherwise every request gets the cached document, so serving a
    list costs one indexed read.
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
            version = repo.status_lists.status_list(list_id).version
        with self._lock:
            cached = self._cache.get(list_id)
        if cached and cached.version == version and cached.valid_until - now > LIST_TTL / 2:
            return cached
        with self._repositories() as repo:
            row, issuer, bits = list_snapshot(repo, list_id)
            version = row.version
            key_name = repo.providers.active_key(issuer.id).key_name
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


__all__ = ["LIST_TTL", "ListPublisher", "PublishedList", "list_snapshot", "unsigned_list"]
