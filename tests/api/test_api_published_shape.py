"""Credentials every verifier can read. Whatever path a credential takes out of Tessera (one
award, a cohort, VC-API with the server's status or the client's own) and whatever the
catalogue says about the module (ESCO skills or none, translations or none, a result, hours,
region-tagged languages), the credential

* names only the published contexts (VC 2.0 and Open Badges 3.0.3);
* validates against 1EdTech's AchievementCredential JSON Schema (read from ../shared);
* verifies in the reference JavaScript stack whose document loader knows only published
  contexts: VC 2.0 and OB 3.0.3 for the credential, DID v1 and Multikey v1 for the
  provider's DID document. Nothing Tessera-specific.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import (
    CONTEXTS_BUNDLE,
    SHARED,
    Provider,
    award_data,
    served_status_lists,
    verify_offline,
)
from factories import module_data, open_badge_credential, published_open_badge_credential
from jsonschema import Draft201909Validator, FormatChecker

from service.app.engine import Engine
from service.contexts import CREDENTIALS_V2, OPEN_BADGES_V3, TESSERA_V1
from service.dids import MULTIKEY_V1
from service.keys import Ed25519Signer
from service.proofs import Canonicalizer, sign

SCHEMA = SHARED / "schemas-1edtech" / "ob_v3p0_achievementcredential_schema.json"
#: Every context the published-only loader serves, by URL: the file in ../shared/contexts.
PUBLISHED = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OPEN_BADGES_V3: "ob-v3p0-context-3.0.3.json",
    MULTIKEY_V1: "multikey-v1.jsonld",
}

#: What a catalogue may say about a module, from everything to the bare minimum.
SHAPES: dict[str, dict[str, Any]] = {
    "everything": module_data(),
    "no-esco": {**module_data(), "escoSkills": [], "escoOccupations": []},
    "one-language": module_data(
        name={"de": "Schweißen Grundlagen"},
        description={"de": "Sichere Einrichtung."},
        learningOutcomes=[],
        assessmentCriteria=[],
    ),
    "region-tags-cefr-hours": module_data(
        defaultLanguage="pt-br",
        name={"pt-br": "Português para o trabalho", "ar": "البرتغالية للعمل"},
        description={"pt-br": "Comunicação no local de trabalho."},
        cefrLevel="B1",
        hours=12.5,
        credits=0.5,
        achievementType="Competency",
    ),
    "bare": {"name": {"en": "Forklift safety briefing"}, "defaultLanguage": "en"},
}


@pytest.fixture(scope="module")
def achievement_schema() -> Draft201909Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=FormatChecker())


def schema_errors(validator: Draft201909Validator, credential: dict[str, Any]) -> list[str]:
    """Every way ``credential`` breaks the AchievementCredential schema.

    The 2019-09 schema wants ``proof`` to be an array; 1EdTech's own signed examples carry
    one proof object and fail that rule too (../shared/schemas-1edtech/README.md). The proof
    is checked as a one-item array, so its own fields still are; every other rule as written.
    """
    document = copy.deepcopy(credential)
    if isinstance(document.get("proof"), dict):
        document["proof"] = [document["proof"]]
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


@pytest.fixture(scope="module")
def published_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The reference JavaScript stack with a loader that knows only published contexts."""
    from node_harness import NodeHarness, ensure_node_modules

    directory = tmp_path_factory.mktemp("published-contexts")
    manifest = {
        url: os.path.relpath(CONTEXTS_BUNDLE / name, directory) for url, name in PUBLISHED.items()
    }
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    ensure_node_modules()
    harness = NodeHarness()
    harness.start([directory])
    served = harness.request({"op": "contexts"})
    assert set(served) == set(PUBLISHED), served
    yield harness
    harness.close()


def did_documents(client: Any, provider: Provider) -> dict[str, Any]:
    return {provider.did: client.get(f"/issuers/{provider.slug}/did.json").json()}


def define(client: Any, provider: Provider, data: dict[str, Any]) -> str:
    response = client.post(f"/issuers/{provider.slug}/modules", json=data, headers=provider.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def award(client: Any, provider: Provider, module_id: str, **fields: Any) -> dict[str, Any]:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module_id, **award_data(**fields)},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["verifiableCredential"])


