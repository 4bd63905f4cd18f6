# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""The public verifier cannot be stalled: hostile documents are refused early with a problem
detail that says why, and genuine requests are answered while an attacker's are in flight.
Functional tests; the latency figures are measured by bench/bench_stall.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from factories import POISON_PROPERTY, open_badge_credential, poison_credential, small_credential
from verification_support import TEST_POLICY, did_key_badge, make_public  # noqa: F401

from service.api.limits import PublicEndpoint, PublicPolicy

TRANSFORMATION_ERROR = "https://w3id.org/security#PROOF_TRANSFORMATION_ERROR"


def verify(client: Any, credential: Any) -> Any:
    return client.post("/credentials/verify", json={"verifiableCredential": credential})


def statuses(body: dict[str, Any]) -> dict[str, str]:
    return {c["check"]: c["status"] for c in body["checks"]}


def tree_poison() -> dict[str, Any]:
    """No explicit blank-node ids at all: two identical parents, each with eight identical
    children (1.1 KB; over 3 s of CPU for an unbounded canonicalizer)."""
    credential = poison_credential(1)
    credential["credentialSubject"] = {
        POISON_PROPERTY: [{POISON_PROPERTY: [{POISON_PROPERTY: "x"} for _ in range(8)]}] * 2
    }
    return credential


@pytest.mark.parametrize("poison", [poison_credential(10), poison_credential(7), tree_poison()])
def test_poison_graphs_are_refused_with_a_problem_detail(
    client: Any, make_public: Callable[..., PublicEndpoint], poison: dict[str, Any]
) -> None:
    make_public()
    response = verify(client, poison)
    assert response.status_code == 400
    body = response.json()
    assert body["verified"] is False
    assert statuses(body)["proof"] == "failed"
    [problem] = body["problemDetails"]
    assert problem["type"] == TRANSFORMATION_ERROR
    assert "too entangled" in problem["detail"]
    assert "poison graph" in problem["detail"]


def test_the_public_budget_is_smaller_than_the_clis(
    client: Any, make_public: Callable[..., PublicEndpoint], canonicalizer: Any
) -> None:
    """A clique of 7 canonicalizes within the CLI's limits, and is refused by the public
    verifier before the exponential step."""
    document = poison_credential(7)
    document.pop("proof")
    assert canonicalizer.canonicalize(document)
    public = make_public()
    assert public.verification.verifier.limits.max_seconds == 0.1
    assert public.verification.verifier.limits.max_quads < canonicalizer.limits.max_quads
    response = verify(client, poison_credential(7))
    assert "poison graph" in response.json()["problemDetails"][0]["detail"]


def test_blank_node_heavy_documents_are_refused_before_canonicalization(
    client: Any, make_public: Callable[..., PublicEndpoint]
) -> None:
    make_public()
    credential = poison_credential(1)
    credential["credentialSubject"] = {
        POISON_PROPERTY: [{POISON_PROPERTY: str(n)} for n in range(250)]
    }
    body = verify(client, credential).json()
    checks = statuses(body)
    assert checks["parse"] == "failed"
    assert checks["context"] == checks["proof"] == "unknown"  # never reached JSON-LD
    [problem] = body["problemDetails"]
    assert problem["type"] == TRANSFORMATION_ERROR
    assert "252 blank nodes" in problem["detail"]  # with the subject and the proof
    assert "at most 200" in problem["detail"]


def test_genuine_credentials_pass_the_public_budget(
    client: Any, make_public: Callable[..., PublicEndpoint], did_key_badge: dict[str, Any]
) -> None:
    make_public()
    body = verify(client, did_key_badge).json()
    assert statuses(body)["proof"] == "passed", body


def test_the_budget_is_configurable(settings: Any) -> None:
    tuned = settings.model_copy(
        update={"verify_max_canonicalization_seconds": 0.25, "verify_max_blank_nodes": 50}
    )
    policy = PublicPolicy.from_settings(tuned)
    assert (policy.max_canonicalization_seconds, policy.max_blank_nodes) == (0.25, 50)


