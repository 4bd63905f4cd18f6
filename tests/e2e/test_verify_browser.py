# ruff: noqa: F811  (fixtures imported from browser_support are parameters here)
"""The verification page in a real headless browser (Debian's chromium driven by Playwright):
the verdict and its colour for a valid, a tampered, a revoked and an unknown-issuer credential,
in English and in Arabic, with screenshots.

Fixtures and the screenshot folder: browser_support.py.
"""

from __future__ import annotations

import copy
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from browser_support import browser, shots  # noqa: F401
from conftest import Provider, award_data, module_data

from service.api.limits import PublicPolicy, build_public_endpoint
from service.app.trust_registry import import_registry
from service.store import Database, Repositories
from service.store.models import CredentialRow
from service.verification.pipeline import Check

#: tessera.css: the verdict icons' colours (--ok, --bad, --warn)
COLOURS = {"ok": "rgb(11, 107, 46)", "bad": "rgb(163, 22, 27)", "warn": "rgb(122, 79, 0)"}


class Revocations:
    def __init__(self) -> None:
        self.revoked: set[str] = set()

    def __call__(self, credential: Any, now: datetime) -> Check:
        if credential.get("id") in self.revoked:
            return Check("status", "failed", "The issuer has revoked this credential.")
        return Check("status", "passed", "Not revoked.")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_verdicts_in_a_real_browser(
    browser: Any,
    server: str,
    app: Any,
    client: Any,
    db: Database,
    make_provider: Any,
    shots: Path,
) -> None:
    import dataclasses

    # Two providers: one the operator recognizes, one nobody lists.
    known: Provider = make_provider("Berufsbildungszentrum Hamburg", slug="bbz-hamburg")
    unknown: Provider = make_provider("Unlisted Academy", slug="unlisted")
    with db.transaction() as session:
        import_registry(
            Repositories(session),
            {
                "providers": [
                    {
                        "did": known.did,
                        "name": "BBZ Hamburg",
                        "country": "DE",
                        "accreditingBody": "AZAV",
                    }
                ]
            },
            replace=False,
            actor="test",
            now=datetime.now(UTC),
        )
    state = app.state.tessera
    public = build_public_endpoint(
        settings=state.settings,
        engine=state.engine,
        database=state.database,
        policy=PublicPolicy(
            rate_per_second=1000, burst=1000, directory_seconds=0, trust_own_providers=False
        ),
    )
    revocations = Revocations()  # stands in for the Bitstring Status List of issue 4
    public.verification.verifier = dataclasses.replace(
        public.verification.verifier, status=revocations
    )
    app.state.public_verification = public

    def issue(provider: Provider, learner: str) -> str:
        module = client.post(
            f"/issuers/{provider.slug}/modules", json=module_data(), headers=provider.headers
        )
        assert module.status_code == 201, module.text
        response = client.post(
            f"/issuers/{provider.slug}/awards",
            json={"moduleId": module.json()["id"], **award_data(learner)},
            headers=provider.headers,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["verifiableCredential"]["id"]).rsplit("/", 1)[1]

    valid = issue(known, "Amina Haddad")
    tampered = issue(known, "Olena Kovalenko")
    revoked = issue(known, "Yusuf Demir")
    stranger = issue(unknown, "Marie Dubois")
    with db.transaction() as session:
        row = session.get(CredentialRow, tampered)
        assert row is not None
        document = copy.deepcopy(row.document)
        document["credentialSubject"]["name"] = "Olena Kovalenko (Master Welder)"
        row.document = document
    revocations.revoked.add(f"{state.settings.base_url}/credentials/{revoked}")

    cases = [
        ("valid", valid, "ok", {"en": "Genuine and valid", "ar": "أصلية وسارية"}),
        ("tampered", tampered, "bad", {"en": "Not valid", "ar": "غير صالحة"}),
        ("revoked", revoked, "bad", {"en": "Not valid", "ar": "غير صالحة"}),
        (
            "unknown-issuer",
            stranger,
            "warn",
            {"en": "Could not be fully checked", "ar": "تعذّر التحقق منها بالكامل"},
        ),
    ]
    context = browser.new_context(viewport={"width": 420, "height": 900}, java_script_enabled=False)
    problems: list[str] = []
    page = context.new_page()
    failed: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    for name, credential_id, colour, headline in cases:
        for lang in ("en", "ar"):
            response = page.goto(f"{server}/v/{credential_id}?lang={lang}")
            assert response is not None and response.status == 200
            verdict = page.locator("#verdict")
            assert verdict.get_attribute("class") == f"verdict {colour}"
            assert headline[lang] in verdict.inner_text()
            icon = page.locator("#verdict .icon")
            assert icon.evaluate("e => getComputedStyle(e).color") == COLOURS[colour]
            assert page.locator("h1").count() == 1
            assert headline[lang] in page.locator("h1").inner_text()
            assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
            if lang == "ar":
                assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
            if name == "tampered":
                assert "Master Welder" not in page.content()
            if name == "revoked":
                assert (
                    page.locator('[data-check="status"]').get_attribute("data-status") == "failed"
                )
            if name == "unknown-issuer":
                assert (
                    page.locator('[data-check="trust"]').get_attribute("data-status") == "unknown"
                )
            page.screenshot(path=str(shots / f"verify-{name}-{lang}.png"), full_page=True)
    # The upload form, too.
    page.goto(f"{server}/verify?lang=ar")
    page.screenshot(path=str(shots / "verify-form-ar.png"), full_page=True)
    context.close()
    assert problems == []  # no CSP violation, no script error
    assert [u for u in failed if not u.endswith("/favicon.ico")] == []
    # The files this test wrote (other browser tests share the folder and the prefix).
    written = [f"verify-{name}-{lang}.png" for name, *_ in cases for lang in ("en", "ar")]
    assert all((shots / f).stat().st_size > 0 for f in [*written, "verify-form-ar.png"])
    if shutil.which("true"):  # keep the folder name in the output for whoever looks
        print(f"screenshots in {shots}")
