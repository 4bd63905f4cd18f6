"""The wallet shows the learner's progress toward each programme ("3 of 5 modules") in their
language, and says when the qualification is in the wallet or under review."""

from __future__ import annotations

import html
from typing import Any

import pytest
from conftest import Provider, award_data, module_data
from wallet_support import path_of

from service.i18n import LANGUAGES, format_number, translate, translate_plural


def define(client: Any, provider: Provider, code: str) -> str:
    response = client.post(
        f"/issuers/{provider.slug}/modules",
        json=module_data(code=code, name={"en": f"Module {code}"}, defaultLanguage="en"),
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def give(client: Any, provider: Provider, module_id: str) -> dict[str, Any]:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module_id, **award_data("Amina Haddad", learnerId="E-7", language="ar")},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def five(client: Any, provider: Provider) -> list[str]:
    modules = [define(client, provider, f"M-{i}") for i in range(5)]
    response = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={
            "name": {"en": "Metal trades assistant", "ar": "مساعد في المهن المعدنية"},
            "defaultLanguage": "en",
            "completion": {"rule": {"allOf": modules}},
        },
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return modules


def progress_text(page: str) -> str:
    start = page.index('<section class="card" id="progress">')
    return html.unescape(page[start : page.index("</section>", start)])


def test_three_of_five_modules_in_the_learners_language(
    client: Any, provider: Provider, five: list[str]
) -> None:
    path = path_of(give(client, provider, five[0])["walletUrl"])
    for module_id in five[1:3]:
        give(client, provider, module_id)
    arabic = progress_text(client.get(path).text)  # the link's language: Arabic
    assert "مساعد في المهن المعدنية" in arabic
    assert translate_plural("ar", "wallet.progress", 5, done=format_number("ar", 3)) in arabic
    assert translate("ar", "wallet.progress_heading") in arabic
    english = progress_text(client.get(path, params={"lang": "en"}).text)
    assert "Metal trades assistant</bdi>: <span data-progress>3 of 5 modules<" in english
    german = progress_text(client.get(path, params={"lang": "de"}).text)
    assert "3 von 5 Modulen" in german
    assert "Completed" not in english

    for module_id in five[3:]:
        answer = give(client, provider, module_id)
    assert answer["qualifications"]
    done = progress_text(client.get(path, params={"lang": "en"}).text)
    assert "5 of 5 modules" in done
    assert "Completed: the qualification is in this wallet." in done
    # The qualification and its transcript are in the wallet, with the modules.
    page = client.get(path, params={"lang": "en"}).text
    assert page.count('<article class="card"') == 7


def test_every_language_says_it() -> None:
    for language in LANGUAGES:
        text = translate_plural(language, "wallet.progress", 5, done="3")
        assert "3" in text and "5" in text, language
