# ruff: noqa: F811  (fixtures imported from browser_support are parameters here)
"""The API reference loads in Debian's chromium from the service alone, under its CSP: Swagger
UI at /docs lists every operation of /openapi.json (/redoc leads there), and no request
leaves the service's origin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import browser, shots  # noqa: F401


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_api_docs_load_from_the_service_alone(
    browser: Any, server: str, client: Any, shots: Path
) -> None:
    spec = client.get("/openapi.json").json()
    summaries = [op["summary"] for ops in spec["paths"].values() for op in ops.values()]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    response = page.goto(f"{server}/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() == len(summaries)
    shown = page.locator(".opblock-summary-description").all_inner_texts()
    assert sorted(shown) == sorted(summaries)
    assert page.locator("button.authorize").count() == 1  # the bearer scheme
    page.screenshot(path=str(shots / "api-docs-swagger.png"))

    # An operation opened shows its typed answer's example, and the models are listed.
    listing = page.locator(".opblock", has_text="The provider's wallet links (never tokens)")
    listing.locator(".opblock-summary").click()
    answer = listing.locator(".responses-wrapper .response").first
    answer.locator(".example").wait_for(timeout=10_000)
    assert "learnerRef" in answer.inner_text() and "credentialIds" in answer.inner_text()
    answer.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "api-docs-typed-answer.png"))
    page.locator("section.models button.models-control").click()  # open "Schemas"
    for model in ("WalletLink", "VerifiableCredential", "VerificationResult"):
        page.locator("section.models").get_by_text(model, exact=True).wait_for(timeout=10_000)

    # /redoc leads to the same page (Redoc itself would fetch its logo from a CDN).
    response = page.goto(f"{server}/redoc")
    assert response is not None and response.url == f"{server}/docs"
    page.wait_for_selector(".opblock", timeout=20_000)
    context.close()

    foreign = [url for url in requests if not url.startswith((server, "data:", "blob:"))]
    assert foreign == []
    assert errors == []
