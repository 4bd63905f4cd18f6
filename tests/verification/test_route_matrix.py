# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""One verdict, every route: the same credential reaches the same verdict whichever way it is
handed in (the link, a JSON upload, pasted JSON, the offline QR as a picture or as text, the
printed PDF, VC-API with the credential or the offline text, ``tessera verify`` with the file
or a photo of the offline QR), for genuine, revoked and suspended credentials of a provider
that is recognized and one that is not.

Each route is asserted on what its user sees: the page's verdict, the API's ``verified``, the
CLI's exit code and headline; never on a single check line."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import Cli, service_env
from conftest import Provider, award_data, save_status_lists
from verification_support import TEST_POLICY, UNLISTED_POLICY, make_public  # noqa: F401

from service.export import qr
from service.store import Database, Repositories
from service.verification.intake import qr_texts

STATES = ("genuine", "revoked", "suspended")
PAGE = {"genuine": "valid", "revoked": "invalid", "suspended": "invalid"}


def page_verdict(html: str) -> str:
    match = re.search(r'id="verdict" data-verdict="(\w+)"', html)
    assert match, html[:2000]
    return match.group(1)


def only_qr(png: bytes) -> str:
    """The one QR code's text, read by the verifier's own reader (zxing-cpp)."""
    (text,) = qr_texts(png)
    return text


class Handed:
    """One credential in every form a person or a machine may hand it in."""

    def __init__(self, client: Any, credential: dict[str, Any], wallet_path: str) -> None:
        self.credential = credential
        self.code = qr.short_id(credential["id"])
        base = f"{wallet_path}/{self.code}"
        response = client.get(f"{base}/offline-qr.png")
        assert response.status_code == 200, (base, response.status_code, response.text[:300])
        self.offline_png = response.content
        self.offline_text = only_qr(self.offline_png)
        assert self.offline_text.startswith("TSR1:")
        pdf = client.get(f"{base}/certificate.pdf", params={"lang": "en"})
        assert pdf.status_code == 200, pdf.text
        self.pdf = pdf.content


