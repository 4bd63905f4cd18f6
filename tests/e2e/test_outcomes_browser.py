# ruff: noqa: F811  (fixtures imported from browser_support are parameters here)
"""The provider's outcomes page in Debian's chromium: sign in with a pasted API key, see the
charts (SVG, role="img") beside their data tables with a withheld figure shown as withheld,
switch to Arabic (right to left, CLDR months), publish the signed report, sign out. axe-core
finds no violation at any step, nothing overflows at 320 px, and the page runs no script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import axe_source, axe_violations, browser, shots  # noqa: F401
from conftest import Provider
from outcomes_support import seed
from test_pages_browser import NARROW, OVERFLOWS, WIDE

from service.i18n import translate
from service.store import Database

#: A data table wider than a phone scrolls inside its own keyboard-focusable region
#: (WCAG 1.4.10 exempts data tables from reflow); anything else must fit.
OVERFLOWS_BESIDE_TABLES = OVERFLOWS.replace("'.skip, svg'", "'.skip, svg, .table-wrap'")
assert OVERFLOWS_BESIDE_TABLES != OVERFLOWS


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_sign_in_read_switch_to_arabic_publish_and_sign_out(
    browser: Any,
    server: str,
    db: Database,
    provider: Provider,
    shots: Path,
    axe_source: str,
) -> None:
    seed(db, provider)
    context = browser.new_context(viewport=WIDE, java_script_enabled=True)
    page = context.new_page()
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)

    page.goto(f"{server}/provider/outcomes?from=2025-01&to=2025-12&lang=en")
    assert "/provider/sign-in" in page.url  # no session yet
    assert axe_violations(page, axe_source) == []
    page.locator("#api-key").fill("tsk_0123456789ab_not-the-right-secret-at-all")
    page.get_by_role("button", name=translate("en", "outcomes.sign_in_button")).click()
    assert page.locator('[data-error="outcomes.bad_key"]').count() == 1
    assert axe_violations(page, axe_source) == []
    page.screenshot(path=str(shots / "outcomes-page-sign-in-error-en.png"), full_page=True)

    page.locator("#api-key").fill(provider.token)
    page.get_by_role("button", name=translate("en", "outcomes.sign_in_button")).click()
    page.wait_for_url("**/provider/outcomes?lang=en")
    page.locator("#from").fill("2025-01")
    page.locator("#to").fill("2025-12")
    page.get_by_role("button", name=translate("en", "outcomes.show")).click()
    page.wait_for_load_state()
    assert "from=2025-01" in page.url
    cookie = next(c for c in context.cookies() if c["name"] == "tessera_provider_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/provider"

    charts = page.locator('svg[role="img"]')
    assert charts.count() >= 7
    # The accessible name is the chart's <title>: the chart is found as people hear it.
    first = page.get_by_role("img", name="Credentials issued per month")
    assert first.count() == 1
    assert first.locator("rect").count() >= 2  # bars drawn, a withheld stub outlined
    assert page.locator("table.figures").count() == 7
    february = page.locator('section[data-indicator="credentialsIssued"] tbody tr').nth(1)
    assert february.locator("th").inner_text() == "February 2025"
    assert february.locator("td").first.inner_text() == "withheld"
    assert february.locator("td.withheld").count() >= 1
    found = page.evaluate(OVERFLOWS) + axe_violations(page, axe_source)
    assert found == []
    page.screenshot(path=str(shots / "outcomes-page-en.png"), full_page=True)

    page.get_by_role("link", name="العربية").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text().startswith("نتائج")
    assert "فبراير 2025" in page.locator("table.figures").first.inner_text()
    arabic_title = translate(
        "ar", "outcomes.per_month", indicator=translate("ar", "outcomes.ind_credentials")
    )
    assert page.get_by_role("img", name=arabic_title).count() == 1
    assert page.locator("td.withheld").first.inner_text() == translate("ar", "outcomes.withheld")
    assert axe_violations(page, axe_source) == []
    page.screenshot(path=str(shots / "outcomes-page-ar.png"), full_page=True)
    narrow = context.new_page()
    narrow.set_viewport_size(NARROW)
    narrow.goto(page.url)
    assert narrow.evaluate(OVERFLOWS_BESIDE_TABLES) == []
    assert axe_violations(narrow, axe_source) == []
    narrow.screenshot(path=str(shots / "outcomes-page-ar-320.png"), full_page=True)
    narrow.close()

    page.get_by_role("button", name=translate("ar", "outcomes.publish_button")).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == translate("ar", "outcomes.published_heading")
    published = page.locator("[data-published]").get_attribute("data-published")
    assert published and published.startswith("http")
    with page.expect_download() as download:
        page.get_by_role("link", name=translate("ar", "outcomes.download_credential")).click()
    assert download.value.suggested_filename.endswith(".json")
    assert axe_violations(page, axe_source) == []
    page.screenshot(path=str(shots / "outcomes-page-published-ar.png"), full_page=True)

    page.get_by_role("link", name=translate("ar", "outcomes.back")).click()
    page.wait_for_load_state()
    page.get_by_role("button", name=translate("ar", "outcomes.sign_out")).click()
    page.wait_for_load_state()
    assert page.locator('[data-notice="outcomes.signed_out"]').count() == 1
    assert not [c for c in context.cookies() if c["name"] == "tessera_provider_session"]
    page.goto(f"{server}/provider/outcomes?lang=en")
    assert "/provider/sign-in" in page.url
    assert scripts == []  # the pages load no script at all
    context.close()
