"""Helpers for the wallet tests: issue through the API, get a wallet link, read QR codes."""

from __future__ import annotations

import io
from typing import Any

import zxingcpp
from conftest import Provider, award_data
from PIL import Image

from service.verification.intake import PdfLimits, pdf_page_images


def issue(client: Any, provider: Provider, module: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(**fields)},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["verifiableCredential"])


def uuid_of(credential: dict[str, Any]) -> str:
    return str(credential["id"]).rsplit("/", 1)[1]


def wallet_url(client: Any, provider: Provider, *credentials: dict[str, Any]) -> str:
    """A working wallet address for these credentials: a new link, or (when issuing already
    put them in one) that link renewed, since its token was shown only once."""
    ids = [uuid_of(c) for c in credentials]
    links = client.get(f"/issuers/{provider.slug}/wallet-links", headers=provider.headers).json()
    for link in links:
        if set(ids) & set(link["credentialIds"]) and link["revokedAt"] is None:
            renewed = client.post(
                f"/issuers/{provider.slug}/wallet-links/{link['id']}/renew",
                headers=provider.headers,
            )
            assert renewed.status_code == 200, renewed.text
            return str(renewed.json()["url"])
    made = client.post(
        f"/issuers/{provider.slug}/wallet-links",
        json={"credentialIds": ids, "language": "en", "learnerRef": "E-2025-0042"},
        headers=provider.headers,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["url"])


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def pdf_page_png(pdf: bytes, dpi: int = 150) -> bytes:
    """The first page of a PDF as PNG bytes, rendered by PDFium through the verification
    page's own reader (:func:`service.verification.intake.pdf_page_images`)."""
    page = pdf_page_images(pdf, limits=PdfLimits(max_pages=1, dpi=dpi))[0]
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    return buffer.getvalue()


def read_qr(data: bytes) -> tuple[str, int]:
    found = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(data)).convert("L"),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
    )
    assert len(found) == 1 and found[0].valid
    extra: Any = found[0].extra
    return found[0].text, int(extra["Version"])
