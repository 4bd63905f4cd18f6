"""Shared fixtures for the browser tests: Debian's chromium driven by Playwright (never
``playwright install``), axe-core from ``tests/e2e/node_modules`` (``npm ci`` here when
missing or stale, by the interop harness's ``ensure_node_modules``), and the screenshot
folder. The app on a loopback port is the ``server`` fixture of tests/conftest.py.

Screenshots go to ``$TESSERA_SCREENSHOTS_DIR`` when set, else to ``tests/e2e/artifacts/``
(git-ignored) so whoever runs the tests can look at them. Without chromium, Playwright or
npm the tests are skipped, unless ``TESSERA_TEST_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = HERE / "artifacts"
CHROMIUM = os.environ.get("TESSERA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing_or_fail(reason: str) -> None:
    if os.environ.get("TESSERA_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing_or_fail(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing_or_fail("Playwright for Python is not installed (pip install playwright)")
        raise
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser bundle (the npm package pinned in tests/e2e/package-lock.json)."""
    from node_harness import NodeHarnessError, ensure_node_modules

    try:
        ensure_node_modules(HERE)
    except NodeHarnessError as problem:
        _missing_or_fail(str(problem))
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any, axe_source: str) -> list[str]:
    """axe-core's WCAG 2.x A/AA violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    found = page.evaluate(
        """async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
        return r.violations.map(v => v.id + ': ' + v.help + ' -> ' +
            v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }"""
    )
    return [str(line) for line in found]


@pytest.fixture
def shots() -> Path:
    configured = os.environ.get("TESSERA_SCREENSHOTS_DIR")
    folder = Path(configured) if configured else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    return folder
