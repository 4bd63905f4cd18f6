"""What a person hands the verifier, turned into candidate texts: the one reader of uploaded
files, pictures and PDFs for the ``/verify`` page and ``tessera verify --qr``.

- A picture (PNG, JPEG, GIF, BMP, WebP) is opened by Pillow (refused before decoding when it
  claims more than :data:`MAX_IMAGE_PIXELS`) and its QR codes read by zxing-cpp.
- A PDF is rasterized by PDFium (``pypdfium2``) in a child process under memory, CPU-time,
  page and pixel limits (:class:`PdfLimits`, :mod:`service.verification.pdf_render`), so a decompression
  bomb or a huge embedded image costs a fraction of a second and then a clear refusal, and
  its QR codes are read from the page images.
- Anything else is taken as text (a credential's JSON, an offline QR text, a link).

Then each text is recognized (:func:`recognize`, :func:`choose_submission`): a credential, a
presentation, an offline QR text, or a link to one of this service's credentials (a PDF
certificate carries two QR codes; the link, the full credential, is preferred).

Failures are :class:`UnreadableInput` with a ``code`` the pages translate and a message that
says what to do (the CLI prints it).
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from service.errors import NotJsonError, StrictJsonError, TesseraError, UnreadableInput
from service.export.offline_qr import PREFIX
from service.export.qr import credential_uuid
from service.strict_json import loads_strict
from service.verification.presentations import is_presentation

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


# -- what the text is -------------------------------------------------------------------


def credential_id_of(token: str) -> str | None:
    """The credential UUID behind a short id, a UUID, or a link to either; None if neither."""
    try:
        return str(credential_uuid(token))
    except (TesseraError, ValueError):
        return None


def own_link(text: str, base_url: str) -> str | None:
    """The credential id in a link to this service (``/v/{id}`` or ``/credentials/{id}``)."""
    candidate = text.strip()
    if not candidate.startswith(base_url.rstrip("/") + "/"):
        return None
    path = urlsplit(candidate).path
    match = re.search(r"/(?:v|credentials)/([^/?#]+)/?$", path)
    return credential_id_of(match.group(1)) if match else None


@dataclass(frozen=True)
class Submission:
    """What a visitor handed in, recognized: a credential, an offline QR text, a link, or a
    presentation of credentials."""

    credential: dict[str, Any] | str | None = None
    credential_id: str | None = None
    presentation: dict[str, Any] | None = None


def recognize(text: str, *, base_url: str) -> Submission:
    """Tell a credential (JSON, or a VC-API body holding one), a presentation (JSON, or a
    VC-API body holding one), an offline QR text (``TSR1:…``) and a link to one of this
    service's credentials apart."""
    stripped = text.strip().lstrip("\ufeff")
    if stripped.startswith("{"):
        try:
            value = loads_strict(stripped)
        except NotJsonError:
            raise UnreadableInput("not_json") from None
        except StrictJsonError:
            # JSON, but not I-JSON (a duplicate member, NaN, a lone surrogate): the verifier
            # reads it again and says so on the verdict page, in red.
            return Submission(credential=stripped)
        except RecursionError:
            raise UnreadableInput("not_json") from None
        if isinstance(value, dict) and isinstance(value.get("verifiablePresentation"), dict):
            value = value["verifiablePresentation"]
        if is_presentation(value):
            return Submission(presentation=value)
        if isinstance(value, dict) and isinstance(value.get("verifiableCredential"), dict):
            value = value["verifiableCredential"]
        if isinstance(value, dict):
            return Submission(credential=value)
        raise UnreadableInput("not_json")
    if stripped.startswith(PREFIX):
        return Submission(credential=stripped)
    linked = own_link(stripped, base_url)
    if linked is not None:
        return Submission(credential_id=linked)
    if stripped.startswith(("http://", "https://")):
        raise UnreadableInput("foreign_link")
    raise UnreadableInput("not_recognized")


def choose_submission(texts: list[str], *, base_url: str) -> tuple[Submission, str | None]:
    """The submission to verify among the texts of one upload, and the message key of a
    sentence saying which was read when there was a choice. A PDF certificate carries two QR
    codes: the link (the full, stored credential) is preferred to the offline summary, which
    states less."""
    found: list[Submission] = []
    problem_code = "not_recognized"
    for text in texts:
        try:
            found.append(recognize(text, base_url=base_url))
        except UnreadableInput as exc:
            problem_code = exc.code
    if not found:
        raise UnreadableInput(problem_code)
    link = next((f for f in found if f.credential_id is not None), None)
    chosen = link or found[0]
    if len(texts) < 2:
        return chosen, None
    if link is not None:
        return chosen, "verify.read_link"
    return chosen, "verify.read_offline" if isinstance(chosen.credential, str) else None


__all__ = [
    "MAX_IMAGE_PIXELS",
    "PDF_LIMITS",
    "PdfLimits",
    "Submission",
    "choose_submission",
    "credential_id_of",
    "is_image",
    "is_pdf",
    "own_link",
    "pdf_page_images",
    "qr_texts",
    "qr_texts_in_image",
    "recognize",
    "texts_from_upload",
]
