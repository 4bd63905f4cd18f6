"""Employer engagement by the verifier's country, opt-in: with a local MaxMind DB configured
(TESSERA_GEOIP_DB) a public verification counts toward its provider's month *and* the
verifier's country; the address is looked up in memory and dropped, so no table holds it and
nothing is stored per request. Without a database (the default) the country is unknown. The
database is written by the test itself (mmdb_support)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Provider, table_counts
from fastapi.testclient import TestClient
from mmdb_support import write_mmdb
from sqlalchemy import text
from verification_support import TEST_POLICY, award  # noqa: F401

from service.api.limits import build_public_endpoint
from service.config import Settings
from service.errors import ConfigurationError
from service.store import Database
from service.store.models import Base
from service.store.repositories.outcomes import OutcomesRepository
from service.verification.geoip import MaxMindCountries, country_lookup

NETWORKS = {"203.0.113.0/24": "DE", "198.51.100.0/24": "FR"}


@pytest.fixture
def geoip_db(tmp_path: Path) -> Path:
    return write_mmdb(tmp_path / "countries.mmdb", NETWORKS)


def test_addresses_become_country_codes_or_unknown(geoip_db: Path) -> None:
    countries = country_lookup(geoip_db)
    assert countries.country("203.0.113.7") == "DE"
    assert countries.country("198.51.100.200") == "FR"
    for address in ("192.0.2.1", "2001:db8::1", "testclient", "", None):
        assert countries.country(address) == ""  # not listed, IPv6 in a v4 file, not an IP
    assert country_lookup(None).country("203.0.113.7") == ""  # no database: unknown


def test_a_file_that_is_no_maxmind_db_is_a_configuration_error(tmp_path: Path) -> None:
    broken = tmp_path / "countries.mmdb"
    broken.write_bytes(b"not a database")
    for path in (broken, tmp_path / "missing.mmdb"):
        with pytest.raises(ConfigurationError, match=r"TESSERA_GEOIP_DB=.*unset it"):
            MaxMindCountries(path)
        with pytest.raises(ConfigurationError, match=r"TESSERA_GEOIP_DB=.*unset it"):
            Settings(geoip_db=path)  # the service stops at start, saying what to do


def _everything_stored(db: Database) -> str:
    with db.engine.connect() as connection:
        return "\n".join(
            repr(row)
            for name in Base.metadata.tables
            for row in connection.execute(text(f'SELECT * FROM "{name}"'))
        )


def test_verifications_count_per_provider_month_and_country_only(
    app: Any,
    client: Any,
    db: Database,
    provider: Provider,
    geoip_db: Path,
    award: Callable[..., dict[str, Any]],  # noqa: F811
) -> None:
    credential = award()
    state = app.state.tessera
    app.state.public_verification = build_public_endpoint(
        settings=state.settings.model_copy(update={"geoip_db": geoip_db}),
        engine=state.engine,
        database=state.database,
        own_lists=lambda url: state.lists.by_url(url, now=state.now()),
        policy=TEST_POLICY,
    )
    before = table_counts(db)
    for address, times in (("203.0.113.7", 2), ("203.0.113.99", 1), ("192.0.2.1", 1)):
        employer = TestClient(app, client=(address, 50000))
        for _ in range(times):
            response = employer.post(
                "/credentials/verify", json={"verifiableCredential": credential}
            )
            assert response.status_code == 200, response.text
    page = TestClient(app, client=("198.51.100.5", 50000))
    assert page.post("/verify", data={"text": _json(credential)}).status_code == 200
    month = datetime.now(UTC).strftime("%Y-%m")
    with db.transaction() as session:
        counts = OutcomesRepository(session).engagement(
            issuer_id=provider.issuer.id, start=month, end=month
        )
    assert counts == {(month, "DE"): 3, (month, "FR"): 1, (month, ""): 1}
    after = table_counts(db)
    # One row per provider, month and country: 5 verifications, 3 rows; nothing else grew.
    assert after["engagement_counts"] - before.get("engagement_counts", 0) == 3
    assert {t for t in after if after[t] != before.get(t)} <= {
        "engagement_counts",
        "verification_counts",
    }
    stored = _everything_stored(db)
    for address in ("203.0.113", "198.51.100", "192.0.2."):
        assert address not in stored


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
