# ruff: noqa: F811  (fixtures imported from browser_support are parameters here)
"""The wallet page's pathway parts in a real browser: progress toward a programme and the
upload form for other providers' modules, in every language, at 320 px, with no axe
violation; the form works without JavaScript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from browser_support import axe_source, axe_violations, browser, shots  # noqa: F401
from conftest import SERVICE_BASE_URL, award_data, module_data

from service.i18n import LANGUAGES, translate

NARROW = {"width": 320, "height": 720}


def _module(client: Any, provider: Any, code: str) -> str:
    made = client.post(
        f"/issuers/{provider.slug}/modules",
        json=module_data(code=code, name={"en": code}, defaultLanguage="en"),
        headers=provider.headers,
    )
    return str(made.json()["id"])


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_progress_and_the_upload_form_in_every_language(
    browser: Any,
    server: str,
    client: Any,
    make_provider: Any,
    axe_source: str,
    shots: Path,
    tmp_path: Path,
) -> None:
    hamburg = make_provider("VTC Hamburg", slug="vtc-hamburg")
    lyon = make_provider("Académie de Lyon", slug="academie-lyon")
    local = [_module(client, hamburg, f"M-{i}") for i in range(4)]
    abroad = _module(client, lyon, "FR-1")
    client.post(
        f"/issuers/{hamburg.slug}/programmes",
        json={
            "name": {"en": "Metal trades assistant", "ar": "مساعد في المهن المعدنية"},
            "defaultLanguage": "en",
            "recognizedProviders": [lyon.did],
            "completion": {
                "rule": {
                    "allOf": [*local, f"{SERVICE_BASE_URL}/issuers/{lyon.slug}/modules/{abroad}"]
                }
            },
        },
        headers=hamburg.headers,
    )
    answers = [
        client.post(
            f"/issuers/{hamburg.slug}/awards",
            json={"moduleId": m, **award_data(learnerId="E-7")},
            headers=hamburg.headers,
        ).json()
        for m in local[:3]
    ]
    wallet = "/" + answers[0]["walletUrl"].split("://", 1)[1].split("/", 1)[1]
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        page.goto(f"{server}{wallet}?lang={lang}")
        assert page.locator("#progress").count() == 1
        assert translate(lang, "wallet.present_heading") in page.locator("form h2").inner_text()
        found = axe_violations(page, axe_source)
        if page.evaluate("document.documentElement.scrollWidth") > NARROW["width"]:
            found.append("scrolls sideways")
        if found:
            problems[lang] = found
        page.screenshot(path=str(shots / f"wallet-pathways-{lang}-320.png"), full_page=True)
    assert problems == {}
    # The form, submitted by the browser (no JavaScript): the module is checked and counted.
    credential = client.post(
        f"/issuers/{lyon.slug}/awards",
        json={"moduleId": abroad, **award_data()},
        headers=lyon.headers,
    ).json()["verifiableCredential"]
    upload = tmp_path / "module.json"
    upload.write_text(json.dumps(credential), encoding="utf-8")
    page.goto(f"{server}{wallet}?lang=en")
    page.locator("form input[type=file]").set_input_files(str(upload))
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator('#presented [data-accepted="true"]').count() == 1
    assert "4 of 5 modules" in page.locator("#progress").inner_text()
    context.close()