def test_genuine_requests_are_answered_while_poison_is_in_flight(
    app: Any, make_public: Callable[..., PublicEndpoint], did_key_badge: dict[str, Any]
) -> None:
    """An attacker's poison that slips past the cheap checks (the public estimate is turned
    off here, and the CPU budget raised to the CLI's 1 s) burns its whole budget; while it does, another client's genuine credentials
    are verified, not queued behind it or answered 503. The attacker holds one slot, one
    more of its requests waits, and the rest are refused at once."""
    public = make_public(
        PublicPolicy(
            rate_per_second=1000.0,
            burst=1000,
            count_flush_seconds=0.0,
            max_concurrent=2,
            queue_seconds=30.0,  # the waiting poison request waits its turn, however slow
            max_concurrent_per_client=1,
            max_waiting_per_client=1,
            max_canonicalization_seconds=1.0,
            max_blank_node_permutations=10**9,
        )
    )
    poison = poison_credential(8)  # within the CLI's estimate; 1.5 s of CPU unbounded
    attacker = httpx.ASGITransport(app=app, client=("203.0.113.66", 4000))
    employer = httpx.ASGITransport(app=app, client=("198.51.100.7", 5000))

    async def scenario() -> tuple[list[int], list[httpx.Response], bool]:
        async with (
            httpx.AsyncClient(transport=attacker, base_url="http://t") as bad,
            httpx.AsyncClient(transport=employer, base_url="http://t") as good,
        ):
            attacks = [
                asyncio.create_task(
                    bad.post("/credentials/verify", json={"verifiableCredential": poison})
                )
                for _ in range(4)
            ]
            while public.gate.running < 1:  # the poison is being canonicalized
                await asyncio.sleep(0.005)
            answers = [
                await good.post("/credentials/verify", json={"verifiableCredential": did_key_badge})
                for _ in range(3)
            ]
            still_in_flight = not all(task.done() for task in attacks)
            codes = sorted(r.status_code for r in await asyncio.gather(*attacks))
            return codes, answers, still_in_flight

    codes, answers, still_in_flight = asyncio.run(scenario())
    assert still_in_flight
    for answer in answers:
        assert answer.status_code != 503
        assert statuses(answer.json())["proof"] == "passed"
    # one ran, one waited its turn (both refused as poison), two were refused at once: the
    # attacker is told it asks too much (429), not that the service is overloaded
    assert codes == [400, 400, 429, 429]


def test_one_open_badge_is_a_handful_of_blank_nodes(canonicalizer: Any) -> None:
    from service.proofs import Limits

    tight = canonicalizer.with_limits(Limits(max_blank_nodes=4, max_blank_node_permutations=1))
    assert tight.canonicalize(open_badge_credential())
    assert tight.canonicalize(small_credential())


def test_many_proofs_cannot_multiply_the_budget(
    client: Any,
    make_public: Callable[..., PublicEndpoint],
    canonicalizer: Any,
    vector_signer: Any,
) -> None:
    """Anyone can sign a costly (but allowed) document with as many proofs as they like;
    each proof canonicalizes it again. One verification's canonicalizations share one CPU
    budget, so the request is refused once that is spent, not after N times the budget."""
    from datetime import UTC, datetime, timedelta

    from service.proofs import sign

    document = open_badge_credential(vector_signer.verification_method.partition("#")[0])
    alignment = document["credentialSubject"]["achievement"]["alignment"][0]
    document["credentialSubject"]["achievement"]["alignment"] = [
        dict(alignment, targetName=f"skill {n}", targetCode=str(n)) for n in range(100)
    ]
    start = datetime(2025, 3, 1, tzinfo=UTC)
    for n in range(60):
        document = sign(
            document,
            signer=vector_signer,
            canonicalizer=canonicalizer,
            created=start + timedelta(seconds=n),
        )
    assert len(document["proof"]) == 60
    public = make_public(PublicPolicy(**{**vars(TEST_POLICY), "max_verification_seconds": 0.05}))
    assert public.policy.max_verification_seconds == 0.05
    body = verify(client, document).json()
    assert statuses(body)["proof"] == "failed"
    assert "0.05 s of CPU" in body["problemDetails"][0]["detail"]
    make_public()  # the default budget (0.25 s) is ample for one proof of the same document
    single = dict(document, proof=document["proof"][0])
    assert statuses(verify(client, single).json())["proof"] == "passed"
