# ruff: noqa: F811  (fixtures imported from browser_support are parameters here)
"""The wallet-app pages in Debian's chromium: the learner's "add to a wallet app" page in every
interface language, and the employer's OpenID4VP request on /verify with JavaScript switched
off: the button shows the QR code; asked to, the page reloads itself and shows the verdict once
a wallet answered. axe-core finds no violation and nothing overflows at 320 px."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from browser_support import axe_source, axe_violations, browser, shots  # noqa: F401
from conftest import Provider, award_data
from test_pages_browser import NARROW, OVERFLOWS

from service.i18n import LANGUAGES, translate


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_add_to_a_wallet_app_page_in_every_language(
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
        json={"moduleId": module["id"], **award_data("Amina Haddad")},
        headers=provider.headers,
    )
    path = "/" + made.json()["walletUrl"].split("://", 1)[1].split("/", 1)[1]
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    page.goto(f"{server}{path}?lang=en")
    href = page.locator("a.wallet-app").first.get_attribute("href")
    assert href and href.endswith("/wallet-app?lang=en")
    problems: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        response = page.goto(f"{server}{href.replace('lang=en', f'lang={lang}')}")
        assert response is not None and response.status == 200
        assert page.locator("h1").inner_text().strip() == translate(lang, "wallet_app.heading")
        assert page.locator("#offer-qr").evaluate("img => img.naturalWidth") > 0
        link = page.locator("#offer-link").get_attribute("href")
        assert link and link.startswith("openid-credential-offer://")
        found = page.evaluate(OVERFLOWS) + axe_violations(page, axe_source)
        if found:
            problems[lang] = found
        page.screenshot(path=str(shots / f"wallet-app-{lang}-320.png"), full_page=True)
    assert problems == {}
    context.close()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_employer_asks_a_wallet_app_without_javascript(
    browser: Any, server: str, shots: Path, axe_source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.api.routes import oid4vp

    context = browser.new_context(viewport=NARROW, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/verify?lang=en")
    page.get_by_role("button", name=translate("en", "verify.wallet_start")).click()
    page.wait_for_load_state()
    assert page.locator("#wallet-waiting").count() == 1
    waiting = server + str(page.locator("#wallet-refresh").get_attribute("href"))
    checker = browser.new_page(viewport=NARROW)  # axe runs as JavaScript
    checker.goto(waiting)
    assert checker.evaluate(OVERFLOWS) + axe_violations(checker, axe_source) == []
    checker.screenshot(path=str(shots / "verify-wallet-waiting-en-320.png"), full_page=True)
    checker.close()
    monkeypatch.setattr(oid4vp, "REFRESH_SECONDS", 1)
    page.locator("#wallet-auto").click()  # the employer asks the page to reload itself
    page.wait_for_load_state()
    assert page.locator("#wallet-request-qr").count() == 1
    request = page.locator("#wallet-request-link").get_attribute("href")
    assert request is not None
    params = {k: v[0] for k, v in parse_qs(urlsplit(request).query).items()}
    # A wallet answers (a presentation without the holder's signature: it must show red).
    answered = httpx.post(
        f"{server}/openid4vp/response",
        data={
            "state": params["state"],
            "vp_token": json.dumps(
                {
                    "open_badge": [
                        {
                            "@context": ["https://www.w3.org/ns/credentials/v2"],
                            "type": ["VerifiablePresentation"],
                        }
                    ]
                }
            ),
        },
    )
    assert answered.status_code == 200, answered.text
    # No click: the page reloads itself (meta refresh) and shows the verdict.
    deadline = time.monotonic() + 15
    while page.locator("#verdict").count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert page.locator("#verdict").get_attribute("data-verdict") == "invalid"
    assert page.locator("#holder-binding").get_attribute("data-bound") == "no"
    assert re.search("wallet", page.url)
    checker = browser.new_page(viewport=NARROW)
    checker.goto(page.url)
    assert checker.evaluate(OVERFLOWS) + axe_violations(checker, axe_source) == []
    checker.close()
    page.screenshot(path=str(shots / "verify-wallet-verdict-en-320.png"), full_page=True)
    context.close()
