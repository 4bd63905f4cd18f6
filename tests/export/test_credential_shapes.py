"""Everything that reads a credential reads both shapes: the one Tessera issues now (published
contexts only: Related language editions, EQF as an alignment to the EU's URI, hours from the
catalogue) and the one it issued before (Tessera context: ``nameTranslation``, ``eqfLevel``,
``learningHours``), which is in circulation. Checked where a person reads it: the wallet's
credential view, the verification page's summary, the printed certificate's text and the
offline QR summary."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from export_support import module_credential, pdf_text, web_issuer
from factories import module_data, open_badge_credential, published_open_badge_credential

from service.credentials.view import CredentialView, number_text
from service.export.offline_qr import decode_offline, encode_offline
from service.export.pdf import CertificateInput, certificate_pdf, find_fonts
from service.i18n import translate, translate_plural
from service.proofs import Canonicalizer, sign

ARABIC_NAME = "أساسيات اللحام"
NOW = datetime(2026, 1, 15, tzinfo=UTC)


def old_shape() -> dict[str, Any]:
    """A credential as Tessera issued it with its own context (still in circulation)."""
    credential = open_badge_credential()
    achievement = credential["credentialSubject"]["achievement"]
    achievement["nameTranslation"] = [
        {"@value": ARABIC_NAME, "@language": "ar", "@direction": "rtl"},
        {"@value": "Основи зварювання", "@language": "uk"},
    ]
    return credential


def named(view: CredentialView) -> tuple[str, str | None]:
    """The achievement's name as the view gives it, and its language."""
    assert view.achievement is not None
    return view.achievement.text, view.achievement.lang


def test_the_new_shape_reads_translations_from_related_editions() -> None:
    credential = published_open_badge_credential()
    arabic = CredentialView.of(credential, "ar")
    assert named(arabic) == (ARABIC_NAME, "ar")
    assert arabic.description is not None
    assert arabic.description.text == "الإعداد الآمن ولحامات الزاوية الأساسية."
    english = CredentialView.of(credential, "en")
    assert named(english) == ("Welding basics (MIG/MAG)", "en")
    # No edition in French: the module's own language.
    french = CredentialView.of(credential, "fr")
    assert named(french) == ("Schweißen Grundlagen (MIG/MAG)", "de")


def test_the_new_shape_reads_eqf_from_the_alignment_and_hours_from_the_catalogue() -> None:
    credential = published_open_badge_credential()
    view = CredentialView.of(credential, "en")
    assert (view.eqf_level, view.credits) == (3, 2.0)
    assert view.result is not None and view.result.text == "Pass"
    assert view.hours is None  # Open Badges has no term for it: the credential does not say
    with_catalogue = CredentialView.of(credential, "en", catalogue=module_data())
    assert with_catalogue.hours == 40
    assert with_catalogue.facts("en") == ["40 hours", "EQF level 3", "2 credits"]


def test_an_eqf_alignment_is_read_by_its_uri_or_its_framework() -> None:
    credential = published_open_badge_credential(eqfLevel=5)
    assert CredentialView.of(credential, "en").eqf_level == 5
    achievement = credential["credentialSubject"]["achievement"]
    (eqf,) = [a for a in achievement["alignment"] if a.get("targetCode") == "5"]
    eqf["targetUrl"] = "https://europa.eu/europass/en/description-eight-eqf-levels"
    assert CredentialView.of(credential, "en").eqf_level == 5  # by framework and code
    eqf["targetCode"] = "9"
    assert CredentialView.of(credential, "en").eqf_level is None  # no such level


def test_the_old_shape_still_reads() -> None:
    credential = old_shape()
    view = CredentialView.of(credential, "ar")
    assert named(view) == (ARABIC_NAME, "ar")
    assert (view.eqf_level, view.hours, view.credits) == (3, 40, 2.0)
    # What the credential states wins over the catalogue.
    assert CredentialView.of(credential, "ar", catalogue=module_data(hours=99)).hours == 40


@pytest.mark.parametrize("shape", ["new", "old"])
def test_the_verification_page_view_reads_both_shapes(shape: str) -> None:
    credential = published_open_badge_credential() if shape == "new" else old_shape()
    catalogue = module_data() if shape == "new" else None
    summary = CredentialView.of(credential, "ar", catalogue=catalogue)
    assert summary.achievement is not None
    assert (summary.achievement.text, summary.achievement.lang, summary.achievement.dir) == (
        ARABIC_NAME,
        "ar",
        "rtl",
    )
    assert (summary.eqf_level, number_text(summary.hours)) == (3, "40")
    assert "http://data.europa.eu/esco/skill/3d9d5ea6-9f52-4b6f-a4a2-1f2f0c2a6f3d" in {
        s.url for s in summary.skills
    }
    if shape == "new":
        # Without the catalogue (someone else's copy): what the credential itself says.
        alone = CredentialView.of(credential, "en")
        assert (alone.eqf_level, alone.hours) == (3, None)
        assert alone.code is not None and alone.code.text == "WELD-101"


def test_the_certificate_shows_eqf_and_hours_of_a_new_shape_credential(
    canonicalizer: Canonicalizer,
) -> None:
    issuer = web_issuer()
    credential = module_credential(canonicalizer, issuer, result="Pass")
    offline = encode_offline(credential, signer=issuer.signer)
    data = CertificateInput(
        credential,
        "https://credentials.example.org/v/x",
        offline,
        "en",
        catalogue=module_data(),
    )
    text = pdf_text(certificate_pdf(data, fonts=find_fonts(), created=NOW))
    for fact in (
        translate_plural("en", "wallet.hours", 40),
        translate("en", "wallet.eqf_level", level=3),
        "Welding basics (MIG/MAG)",
    ):
        assert fact in text, (fact, text)


def test_the_certificate_shows_eqf_and_hours_of_an_old_shape_credential(
    canonicalizer: Canonicalizer,
) -> None:
    issuer = web_issuer()
    credential = sign(
        open_badge_credential(issuer.did),
        signer=issuer.signer,
        canonicalizer=canonicalizer,
        created=datetime(2025, 3, 1, tzinfo=UTC),
    )
    offline = encode_offline(credential, signer=issuer.signer)
    data = CertificateInput(credential, "https://credentials.example.org/v/x", offline, "en")
    text = pdf_text(certificate_pdf(data, fonts=find_fonts(), created=NOW))
    assert translate_plural("en", "wallet.hours", 40) in text
    assert translate("en", "wallet.eqf_level", level=3) in text


@pytest.mark.parametrize("shape", ["new", "old"])
def test_the_offline_qr_summary_reads_both_shapes(canonicalizer: Canonicalizer, shape: str) -> None:
    issuer = web_issuer()
    unsigned = (
        published_open_badge_credential(issuer.did)
        if shape == "new"
        else open_badge_credential(issuer.did)
    )
    credential = sign(
        copy.deepcopy(unsigned),
        signer=issuer.signer,
        canonicalizer=canonicalizer,
        created=datetime(2025, 7, 1, tzinfo=UTC),
    )
    payload = decode_offline(encode_offline(credential, signer=issuer.signer))
    name = unsigned["credentialSubject"]["achievement"]["name"]
    assert payload.achievement_name == name
    assert payload.result == ("Pass" if shape == "new" else None)
