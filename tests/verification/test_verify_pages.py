# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""The verification pages: the short link, uploads (JSON, QR image, PDF, pasted text), the
verdict colours, translations and right-to-left, escaping, and the security headers."""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import qrcode
from conftest import SERVICE_BASE_URL, Provider
from markupsafe import escape
from verification_support import (  # noqa: F401
    UNLISTED_POLICY,
    FakeStatus,
    award,
    did_key_badge,
    fake_status,
    make_public,
    public,
)

from service.api.limits import PublicEndpoint, PublicPolicy
from service.i18n import LANGUAGES, catalog, direction
from service.store import Database, Repositories
from service.store.models import CredentialRow


def short(vc: dict[str, Any]) -> str:
    return vc["id"].rsplit("/", 1)[1]


def verdict(html: str) -> str:
    match = re.search(r'class="verdict (\w+)"[^>]*data-verdict="(\w+)"', html)
    assert match, html[:2000]
    return f"{match.group(1)}:{match.group(2)}"


def check_line(html: str, check: str) -> str:
    match = re.search(rf'data-check="{check}" data-status="(\w+)"', html)
    assert match
    return match.group(1)


@pytest.fixture
def trusted_public(
    make_public: Callable[..., PublicEndpoint],
    fake_status: FakeStatus,
    db: Database,
    provider: Provider,
) -> PublicEndpoint:
    from service.app.trust_registry import import_registry

    with db.transaction() as session:
        import_registry(
            Repositories(session),
            {
                "providers": [
                    {
                        "did": provider.did,
                        "name": "VTC Hamburg",
                        "country": "DE",
                        "accreditingBody": "AZAV",
                    }
                ]
            },
            replace=False,
            actor="test",
            now=datetime.now(UTC),
        )
    return make_public(status=fake_status)


def test_the_short_link_shows_a_green_verdict_and_the_signed_facts(
    client: Any, trusted_public: PublicEndpoint, award: Any
) -> None:
    vc = award(learner="Amina Haddad")
    response = client.get(f"/v/{short(vc)}?lang=en")
    assert response.status_code == 200
    html = response.text
    assert verdict(html) == "ok:valid"
    assert "Genuine and valid" in html
    assert '<dd id="learner"><bdi dir="auto">Amina Haddad</bdi></dd>' in html
    assert "Welding basics (MIG/MAG)" in html  # the page language's translation of the module
    assert "WELD-101" in html
    assert '<dd id="eqf">3</dd>' in html and '<dd id="hours">40</dd>' in html
    assert "http://data.europa.eu/esco/skill/3d9d5ea6" in html
    assert "Recognised by the trust registry" in html and "AZAV" in html
    assert '<dd id="status">Not revoked</dd>' in html
    assert [check_line(html, c) for c in ("proof", "status", "trust")] == ["passed"] * 3
    assert "<script" not in html.lower()


def test_the_short_link_hands_a_program_the_signed_credential_and_a_browser_the_page(
    client: Any, public: PublicEndpoint, award: Any
) -> None:
    # What `tessera verify --qr` asks for (its strict fetcher's Accept), to verify it itself.
    vc = award(learner="Amina Haddad")
    accept = "application/vc+ld+json, application/did+json, application/json"
    answer = client.get(f"/v/{short(vc)}", headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vc+ld+json")
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json() == vc
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get(f"/v/{short(vc)}", headers={"Accept": browser})
    assert page.headers["content-type"].startswith("text/html") and "Amina Haddad" in page.text
    missing = client.get("/v/0123456789abcdefghjkmnpqrs", headers={"Accept": accept})
    assert missing.status_code == 404


def test_the_short_link_shows_the_module_name_in_the_readers_language(
    client: Any, trusted_public: PublicEndpoint, award: Any
) -> None:
    """The Arabic name is an Open Badges Related edition (inLanguage "ar") of the achievement."""
    vc = award(learner="Amina Haddad")
    html = client.get(f"/v/{short(vc)}?lang=ar").text
    assert '<dd id="module"><bdi dir="rtl" lang="ar">أساسيات اللحام</bdi>' in html
    assert '<dd id="eqf">3</dd>' in html and '<dd id="hours">40</dd>' in html


def test_the_short_id_of_the_qr_code_resolves_too(
    client: Any, trusted_public: PublicEndpoint, award: Any
) -> None:
    from service.export.qr import verification_url

    vc = award()
    url = verification_url(SERVICE_BASE_URL, vc["id"])
    path = url.removeprefix(SERVICE_BASE_URL)
    assert len(path) == len("/v/") + 26
    assert verdict(client.get(path).text) == "ok:valid"


def test_a_revoked_credential_is_red(
    client: Any, trusted_public: PublicEndpoint, fake_status: FakeStatus, award: Any
) -> None:
    vc = award()
    fake_status.revoked.add(vc["id"])
    html = client.get(f"/v/{short(vc)}").text
    assert verdict(html) == "bad:invalid"
    # Worded apart from a suspension (which may be lifted): a revocation is final.
    assert '<p id="reason">The provider has revoked it.</p>' in html
    assert '<dd id="status">Revoked</dd>' in html
    assert "suspend" not in html.lower()


def test_an_unlisted_provider_is_amber(
    client: Any, make_public: Any, fake_status: FakeStatus, award: Any
) -> None:
    make_public(policy=UNLISTED_POLICY, status=fake_status)
    html = client.get(f"/v/{short(award())}").text
    assert verdict(html) == "warn:incomplete"
    assert "this provider is not in the trust registry" in html
    assert "Not in the trust registry" in html


def test_a_tampered_stored_credential_is_red_and_its_content_withheld(
    client: Any, db: Database, trusted_public: PublicEndpoint, award: Any
) -> None:
    vc = award(learner="Amina Haddad")
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["name"] = "Mallory"
    with db.transaction() as session:
        session.get(CredentialRow, short(vc)).document = tampered  # type: ignore[union-attr]
    html = client.get(f"/v/{short(vc)}").text
    assert verdict(html) == "bad:invalid"
    assert "Mallory" not in html
    assert 'id="withheld"' in html


def test_an_unknown_link_is_a_translated_404(client: Any, public: PublicEndpoint) -> None:
    response = client.get(
        "/v/00000000-0000-4000-8000-000000000000", headers={"Accept-Language": "de"}
    )
    assert response.status_code == 404
    assert "Nachweis nicht gefunden" in response.text
    assert client.get("/v/not-an-id").status_code == 404


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_language_renders_with_its_direction(
    client: Any, trusted_public: PublicEndpoint, award: Any, lang: str
) -> None:
    vc = award()
    html = client.get(
        f"/v/{short(vc)}", headers={"Accept-Language": f"{lang};q=0.9, en;q=0.1"}
    ).text
    assert f'<html lang="{lang}" dir="{direction(lang)}">' in html
    assert escape(catalog("verify", lang)["verdict_valid"]) in html
    for c in ("proof", "trust"):
        assert escape(catalog("verify", lang)[f"check_{c}_passed"]) in html


def test_the_language_can_be_switched_with_a_link(
    client: Any, trusted_public: PublicEndpoint, award: Any
) -> None:
    vc = award()
    html = client.get(f"/v/{short(vc)}?lang=ar", headers={"Accept-Language": "fr"}).text
    assert 'dir="rtl"' in html and "أصلية وسارية" in html
    assert 'href="?lang=uk"' in html
    assert '<bdi dir="rtl" lang="ar">أساسيات اللحام</bdi>' in html  # the module in Arabic


def test_learner_text_cannot_inject_markup_or_reorder_the_page(
    client: Any, trusted_public: PublicEndpoint, award: Any
) -> None:
    hostile = "Eve <script>alert(1)</script> \u202edilav ton\u202c <b>x</b>"
    vc = award(learner=hostile)
    response = client.get(f"/v/{short(vc)}?lang=en")
    html = response.text
    assert "<script>" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\u202e" not in html and "\u202c" not in html
    assert "[U+202E]dilav ton[U+202C]" in html
    learner = re.search(r'<dd id="learner">(.*?)</dd>', html)
    assert learner and learner.group(1).startswith("<bdi") and learner.group(1).endswith("</bdi>")
    # The verdict is untouched by whatever the name says.
    assert verdict(html) == "ok:valid"


def test_security_headers_are_on_every_page(
    client: Any, public: PublicEndpoint, award: Any
) -> None:
    for response in (client.get("/verify"), client.get(f"/v/{short(award())}")):
        csp = response.headers["content-security-policy"]
        assert "script-src" not in csp or "'unsafe-inline'" not in csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert "<script" not in response.text.lower() and " style=" not in response.text
        assert len(response.content) < 12_000  # little weight


# -- the /verify page -----------------------------------------------------------------------


def upload(client: Any, data: bytes, name: str, content_type: str, lang: str = "en") -> Any:
    return client.post(f"/verify?lang={lang}", files={"file": (name, data, content_type)})


def qr_png(text: str) -> bytes:
    image = qrcode.make(text)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_the_form_is_translated_and_needs_no_script(client: Any) -> None:
    html = client.get("/verify", headers={"Accept-Language": "uk"}).text
    assert "Перевірте документ про навчання" in html
    assert 'enctype="multipart/form-data"' in html and 'action="/verify?lang=uk"' in html


def test_uploading_the_json_file(client: Any, trusted_public: PublicEndpoint, award: Any) -> None:
    vc = award()
    response = upload(client, json.dumps(vc).encode(), "credential.json", "application/json")
    assert response.status_code == 200
    assert verdict(response.text) == "ok:valid"


def test_pasting_the_credential_or_the_link(
    client: Any, trusted_public: PublicEndpoint, award: Any
) -> None:
    vc = award()
    pasted = client.post("/verify", data={"text": json.dumps({"verifiableCredential": vc})})
    assert verdict(pasted.text) == "ok:valid"
    link = client.post("/verify", data={"text": f"  {SERVICE_BASE_URL}/v/{short(vc)}\n"})
    assert verdict(link.text) == "ok:valid"
    foreign = client.post("/verify?lang=en", data={"text": "https://evil.example/v/123"})
    assert foreign.status_code == 422 and "does not belong to this service" in foreign.text


def test_uploading_a_picture_of_the_qr_code(
    client: Any, trusted_public: PublicEndpoint, award: Any
) -> None:
    from service.export.qr import verification_url

    vc = award()
    png = qr_png(verification_url(SERVICE_BASE_URL, vc["id"]))
    response = upload(client, png, "qr.png", "image/png")
    assert verdict(response.text) == "ok:valid"


def test_uploading_a_picture_of_the_offline_qr(
    client: Any, public: PublicEndpoint, did_key_badge: dict[str, Any], vector_signer: Any
) -> None:
    from service.export.offline_qr import encode_offline

    png = qr_png(encode_offline(did_key_badge, signer=vector_signer))
    html = upload(client, png, "offline.png", "image/png").text
    assert check_line(html, "proof") == "passed"
    assert "signed summary carried in an offline QR code" in html
    assert "ليلى حداد" in html


def test_uploading_a_pdf_with_the_qr_code(
    client: Any, trusted_public: PublicEndpoint, award: Any
) -> None:
    from PIL import Image

    from service.export.qr import verification_url

    vc = award()
    page = Image.new("RGB", (1240, 1754), "white")
    code = Image.open(io.BytesIO(qr_png(verification_url(SERVICE_BASE_URL, vc["id"]))))
    page.paste(code.convert("RGB"), (800, 1300))
    pdf = io.BytesIO()
    page.save(pdf, format="PDF", resolution=150)
    response = upload(client, pdf.getvalue(), "certificate.pdf", "application/pdf")
    assert verdict(response.text) == "ok:valid"


def test_a_pdf_decompression_bomb_is_refused_on_the_page(
    client: Any, public: PublicEndpoint
) -> None:
    from factories import pdf_bomb

    response = upload(client, pdf_bomb(1 << 30), "certificate.pdf", "application/pdf", lang="de")
    assert response.status_code == 422
    assert escape(catalog("verify", "de")["error_pdf_too_complex"]) in response.text


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "error_empty"),
        (b"{not json", "error_not_json"),
        (b"hello", "error_not_recognized"),
        (b"\x89PNG\r\n\x1a\nbroken", "error_bad_image"),
        (b"%PDF-1.4 broken", "error_bad_pdf"),
    ],
)
def test_unreadable_uploads_say_why_in_the_page_language(
    client: Any, public: PublicEndpoint, data: bytes, code: str
) -> None:
    response = (
        client.post("/verify?lang=fr", data={"text": ""})
        if not data
        else upload(client, data, "x.bin", "application/octet-stream", lang="fr")
    )
    assert response.status_code == 422
    assert escape(catalog("verify", "fr")[code]) in response.text


def test_a_picture_without_a_qr_code(client: Any, public: PublicEndpoint) -> None:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (200, 200), 255).save(out, format="PNG")
    response = upload(client, out.getvalue(), "blank.png", "image/png")
    assert response.status_code == 422 and "No QR code was found" in response.text


@pytest.mark.parametrize("lang", ["en", "ar", "ti"])
def test_a_picture_that_cannot_be_read_says_what_to_do_instead(
    client: Any, public: PublicEndpoint, lang: str
) -> None:
    response = upload(client, b"\xff\xd8\xff\xe0 cut off", "photo.jpg", "image/jpeg", lang=lang)
    assert response.status_code == 422
    message = catalog("verify", lang)["error_bad_image"]
    assert escape(message) in response.text
    if lang == "en":
        assert "whole QR code in the frame" in response.text
        assert "upload the credential file or the PDF certificate instead" in response.text
    else:  # more than the one sentence it was: what to do, in the page's language
        assert "PDF" in message and "JPEG" in message


def test_an_upload_over_the_limit_is_413_as_a_page(client: Any, make_public: Any) -> None:
    make_public(PublicPolicy(max_upload_bytes=10_000, rate_per_second=1000, burst=1000))
    response = upload(client, b"x" * 20_000, "big.json", "application/json", lang="es")
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "El archivo es demasiado grande." in response.text


def test_the_pages_are_rate_limited_too(client: Any, make_public: Any, award: Any) -> None:
    vc = award()
    make_public(PublicPolicy(rate_per_second=0.01, burst=1))
    assert client.get(f"/v/{short(vc)}").status_code == 200
    limited = client.get(f"/v/{short(vc)}?lang=tr")
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert escape(catalog("verify", "tr")["error_rate_limited"]) in limited.text
    assert client.get("/verify").status_code == 200  # the empty form costs nothing


def test_beside_the_pages_a_limit_is_answered_in_json(
    client: Any, make_public: Any, award: Any
) -> None:
    """Only the verification pages answer a limit with their form: a wallet app presenting
    credentials to a learner's wallet link (a JSON API) gets problem+json."""
    vc = award()
    make_public(PublicPolicy(rate_per_second=0.01, burst=1))
    answers = [client.post("/wallet/no-such-link/credentials", json=vc) for _ in range(2)]
    assert answers[0].status_code != 429
    assert answers[1].status_code == 429
    assert answers[1].headers["content-type"] == "application/problem+json"
    assert answers[1].json()["type"].endswith("rate-limited")


def test_a_plain_credential_names_its_issuer_by_id(
    client: Any, public: PublicEndpoint, canonicalizer: Any, vector_signer: Any
) -> None:
    from factories import small_credential

    from service.proofs import sign

    signed = sign(
        small_credential(),
        signer=vector_signer,
        canonicalizer=canonicalizer,
        created=datetime(2025, 1, 2, tzinfo=UTC),
    )
    html = client.post("/verify?lang=en", data={"text": json.dumps(signed)}).text
    assert verdict(html) == "warn:incomplete"
    provider = re.search(r'<dd id="provider">(.*?)</dd>', html)
    assert provider and "did:key:z6Mkr" in provider.group(1)
    assert '<dd id="learner"><bdi dir="auto">Amina Haddad</bdi></dd>' in html


def test_checks_skipped_after_a_failed_signature_say_so(
    client: Any, db: Database, trusted_public: PublicEndpoint, award: Any
) -> None:
    vc = award()
    vc["credentialSubject"]["name"] = "Someone Else"
    html = client.post("/verify?lang=en", data={"text": json.dumps(vc)}).text
    skipped = "Not checked, because the signature could not be confirmed."
    assert html.count(skipped) == 3  # issuer, status, trust
    assert "not (yet) recognised" not in html
