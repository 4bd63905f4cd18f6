"""Real `tessera serve` processes on one database: hundreds of concurrent revocations on one
list, sent to two processes at once, lose none; concurrent cohorts never share an index; and
a revocation answered 200 survives `kill -9` of the process that answered."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import postgres_schema
from sqlalchemy import text
from status_support import (
    Server,
    create_module,
    create_provider,
    entry,
    free_port,
    pairs,
    served_bits,
    service_env,
    serving,
    uuid_of,
)

from service.status.bitstring import MIN_LIST_BITS, bit_at
from service.store import Database


@contextmanager
def database_url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database the service processes share: a SQLite file, or a new
    PostgreSQL schema on the test server (skipped when there is none)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        with postgres_schema(request.getfixturevalue("postgres_url")) as url:
            yield url


def set_indices(bits: bytes) -> set[int]:
    return {i for i in range(len(bits) * 8) if bits[i // 8] and bit_at(bits, i)}


def issue_batch(
    url: str, slug: str, headers: dict[str, str], module_id: str, names: list[str]
) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{url}/issuers/{slug}/awards/batch",
        params={"include": "credentials"},
        json={
            "moduleId": module_id,
            "awards": [{"learnerName": n, "completedOn": "2025-06-30"} for n in names],
        },
        headers=headers,
        timeout=120,
    )
    assert response.status_code == 201, response.text
    return list(response.json()["verifiableCredentials"])


def concurrent_cohorts(
    servers: list[Server],
    slug: str,
    headers: dict[str, str],
    module_id: str,
    batches: int,
    size: int,
) -> list[dict[str, Any]]:
    """``batches`` cohorts of ``size`` sent at once, alternately to each process."""
    barrier = threading.Barrier(batches)

    def send(n: int) -> list[dict[str, Any]]:
        barrier.wait(timeout=30)
        server = servers[n % len(servers)]
        return issue_batch(
            server.url, slug, headers, module_id, [f"Batch {n} learner {i}" for i in range(size)]
        )

    with ThreadPoolExecutor(batches) as pool:
        return [c for batch in pool.map(send, range(batches)) for c in batch]


SCALE = {
    # processes, cohorts x size, threads
    "postgresql": (2, 6, 50, 32),
    "sqlite": (2, 4, 15, 12),
}


@pytest.mark.parametrize("kind", [pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def test_concurrent_revocations_through_two_processes_lose_none(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    processes, batches, size, threads = SCALE[kind]
    total = batches * size
    with database_url(kind, tmp_path, request) as url:
        env = service_env(tmp_path, TESSERA_DATABASE_URL=url)
        with serving(env, processes, logs=tmp_path) as servers:
            slug, _, token = create_provider(env, "Concurrent Academy", monkeypatch=monkeypatch)
            headers = {"Authorization": f"Bearer {token}"}
            module_id = create_module(servers[0].url, slug, token)
            # One credential first, so that the list exists before the race.
            (seed,) = issue_batch(servers[0].url, slug, headers, module_id, ["First learner"])
            credentials = concurrent_cohorts(servers, slug, headers, module_id, batches, size)
            assert len(credentials) == total

            # Concurrent cohorts from both processes: no (list, index) pair handed out twice.
            everything = pairs([seed, *credentials])
            assert len(set(everything)) == len(everything) == total + 1
            (list_url,) = {entry(c)["statusListCredential"] for c in [seed, *credentials]}
            before = {
                s.url: httpx.get(f"{s.url}/status/{list_url.rsplit('/', 1)[1]}") for s in servers
            }
            assert all(r.status_code == 200 for r in before.values())

            # Every credential revoked at once, through both processes; the lists are read
            # while it happens (so each process caches versions in between).
            stop = threading.Event()

            def read_lists() -> None:
                while not stop.wait(0.02):
                    for server in servers:
                        served_bits(server.url, list_url)

            def revoke(n: int) -> tuple[int, Any]:
                credential = credentials[n]
                server = servers[n % len(servers)]
                if n % 5 == 0:  # the W3C VC-API endpoint
                    response = httpx.post(
                        f"{server.url}/credentials/status",
                        json={
                            "credentialId": credential["id"],
                            "credentialStatus": [
                                {"type": "BitstringStatusListEntry", "status": "revoked"}
                            ],
                        },
                        headers=headers,
                        timeout=60,
                    )
                else:
                    response = httpx.post(
                        f"{server.url}/issuers/{slug}/credentials/{uuid_of(credential)}/revoke",
                        json={"reason": f"case {n}"},
                        headers=headers,
                        timeout=60,
                    )
                return response.status_code, response.json()

            reader = threading.Thread(target=read_lists)
            reader.start()
            try:
                with ThreadPoolExecutor(threads) as pool:
                    answers = list(pool.map(revoke, range(total)))
            finally:
                stop.set()
                reader.join(timeout=60)
            assert [status for status, _ in answers] == [200] * total, [
                a for a in answers if a[0] != 200
            ][:3]
            assert all(body["revoked"] is True for _, body in answers)

            expected = {int(entry(c)["statusListIndex"]) for c in credentials}
            for server in servers:  # every process serves every revocation, and only those
                assert set_indices(served_bits(server.url, list_url)) == expected
                again = httpx.get(
                    f"{server.url}/status/{list_url.rsplit('/', 1)[1]}",
                    headers={"If-None-Match": before[server.url].headers["etag"]},
                )
                assert again.status_code == 200

        database = Database(url)
        try:
            with database.engine.connect() as connection:
                revoked = connection.execute(
                    text("SELECT COUNT(*) FROM status_entries WHERE is_set")
                ).scalar_one()
                version = connection.execute(text("SELECT version FROM status_lists")).scalar_one()
                events = connection.execute(
                    text("SELECT COUNT(*) FROM audit_log WHERE action = 'credential.revoke'")
                ).scalar_one()
                duplicates = connection.execute(
                    text(
                        "SELECT COUNT(*) FROM (SELECT list_id, position FROM status_entries "
                        "GROUP BY list_id, position HAVING COUNT(*) > 1) AS d"
                    )
                ).scalar_one()
        finally:
            database.dispose()
    assert revoked == total and events == total and duplicates == 0
    assert version == total  # one atomic increment per change, none lost


@pytest.mark.postgres
def test_first_cohorts_racing_on_a_new_provider_share_no_index(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No list exists yet when several cohorts arrive at once through two processes."""
    with database_url("postgresql", tmp_path, request) as url:
        env = service_env(tmp_path, TESSERA_DATABASE_URL=url)
        with serving(env, 2, logs=tmp_path) as servers:
            slug, _, token = create_provider(
                env, "Racing Academy", "--suspension", monkeypatch=monkeypatch
            )
            headers = {"Authorization": f"Bearer {token}"}
            module_id = create_module(servers[0].url, slug, token)
            credentials = concurrent_cohorts(servers, slug, headers, module_id, 6, 25)
    everything = pairs(credentials)
    assert len(everything) == 2 * 150  # a revocation and a suspension entry each
    assert len(set(everything)) == len(everything)
    assert {p for p, _, _ in everything} == {"revocation", "suspension"}


