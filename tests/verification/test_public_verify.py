# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""The pieces behind the public endpoints: token buckets, the concurrency gate, the counters,
the canonical-hash memo and the verdict colours."""

from __future__ import annotations

import asyncio
import copy
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from verification_support import did_key_badge  # noqa: F401

from service.api.gate import ConcurrencyGate
from service.api.rate_limits import RateLimiter
from service.contexts import ContextStore
from service.dids import StaticResolver
from service.errors import RateLimited, VerifierBusy
from service.proofs import Canonicalizer, verification_suites
from service.store import Database, Repositories
from service.verification.counters import VerificationCounter, verdict_of
from service.verification.memo import HashMemo
from service.verification.pipeline import Check, VerificationResult, Verifier, verify_credential

NOW = datetime(2025, 6, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.take("198.51.100.7") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("198.51.100.7") == pytest.approx(0.5)
    assert limiter.take("203.0.113.9") == 0.0  # another client has its own bucket
    clock.now += 0.5
    assert limiter.take("198.51.100.7") == 0.0
    assert limiter.take("198.51.100.7") > 0


def test_buckets_are_keyed_by_a_hash_and_idle_ones_are_forgotten() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1.0, burst=2, clock=clock, max_clients=3)
    for n in range(3):
        limiter.take(f"192.0.2.{n}")
    assert all(isinstance(k, bytes) and len(k) == 16 for k in limiter._buckets)
    assert not any(b"192.0.2" in k for k in limiter._buckets)
    clock.now += 10
    limiter.take("192.0.2.99")
    assert len(limiter) == 1
    assert RateLimiter(rate=0, burst=0).take("x") == 0.0  # disabled


def test_the_gate_caps_concurrency_and_refuses_beyond_the_queue() -> None:
    gate = ConcurrencyGate(limit=2, max_waiting=2, wait_seconds=5.0)
    peak = 0

    def work() -> int:
        nonlocal peak
        peak = max(peak, gate.running)
        time.sleep(0.05)
        return 1

    async def main() -> list[Any]:
        return await asyncio.gather(*(gate.run(work) for _ in range(6)), return_exceptions=True)

    results = asyncio.run(main())
    assert peak == 2
    assert results.count(1) == 4
    assert sum(isinstance(r, VerifierBusy) for r in results) == 2


def test_one_client_cannot_hold_every_slot() -> None:
    """A client gets at most ``per_client`` slots; its surplus waits on its own turn (two
    here) or is refused at once, while another client's work runs beside it."""
    gate = ConcurrencyGate(
        limit=2, max_waiting=100, wait_seconds=30.0, per_client=1, per_client_waiting=2
    )
    running = {"attacker": 0, "employer": 0}
    peak = dict(running)
    overlapped = []
    employer_started = threading.Event()

    def work(who: str) -> str:
        running[who] += 1
        peak[who] = max(peak[who], running[who])
        if who == "attacker":
            # Hold the attacker's slot until an employer's job runs beside it; if the gate
            # starved the employer, this waits out the timeout and the overlap is False.
            overlapped.append(employer_started.wait(timeout=10))
        else:
            employer_started.set()
            time.sleep(0.01)
        running[who] -= 1
        return who

    async def main() -> list[Any]:
        attacks = [gate.run(lambda: work("attacker"), client=b"attacker") for _ in range(5)]
        genuine = [gate.run(lambda: work("employer"), client=b"employer") for _ in range(2)]
        return await asyncio.gather(*attacks, *genuine, return_exceptions=True)

    results = asyncio.run(main())
    assert peak == {"attacker": 1, "employer": 1}
    assert results[:5].count("attacker") == 3  # one ran, two waited their turn
    assert sum(isinstance(r, RateLimited) for r in results[:5]) == 2  # refused at once: 429
    assert results[5:] == ["employer", "employer"]
    assert any(overlapped)  # the employer ran while the attacker held its slot
    assert gate.clients() == 0  # nothing kept about clients once they are done


def test_a_wait_longer_than_the_queue_time_is_busy() -> None:
    gate = ConcurrencyGate(limit=1, max_waiting=10, wait_seconds=0.05)

    async def main() -> list[Any]:
        return await asyncio.gather(
            gate.run(lambda: time.sleep(0.3)), gate.run(lambda: None), return_exceptions=True
        )

    first, second = asyncio.run(main())
    assert first is None and isinstance(second, VerifierBusy)


