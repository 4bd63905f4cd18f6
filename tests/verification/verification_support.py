"""Fixtures for public verification: issued credentials, the app's public verifier, and a
status checker the tests control. Test modules import the fixtures they use from here (a
second ``conftest.py`` would shadow the top-level one that other tests import by name)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import pytest
from conftest import Provider, award_data

from service.api.deps import get_public
from service.api.limits import PublicEndpoint, PublicPolicy, build_public_endpoint
from service.verification.pipeline import Check

#: Generous limits, so only the tests about limits meet them.
TEST_POLICY = PublicPolicy(
    rate_per_second=1000.0, burst=1000, count_flush_seconds=0.0, directory_seconds=0.0
)
#: The same, with the service's own providers *not* recognized unless listed: the set-up for
#: tests about an unlisted provider (TESSERA_VERIFY_TRUST_OWN_PROVIDERS=false).
UNLISTED_POLICY = dataclasses.replace(TEST_POLICY, trust_own_providers=False)


class FakeStatus:
    """A ``StatusChecker`` the test sets: ``revoked`` ids fail, everything else passes."""

    def __init__(self) -> None:
        self.revoked: set[str] = set()

    def __call__(self, credential: Mapping[str, Any], now: datetime) -> Check:
        if credential.get("id") in self.revoked:
            return Check("status", "failed", "The issuer has revoked this credential.")
        return Check("status", "passed", "Not revoked.")


@pytest.fixture
def make_public(app: Any) -> Callable[..., PublicEndpoint]:
    """Install a public verifier on ``app`` with ``policy`` (and optionally a status checker)."""

    def make(policy: PublicPolicy = TEST_POLICY, status: Any = "default") -> PublicEndpoint:
        state = app.state.tessera
        public = build_public_endpoint(
            settings=state.settings,
            engine=state.engine,
            database=state.database,
            own_lists=lambda url: state.lists.by_url(url, now=state.now()),
            policy=policy,
        )
        if status != "default":
            import dataclasses

            public.verification.verifier = dataclasses.replace(
                public.verification.verifier, status=status
            )
        app.state.public_verification = public
        return public

    return make


@pytest.fixture
def public(make_public: Callable[..., PublicEndpoint]) -> PublicEndpoint:
    return make_public()


@pytest.fixture
def fake_status() -> FakeStatus:
    return FakeStatus()


@pytest.fixture
def award(client: Any, provider: Provider, module: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """Factory: issue one credential through the service and return it."""

    def make(
        who: Provider = provider, mod: dict[str, Any] = module, **fields: Any
    ) -> dict[str, Any]:
        response = client.post(
            f"/issuers/{who.slug}/awards",
            json={"moduleId": mod["id"], **award_data(**fields)},
            headers=who.headers,
        )
        assert response.status_code == 201, response.text
        return dict(response.json()["verifiableCredential"])

    return make


@pytest.fixture(scope="session")
def did_key_badge(canonicalizer: Any, vector_signer: Any) -> dict[str, Any]:
    """The factories' Open Badge, signed by the W3C test key (a did:key issuer nobody lists)."""
    from datetime import UTC

    from factories import open_badge_credential

    from service.proofs import sign

    return sign(
        open_badge_credential(),
        signer=vector_signer,
        canonicalizer=canonicalizer,
        created=datetime(2025, 3, 1, tzinfo=UTC),
    )


__all__ = [
    "TEST_POLICY",
    "FakeStatus",
    "award",
    "did_key_badge",
    "fake_status",
    "get_public",
    "make_public",
    "public",
]
