"""Status lists of other services, fetched over HTTPS under strict rules (HttpsLists): only
https, only the issuer's own did:web host or a host the trust registry names for it, no
redirects, a short timeout, a size cap, and a cache that honours validUntil and ttl. The
network is an httpx.MockTransport: every request that would leave the machine is recorded."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

import service.verification.status as status_check
from service.app.engine import Engine
from service.dids import StaticResolver, controller_document
from service.errors import StatusListError
from service.keys import Ed25519Signer, encode_public_multikey, generate_seed, public_key_from_seed
from service.proofs import Canonicalizer, sign
from service.status.bitstring import (
    MIN_LIST_BITS,
    bitstring,
    encode_list,
    entry_json,
    list_credential,
)
from service.verification.pipeline import verify_credential
from service.verification.remote import strict_client
from service.verification.status import (
    FETCH_TIMEOUT_SECONDS,
    MAX_LIST_RESPONSE_BYTES,
    HttpsLists,
    StatusChecker,
)

ISSUER = "did:web:lists.example"
LIST = "https://lists.example/status/1"


class Network:
    """A fake internet: URL -> handler; every request is recorded, nothing leaves."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[httpx.Request], httpx.Response]] = {}
        self.requests: list[httpx.Request] = []

    def client(self) -> httpx.Client:
        """The strict client the service uses (same options), with this fake transport."""
        strict = strict_client()
        return httpx.Client(
            transport=httpx.MockTransport(self),
            timeout=strict.timeout,
            follow_redirects=strict.follow_redirects,
            headers=strict.headers,
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get(str(request.url))
        if handler is None:
            return httpx.Response(404)
        return handler(request)

    @property
    def urls(self) -> list[str]:
        return [str(r.url) for r in self.requests]

    def serve(self, url: str, document: Any, **headers: str) -> None:
        self.routes[url] = lambda _request: httpx.Response(200, json=document, headers=headers)


@pytest.fixture
def network() -> Network:
    """A fake internet, handed to HttpsLists as its client's transport (failure injection;
    nothing patches httpx process-wide)."""
    return Network()


def simple_list(valid_until: datetime | None = None, ttl_ms: int | None = None) -> dict[str, Any]:
    document = list_credential(
        list_url=LIST,
        issuer=ISSUER,
        purpose="revocation",
        encoded=encode_list(bitstring(MIN_LIST_BITS, [])),
        valid_from="2026-01-01T00:00:00Z",
        valid_until=(valid_until or datetime.now(UTC) + timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
    )
    if ttl_ms is not None:
        document["credentialSubject"]["ttl"] = ttl_ms
    return document


def refused(lists: HttpsLists, url: str, issuer: str = ISSUER) -> str:
    with pytest.raises(StatusListError) as caught:
        lists.get(url, issuer=issuer)
    assert caught.value.code == "STATUS_RETRIEVAL_ERROR"
    return str(caught.value)


def test_the_client_is_strict(network: Network) -> None:
    strict = strict_client()
    assert strict.timeout.read == FETCH_TIMEOUT_SECONDS <= 10
    assert strict.follow_redirects is False
    network.serve(LIST, simple_list())
    HttpsLists(client=network.client()).get(LIST, issuer=ISSUER)
    (request,) = network.requests
    assert "application/vc+ld+json" in request.headers["accept"]


def test_only_https(network: Network) -> None:
    network.serve("http://lists.example/status/1", simple_list())
    message = refused(HttpsLists(client=network.client()), "http://lists.example/status/1")
    assert "only over https" in message
    assert network.requests == []


@pytest.mark.parametrize(
    ("url", "issuer"),
    [
        ("https://evil.example/status/1", ISSUER),  # not the issuer's host
        ("https://lists.example.evil.example/status/1", ISSUER),
        ("https://lists.example@evil.example/status/1", ISSUER),  # userinfo trick
        ("https://lists.example:8443/status/1", ISSUER),  # another port than the DID's
        (
            "https://lists.example/status/1",
            "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        ),
        ("https://lists.example/status/1", "https://lists.example/issuer"),
        ("https://lists.example/status/1", "did:web:other.example"),
    ],
)
def test_hosts_nobody_named_for_the_issuer_are_never_contacted(
    network: Network, url: str, issuer: str
) -> None:
    network.serve(url, simple_list())
    assert "was not contacted" in refused(HttpsLists(client=network.client()), url, issuer)
    assert network.requests == []


def test_the_issuers_own_did_web_host_and_registry_named_hosts(network: Network) -> None:
    document = simple_list()
    for url in (
        LIST,
        "https://LISTS.example/status/2",
        "https://lists.example:8443/status/3",
        "https://cdn.registry.example/acme/4",
    ):
        network.serve(url.replace("LISTS", "lists"), document)
    named = {ISSUER: ["CDN.registry.example"]}
    lists = HttpsLists(allowed_hosts=lambda issuer: named.get(issuer, []), client=network.client())

    assert lists.get(LIST, issuer=ISSUER) == document
    assert lists.get("https://LISTS.example/status/2", issuer=ISSUER) == document
    assert lists.get("https://lists.example:8443/status/3", issuer="did:web:lists.example%3A8443")
    assert lists.get("https://cdn.registry.example/acme/4", issuer=ISSUER) == document
    # The registry names that host for this issuer only.
    refused(lists, "https://cdn.registry.example/acme/4", "did:web:other.example")
    assert len(network.requests) == 4


def test_redirects_are_not_followed(network: Network) -> None:
    network.routes[LIST] = lambda _r: httpx.Response(
        302, headers={"Location": "https://evil.example/list"}
    )
    network.serve("https://evil.example/list", simple_list())
    assert "HTTP 302" in refused(HttpsLists(client=network.client()), LIST)
    assert network.urls == [LIST]


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (httpx.Response(404), "HTTP 404"),
        (httpx.Response(500), "HTTP 500"),
        (httpx.Response(200, content=b"<html>hello</html>"), "not JSON"),
        (httpx.Response(200, content=b"\xff\xfe\x00"), "not JSON"),
        (httpx.Response(200, json=[1, 2, 3]), "not a JSON object"),
    ],
)
def test_bad_answers_are_retrieval_errors(
    network: Network, response: httpx.Response, words: str
) -> None:
    network.routes[LIST] = lambda _r: response
    assert words in refused(HttpsLists(client=network.client()), LIST)


class Chunks(httpx.SyncByteStream):
    """A response body that arrives in chunks, counting how many were read."""

    def __init__(self, chunk: bytes, count: int, pause: float = 0.0) -> None:
        self.chunk, self.count, self.pause, self.sent = chunk, count, pause, 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.count):
            if self.pause:
                time.sleep(self.pause)
            self.sent += 1
            yield self.chunk


