"""Employer engagement: each public verification whose signature verified counts toward its
provider's month, as a sum only; a tampered credential, a foreign issuer and nothing per
request is stored."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from conftest import Provider, table_counts
from verification_support import award, did_key_badge, make_public, public  # noqa: F401

from service.api.limits import PublicEndpoint
from service.store import Database
from service.store.repositories.outcomes import OutcomesRepository


def test_verifications_count_per_provider_and_month_only(
    client: Any,
    db: Database,
    provider: Provider,
    public: PublicEndpoint,  # noqa: F811
    award: Callable[..., dict[str, Any]],  # noqa: F811
    did_key_badge: dict[str, Any],  # noqa: F811
) -> None:
    credential = award()
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["name"] = "Somebody Else"
    before = table_counts(db)
    for given in (credential, credential, tampered, did_key_badge):
        response = client.post("/credentials/verify", json={"verifiableCredential": given})
        assert response.status_code in (200, 400), response.text  # 400: not verified
    month = datetime.now(UTC).strftime("%Y-%m")
    with db.transaction() as session:
        counts = OutcomesRepository(session).engagement(
            issuer_id=provider.issuer.id, start=month, end=month
        )
    assert counts == {(month, ""): 2}  # the genuine one, twice; not the tampered one
    after = table_counts(db)
    # One monthly row, however many verifications; nothing else grew but the daily counts.
    assert after["engagement_counts"] - before.get("engagement_counts", 0) == 1
    assert {t for t in after if after[t] != before.get(t)} <= {
        "engagement_counts",
        "verification_counts",
    }
