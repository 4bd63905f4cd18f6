"""Programmes with completion rules on the catalogue: validated (schema, then what the schema
cannot see) and shown as defined."""

from __future__ import annotations

from typing import Any

from conftest import Provider, module_data, table_counts

from service.store import Database


def define_module(client: Any, provider: Provider, code: str, **fields: Any) -> str:
    response = client.post(
        f"/issuers/{provider.slug}/modules",
        json=module_data(code=code, name={"en": f"Module {code}"}, defaultLanguage="en", **fields),
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_a_programme_shows_its_completion_rules(client: Any, provider: Provider) -> None:
    a, b, c = (define_module(client, provider, code) for code in ("A-1", "B-1", "C-1"))
    completion = {
        "rule": {"allOf": [a, {"anyOf": [b, "https://academy.example/achievements/b"]}]},
        "minHours": 60,
        "withinMonths": 24,
        "notBefore": "2024-01-01",
    }
    body = {"name": {"en": "Metal trades"}, "defaultLanguage": "en", "version": 2}
    created = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={**body, "completion": completion},
        headers=provider.headers,
    )
    assert created.status_code == 201, created.text
    shown = client.get(
        f"/issuers/{provider.slug}/programmes/{created.json()['id']}", headers=provider.headers
    ).json()
    assert shown["completion"] == completion and shown["version"] == 2
    assert c not in str(shown)


def test_rules_that_cannot_be_met_are_refused_and_nothing_is_written(
    client: Any, provider: Provider, db: Database
) -> None:
    a = define_module(client, provider, "A-1")
    before = table_counts(db)
    unknown = "0a0a0a0a-0000-4000-8000-000000000000"
    refused = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={
            "name": {"en": "P"},
            "defaultLanguage": "en",
            "completion": {"rule": {"nOf": 3, "of": [a, unknown]}},
        },
        headers=provider.headers,
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["path"] for e in problem["errors"]] == [
        "$.completion.rule",
        "$.completion.rule.of[1]",
    ]
    assert "asks for more than the 2 listed" in problem["detail"]
    malformed = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={"name": {"en": "P"}, "defaultLanguage": "en", "completion": {"rule": {"n": 1}}},
        headers=provider.headers,
    )
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["path"] == "$.completion.rule"
    assert table_counts(db) == before