def test_counts_are_aggregated_per_day_and_verdict(db: Database) -> None:
    clock = Clock()
    counter = VerificationCounter(db, flush_seconds=60, clock=clock)
    for verdict in ("valid", "valid", "invalid"):
        counter.record(verdict, NOW)  # type: ignore[arg-type]
    with db.transaction() as session:
        assert Repositories(session).counters.verification_counts() == []  # not yet flushed
    clock.now += 61
    counter.record("incomplete", datetime(2025, 6, 2, 0, 30, tzinfo=UTC))
    counter.record("valid", NOW)
    counter.flush()
    with db.transaction() as session:
        rows = {
            (r.day, r.outcome): r.count
            for r in Repositories(session).counters.verification_counts()
        }
    assert rows == {
        ("2025-06-01", "valid"): 3,
        ("2025-06-01", "invalid"): 1,
        ("2025-06-02", "incomplete"): 1,
    }


def test_the_memo_skips_canonicalization_only_for_identical_input(
    context_store: ContextStore, canonicalizer: Canonicalizer, did_key_badge: dict[str, Any]
) -> None:
    memo = HashMemo(entries=8)
    verifier = Verifier(
        contexts=context_store,
        suites=memo.wrap(verification_suites(canonicalizer)),
        resolver=StaticResolver(),
    )
    for _ in range(3):
        assert verify_credential(did_key_badge, verifier=verifier, now=NOW).verified
    assert (memo.hits, memo.misses) == (2, 1)
    tampered = copy.deepcopy(did_key_badge)
    tampered["credentialSubject"]["achievement"]["learningHours"] = 400
    result = verify_credential(tampered, verifier=verifier, now=NOW)
    assert result.check("proof").status == "failed"
    assert memo.misses == 2
    # Signature, dates and status are still checked on a hit.
    assert (
        verify_credential(did_key_badge, verifier=verifier, now=datetime(2020, 1, 1, tzinfo=UTC))
        .check("validity")
        .status
        == "failed"
    )


def test_the_memo_is_bounded() -> None:
    class Suite:
        proof_type, cryptosuite = "DataIntegrityProof", "test"

        def hash_data(self, *, document: Any, proof_config: Any) -> bytes:
            return repr(document).encode()

    memo = HashMemo(entries=2)
    suite = memo.wrap([Suite()])[0]  # type: ignore[list-item]
    for n in range(5):
        suite.hash_data(document={"n": n}, proof_config={})
    assert len(memo._items) == 2


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        (["passed"] * 7, "valid"),
        (["passed"] * 6 + ["unknown"], "incomplete"),
        (["passed"] * 5 + ["failed", "unknown"], "invalid"),
    ],
)
def test_the_verdict_colours(statuses: list[str], verdict: str) -> None:
    checks = tuple(Check(f"c{n}", s, "") for n, s in enumerate(statuses))  # type: ignore[arg-type]
    assert verdict_of(VerificationResult(verified=True, checks=checks)) == verdict


def test_policy_reads_verify_settings_when_they_exist(settings: Any) -> None:
    from service.api.limits import PublicPolicy

    assert PublicPolicy.from_settings(settings) == PublicPolicy()

    class WithKnobs:
        verify_rate_per_second = 3.0
        verify_burst = 7

    policy = PublicPolicy.from_settings(WithKnobs())  # type: ignore[arg-type]
    assert (policy.rate_per_second, policy.burst) == (3.0, 7)


def test_rate_limit_variables_reach_the_policy(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TESSERA_VERIFY_RATE_PER_SECOND / _BURST are real settings (the conformance run raises
    them: its suites are one client sending hundreds of verifications)."""
    from service.api.limits import PublicPolicy
    from service.config import Settings

    monkeypatch.setenv("TESSERA_VERIFY_RATE_PER_SECOND", "2.5")
    monkeypatch.setenv("TESSERA_VERIFY_BURST", "4")
    policy = PublicPolicy.from_settings(Settings(data_dir=settings.data_dir))
    assert (policy.rate_per_second, policy.burst) == (2.5, 4)
