# ruff: noqa: F811  (fixtures imported from browser_support are parameters here)
"""Every page state in every interface language, in Debian's chromium: axe-core finds no
violation, nothing scrolls sideways or overflows its box at 320 px, each page weighs under
30 KB before images, the verdicts stay distinguishable in greyscale and for deuteranopia, the
skip link and focus ring work. Screenshots of every state land in the artifact folder
(browser_support.py).
"""

from __future__ import annotations

import copy
import io
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from browser_support import axe_source, axe_violations, browser, shots  # noqa: F401
from conftest import Provider, award_data, module_data
from factories import presentation
from PIL import Image, ImageChops

from service.api.limits import PublicPolicy, build_public_endpoint
from service.app.trust_registry import import_registry
from service.i18n import LANGUAGES, translate
from service.store import Database, Repositories
from service.store.models import CredentialRow

NARROW = {"width": 320, "height": 720}
WIDE = {"width": 1280, "height": 900}
PAGE_BUDGET = 30 * 1024  # bytes of HTML + CSS per page, before images

#: Elements that stick out of the viewport or whose content is wider than their box.
OVERFLOWS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.skip, svg')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
    if (box.right > width + 1 || box.left < -1) found.push('outside the page: ' + name);
    else if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0
             && !['TEXTAREA', 'INPUT'].includes(el.tagName))
      found.push('wider than its box: ' + name);
  }
  return found;
}"""


class Site:
    """The states a visitor can meet, built through the real API (issuing, revoking,
    suspending, wallet links) on the app the browser talks to."""

    def __init__(self, client: Any, app: Any, db: Database, make_provider: Any) -> None:
        self.client = client
        known: Provider = make_provider(
            "Berufsbildungszentrum Hamburg-Harburg", slug="bbz", suspension=True
        )
        stranger: Provider = make_provider("Unlisted Academy", slug="unlisted")
        with db.transaction() as session:
            import_registry(
                Repositories(session),
                {"providers": [{"did": known.did, "name": "BBZ Hamburg", "country": "DE"}]},
                replace=False,
                actor="test",
                now=datetime.now(UTC),
            )
        state = app.state.tessera
        app.state.public_verification = build_public_endpoint(
            settings=state.settings,
            engine=state.engine,
            database=state.database,
            own_lists=lambda url: state.lists.by_url(url, now=state.now()),
            policy=PublicPolicy(
                rate_per_second=10_000, burst=10_000, directory_seconds=0, trust_own_providers=False
            ),
        )
        self.valid = self.issue(known, "Amina Haddad")
        self.tampered = self.issue(known, "Olena Kovalenko")
        self.revoked = self.issue(known, "Yusuf Demir")
        self.suspended = self.issue(known, "Farhad Rahimi")
        self.unknown = self.issue(stranger, "Marie Dubois")
        with db.transaction() as session:
            row = session.get(CredentialRow, self.tampered["id"].rsplit("/", 1)[1])
            assert row is not None
            document = copy.deepcopy(row.document)
            document["credentialSubject"]["name"] = "Olena Kovalenko (Master Welder)"
            row.document = document
        for credential, action in ((self.revoked, "revoke"), (self.suspended, "suspend")):
            done = client.post(
                f"/issuers/{known.slug}/credentials/{credential['id'].rsplit('/', 1)[1]}/{action}",
                json={"reason": "test"},
                headers=known.headers,
            )
            assert done.status_code == 200, done.text
        self.wallets = {
            "wallet": self.wallet_link(known, self.valid)[0],
            "wallet-revoked": self.wallet_link(known, self.revoked)[0],
            "wallet-suspended": self.wallet_link(known, self.suspended)[0],
        }
        #: What the "presentation" state pastes: a holder's (unsigned) presentation of two.
        self.pasted = json.dumps(presentation(self.valid, self.revoked))
        self.gone_wallet, link_id = self.wallet_link(known, self.issue(known, "Leyla Ahmadi"))
        gone = client.delete(f"/issuers/{known.slug}/wallet-links/{link_id}", headers=known.headers)
        assert gone.status_code == 204, gone.text

    def issue(self, provider: Provider, learner: str) -> dict[str, Any]:
        module = self.client.post(
            f"/issuers/{provider.slug}/modules", json=module_data(), headers=provider.headers
        )
        assert module.status_code == 201, module.text
        response = self.client.post(
            f"/issuers/{provider.slug}/awards",
            json={"moduleId": module.json()["id"], **award_data(learner)},
            headers=provider.headers,
        )
        assert response.status_code == 201, response.text
        return dict(response.json()["verifiableCredential"])

    def wallet_link(self, provider: Provider, credential: dict[str, Any]) -> tuple[str, str]:
        """(path, id) of the learner's wallet link, renewed: issuing made it, and its token
        was shown only once."""
        wanted = credential["id"].rsplit("/", 1)[1]
        links = self.client.get(
            f"/issuers/{provider.slug}/wallet-links", headers=provider.headers
        ).json()
        link = next(link for link in links if wanted in link["credentialIds"])
        renewed = self.client.post(
            f"/issuers/{provider.slug}/wallet-links/{link['id']}/renew", headers=provider.headers
        )
        assert renewed.status_code == 200, renewed.text
        url = str(renewed.json()["url"])
        return "/" + url.split("://", 1)[1].split("/", 1)[1], str(renewed.json()["id"])

    def states(self) -> dict[str, str]:
        """State name -> path (the form's error state is reached by submitting it empty)."""

        def short(credential: dict[str, Any]) -> str:
            return "/v/" + credential["id"].rsplit("/", 1)[1]

        return {
            "home": "/",
            "form": "/verify",
            "form-error": "/verify#submit-empty",
            "presentation": "/verify#paste",
            "valid": short(self.valid),
            "tampered": short(self.tampered),
            "revoked": short(self.revoked),
            "suspended": short(self.suspended),
            "unknown-issuer": short(self.unknown),
            "missing": f"/v/{uuid.uuid4()}",
            **self.wallets,
            "wallet-gone": self.gone_wallet,
            "wallet-not-found": "/wallet/not-a-real-token",
        }


@pytest.fixture
def site(client: Any, app: Any, db: Database, make_provider: Any) -> Site:
    return Site(client, app, db, make_provider)


def _open(
    page: Any, server: str, path: str, lang: str, weights: list[int], pasted: str = ""
) -> None:
    weights.clear()
    target, _, action = path.partition("#")
    separator = "&" if "?" in target else "?"
    response = page.goto(f"{server}{target}{separator}lang={lang}")
    assert response is not None and response.status < 500
    if action == "submit-empty":
        weights.clear()
        page.locator("form[action^='/verify?'] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#error").count() == 1
    if action == "paste":
        weights.clear()
        page.locator("#text").fill(pasted)
        page.locator("form[action^='/verify?'] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator('[data-kind="presentation"]').count() == 1
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_page_state_in_every_language(
    browser: Any, server: str, site: Site, shots: Path, axe_source: str
) -> None:
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    weights: list[int] = []

    def weigh(response: Any) -> None:
        if response.request.resource_type in {"document", "stylesheet", "script", "font"}:
            weights.append(len(response.body()))

    page.on("response", weigh)
    problems: dict[str, list[str]] = {}
    heaviest = 0
    for lang in LANGUAGES:
        for name, path in site.states().items():
            where = f"{name} [{lang}]"
            _open(page, server, path, lang, weights, site.pasted)
            assert page.locator("html").get_attribute("lang") == lang, where
            assert page.locator("h1").count() == 1, where
            found = page.evaluate(OVERFLOWS)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > NARROW["width"]:
                found.append(f"page is {width} px wide")
            found += axe_violations(page, axe_source)
            if found:
                problems[where] = found
            heaviest = max(heaviest, sum(weights))
            assert sum(weights) < PAGE_BUDGET, (where, weights)
            page.screenshot(path=str(shots / f"page-{name}-{lang}-320.png"), full_page=True)
    # Wide screens, where the labels sit beside the values.
    page.set_viewport_size(WIDE)
    for lang in ("en", "ar"):
        for name, path in site.states().items():
            _open(page, server, path, lang, weights, site.pasted)
            if page.evaluate("document.documentElement.scrollWidth") > WIDE["width"]:
                problems.setdefault(f"{name} [{lang}] wide", []).append("scrolls sideways")
            page.screenshot(path=str(shots / f"page-{name}-{lang}-1280.png"), full_page=True)
    context.close()
    assert problems == {}
    print(f"heaviest page: {heaviest} bytes of HTML and CSS; screenshots in {shots}")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_verdicts_read_without_colour_and_revoked_is_not_suspended(
    browser: Any, server: str, site: Site, shots: Path
) -> None:
    """Render each verdict, hide its words, then desaturate and simulate deuteranopia: every
    pair of verdicts must still differ in shape (icon and frame), not just in hue."""
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    states = site.states()
    images: dict[str, Image.Image] = {}
    words: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for name in ("valid", "tampered", "unknown-issuer", "revoked", "suspended"):
        page.goto(f"{server}{states[name]}?lang=en")
        verdict = page.locator("#verdict")
        words[name] = verdict.inner_text()
        kinds[name] = str(verdict.get_attribute("class"))
        # CSSOM changes are allowed under the CSP (a <style> tag would not be).
        verdict.evaluate(
            """e => { e.style.width = '440px'; e.style.height = '120px';
                      e.querySelectorAll('h1, p').forEach(t => t.style.color = 'transparent'); }"""
        )
        shot = verdict.screenshot(path=str(shots / f"verdict-shape-{name}.png"))
        images[name] = Image.open(io.BytesIO(shot)).convert("RGB")
    context.close()

    assert translate("en", "verify.reason_status_suspended") in words["suspended"]
    assert translate("en", "verify.reason_status_failed") in words["revoked"]
    assert "suspend" not in words["revoked"] and "revoke" not in words["suspended"]

    def greyscale(image: Image.Image) -> Image.Image:
        return image.convert("L").convert("RGB")

    def deuteranopia(image: Image.Image) -> Image.Image:
        # Machado, Oliveira & Fernandes (2009), severity 1.0.
        matrix = (
            0.367322, 0.860646, -0.227968, 0,
            0.280085, 0.672501, 0.047413, 0,
            -0.011820, 0.042940, 0.968881, 0,
        )  # fmt: skip
        return image.convert("RGB", matrix)

    def differing(a: Image.Image, b: Image.Image) -> float:
        """Share of pixels that differ by more than 40 levels in some channel."""
        difference = ImageChops.difference(a, b).convert("L").point(lambda v: 255 * (v > 40))
        return sum(difference.histogram()[1:]) / (a.width * a.height)  # pixels not 0

    # The measure itself: the verdict colours alone, as flat swatches, do NOT survive.
    swatch: Callable[[str], Image.Image] = lambda colour: Image.new("RGB", (40, 40), colour)  # noqa: E731
    assert differing(greyscale(swatch("#0b6b2e")), greyscale(swatch("#a3161b"))) == 0
    assert differing(deuteranopia(swatch("#0b6b2e")), deuteranopia(swatch("#7a4f00"))) == 0

    assert set(kinds.values()) == {"verdict ok", "verdict bad", "verdict warn"}
    names = list(images)
    for view in (greyscale, deuteranopia):
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                if kinds[first] == kinds[second]:
                    continue  # the same verdict (revoked, tampered): the words set them apart
                share = differing(view(images[first]), view(images[second]))
                assert share > 0.05, (view.__name__, first, second, share)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_skip_link_and_the_focus_ring(browser: Any, server: str, site: Site) -> None:
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    page.goto(f"{server}{site.states()['valid']}?lang=fa")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => { const e = document.activeElement, box = e.getBoundingClientRect(),
                   s = getComputedStyle(e);
                   return [e.className, box.top >= 0 && box.bottom <= innerHeight,
                           s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
    )
    assert focused[0] == "skip" and focused[1] is True  # visible once focused
    assert focused[2] == "solid" and focused[3] >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); "
        "return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] == "solid" and ring[1] >= 2
    context.close()
