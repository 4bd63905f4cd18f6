"""The one reader of what a person hands the verifier (service/verification/intake.py): QR codes in
pictures and in PDFs rasterized by PDFium under limits, and refusals that say why."""

from __future__ import annotations

import io

import pytest
import qrcode
from factories import pdf_bomb
from PIL import Image

from service.errors import UnreadableInput
from service.verification.intake import PdfLimits, pdf_page_images, qr_texts, texts_from_upload

LINK = "https://credentials.example.org/v/4Zq8Rk2mVb7Xc1Nd9Tf3Hw6Lp5Js0Ya2"


def qr_image(text: str) -> Image.Image:
    return qrcode.make(text, box_size=6).get_image().convert("RGB")


def pdf_of(*pages: Image.Image) -> bytes:
    """A PDF with one page per image (150 dpi, so an A4-sized image is an A4 page)."""
    out = io.BytesIO()
    pages[0].save(out, format="PDF", resolution=150, save_all=True, append_images=pages[1:])
    return out.getvalue()


def a4_with(code: Image.Image | None) -> Image.Image:
    page = Image.new("RGB", (1240, 1754), "white")
    if code is not None:
        page.paste(code, (800, 1300))
    return page


def test_a_qr_code_on_a_pdf_page_is_read() -> None:
    assert qr_texts(pdf_of(a4_with(qr_image(LINK)))) == [LINK]
    assert texts_from_upload(pdf_of(a4_with(qr_image(LINK)))) == [LINK]


def test_a_qr_code_in_a_picture_is_read_upright_or_rotated() -> None:
    for angle in (0, 90):
        out = io.BytesIO()
        a4_with(qr_image(LINK)).rotate(angle, expand=True).save(out, format="PNG")
        assert qr_texts(out.getvalue()) == [LINK]


def test_only_the_first_pages_are_rendered() -> None:
    pdf = pdf_of(*(a4_with(None) for _ in range(4)), a4_with(qr_image(LINK)))
    assert len(pdf_page_images(pdf)) == 3
    with pytest.raises(UnreadableInput) as caught:
        texts_from_upload(pdf)
    assert caught.value.code == "no_qr"


def test_a_page_claiming_to_be_enormous_is_rendered_within_the_pixel_budget() -> None:
    page = a4_with(qr_image(LINK))
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=2)  # 1240 px at 2 dpi: a 15-metre-wide page
    images = pdf_page_images(out.getvalue(), limits=PdfLimits(max_pixels=2_000_000))
    assert len(images) == 1
    assert images[0].width * images[0].height <= 2_000_000
    assert qr_texts(out.getvalue()) == [LINK]


def test_a_decompression_bomb_is_refused_with_a_clear_message() -> None:
    bomb = pdf_bomb(1 << 30)  # about 1 MB that inflates to 1 GB
    assert len(bomb) < 1_200_000
    with pytest.raises(UnreadableInput) as caught:
        texts_from_upload(bomb)
    assert caught.value.code == "pdf_too_complex"
    assert "decompression bomb" in str(caught.value)
    assert "picture of the QR code" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        (b"%PDF-1.4 broken", "bad_pdf", "not a readable PDF"),
        (b"\x89PNG\r\n\x1a\nbroken", "bad_image", "could not be read"),
        (b"\xff\xfe\x00garbage", "not_recognized", "Unreadable"),
    ],
)
def test_unreadable_files_say_what_is_wrong(data: bytes, code: str, says: str) -> None:
    with pytest.raises(UnreadableInput) as caught:
        texts_from_upload(data)
    assert caught.value.code == code
    assert says in str(caught.value)


def test_a_picture_claiming_too_many_pixels_is_refused_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")  # 48 megapixels, a few kB
    with pytest.raises(UnreadableInput) as caught:
        qr_texts(out.getvalue())
    assert caught.value.code == "image_too_large"
    assert "Crop it" in str(caught.value)
