"""Helpers for the export tests: signed credentials of the shapes Tessera issues, and the
real tools every QR is read back with (zxing-cpp; resvg for SVG; PDFium for PDF)."""

from __future__ import annotations

import ctypes
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image

from service.credentials import (
    Award,
    IssuerProfile,
    build_achievement,
    build_credential,
    credential_status,
)
from service.dids import controller_document
from service.keys import Ed25519Signer, did_key_for, encode_public_multikey, public_key_from_seed
from service.proofs import Canonicalizer, sign
from service.verification.intake import PdfLimits, pdf_page_images

BASE = "https://credentials.example.org"
ISSUER_DID = "did:web:credentials.example.org:issuers:vtc-hamburg"
CREDENTIAL_UUID = "0b3c6d0e-6a0a-4c1e-9a55-5f1f6c3a2b10"
STATUS_LIST_UUID = "5e0c7a44-8f1b-4a39-9d2e-7b6c5a4d3e2f"


@dataclass(frozen=True)
class Decoded:
    """One QR code as the decoder read it."""

    text: str
    version: int
    level: str


def decode(image: Image.Image | bytes) -> list[Decoded]:
    """Every QR code zxing-cpp finds in ``image`` (a PIL image, or PNG/JPEG bytes)."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    found = zxingcpp.read_barcodes(
        image.convert("L"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    out = []
    for barcode in found:
        assert barcode.valid, barcode.error
        extra: Any = barcode.extra
        out.append(Decoded(barcode.text, int(extra["Version"]), str(extra["ECLevel"])))
    return out


def decode_one(image: Image.Image | bytes) -> Decoded:
    found = decode(image)
    assert len(found) == 1, found
    return found[0]


def pdf_pages(pdf: bytes, *, dpi: int = 150) -> list[Image.Image]:
    """The PDF's pages as images, rendered by PDFium through the verification page's own
    reader (:func:`service.verification.intake.pdf_page_images`), at ``dpi``."""
    return pdf_page_images(pdf, limits=PdfLimits(max_pages=10, dpi=dpi, max_pixels=50_000_000))


def pdf_info(pdf: bytes) -> dict[str, str]:
    """Page count and first page size in points, as PDFium reads them (poppler's wording)."""
    document = pdfium.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
        return {
            "Pages": str(len(document)),
            "Page size": f"{round(width, 2):g} x {round(height, 2):g} pts",
        }
    finally:
        document.close()


def pdf_fonts(pdf: bytes) -> str:
    """The base names of the fonts every text object on every page uses, one a line."""
    names: set[str] = set()
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
                font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
                size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
                buffer = ctypes.create_string_buffer(size)
                pdfium_c.FPDFFont_GetBaseFontName(font, buffer, size)
                names.add(buffer.value.decode("utf-8", "replace"))
    finally:
        document.close()
    return "\n".join(sorted(names))


def pdf_text(pdf: bytes) -> str:
    """The text of every page, as PDFium extracts it."""
    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()


@dataclass(frozen=True)
class Issuer:
    """A did:web provider key and its DID document, or a did:key one (document None)."""

    signer: Ed25519Signer
    did: str
    document: dict[str, Any] | None


def web_issuer(seed: bytes = bytes(range(32)), did: str = ISSUER_DID) -> Issuer:
    multikey = encode_public_multikey(public_key_from_seed(seed))
    vm = f"{did}#{multikey}"
    return Issuer(
        Ed25519Signer(seed, verification_method=vm), did, controller_document(did, [(vm, multikey)])
    )


def key_issuer(seed: bytes = bytes(range(1, 33))) -> Issuer:
    did, vm = did_key_for(public_key_from_seed(seed))
    return Issuer(Ed25519Signer(seed, verification_method=vm), did, None)


def module_credential(
    canonicalizer: Canonicalizer,
    issuer: Issuer,
    *,
    learner: str = "Amina Haddad",
    module: dict[str, Any] | None = None,
    status: bool = True,
    result: str | None = None,
    credential_uuid: str = CREDENTIAL_UUID,
    valid_from: str = "2025-07-01T09:30:00Z",
) -> dict[str, Any]:
    """A signed module credential exactly as the service builds one, with a status entry."""
    from factories import module_data

    achievement = build_achievement(
        module or module_data(),
        achievement_id=f"{BASE}/issuers/vtc-hamburg/modules/2b1e1a8e-6d3f-4d7c-9b1a-0c5d2e3f4a5b",
    )
    credential = build_credential(
        credential_id=f"{BASE}/credentials/{credential_uuid}",
        issuer=IssuerProfile(
            issuer.did, "Vocational Training Centre Hamburg", "https://vtc-hamburg.example/"
        ),
        achievement=achievement,
        award=Award(learner, "2025-06-30", result=result),
        valid_from=valid_from,
    )
    if status:
        credential["credentialStatus"] = credential_status(
            [
                {
                    "id": f"{BASE}/status/{STATUS_LIST_UUID}#94567",
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                    "statusListIndex": "94567",
                    "statusListCredential": f"{BASE}/status/{STATUS_LIST_UUID}",
                }
            ]
        )
    return sign(
        credential,
        signer=issuer.signer,
        canonicalizer=canonicalizer,
        created=datetime(2025, 7, 1, 9, 30, tzinfo=UTC),
    )