def test_an_oversized_list_is_refused_without_reading_it_all(network: Network) -> None:
    body = Chunks(b" " * 65536, 160)  # 10 MiB, no Content-Length
    network.routes[LIST] = lambda _r: httpx.Response(200, stream=body)
    assert "too large" in refused(HttpsLists(client=network.client()), LIST)
    assert body.sent <= MAX_LIST_RESPONSE_BYTES // 65536 + 2


@pytest.mark.parametrize(
    "error", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.PoolTimeout, httpx.ConnectError]
)
def test_timeouts_and_network_errors_are_retrieval_errors(
    network: Network, error: type[httpx.TransportError]
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error("no answer", request=request)

    network.routes[LIST] = fail
    assert "could not be fetched" in refused(HttpsLists(client=network.client()), LIST)


def test_a_server_that_drips_is_cut_off(network: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx times each read, not the whole body: a byte every so often would never time out."""
    monkeypatch.setattr(status_check, "FETCH_TIMEOUT_SECONDS", 0.3)
    body = Chunks(b"{", 10_000, pause=0.02)
    network.routes[LIST] = lambda _r: httpx.Response(200, stream=body)
    assert "took longer" in refused(HttpsLists(client=network.client()), LIST)
    assert body.sent < 100  # cut off after ~0.3 s of a ~200 s drip (not timed: a wall clock flakes)


class Clock:
    """Stands in for the time module inside status_check: both clocks move together."""

    def __init__(self) -> None:
        self.wall = datetime.now(UTC).timestamp()
        self.mono = 1000.0

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(status_check, "time", fake)
    return fake


@pytest.mark.parametrize(
    ("document", "fresh_for"),
    [
        (lambda now: simple_list(now + timedelta(days=1)), 300),  # the cache's own ceiling
        (lambda now: simple_list(now + timedelta(seconds=60)), 60),  # validUntil
        (lambda now: simple_list(now + timedelta(days=1), ttl_ms=30_000), 30),  # ttl
    ],
)
def test_the_cache_honours_valid_until_and_ttl(
    network: Network, clock: Clock, document: Callable[[datetime], dict[str, Any]], fresh_for: int
) -> None:
    network.serve(LIST, document(datetime.fromtimestamp(clock.wall, UTC)))
    lists = HttpsLists(max_cache_seconds=300, client=network.client())
    lists.get(LIST, issuer=ISSUER)
    clock.advance(fresh_for - 2)
    lists.get(LIST, issuer=ISSUER)
    assert len(network.requests) == 1  # still fresh: answered from the cache
    clock.advance(3)
    lists.get(LIST, issuer=ISSUER)
    assert len(network.requests) == 2  # stale: fetched again


def test_an_expired_list_is_not_cached(network: Network, clock: Clock) -> None:
    network.serve(LIST, simple_list(datetime.fromtimestamp(clock.wall, UTC) - timedelta(minutes=1)))
    lists = HttpsLists(client=network.client())
    lists.get(LIST, issuer=ISSUER)
    lists.get(LIST, issuer=ISSUER)
    assert len(network.requests) == 2


# -- the whole status check against a remote provider ---------------------------------------


@pytest.fixture
def remote(canonicalizer: Canonicalizer) -> Any:
    seed = generate_seed()
    vm = f"{ISSUER}#key-1"
    signer = Ed25519Signer(seed, verification_method=vm)
    document = controller_document(
        ISSUER, [(vm, encode_public_multikey(public_key_from_seed(seed)))]
    )
    now = datetime.now(UTC).replace(microsecond=0)

    def signed_list(*set_bits: int) -> dict[str, Any]:
        listed = list_credential(
            list_url=LIST,
            issuer=ISSUER,
            purpose="revocation",
            encoded=encode_list(bitstring(MIN_LIST_BITS, set_bits)),
            valid_from=(now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            valid_until=(now + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        return sign(
            listed, signer=signer, canonicalizer=canonicalizer, created=now - timedelta(minutes=1)
        )

    credential = sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": ISSUER,
            "validFrom": "2025-01-01T00:00:00Z",
            "credentialSubject": {"name": "Amina Haddad"},
            "credentialStatus": [entry_json(LIST, 42, "revocation")],
        },
        signer=signer,
        canonicalizer=canonicalizer,
        created=datetime(2025, 1, 1, tzinfo=UTC),
    )
    return document, signed_list, credential


def test_a_remote_list_decides_the_status(network: Network, remote: Any, engine: Engine) -> None:
    did_document, signed_list, credential = remote
    verifier = engine.verifier(resolver=StaticResolver({ISSUER: did_document}))

    def check() -> Any:
        checker = StatusChecker(lists=HttpsLists(client=network.client()), list_verifier=verifier)
        import dataclasses

        return verify_credential(
            credential,
            verifier=dataclasses.replace(verifier, status=checker),
            now=datetime.now(UTC),
        )

    network.serve(LIST, signed_list(41, 43))
    fine = check()
    assert fine.verified and fine.check("status").status == "passed"

    network.serve(LIST, signed_list(42))
    revoked = check()
    assert not revoked.verified and revoked.check("status").status == "failed"
    assert "revoked" in revoked.check("status").detail

    network.routes[LIST] = lambda request: (_ for _ in ()).throw(
        httpx.ReadTimeout("slow", request=request)
    )
    unknown = check()
    assert unknown.check("status").status == "unknown"
    assert "could not be checked" in unknown.check("status").detail
