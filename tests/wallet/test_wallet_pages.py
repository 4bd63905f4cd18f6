"""The learner's wallet page and its downloads, over HTTP: private, translated (Arabic right
to left), no JavaScript, and every file and QR code usable (QRs read back with zxing-cpp)."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from conftest import SERVICE_BASE_URL, Provider, served_status_lists, verify_offline
from PIL import Image
from svg_support import svg_to_png
from wallet_support import issue, path_of, pdf_page_png, read_qr, uuid_of, wallet_url

from service.app.engine import Engine
from service.export import qr
from service.i18n import LANGUAGES, direction, translate, translate_plural
from service.store import Database
from service.store.models import Base
from service.verification.offline import SavedKeys
from service.verification.offline import verify_offline as verify_offline_qr


@pytest.fixture
def wallet(
    client: Any, provider: Provider, module: dict[str, Any]
) -> tuple[str, list[dict[str, Any]]]:
    first = issue(client, provider, module, learner="Amina Haddad", learnerId="E-2025-0042")
    second = issue(
        client,
        provider,
        module,
        learner="Amina Haddad",
        learnerId="E-2025-0042",
        completedOn="2025-07-15",
        result="Pass",
    )
    return path_of(wallet_url(client, provider, first, second)), [first, second]


def did_documents(client: Any, provider: Provider) -> dict[str, Any]:
    return {provider.did: client.get(f"/issuers/{provider.slug}/did.json").json()}


def test_the_page_lists_the_credentials_privately(
    client: Any, wallet: tuple[str, list[dict[str, Any]]]
) -> None:
    path, credentials = wallet
    assert re.fullmatch(r"/wallet/[0-9a-hjkmnp-tv-z]{32}", path)
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["x-robots-tag"].startswith("noindex")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert (
        "script-src" not in page.headers["content-security-policy"]
        or "'none'" in page.headers["content-security-policy"]
    )
    html = page.text
    assert "<script" not in html.lower()
    assert len(page.content) < 16_000
    for credential in credentials:
        assert qr.short_id(uuid_of(credential)) in html
    assert ("Amina Haddad" in html and "Welding basics" in html) or "Schweißen" in html
    assert "E-2025-0042" not in html  # the provider's own reference stays with the provider
    assert html.count('/credential.json"') == 2


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_page_is_translated(
    client: Any, wallet: tuple[str, list[dict[str, Any]]], language: str
) -> None:
    path, _ = wallet
    page = client.get(path, params={"lang": language})
    assert page.status_code == 200
    assert page.headers["content-language"] == language
    assert f'<html lang="{language}" dir="{direction(language)}">' in page.text
    assert translate(language, "wallet.heading") in page.text
    assert translate(language, "wallet.private") in page.text


def test_the_page_and_certificate_show_eqf_hours_and_the_translated_module_name(
    client: Any, wallet: tuple[str, list[dict[str, Any]]]
) -> None:
    """EQF travels as an alignment, the Arabic name as a Related edition, and the hours
    (no Open Badges term) come from the module the credential was issued from."""
    path, credentials = wallet
    html = client.get(path, params={"lang": "ar"}).text
    assert "أساسيات اللحام" in html
    assert translate_plural("ar", "wallet.hours", 40) in html
    assert translate("ar", "wallet.eqf_level", level=3) in html
    code = qr.short_id(uuid_of(credentials[0]))
    pdf = client.get(f"{path}/{code}/certificate.pdf", params={"lang": "en"}).content
    document = pdfium.PdfDocument(pdf)
    text = "\n".join(page.get_textpage().get_text_bounded() for page in document)
    assert "40 hours" in text and "EQF level 3" in text
    assert "Welding basics (MIG/MAG)" in text


def test_the_browser_language_is_used_when_nothing_else_is_known(
    client: Any, wallet: tuple[str, list[dict[str, Any]]]
) -> None:
    path, _ = wallet
    # Issuing made the link, and the awards named no language: the browser's is used.
    page = client.get(path, headers={"Accept-Language": "uk-UA,uk;q=0.9"})
    assert page.headers["content-language"] == "uk"
    assert '<html lang="uk" dir="ltr">' in page.text


def test_the_learners_language_wins_over_the_browser(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    credential = issue(client, provider, module, learner="Layla Haddad", language="ar")
    path = path_of(wallet_url(client, provider, credential))
    page = client.get(path, headers={"Accept-Language": "uk-UA,uk;q=0.9"})
    assert page.headers["content-language"] == "ar"
    assert '<html lang="ar" dir="rtl">' in page.text


def test_the_credential_file_imports_and_verifies(
    client: Any,
    wallet: tuple[str, list[dict[str, Any]]],
    provider: Provider,
    service_engine: Engine,
) -> None:
    path, credentials = wallet
    code = qr.short_id(uuid_of(credentials[0]))
    response = client.get(f"{path}/{code}/credential.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vc")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["x-robots-tag"].startswith("noindex")
    document = json.loads(response.content)
    assert document == credentials[0]
    assert verify_offline(
        service_engine,
        document,
        did_documents(client, provider),
        status_lists=served_status_lists(client, document),
    ).verified


def test_the_bundle_is_a_presentation_of_every_credential(
    client: Any,
    wallet: tuple[str, list[dict[str, Any]]],
    provider: Provider,
    service_engine: Engine,
) -> None:
    path, credentials = wallet
    response = client.get(f"{path}/credentials.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vp")
    assert "attachment" in response.headers["content-disposition"]
    bundle = response.json()
    assert bundle["type"] == ["VerifiablePresentation"]
    assert bundle["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert "proof" not in bundle
    assert {c["id"] for c in bundle["verifiableCredential"]} == {c["id"] for c in credentials}
    for document in bundle["verifiableCredential"]:
        assert verify_offline(
            service_engine,
            document,
            did_documents(client, provider),
            status_lists=served_status_lists(client, document),
        ).verified


def test_the_verification_qr_links_to_the_public_page(
    client: Any, wallet: tuple[str, list[dict[str, Any]]]
) -> None:
    path, credentials = wallet
    credential_uuid = uuid_of(credentials[0])
    code = qr.short_id(credential_uuid)
    png = client.get(f"{path}/{code}/verify-qr.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    text, version = read_qr(png.content)
    assert text == f"{SERVICE_BASE_URL}/v/{code}"
    assert version <= 5
    assert str(qr.credential_uuid(text.rsplit("/", 1)[1])) == credential_uuid
    svg = client.get(f"{path}/{code}/verify-qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert read_qr(svg_to_png(svg.content, width=500))[0] == text


def test_the_offline_qr_verifies_with_no_network(
    client: Any, wallet: tuple[str, list[dict[str, Any]]], provider: Provider
) -> None:
    path, credentials = wallet
    code = qr.short_id(uuid_of(credentials[1]))
    keys = SavedKeys(did_documents(client, provider).values())
    for image in ("png", "svg"):
        response = client.get(f"{path}/{code}/offline-qr.{image}")
        assert response.status_code == 200
        data = response.content
        if image == "svg":
            data = svg_to_png(data, width=900)
        text, version = read_qr(data)
        assert version <= 15
        result = verify_offline_qr(
            text,
            keys=keys,
            now=datetime.now(UTC),
            credential=credentials[1],
            skip=("status",),  # the QR's status is checked on every route in test_route_matrix
        )
        assert result.verified, result.to_json()
        assert result.credential is not None
        assert result.credential["credentialSubject"]["name"] == "Amina Haddad"
        assert result.credential["credentialSubject"]["result"] == [{"value": "Pass"}]


@pytest.mark.parametrize(("paper", "size"), [("a4", "595.28 x 841.89"), ("letter", "612 x 792")])
def test_the_certificate_pdf_carries_both_codes(
    client: Any, wallet: tuple[str, list[dict[str, Any]]], provider: Provider, paper: str, size: str
) -> None:
    path, credentials = wallet
    code = qr.short_id(uuid_of(credentials[0]))
    response = client.get(f"{path}/{code}/certificate.pdf", params={"paper": paper, "lang": "ar"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    document = pdfium.PdfDocument(response.content)
    width, height = document[0].get_size()
    assert f"{round(width, 2):g} x {round(height, 2):g}" == size
    png = pdf_page_png(response.content)
    texts = {b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))}
    assert f"{SERVICE_BASE_URL}/v/{code}" in texts
    offline = next(t for t in texts if t.startswith("TSR1:"))
    keys = SavedKeys(did_documents(client, provider).values())
    assert verify_offline_qr(
        offline, keys=keys, now=datetime.now(UTC), credential=credentials[0], skip=("status",)
    ).verified


def test_an_unknown_or_malformed_token_gets_a_kind_404(client: Any) -> None:
    for path in (
        "/wallet/" + "0" * 32,
        "/wallet/nonsense",
        "/wallet/" + "0" * 32 + "/credentials.json",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["x-robots-tag"].startswith("noindex")
        assert translate("en", "wallet.not_found_title") in response.text


def test_a_credential_from_another_wallet_is_not_served(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    wallet: tuple[str, list[dict[str, Any]]],
) -> None:
    path, _ = wallet
    other = issue(client, provider, module, learner="Bohdan Kovalenko", learnerId="E-2025-0099")
    code = qr.short_id(uuid_of(other))
    assert client.get(f"{path}/{code}/credential.json").status_code == 404
    assert client.get(f"{path}/not-a-code/credential.json").status_code == 404


def test_a_revoked_link_answers_gone_with_a_kind_page(
    client: Any, provider: Provider, wallet: tuple[str, list[dict[str, Any]]]
) -> None:
    path, credentials = wallet
    links = client.get(f"/issuers/{provider.slug}/wallet-links", headers=provider.headers).json()
    link = next(
        li
        for li in links
        if uuid_of(credentials[0]) in li["credentialIds"] and li["revokedAt"] is None
    )
    assert (
        client.delete(
            f"/issuers/{provider.slug}/wallet-links/{link['id']}", headers=provider.headers
        ).status_code
        == 204
    )
    for suffix in (
        "",
        "/credentials.json",
        f"/{qr.short_id(uuid_of(credentials[0]))}/credential.json",
    ):
        response = client.get(path + suffix, params={"lang": "ar"})
        assert response.status_code == 410
        assert 'dir="rtl"' in response.text
        assert translate("ar", "wallet.gone_title") in response.text
        assert "Amina" not in response.text


def test_the_token_is_never_stored(
    client: Any, wallet: tuple[str, list[dict[str, Any]]], db: Database
) -> None:
    path, _ = wallet
    token = path.rsplit("/", 1)[1]
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                assert token.lower() not in json.dumps([str(v) for v in row]).lower(), table.name