def cohort(client: Any, provider: Provider, module_id: str) -> list[dict[str, Any]]:
    response = client.post(
        f"/issuers/{provider.slug}/awards/batch",
        json={
            "moduleId": module_id,
            "awards": [award_data("Chidi Okafor", result="87/100"), award_data("Layla Haddad")],
        },
        params={"include": "credentials"},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return list(response.json()["verifiableCredentials"])


def vcapi(client: Any, provider: Provider, credential: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/credentials/issue", json={"credential": credential}, headers=provider.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["verifiableCredential"])


def vcapi_badge(**overrides: Any) -> dict[str, Any]:
    """The published-shape Open Badge as a VC-API client sends it: the server sets the id,
    issuer and validity."""
    credential = published_open_badge_credential()
    for field in ("id", "issuer", "validFrom"):
        credential.pop(field)
    return {**credential, **overrides}


def assert_readable_everywhere(
    credential: dict[str, Any],
    *,
    validator: Draft201909Validator,
    node: Any,
    client: Any,
    provider: Provider,
    engine: Engine,
    own_status: bool = True,
) -> None:
    assert credential["@context"] == [CREDENTIALS_V2, OPEN_BADGES_V3]
    assert TESSERA_V1 not in json.dumps(credential)
    assert isinstance(credential["credentialStatus"], dict)  # one entry: an object
    assert schema_errors(validator, credential) == []
    documents = did_documents(client, provider)
    request: dict[str, Any] = {"op": "verify", "credential": credential, "didDocuments": documents}
    if own_status:
        request["statusLists"] = served_status_lists(client, credential)
    else:
        request["skipStatusCheck"] = True
    outcome = node.request(request)
    assert outcome["verified"], outcome["errors"]
    assert verify_offline(engine, credential, documents).verified


@pytest.mark.interop
@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
def test_every_award_path_and_catalogue_shape_is_readable_by_any_verifier(
    client: Any,
    provider: Provider,
    achievement_schema: Draft201909Validator,
    published_node: Any,
    service_engine: Engine,
    shape: str,
) -> None:
    module_id = define(client, provider, SHAPES[shape])
    issued = [
        award(client, provider, module_id),
        award(client, provider, module_id, result="Pass", learnerDid=provider.did),
        *cohort(client, provider, module_id),
    ]
    for credential in issued:
        assert_readable_everywhere(
            credential,
            validator=achievement_schema,
            node=published_node,
            client=client,
            provider=provider,
            engine=service_engine,
        )


@pytest.mark.interop
def test_vcapi_credentials_are_readable_with_the_servers_status_or_the_clients_own(
    client: Any,
    provider: Provider,
    achievement_schema: Draft201909Validator,
    published_node: Any,
    service_engine: Engine,
) -> None:
    checks = {
        "validator": achievement_schema,
        "node": published_node,
        "client": client,
        "provider": provider,
        "engine": service_engine,
    }
    assert_readable_everywhere(vcapi(client, provider, vcapi_badge()), **checks)
    clients_own = {
        "id": "https://status.vtc-hamburg.example/lists/3#1203",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "1203",
        "statusListCredential": "https://status.vtc-hamburg.example/lists/3",
    }
    signed = vcapi(client, provider, vcapi_badge(credentialStatus=clients_own))
    assert signed["credentialStatus"] == clients_own  # signed as given
    assert_readable_everywhere(signed, **checks, own_status=False)


@pytest.mark.interop
def test_the_published_only_loader_refuses_the_old_shape(
    published_node: Any,
    canonicalizer: Canonicalizer,
    vector_signer: Ed25519Signer,
    service_engine: Engine,
) -> None:
    """The check above can fail: the Tessera context of credentials issued before is unknown
    to a loader that serves only published contexts. Tessera still verifies them: they are
    in circulation."""
    old = sign(
        open_badge_credential(),
        signer=vector_signer,
        canonicalizer=canonicalizer,
        created=datetime(2025, 3, 1, tzinfo=UTC),
    )
    assert verify_offline(service_engine, old, {}).verified
    outcome = published_node.request({"op": "verify", "credential": old})
    assert outcome["verified"] is False
    assert any("tessera/contexts/v1" in error for error in outcome["errors"]), outcome


def test_the_schema_check_can_fail(achievement_schema: Draft201909Validator) -> None:
    """What the old shape broke, and other departures, are caught."""
    credential = published_open_badge_credential()
    entry = {
        "id": "https://x.example/status/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://x.example/status/1",
    }
    assert schema_errors(achievement_schema, {**credential, "credentialStatus": entry}) == []
    as_array = {**credential, "credentialStatus": [entry]}
    assert any(
        e.startswith("credentialStatus") for e in schema_errors(achievement_schema, as_array)
    )
    bad_language = copy.deepcopy(credential)
    bad_language["credentialSubject"]["achievement"]["inLanguage"] = "pt-br"
    assert schema_errors(achievement_schema, bad_language)
    no_criteria = copy.deepcopy(credential)
    del no_criteria["credentialSubject"]["achievement"]["criteria"]
    assert schema_errors(achievement_schema, no_criteria)


def test_language_tags_are_written_as_open_badges_wants_them() -> None:
    credential = published_open_badge_credential(
        defaultLanguage="pt-br", name={"pt-br": "Português", "ha-arab": "Hausa", "sr-latn-rs": "x"}
    )
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "pt-BR"
    assert [r["inLanguage"] for r in achievement["related"]] == ["ha-Arab", "sr-Latn-RS"]


def test_the_factory_is_what_the_service_issues(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    """The published-shape factory the reader tests use has the issued credential's shape."""
    issued = award(client, provider, module["id"], result="Pass")
    built = published_open_badge_credential()

    def shape(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items() if k not in ("proof", "credentialStatus")}
        if isinstance(value, list):
            return [shape(v) for v in value]
        return type(value).__name__

    assert shape(built) == shape(issued)
