"""What a person hands the verifier, turned into candidate texts: the one reader of uploaded
files, pictures and PDFs for the ``/verify`` page and ``tessera verify --qr``.

- A picture (PNG, JPEG, GIF, BMP, WebP) is opened by Pillow (refused before decoding when it
  claims more than :data:`MAX_IMAGE_PIXELS`) and its QR codes read by zxing-cpp.
- A PDF is rasterized by PDFium (``pypdfium2``) in a child process under memory, CPU-time,
  page and pixel limits (:class:`PdfLimits`, :mod:`service.verification.pdf_render`), so a decompression
  bomb or a huge embedded image costs a fraction of a second and then a clear refusal, and
  its QR codes are read from the page images.
- Anything else is taken as text (a credential's JSON, an offline QR text, a link).

Failures are :class:`UnreadableInput` with a ``code`` the pages translate and a message that
says what to do (the CLI prints it).
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from service.errors import UnreadableInput

if TYPE_CHECKING:
    from PIL import Image


_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")
#: Pixels of an uploaded picture (a 40-megapixel phone photo is the largest expected).
MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class PdfLimits:
    """Bounds on rasterizing one untrusted PDF. A Tessera certificate is one A4 or letter page
    that renders in well under a second with a few tens of megabytes."""

    #: Pages rendered (the first ones; the certificate's QR codes are on page 1).
    max_pages: int = 3
    #: Resolution: 150 dpi reads a 3 cm printed QR code comfortably.
    dpi: float = 150.0
    #: Pixels of one page image; a larger page is rendered at a lower resolution to fit.
    max_pixels: int = 6_000_000
    #: Address space of the rendering process (Python and PDFium need about 60 MB of it).
    memory_bytes: int = 256 * 1024 * 1024
    #: CPU seconds of the rendering process, and wall-clock seconds before it is killed.
    cpu_seconds: int = 3
    wall_seconds: float = 6.0


PDF_LIMITS = PdfLimits()

_RENDERER = Path(__file__).with_name("pdf_render.py")
_NOT_A_PDF, _ENCRYPTED = 3, 4


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip(b"\x00\t\n\f\r ").startswith(b"%PDF-")


def is_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def pdf_page_images(pdf: bytes, *, limits: PdfLimits = PDF_LIMITS) -> list[Image.Image]:
    """Grayscale images of the first ``limits.max_pages`` pages of ``pdf``, rendered by PDFium
    in a child process with ``limits`` (see :mod:`service.verification.pdf_render`).

    Raises :class:`UnreadableInput`: ``bad_pdf`` when the file is not a PDF or is encrypted,
    ``pdf_too_complex`` when it cannot be rendered within the limits (a decompression bomb
    ends here)."""

    try:
        done = subprocess.run(  # noqa: S603 - our interpreter and script, numeric arguments
            [
                sys.executable,
                "-I",  # no environment, no user site, no script directory on sys.path
                str(_RENDERER),
                str(limits.max_pages),
                str(limits.dpi),
                str(limits.max_pixels),
                str(limits.memory_bytes),
                str(limits.cpu_seconds),
            ],
            input=pdf,
            capture_output=True,
            timeout=limits.wall_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UnreadableInput(
            "pdf_too_complex",
            f"The PDF could not be rendered within {limits.wall_seconds:g} seconds. Upload a "
            "picture of the QR code instead.",
        ) from None
    if done.returncode == _NOT_A_PDF:
        raise UnreadableInput("bad_pdf", "The file is not a readable PDF.")
    if done.returncode == _ENCRYPTED:
        raise UnreadableInput(
            "bad_pdf", "The PDF is password-protected. Upload the certificate as it was issued."
        )
    if done.returncode != 0:
        raise UnreadableInput(
            "pdf_too_complex",
            "The PDF could not be rendered within the limits (at most "
            f"{limits.memory_bytes // (1024 * 1024)} MB of memory and {limits.cpu_seconds} s): "
            "it may be a 'decompression bomb' or far larger inside than a certificate. Upload "
            "a picture of the QR code instead.",
        )
    return _parse_pages(done.stdout)


def _parse_pages(output: bytes) -> list[Image.Image]:
    from PIL import Image

    pages = []
    offset = 0
    while offset + 8 <= len(output):
        width, height = struct.unpack_from(">II", output, offset)
        offset += 8
        pixels = output[offset : offset + width * height]
        if len(pixels) != width * height:
            break
        pages.append(Image.frombytes("L", (width, height), pixels))
        offset += width * height
    return pages


def _open_image(data: bytes) -> Image.Image:
    """``data`` as an upright grayscale image, refused before decoding when too large."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG", "GIF", "BMP", "WEBP"]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise UnreadableInput(
                    "image_too_large",
                    f"The picture is {width} x {height} pixels; the limit is "
                    f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels. Crop it to the QR code.",
                )
            return ImageOps.exif_transpose(image).convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise UnreadableInput(
            "bad_image", "The picture could not be read (PNG, JPEG, GIF, BMP or WebP)."
        ) from None


def qr_texts_in_image(image: Image.Image) -> list[str]:
    """The text of every QR code in ``image``, in reading order, by zxing-cpp; a second pass
    with stretched contrast rescues faint photos."""
    import zxingcpp
    from PIL import ImageOps

    found: list[str] = []
    for attempt in (image, ImageOps.autocontrast(image)):
        for barcode in zxingcpp.read_barcodes(
            attempt,
            formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
            try_rotate=True,
            try_downscale=True,
        ):
            if barcode.valid and barcode.text and barcode.text not in found:
                found.append(barcode.text)
        if found:
            break
    return found


def qr_texts(data: bytes) -> list[str]:
    """The text of every QR code in a picture or in the first pages of a PDF (empty when
    there is none). Raises :class:`UnreadableInput` for a file that is neither, or that
    cannot be read within the limits."""
    if is_pdf(data):
        return [t for page in pdf_page_images(data) for t in qr_texts_in_image(page)]
    if is_image(data):
        return qr_texts_in_image(_open_image(data))
    raise UnreadableInput(
        "not_recognized", "The file is neither a picture (PNG, JPEG, GIF, BMP, WebP) nor a PDF."
    )


def texts_from_upload(data: bytes) -> list[str]:
    """Candidate texts in an uploaded file: a JSON file's text, or the QR codes in a picture
    or in the first pages of a PDF."""
    if is_pdf(data) or is_image(data):
        texts = qr_texts(data)
        if not texts:
            raise UnreadableInput(
                "no_qr",
                "No QR code was found in the file. Try a sharper picture, or the credential file.",
            )
        return texts
    try:
        return [data.decode("utf-8-sig")]
    except UnicodeDecodeError:
        raise UnreadableInput("not_recognized") from None


__all__ = [
    "MAX_IMAGE_PIXELS",
    "PDF_LIMITS",
    "PdfLimits",
    "is_image",
    "is_pdf",
    "pdf_page_images",
    "qr_texts",
    "qr_texts_in_image",
    "texts_from_upload",
]
