# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""The public verifier's caches with a level shared by the service processes in Redis: a
credential canonicalized by one process is not canonicalized again by another; a DID document
read by one is used by the others only until the moment it was read plus the TTL (a key
declared compromised is seen everywhere within one TTL, never two); without Redis answering,
each process verifies on its own caches, and it is counted."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import REGISTRY
from redis import Redis
from verification_support import did_key_badge  # noqa: F401

from service.app.engine import Engine
from service.app.providers import revoke_key
from service.app.shared_state import CACHE_TIMEOUT_SECONDS, Fallback, RedisCache, connect_redis
from service.contexts import ContextStore
from service.dids import StaticResolver
from service.proofs import Canonicalizer, verification_suites
from service.store import Database, Repositories
from service.verification.directory import ServiceDirectory
from service.verification.memo import HashMemo
from service.verification.pipeline import Verifier, verify_credential

NOW = datetime(2025, 6, 1, tzinfo=UTC)
TTL = 30.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CountingSuite:
    """A real suite that counts its canonicalizations."""

    def __init__(self, suite: Any) -> None:
        self.suite = suite
        self.proof_type = suite.proof_type
        self.cryptosuite = suite.cryptosuite
        self.calls = 0

    def hash_data(self, *, document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
        self.calls += 1
        return bytes(self.suite.hash_data(document=document, proof_config=proof_config))


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    client = connect_redis(redis_url, timeout=CACHE_TIMEOUT_SECONDS)
    assert client is not None
    yield client
    client.close()


def fallbacks(what: str) -> float:
    found = REGISTRY.get_sample_value("tessera_shared_state_fallbacks_total", {"what": what})
    return float(found or 0.0)


def tampered(credential: dict[str, Any], hours: int = 400) -> dict[str, Any]:
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["achievement"]["learningHours"] = hours
    return changed


def process(
    redis: Redis,
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
    clock: Clock | None = None,
) -> tuple[Verifier, HashMemo, list[CountingSuite]]:
    """One service process's verifier: its own memo, the shared level in ``redis`` (busy:
    writes wait for the next read; ``clock`` stands still)."""
    clock = clock or Clock(0.0)
    shared = RedisCache(redis, prefix="tessera:memo:", fallback=Fallback("memo"), clock=clock)
    memo = HashMemo(8, shared=shared)
    suites = [CountingSuite(s) for s in verification_suites(canonicalizer)]
    verifier = Verifier(contexts=context_store, suites=memo.wrap(suites), resolver=StaticResolver())
    return verifier, memo, suites


def test_a_credential_canonicalized_in_one_process_is_not_canonicalized_in_another(
    redis: Redis,
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
    did_key_badge: dict[str, Any],
) -> None:
    first, _, first_suites = process(redis, context_store, canonicalizer)
    second, second_memo, second_suites = process(redis, context_store, canonicalizer)
    # A busy process sends what it computed with its next read of Redis (one round trip).
    assert not verify_credential(tampered(did_key_badge, 1), verifier=first, now=NOW).verified
    assert len(redis.keys("tessera:memo:*")) == 1  # the first write goes at once
    assert verify_credential(did_key_badge, verifier=first, now=NOW).verified
    assert sum(s.calls for s in first_suites) == 2
    assert len(redis.keys("tessera:memo:*")) == 1  # not yet sent
    assert not verify_credential(tampered(did_key_badge, 2), verifier=first, now=NOW).verified
    assert len(redis.keys("tessera:memo:*")) == 2  # sent with that read
    assert verify_credential(did_key_badge, verifier=second, now=NOW).verified
    assert sum(s.calls for s in second_suites) == 0
    assert second_memo.shared_hits == 1
    # And then from its own memo, without asking Redis.
    assert verify_credential(did_key_badge, verifier=second, now=NOW).verified
    assert (second_memo.hits, second_memo.shared_hits) == (1, 1)
    # Only digests are kept, under a TTL (never the credential or a name in it).
    keys = redis.keys("tessera:memo:*")
    assert keys and all(0 < redis.pttl(k) <= 600_000 for k in keys)
    assert all(b"Amina" not in (redis.get(k) or b"") for k in keys)


def test_with_little_traffic_a_value_is_shared_at_once(
    redis: Redis,
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
    did_key_badge: dict[str, Any],
) -> None:
    clock = Clock(0.0)
    first, _, _ = process(redis, context_store, canonicalizer, clock)
    verify_credential(tampered(did_key_badge), verifier=first, now=NOW)
    clock.now += 1.0  # reads a second apart: the next one may be long in coming
    assert verify_credential(did_key_badge, verifier=first, now=NOW).verified
    assert len(redis.keys("tessera:memo:*")) == 2


def test_a_value_that_is_not_a_canonical_hash_is_ignored(
    redis: Redis,
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
    did_key_badge: dict[str, Any],
) -> None:
    first, _, _ = process(redis, context_store, canonicalizer)
    verify_credential(did_key_badge, verifier=first, now=NOW)
    verify_credential(tampered(did_key_badge), verifier=first, now=NOW)
    for key in redis.keys("tessera:memo:*"):
        redis.set(key, b"not a hash")
    second, second_memo, second_suites = process(redis, context_store, canonicalizer)
    assert verify_credential(did_key_badge, verifier=second, now=NOW).verified
    assert sum(s.calls for s in second_suites) == 1 and second_memo.shared_hits == 0


@pytest.mark.parametrize("where", ["closed port", "silent server"])
def test_without_redis_answering_a_process_verifies_on_its_own_memo(
    where: str,
    silent_redis: str,
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
    did_key_badge: dict[str, Any],
) -> None:
    url = silent_redis if where == "silent server" else "redis://127.0.0.1:1/0"
    redis = connect_redis(url, timeout=CACHE_TIMEOUT_SECONDS)
    assert redis is not None
    before = fallbacks("memo")
    verifier, memo, suites = process(redis, context_store, canonicalizer)
    for _ in range(3):
        assert verify_credential(did_key_badge, verifier=verifier, now=NOW).verified
    assert sum(s.calls for s in suites) == 1 and memo.hits == 2
    assert fallbacks("memo") > before


def test_a_changed_did_document_reaches_every_process_within_one_ttl(
    db: Database, provider: Any, service_engine: Engine, redis: Redis
) -> None:
    wall = Clock(1_000_000.0)

    def directory() -> tuple[ServiceDirectory, Clock]:
        local = Clock(50.0)
        shared = RedisCache(redis, prefix="tessera:did:", fallback=Fallback("directory"))
        found = ServiceDirectory(db, ttl=TTL, clock=local, shared=shared, wall_clock=wall)
        return found, local

    did = provider.issuer.did
    first, _ = directory()
    before = first.document(did)
    assert before is not None and "revoked" not in str(before)
    with db.transaction() as session:
        repo = Repositories(session)
        issuer = repo.providers.issuer_by_did(did)
        assert issuer is not None
        now = datetime.now(UTC)
        revoke_key(
            repo,
            service_engine.keys(),
            issuer=issuer,
            verification_method=None,
            since=now,
            actor="test",
            now=now,
        )
    # 25 s after the first process read it, a second process gets the copy in Redis...
    wall.now += 25
    second, second_clock = directory()
    assert second.document(did) == before
    # ... and keeps it only for the 5 s the copy had left, not for a TTL of its own.
    wall.now += 6
    second_clock.now += 6
    after = second.document(did)
    assert after is not None and "revoked" in str(after)
    # A process reading after that finds the new document in Redis.
    third, _ = directory()
    assert third.document(did) == after
