# ruff: noqa: F811  (fixtures imported from browser_support are parameters here)
"""The learner's "your data" page in Debian's chromium, in every interface language: axe-core
finds no violation and nothing overflows at 320 px; the page says, in the learner's language,
that downloaded credentials keep verifying; the download link gives the ZIP; and the erasure
form, submitted for real, asks for confirmation and then sends the request."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from browser_support import axe_source, axe_violations, browser, shots  # noqa: F401
from conftest import Provider, award_data
from test_pages_browser import NARROW, OVERFLOWS

from service.i18n import LANGUAGES, translate


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_your_data_page_in_every_language_and_the_erasure_request(
    browser: Any,
    server: str,
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    shots: Path,
    axe_source: str,
) -> None:
    made = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data("Amina Haddad", learnerId="E-00042")},
        headers=provider.headers,
    )
    assert made.status_code == 201, made.text
    path = "/" + made.json()["walletUrl"].split("://", 1)[1].split("/", 1)[1]
    context = browser.new_context(viewport=NARROW, accept_downloads=True)
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        response = page.goto(f"{server}{path}/data?lang={lang}")
        assert response is not None and response.status == 200
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").count() == 1
        said = page.locator("[data-keeps-verifying]").inner_text()
        assert said.strip() == translate(lang, "data.keeps_verifying").strip(), lang
        found = page.evaluate(OVERFLOWS) + axe_violations(page, axe_source)
        if found:
            problems[lang] = found
        page.screenshot(path=str(shots / f"wallet-data-{lang}-320.png"), full_page=True)
    assert problems == {}

    page.goto(f"{server}{path}?lang=en")
    page.get_by_role("link", name=translate("en", "data.link")).click()
    page.wait_for_load_state()
    with page.expect_download() as download:
        page.get_by_role("link", name=translate("en", "data.download")).click()
    assert download.value.suggested_filename.endswith(".zip")
    # The box is required: the browser does not send the form without it.
    erase = page.get_by_role("button", name=translate("en", "data.erase_button"))
    erase.click()
    assert page.locator("[data-erasure]").count() == 0
    page.get_by_role("checkbox", name=translate("en", "data.erase_confirm")).check()
    erase.click()
    page.wait_for_load_state()
    assert page.locator('[data-erasure="requested"]').count() == 1
    assert axe_violations(page, axe_source) == []
    page.screenshot(path=str(shots / "wallet-data-requested-en-320.png"), full_page=True)
    page.goto(f"{server}{path}/data?lang=en")
    assert page.locator('[data-erasure="pending"]').count() == 1
    # After an erasure the verification link answers "not found" and says what still works.
    for lang in LANGUAGES:
        page.goto(f"{server}/v/{uuid.uuid4()}?lang={lang}")
        said = translate(lang, "verify.missing_erased")
        assert said.split(".")[0] in page.locator("main").inner_text(), lang
        found = page.evaluate(OVERFLOWS) + axe_violations(page, axe_source)
        assert found == [], (lang, found)
    context.close()
