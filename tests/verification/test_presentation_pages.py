# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""The ``/verify`` page with a presentation (uploaded or pasted): the verdict on the whole,
the holder's signature, and each credential's own verdict and facts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from factories import holder_js_key, presentation
from verification_support import award, make_public, public  # noqa: F401

from service.api.limits import PublicEndpoint

HOLDER = holder_js_key()


def overall(html: str) -> str:
    match = re.search(r'class="verdict (\w+)" id="verdict" data-verdict="(\w+)"', html)
    assert match, html[:2000]
    return f"{match.group(1)}:{match.group(2)}"


def per_credential(html: str) -> list[str]:
    return re.findall(r'data-credential="\d+" data-verdict="(\w+)"', html)


@pytest.mark.interop
def test_an_uploaded_signed_presentation_shows_each_credential(
    client: Any, public: PublicEndpoint, award: Any, node: Any
) -> None:
    genuine, forged = award(learnerName="Amina Haddad"), award(learnerName="Yusuf Demir")
    forged["credentialSubject"]["name"] = "Someone Else"
    signed = node.request(
        {
            "op": "signPresentation",
            "presentation": presentation(genuine, forged, holder=HOLDER["controller"]),
            "key": HOLDER,
            "challenge": "the wallet always binds a challenge",
        }
    )
    response = client.post(
        "/verify?lang=en",
        files={"file": ("presentation.json", json.dumps(signed).encode(), "application/json")},
    )
    assert response.status_code == 200, response.text
    html = response.text
    assert overall(html) == "bad:invalid"
    assert 'id="presentation-proof" data-status="passed"' in html
    assert "The holder signed this presentation" in html
    assert HOLDER["controller"] in html
    # The genuine credential shows its facts; the forged one is red and its content withheld.
    assert per_credential(html)[1] == "invalid"
    assert "Amina Haddad" in html and "Someone Else" not in html
    assert "Credential 1" in html and "Credential 2" in html


def test_a_pasted_unsigned_presentation_is_checked_credential_by_credential(
    client: Any, public: PublicEndpoint, award: Any
) -> None:
    first, second = award(), award()
    for text in (
        json.dumps(presentation(first, second)),
        json.dumps({"verifiablePresentation": presentation(first, second)}),
    ):
        html = client.post("/verify?lang=de", data={"text": text}).text
        assert 'data-kind="presentation"' in html
        assert 'id="presentation-proof" data-status="unknown"' in html
        assert "nicht signiert" in html  # German: the holder did not sign it
        assert len(per_credential(html)) == 2
        assert "Nachweis 2" in html


def test_an_empty_or_broken_presentation_gets_a_page_not_an_error(
    client: Any, public: PublicEndpoint
) -> None:
    empty = client.post("/verify?lang=en", data={"text": json.dumps(presentation())})
    assert empty.status_code == 200
    assert 'id="no-credentials"' in empty.text
    broken = presentation()
    broken["@context"] = "https://evil.example/v1"
    page = client.post("/verify?lang=en", data={"text": json.dumps(broken)})
    assert page.status_code == 200
    assert overall(page.text) == "bad:invalid"
    assert "This presentation cannot be read" in page.text
