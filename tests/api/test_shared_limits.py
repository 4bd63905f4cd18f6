"""Rate limits shared by every service process through Redis: two apps (two processes' worth
of state) on one Redis allow a client its burst once, not twice, then its rate; without Redis
answering (down, or hung), each falls back to its own limit at once, says so and counts it;
Redis never holds a client address. (With real processes: tests/cli/test_scale_processes.py.)"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from factories import small_credential
from prometheus_client import REGISTRY
from redis import Redis

from service.api.rate_limits import RateLimiter
from service.api.shared_limits import SharedRateLimiter
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


def fallbacks() -> float:
    found = REGISTRY.get_sample_value(
        "tessera_shared_state_fallbacks_total", {"what": "rate_limit"}
    )
    return float(found or 0.0)


def test_the_shared_bucket_allows_the_burst_then_the_rate(redis_url: str) -> None:
    async def main() -> list[float]:
        limiters = [
            SharedRateLimiter(
                redis_url=redis_url, rate=2.0, burst=3, fallback=RateLimiter(rate=2, burst=3)
            )
            for _ in range(2)
        ]
        waits = [await limiters[n % 2].take("198.51.100.7") for n in range(4)]
        assert await limiters[0].take("203.0.113.9") == 0.0  # another client, its own bucket
        await asyncio.sleep(0.55)  # one request's worth at 2/s
        waits.append(await limiters[1].take("198.51.100.7"))
        waits.append(await limiters[0].take("198.51.100.7"))
        for limiter in limiters:
            await limiter.aclose()
        return waits

    waits = asyncio.run(main())
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert 0.0 < waits[3] <= 0.5
    assert waits[4] == 0.0 and waits[5] > 0.0


def test_checks_sent_together_are_each_counted(redis_url: str) -> None:
    # Requests checked in one turn of the event loop share one pipeline to Redis.
    async def main() -> list[float]:
        limiter = SharedRateLimiter(
            redis_url=redis_url, rate=1.0, burst=3, fallback=RateLimiter(rate=1, burst=3)
        )
        clients = ["198.51.100.7"] * 5 + ["203.0.113.9"] * 2
        waits = list(await asyncio.gather(*(limiter.take(c) for c in clients)))
        await limiter.aclose()
        return waits

    before = fallbacks()
    waits = asyncio.run(main())
    assert sorted(w > 0 for w in waits[:5]) == [False] * 3 + [True] * 2  # its burst of 3
    assert waits[5:] == [0.0, 0.0]
    assert fallbacks() == before  # all answered by Redis, none by the process alone


@pytest.mark.parametrize("where", ["closed port", "hung server"])
def test_without_redis_answering_each_process_keeps_its_own_limit(
    where: str,
    silent_redis: str,
    service_settings: Settings,
    db: Database,
    service_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from fastapi.testclient import TestClient

    from service.api import create_app

    url = silent_redis if where == "hung server" else "redis://127.0.0.1:1/0"
    settings = service_settings.model_copy(update={"redis_url": url})
    app = create_app(settings, database=db, signer=LocalSigner(service_engine), migrate=False)
    before = fallbacks()
    with caplog.at_level(logging.WARNING), TestClient(app) as client:
        started = time.monotonic()
        codes = [verify(client) for _ in range(BURST)]
        assert 429 not in codes  # still answering: Redis is not in the way
        assert verify(client) == 429  # and still limited, by this process
        # A hung Redis costs one short wait, then is left alone (not a wait per request).
        assert time.monotonic() - started < 5
    assert fallbacks() >= before + BURST + 1
    assert any("Redis does not answer" in r.getMessage() for r in caplog.records)
