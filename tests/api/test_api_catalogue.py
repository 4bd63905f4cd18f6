"""The catalogue: programmes and multilingual modules (including right-to-left scripts),
validated against schemas/, with every problem listed by path."""

from __future__ import annotations

from typing import Any

from conftest import Provider, module_data, table_counts

from service.store import Database


def test_a_module_keeps_every_language_exactly(client: Any, provider: Provider) -> None:
    data = module_data()
    created = client.post(f"/issuers/{provider.slug}/modules", json=data, headers=provider.headers)

    assert created.status_code == 201, created.text
    module = created.json()
    assert {k: module[k] for k in data} == data
    assert module["name"]["ar"] == "أساسيات اللحام"
    fetched = client.get(
        f"/issuers/{provider.slug}/modules/{module['id']}", headers=provider.headers
    )
    assert fetched.json() == module
    listed = client.get(f"/issuers/{provider.slug}/modules", headers=provider.headers).json()
    assert [m["id"] for m in listed] == [module["id"]]
    assert module["createdAt"].endswith("+00:00")


def test_a_right_to_left_default_language(client: Any, provider: Provider) -> None:
    data = module_data(
        defaultLanguage="ar",
        name={"ar": "السلامة المهنية", "en": "Occupational safety"},
        description={"ar": "أساسيات السلامة في الورشة"},
        cefrLevel="A2",
    )
    created = client.post(f"/issuers/{provider.slug}/modules", json=data, headers=provider.headers)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == data["name"]


def test_modules_stack_into_a_programme(client: Any, provider: Provider) -> None:
    programme = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={
            "defaultLanguage": "en",
            "code": "MT-3",
            "name": {"en": "Metal trades assistant", "ar": "مساعد في المهن المعدنية"},
            "eqfLevel": 3,
        },
        headers=provider.headers,
    )
    assert programme.status_code == 201, programme.text
    programme_id = programme.json()["id"]

    module = client.post(
        f"/issuers/{provider.slug}/modules",
        json=module_data(programmeId=programme_id),
        headers=provider.headers,
    )
    assert module.status_code == 201
    assert module.json()["programmeId"] == programme_id
    listed = client.get(f"/issuers/{provider.slug}/programmes", headers=provider.headers).json()
    assert [p["id"] for p in listed] == [programme_id]

    unknown = client.post(
        f"/issuers/{provider.slug}/modules",
        json=module_data(programmeId="00000000-0000-0000-0000-000000000000"),
        headers=provider.headers,
    )
    assert unknown.status_code == 404


#: Invalid module -> (change to a valid module, the error path, words in its message).
INVALID_MODULES: dict[str, tuple[dict[str, Any], str, str]] = {
    "eqf-9": ({"eqfLevel": 9}, "$.eqfLevel", "9"),
    "unknown-field": ({"colour": "blue"}, "$", "colour"),
    "no-default-language-name": ({"name": {"en": "Welding only in English"}}, "$.name", "'de'"),
    "empty-name": ({"name": {}}, "$.name", ""),
    "bad-language-tag": ({"defaultLanguage": "German"}, "$.defaultLanguage", ""),
    "bad-esco-uri": ({"escoSkills": ["not a uri"]}, "$.escoSkills[0]", ""),
    "bad-cefr": ({"cefrLevel": "D1"}, "$.cefrLevel", "D1"),
    "zero-hours": ({"hours": 0}, "$.hours", ""),
    "bad-name-language": ({"name": {"english": "Welding"}}, "$.name", ""),
}


def test_an_invalid_module_is_422_listing_paths(
    client: Any, provider: Provider, db: Database
) -> None:
    before = table_counts(db)
    for case, (change, path, words) in INVALID_MODULES.items():
        response = client.post(
            f"/issuers/{provider.slug}/modules",
            json=module_data(**change),
            headers=provider.headers,
        )

        assert response.status_code == 422, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json", case
        errors = response.json()["errors"]
        messages = [e["message"] for e in errors if e["path"] == path]
        assert messages, (case, errors)
        assert words in messages[0], (case, messages)
    assert table_counts(db) == before


def test_every_problem_is_listed_at_once(client: Any, provider: Provider) -> None:
    data = module_data(eqfLevel=0, iscedField="x", colour="blue")
    del data["defaultLanguage"]
    body = client.post(
        f"/issuers/{provider.slug}/modules", json=data, headers=provider.headers
    ).json()
    paths = sorted(e["path"] for e in body["errors"])
    assert paths == ["$", "$", "$.eqfLevel", "$.iscedField"]
    assert "defaultLanguage" in body["detail"] or any(
        "defaultLanguage" in e["message"] for e in body["errors"]
    )


def test_a_module_may_not_carry_learner_data(client: Any, provider: Provider) -> None:
    response = client.post(
        f"/issuers/{provider.slug}/modules",
        json=module_data(nationality="SY"),
        headers=provider.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.nationality"


def test_a_body_that_is_not_an_object_is_422(client: Any, provider: Provider) -> None:
    for body in ([], "text", 3, None):
        response = client.post(
            f"/issuers/{provider.slug}/modules", json=body, headers=provider.headers
        )
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"


def test_an_invalid_programme_is_422(client: Any, provider: Provider) -> None:
    response = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={"defaultLanguage": "en", "name": {"en": "X"}, "eqfLevel": 12},
        headers=provider.headers,
    )
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["$.eqfLevel"]


def test_a_language_tag_that_open_badges_cannot_carry_is_refused_with_an_example(
    client: Any, provider: Provider
) -> None:
    """Every credential must validate against the AchievementCredential schema, whose
    LanguageCode is language[-Script][-REGION]: a variant such as 'de-1996' is refused when the
    module is defined, not discovered in an issued credential."""
    for body, path in (
        (
            module_data(defaultLanguage="de-1996", name={"de-1996": "Schweißen"}),
            "$.defaultLanguage",
        ),
        (module_data(name={"de": "Schweißen", "en-basiceng": "Welding"}), "$.name"),
    ):
        response = client.post(
            f"/issuers/{provider.slug}/modules", json=body, headers=provider.headers
        )
        assert response.status_code == 422, response.text
        messages = {e["path"]: e["message"] for e in response.json()["errors"]}
        assert "pt-BR" in messages[path], messages
    for tag in ("pt-br", "sr-Latn-RS", "es-419", "zh-hant"):
        response = client.post(
            f"/issuers/{provider.slug}/modules",
            json=module_data(defaultLanguage=tag, name={tag: "x"}),
            headers=provider.headers,
        )
        assert response.status_code == 201, (tag, response.text)
