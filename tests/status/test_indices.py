"""Status list indices: random, never handed out twice, never reused (not even after a
credential's record is erased), and a full list closes for a new one. SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import Provider
from sqlalchemy import func, select
from status_support import bit, change, entry, issue, issue_cohort, list_document, pairs, uuid_of

import service.app.status_lists as revocation
from service.app.learner_data import Selection, erase
from service.app.status_lists import reserve_entries
from service.errors import NotFoundError, ValidationFailed
from service.status.bitstring import DEFAULT_LIST_BITS, decode_list
from service.store import Database, Repositories
from service.store.models import StatusEntryRow, StatusListRow
from service.store.repositories import new_id

BASE_URL = "https://credentials.example.org"
NOW = datetime(2026, 3, 2, tzinfo=UTC)


def reserve(db: Database, provider: Provider, count: int) -> list[tuple[str, int]]:
    """Reserve ``count`` entries in one transaction; (list id, index) of each."""
    with db.transaction() as session:
        reservations = reserve_entries(
            Repositories(session),
            issuer=provider.issuer,
            credential_ids=[new_id() for _ in range(count)],
            base_url=BASE_URL,
            now=NOW,
        )
    out = []
    for reservation in reservations:
        (only,) = reservation.entries
        out.append((only["statusListCredential"].rsplit("/", 1)[1], int(only["statusListIndex"])))
    return out


def stored_pairs(db: Database) -> list[tuple[str, int]]:
    with db.transaction() as session:
        return [
            (r[0], r[1])
            for r in session.execute(select(StatusEntryRow.list_id, StatusEntryRow.position))
        ]


def test_five_thousand_entries_in_many_batches_are_all_distinct(
    db: Database, provider: Provider
) -> None:
    handed: list[tuple[str, int]] = []
    for size in (1, 2, 7, 40, 250, 700, 1000, 3000):
        handed += reserve(db, provider, size)
    assert len(handed) == 5000
    assert len(set(handed)) == 5000
    assert sorted(stored_pairs(db)) == sorted(handed)
    (_list_id,) = {list_id for list_id, _ in handed}
    indices = [i for _, i in handed]
    assert all(0 <= i < DEFAULT_LIST_BITS for i in indices)
    # Spread over the whole list: every eighth of it holds roughly an eighth of them.
    per_eighth = Counter(i * 8 // DEFAULT_LIST_BITS for i in indices)
    assert sorted(per_eighth) == list(range(8))
    assert all(450 < n < 800 for n in per_eighth.values()), per_eighth


def test_a_full_list_closes_and_a_new_one_opens(
    db: Database, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(revocation, "FILL_LIMIT", 50)
    first = reserve(db, provider, 30) + reserve(db, provider, 15)  # 45 of 50
    second = reserve(db, provider, 10)  # would make 55: a new list
    third = reserve(db, provider, 40)  # 50 of 50 in the new list: it is full
    fourth = reserve(db, provider, 5)  # fits the first list's room: 50 of 50
    fifth = reserve(db, provider, 1)  # both full: a third list
    batches = (first, second, third, fourth, fifth)
    lists = [{lid for lid, _ in batch} for batch in batches]
    assert all(len(ids) == 1 for ids in lists)
    (a,), (b,), (c,) = lists[0], lists[1], lists[4]
    assert lists == [{a}, {b}, {b}, {a}, {c}] and len({a, b, c}) == 3
    with db.transaction() as session:
        sizes = dict(
            session.execute(
                select(StatusEntryRow.list_id, func.count()).group_by(StatusEntryRow.list_id)
            ).all()
        )
        rows = session.scalars(select(StatusListRow)).all()
    assert sizes == {a: 50, b: 50, c: 1}
    assert {r.id: (r.purpose, r.size) for r in rows} == {
        lid: ("revocation", DEFAULT_LIST_BITS) for lid in (a, b, c)
    }
    assert len(set(first + second + third + fourth + fifth)) == 101
    with pytest.raises(ValidationFailed):
        reserve(db, provider, 51)  # more than one list may hold


def test_issuing_past_the_limit_spreads_a_cohort_over_served_lists(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(revocation, "FILL_LIMIT", 8)
    credentials = [c for _ in range(3) for c in issue_cohort(client, provider, module, 5)]
    urls = [entry(c)["statusListCredential"] for c in credentials]
    assert len(set(urls)) == 3  # 5 fit, 5 more would not: each cohort opened a list
    assert len(set(pairs(credentials))) == 15
    change(client, provider, credentials[7], "revoke")
    for credential in credentials:
        assert bit(client, credential) is (credential is credentials[7])
    for url in set(urls):
        served = list_document(client, url)
        assert len(decode_list(served["credentialSubject"]["encodedList"])) * 8 == DEFAULT_LIST_BITS


class ReplayingRandom:
    """``secrets.randbelow`` that proposes the given indices first (an unlucky draw), then
    behaves: whatever it proposes, a taken index must be skipped."""

    def __init__(self, proposals: list[int]) -> None:
        self.proposals = list(proposals)
        self.proposed: list[int] = []
        self.randbelow = secrets.randbelow  # the real one, before it is patched

    def __call__(self, bound: int) -> int:
        value = self.proposals.pop(0) if self.proposals else self.randbelow(bound)
        self.proposed.append(value)
        return value


def test_an_erased_credentials_index_is_never_handed_out_again(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = issue(client, provider, module, learner="Kept Learner")
    erased = issue(client, provider, module, learner="Erased Learner")
    revoked_then_erased = issue(client, provider, module, learner="Revoked Learner")
    change(client, provider, revoked_then_erased, "revoke")
    taken = {int(entry(c)["statusListIndex"]) for c in (kept, erased, revoked_then_erased)}

    for credential in (erased, revoked_then_erased):
        with db.transaction() as session:
            erase(
                Repositories(session),
                issuer=provider.issuer,
                selection=Selection.of(credential_ids=[uuid_of(credential)]),
                actor="test",
                now=NOW,
            )
    with db.transaction() as session:
        repo = Repositories(session)
        with pytest.raises(NotFoundError):
            repo.credentials.credential(provider.issuer.id, uuid_of(erased))
        detached = session.scalars(
            select(StatusEntryRow.position).where(StatusEntryRow.credential_id.is_(None))
        ).all()
    assert sorted(detached) == sorted(
        int(entry(c)["statusListIndex"]) for c in (erased, revoked_then_erased)
    )
    # A revocation stays published after the record is gone (the holder still has the file).
    assert bit(client, revoked_then_erased)
    assert (
        client.post(
            f"/issuers/{provider.slug}/credentials/{uuid_of(erased)}/revoke",
            headers=provider.headers,
        ).status_code
        == 404
    )

    # The random draw proposes every used index first, the erased ones included.
    draw = ReplayingRandom(sorted(taken) * 3)
    monkeypatch.setattr(revocation.secrets, "randbelow", draw)
    more = issue_cohort(client, provider, module, 20, prefix="After")
    new_indices = [int(entry(c)["statusListIndex"]) for c in more]
    assert not taken & set(new_indices)
    assert len(set(new_indices)) == 20
    assert set(draw.proposed) >= taken  # they were proposed, and refused
    assert len(set(stored_pairs(db))) == len(stored_pairs(db)) == 23


def test_two_first_allocations_at_once_share_one_new_list(db: Database, provider: Provider) -> None:
    """Two workers issuing a new provider's first slices at once: the second waits for the
    first one's new list rather than opening a list of its own (it did, and a provider's
    credentials were spread over lists that one slice alone shared)."""
    first_reserved = threading.Event()
    handed: dict[str, list[str]] = {}

    def allocate(name: str, hold: float) -> None:
        with db.transaction() as session:
            reservations = reserve_entries(
                Repositories(session),
                issuer=provider.issuer,
                credential_ids=[new_id() for _ in range(5)],
                base_url=BASE_URL,
                now=NOW,
            )
            first_reserved.set()
            time.sleep(hold)  # the list is not committed yet while the second one asks
        handed[name] = [r.entries[0]["statusListCredential"] for r in reservations]

    first = threading.Thread(target=allocate, args=("first", 0.5))
    first.start()
    assert first_reserved.wait(30)
    allocate("second", 0)
    first.join()
    assert len(set(handed["first"]) | set(handed["second"])) == 1
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(StatusListRow)) == 1