@pytest.mark.parametrize("kind", [pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def test_a_revocation_answered_200_survives_kill_9(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database_url(kind, tmp_path, request) as url:
        env = service_env(tmp_path, TESSERA_DATABASE_URL=url)
        with serving(env, 1, logs=tmp_path) as (first,):
            slug, _, token = create_provider(env, "Durable Academy", monkeypatch=monkeypatch)
            headers = {"Authorization": f"Bearer {token}"}
            module_id = create_module(first.url, slug, token)
            credentials = issue_batch(
                first.url, slug, headers, module_id, [f"Learner {i}" for i in range(5)]
            )
            list_url = entry(credentials[0])["statusListCredential"]
            assert set_indices(served_bits(first.url, list_url)) == set()  # now cached
            revoked = credentials[1:4]
            for credential in revoked:
                response = httpx.post(
                    f"{first.url}/issuers/{slug}/credentials/{uuid_of(credential)}/revoke",
                    headers=headers,
                    timeout=30,
                )
                assert response.status_code == 200, response.text
            first.kill_hard()  # right after the last 200: no shutdown, nothing flushed
            assert first.process is not None and first.process.returncode == -9

            second = Server(env, free_port(), tmp_path / "serve-after-crash.log")
            second.start()
            try:
                import time

                second.wait_ready(time.monotonic() + 60)
                bits = served_bits(second.url, list_url)
            finally:
                second.stop()
    assert set_indices(bits) == {int(entry(c)["statusListIndex"]) for c in revoked}
    assert len(bits) * 8 == MIN_LIST_BITS