@pytest.fixture
def handed(
    client: Any, db: Database, make_provider: Callable[..., Provider]
) -> tuple[Provider, dict[str, Handed]]:
    provider = make_provider("Centre de formation Lyon", slug="lyon", suspension=True)
    module = client.post(
        f"/issuers/{provider.slug}/modules",
        json={
            "defaultLanguage": "en",
            "code": "WELD-101",
            "name": {"en": "Welding basics"},
            "hours": 40,
        },
        headers=provider.headers,
    )
    assert module.status_code == 201, module.text
    found: dict[str, Handed] = {}
    for state in STATES:
        response = client.post(
            f"/issuers/{provider.slug}/awards",
            json={"moduleId": module.json()["id"], **award_data(f"Learner {state}")},
            headers=provider.headers,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        credential = body["verifiableCredential"]
        wallet = "/" + body["walletUrl"].split("://", 1)[1].split("/", 1)[1]
        # Exported while genuine (the wallet makes no new QR or PDF for a revoked one): the
        # learner's printed certificate is what the employer is later handed.
        found[state] = Handed(client, credential, wallet)
        if state != "genuine":
            action = {"revoked": "revoke", "suspended": "suspend"}[state]
            changed = client.post(
                f"/issuers/{provider.slug}/credentials/{credential['id'].rsplit('/', 1)[1]}/{action}",
                headers=provider.headers,
            )
            assert changed.status_code == 200, changed.text
    return provider, found


def page_routes(client: Any, item: Handed) -> dict[str, str]:
    """The verdict each route of the /verify page (and the link) shows."""
    answers = {
        "link": client.get(f"/v/{item.code}?lang=en"),
        "json upload": client.post(
            "/verify?lang=en",
            files={"file": ("credential.json", json.dumps(item.credential), "application/json")},
        ),
        "pasted json": client.post("/verify?lang=en", data={"text": json.dumps(item.credential)}),
        "offline qr image": client.post(
            "/verify?lang=en", files={"file": ("offline.png", item.offline_png, "image/png")}
        ),
        "pasted offline text": client.post("/verify?lang=en", data={"text": item.offline_text}),
        "pdf upload": client.post(
            "/verify?lang=en", files={"file": ("certificate.pdf", item.pdf, "application/pdf")}
        ),
    }
    for route, response in answers.items():
        assert response.status_code == 200, (route, response.text[:500])
    pdf_html = answers["pdf upload"].text
    assert 'id="read-from"' in pdf_html
    assert "The check used the verification link" in pdf_html
    arabic = client.post(
        "/verify?lang=ar", files={"file": ("certificate.pdf", item.pdf, "application/pdf")}
    ).text
    assert "استُخدم في التحقق رابط التحقق" in arabic  # said in the reader's language
    assert 'id="details"' in pdf_html
    assert "signed summary carried in an offline QR code" not in pdf_html
    assert "signed summary carried in an offline QR code" in answers["pasted offline text"].text
    return {route: page_verdict(response.text) for route, response in answers.items()}


def api_routes(client: Any, item: Handed) -> dict[str, bool]:
    verified = {}
    for route, given in (("vc-api json", item.credential), ("vc-api offline", item.offline_text)):
        response = client.post("/credentials/verify", json={"verifiableCredential": given})
        body = response.json()
        assert response.status_code == (200 if body["verified"] else 400)
        verified[route] = body["verified"]
    return verified


@pytest.mark.parametrize("recognized", [True, False], ids=["recognized", "unlisted"])
def test_every_route_reaches_the_same_verdict(
    recognized: bool,
    client: Any,
    make_public: Callable[..., Any],
    handed: tuple[Provider, dict[str, Handed]],
) -> None:
    make_public(policy=TEST_POLICY if recognized else UNLISTED_POLICY)
    _, items = handed
    for state, item in items.items():
        expected_page = PAGE[state]
        if state == "genuine" and not recognized:
            expected_page = "incomplete"  # amber: genuine, but nobody here vouches for it
        pages = page_routes(client, item)
        assert set(pages.values()) == {expected_page}, (state, pages)
        apis = api_routes(client, item)
        assert set(apis.values()) == {state == "genuine"}, (state, apis)


@pytest.mark.parametrize("recognized", [True, False], ids=["with-registry", "without"])
def test_the_cli_reaches_the_same_verdict(
    recognized: bool,
    client: Any,
    db: Database,
    service_settings: Any,
    handed: tuple[Provider, dict[str, Handed]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider, items = handed
    cli = Cli(
        monkeypatch,
        service_env(
            tmp_path,
            TESSERA_DATA_DIR=str(service_settings.data_dir),
            TESSERA_DATABASE_URL=db.url,
        ),
    )
    did = tmp_path / "did.json"
    did.write_text(client.get(f"/issuers/{provider.slug}/did.json").text)
    keys = ["--did-document", str(did)]
    if recognized:
        from datetime import UTC, datetime

        from service.app.trust_registry import add_entry

        with db.transaction() as session:
            add_entry(
                Repositories(session),
                {"did": provider.did, "name": "Centre de formation Lyon"},
                actor="test",
                now=datetime.now(UTC),
            )
        registry = tmp_path / "registry.json"
        exported = cli("trust", "export", "--out", str(registry))
        assert exported.exit_code == 0, exported.output
        keys = ["--trust", str(registry)]
    for state, item in items.items():
        lists = save_status_lists(client, item.credential, tmp_path / f"lists-{state}")
        file = tmp_path / f"{state}.json"
        file.write_text(json.dumps(item.credential))
        photo = tmp_path / f"{state}.png"
        photo.write_bytes(item.offline_png)
        expected_exit = 0 if state == "genuine" else 1
        if state != "genuine":
            headline = "NOT VERIFIED"
        else:
            headline = "VERIFIED" if recognized else "VERIFIED (not checked: trust)"
        for route, source in (("file", [str(file)]), ("qr", ["--qr", str(photo)])):
            result = cli("verify", *source, *keys, "--status-dir", str(lists), "--format", "text")
            assert result.exit_code == expected_exit, (state, route, result.output)
            assert f"\n{headline}\n" in f"\n{result.output}", (state, route, result.output)
