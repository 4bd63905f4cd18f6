"""Rate limits shared by every service process through Redis: two apps (two processes' worth
of state) on one Redis allow a client its burst once, not twice; without Redis answering,
each falls back to its own limit; Redis never holds a client address."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from factories import small_credential
from redis import Redis

from service.app.engine import Engine
from service.app.signing import LocalSigner
from service.config import Settings
from service.store import Database

BURST = 4


@pytest.fixture
def service_settings(service_settings: Settings, redis_url: str) -> Settings:
    return service_settings.model_copy(
        update={"redis_url": redis_url, "verify_rate_per_second": 0.5, "verify_burst": BURST}
    )


@pytest.fixture
def two_clients(
    service_settings: Settings, db: Database, service_engine: Engine
) -> Iterator[list[Any]]:
    """Two service apps on one database and one Redis, as two processes would be."""
    from fastapi.testclient import TestClient

    from service.api import create_app

    with ExitStack() as stack:
        clients = []
        for _ in range(2):
            app = create_app(
                service_settings, database=db, signer=LocalSigner(service_engine), migrate=False
            )
            clients.append(stack.enter_context(TestClient(app)))
        yield clients


def verify(client: Any) -> int:
    response = client.post("/credentials/verify", json={"verifiableCredential": small_credential()})
    assert response.status_code in (200, 400, 429), response.text
    if response.status_code == 429:
        assert int(response.headers["Retry-After"]) >= 1
    return int(response.status_code)


def test_two_processes_share_one_burst(two_clients: list[Any], redis_url: str) -> None:
    first, second = two_clients
    codes = [verify(first), verify(second), verify(first), verify(second)]
    assert 429 not in codes  # the burst, spent across both
    assert verify(first) == 429
    assert verify(second) == 429
    # Redis holds counters under keyed hashes, never the address (the test client's "testclient").
    redis = Redis.from_url(redis_url)
    try:
        keys = [k.decode() for k in redis.keys("*")]
        assert keys and all("testclient" not in k for k in keys)
        assert all(
            v is None or b"testclient" not in v
            for v in (redis.get(k) for k in keys if redis.type(k) == b"string")
        )
    finally:
        redis.close()


def test_without_redis_each_process_keeps_its_own_limit(
    service_settings: Settings, db: Database, service_engine: Engine
) -> None:
    from fastapi.testclient import TestClient

    from service.api import create_app

    settings = service_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    app = create_app(settings, database=db, signer=LocalSigner(service_engine), migrate=False)
    with TestClient(app) as client:
        codes = [verify(client) for _ in range(BURST)]
        assert 429 not in codes  # still answering: Redis is not in the way
        assert verify(client) == 429  # and still limited, by this process
