"""The printable certificate: A4 and US Letter, every language (Arabic shaped, right to left),
and both QR codes read back from the rendered page (PDFium -> image -> zxing-cpp), also from
a skewed, blurred JPEG "photo" of the page."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
import zxingcpp
from export_support import (
    decode,
    module_credential,
    pdf_fonts,
    pdf_info,
    pdf_pages,
    pdf_text,
    web_issuer,
)
from PIL import Image, ImageFilter

from service.export import qr
from service.export.offline_qr import encode_offline
from service.export.pdf import CertificateInput, certificate_pdf, find_fonts
from service.i18n import LANGUAGES
from service.proofs import Canonicalizer
from service.verification.offline import SavedKeys, verify_offline

NOW = datetime(2026, 1, 15, tzinfo=UTC)
POINTS = {"a4": ("595.28 x 841.89", "A4"), "letter": ("612 x 792", "letter")}


@pytest.fixture(scope="module")
def issuer() -> Any:
    return web_issuer()


def certificate(
    canonicalizer: Canonicalizer,
    issuer: Any,
    language: str,
    paper: str,
    learner: str = "Amina Haddad",
) -> tuple[bytes, str, str]:
    credential = module_credential(canonicalizer, issuer, learner=learner)
    url = qr.verification_url("https://credentials.example.org", credential["id"])
    offline = encode_offline(credential, signer=issuer.signer)
    data = CertificateInput(credential, url, offline, language, paper)  # type: ignore[arg-type]
    return certificate_pdf(data, fonts=find_fonts(), created=NOW), url, offline


def assert_both_codes_read_back(page: Image.Image, url: str, offline: str, issuer: Any) -> None:
    found = {d.text: d for d in decode(page)}
    assert set(found) == {url, offline}, list(found)
    assert found[url].version <= 5 and found[offline].version <= 15
    assert verify_offline(
        offline, keys=SavedKeys([issuer.document]), now=NOW, skip=("status",)
    ).verified


@pytest.mark.parametrize(
    ("language", "paper"), [("en", "a4"), ("en", "letter"), ("ar", "a4"), ("ar", "letter")]
)
def test_a4_and_letter_in_english_and_arabic(
    canonicalizer: Canonicalizer, issuer: Any, language: str, paper: str
) -> None:
    pdf, url, offline = certificate(
        canonicalizer,
        issuer,
        language,
        paper,
        learner="ليلى حداد" if language == "ar" else "Amina Haddad",
    )
    info = pdf_info(pdf)
    assert info["Pages"] == "1"
    assert info["Page size"].startswith(POINTS[paper][0]), info["Page size"]
    pages = pdf_pages(pdf, dpi=150)
    assert len(pages) == 1
    assert_both_codes_read_back(pages[0], url, offline, issuer)
    fonts = pdf_fonts(pdf)
    assert ("NotoNaskhArabic" in fonts) == (language == "ar")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_language_renders_and_both_codes_read_back(
    canonicalizer: Canonicalizer, issuer: Any, language: str
) -> None:
    pdf, url, offline = certificate(canonicalizer, issuer, language, "a4")
    assert_both_codes_read_back(pdf_pages(pdf, dpi=110)[0], url, offline, issuer)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_printed_link_is_the_link(
    canonicalizer: Canonicalizer, issuer: Any, language: str
) -> None:
    # A short link (a service on localhost:8000) is printed at the caption's own size, right
    # after the caption: in Tigrinya it once came out in the Ethiopic font's glyphs, garbled
    # over itself, because the caption's fallback font stayed selected in the page.
    credential = module_credential(canonicalizer, issuer)
    url = qr.verification_url("http://localhost:8000", credential["id"])
    offline = encode_offline(credential, signer=issuer.signer)
    data = CertificateInput(credential, url, offline, language, "a4")  # type: ignore[arg-type]
    pdf = certificate_pdf(data, fonts=find_fonts(), created=NOW)
    assert url in pdf_text(pdf)


def test_arabic_text_is_shaped_and_right_to_left(canonicalizer: Canonicalizer, issuer: Any) -> None:
    pdf, _, _ = certificate(canonicalizer, issuer, "ar", "a4", learner="ليلى حداد")
    text = pdf_text(pdf)
    # The learner's name and the Arabic module name come out as the same letters, in
    # reading order, which only happens when shaping and the bidi reordering are right.
    assert "ليلى حداد" in text
    assert "أساسيات اللحام" in text or "Schweißen" in text


def test_a_name_in_another_script_falls_back_to_its_own_font(
    canonicalizer: Canonicalizer, issuer: Any
) -> None:
    pdf, _, _ = certificate(canonicalizer, issuer, "de", "a4", learner="ሰላም ተስፋዬ")
    assert "NotoSansEthiopic" in pdf_fonts(pdf)


def test_a_photo_of_the_printed_page_still_verifies(
    canonicalizer: Canonicalizer, issuer: Any
) -> None:
    pdf, url, offline = certificate(canonicalizer, issuer, "en", "a4")
    page = pdf_pages(pdf, dpi=200)[0].convert("L")
    photo = page.rotate(7, expand=True, fillcolor=235).filter(ImageFilter.GaussianBlur(1.2))
    photo = photo.resize((photo.width * 3 // 4, photo.height * 3 // 4))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=55)
    assert_both_codes_read_back(Image.open(io.BytesIO(buffer.getvalue())), url, offline, issuer)


@pytest.mark.parametrize("language", ["en", "fa", "ti"])
def test_the_link_code_is_the_primary_one_and_the_pdf_is_tagged(
    canonicalizer: Canonicalizer, issuer: Any, language: str
) -> None:
    pdf, url, offline = certificate(canonicalizer, issuer, language, "a4")
    page = pdf_pages(pdf, dpi=150)[0].convert("L")
    widths = {
        code.text: abs(code.position.top_right.x - code.position.top_left.x)
        for code in zxingcpp.read_barcodes(page)
    }
    assert widths[url] > 1.25 * widths[offline], widths  # the phone camera finds this one
    # Tagged: a structure tree (marked), the language, a title the viewer shows, a heading,
    # paragraphs, and both codes as figures with alternative text.
    assert b"/StructTreeRoot" in pdf and b"/MarkInfo" in pdf and b"/Marked true" in pdf
    assert f"/Lang ({language})".encode() in pdf
    assert b"/DisplayDocTitle true" in pdf
    for role in (b"/S /H1", b"/S /P", b"/S /Figure"):
        assert role in pdf, role
    assert pdf.count(b"/S /Figure") == 2 and pdf.count(b"/Alt ") >= 2


def test_the_certificate_needs_no_system_fonts(
    canonicalizer: Canonicalizer, issuer: Any, tmp_path: Any
) -> None:
    """Every font an interface language needs ships with the package (OFL, with its licence)."""
    from service.export.pdf_fonts import BUNDLED_FONTS, Fonts

    assert (BUNDLED_FONTS / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") == 1
    credential = module_credential(canonicalizer, issuer, learner="ሰላም ተስፋዬ")
    url = qr.verification_url("https://credentials.example.org", credential["id"])
    offline = encode_offline(credential, signer=issuer.signer)
    only_ours = Fonts(directories=(BUNDLED_FONTS,))
    for language in ("fa", "ps", "ckb", "ti", "so", "kmr"):
        data = CertificateInput(credential, url, offline, language, "letter")
        pdf = certificate_pdf(data, fonts=only_ours, created=NOW)
        fonts = pdf_fonts(pdf)
        assert "NotoSansEthiopic" in fonts, language  # the learner's name
        if language in ("fa", "ps", "ckb"):
            assert "NotoNaskhArabic" in fonts, language
