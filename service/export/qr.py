"""QR codes: the short verification link, and QR symbols as PNG and SVG bytes.

The verification QR holds ``{base_url}/v/{short id}``. The short id is the credential's UUID
(its 128 bits) in Crockford's Base32: 26 characters of ``0-9`` and ``A-Z`` without I, L, O
and U, so a person can type it from paper and it reads back case-insensitively (``O`` as
``0``, ``I``/``L`` as ``1``). Upper-case letters and digits are the QR alphanumeric alphabet,
so the id is stored at 5.5 bits a character: a link on a typical origin fits QR version 4
at error correction M, and origins up to ~55 characters fit version 5.

Symbols are made at error correction level M (15% of the symbol may be damaged or dirty)
with a quiet zone of four modules, the size ISO/IEC 18004 asks for.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.exceptions
from PIL import Image

from service.errors import InputError, MalformedDocumentError
from service.export.binary import crockford_decode, crockford_encode

QUIET_ZONE = 4
SHORT_ID_LENGTH = 26  # ceil(128 / 5)
_UUID_AT_END = re.compile(
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/?$"
)
_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


# -- short ids and verification links ---------------------------------------------------


def credential_uuid(credential_id: str) -> uuid.UUID:
    """The UUID in a credential id: a bare UUID, ``urn:uuid:…``, ``…/credentials/{uuid}``, or a
    short id."""
    text = credential_id.strip()
    match = _UUID_AT_END.search(text)
    if match:
        return uuid.UUID(match.group(1))
    return uuid_from_short_id(text)


def short_id(credential_id: str | uuid.UUID) -> str:
    """The 26-character Crockford Base32 short id of a credential (see the module docstring)."""
    value = (
        credential_id if isinstance(credential_id, uuid.UUID) else credential_uuid(credential_id)
    )
    return crockford_encode(value.int, SHORT_ID_LENGTH)


def uuid_from_short_id(text: str) -> uuid.UUID:
    """Inverse of :func:`short_id`: case-insensitive, hyphens ignored, Crockford's aliases read."""
    cleaned = text.strip().replace("-", "")
    if len(cleaned) != SHORT_ID_LENGTH:
        raise InputError(f"{text!r} is not a credential short id ({SHORT_ID_LENGTH} characters).")
    try:
        number = crockford_decode(cleaned)
    except MalformedDocumentError as exc:
        raise InputError(f"{text!r} is not a credential short id: {exc}") from None
    if number >> 128:
        raise InputError(f"{text!r} is not a credential short id (it is out of range).")
    return uuid.UUID(int=number)


def verification_url(base_url: str, credential_id: str | uuid.UUID) -> str:
    """``{base_url}/v/{short id}``: the public verification page of one credential."""
    return f"{base_url.rstrip('/')}/v/{short_id(credential_id)}"


def short_id_from_url(url: str) -> str | None:
    """The short id in a verification link (``…/v/{short id}``), or None if it is not one."""
    match = re.search(r"/v/([0-9A-Za-z-]{26,32})/?(?:[?#].*)?$", url.strip())
    if not match:
        return None
    try:
        return short_id(uuid_from_short_id(match.group(1)))
    except InputError:
        return None


# -- QR symbols -------------------------------------------------------------------------


@dataclass(frozen=True)
class QrSymbol:
    """A QR symbol: its version (1-40), error correction level and module matrix
    (``True`` is dark), without the quiet zone."""

    text: str
    version: int
    level: str
    modules: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        return len(self.modules)


def make_qr(text: str, *, level: str = "M") -> QrSymbol:
    """The smallest QR symbol holding ``text`` at ``level``. Runs of upper-case letters and
    digits are stored in alphanumeric mode, the rest in byte mode (UTF-8)."""
    if level not in _LEVELS:
        raise InputError(f"QR error correction level must be one of {', '.join(_LEVELS)}.")
    code = qrcode.QRCode(error_correction=_LEVELS[level], border=0)
    code.add_data(text, optimize=8)
    try:
        code.make(fit=True)
    except (qrcode.exceptions.DataOverflowError, ValueError):
        raise InputError("The text is too long for any QR code.") from None
    modules = tuple(tuple(bool(cell) for cell in row) for row in code.modules)
    return QrSymbol(text=text, version=int(code.version), level=level, modules=modules)


def link_qr(url: str, *, level: str = "M", target_version: int = 5) -> QrSymbol:
    """The QR symbol for a link. If the link needs more than ``target_version``, its scheme
    and host (case-insensitive, RFC 3986 §6.2.2.1) are written in capitals, which QR stores
    in alphanumeric mode at 5.5 instead of 8 bits a character: an origin of up to ~88
    characters then still fits version 5 (~60 in lower case)."""
    symbol = make_qr(url, level=level)
    scheme, separator, rest = url.partition("://")
    if symbol.version <= target_version or not separator:
        return symbol
    host, slash, path = rest.partition("/")
    shouted = make_qr(f"{scheme.upper()}://{host.upper()}{slash}{path}", level=level)
    return shouted if shouted.version < symbol.version else symbol


def qr_version(text: str, *, level: str = "M") -> int:
    """The smallest QR version that holds ``text`` at ``level``."""
    return make_qr(text, level=level).version


def png(symbol: QrSymbol, *, scale: int = 8, border: int = QUIET_ZONE) -> bytes:
    """A black-on-white 1-bit PNG, ``scale`` pixels per module, with a quiet zone."""
    if scale < 1 or border < 0:
        raise InputError("scale must be at least 1 and border not negative.")
    side = symbol.size + 2 * border
    blank = [255] * side
    rows = [blank] * border
    rows += [
        [255] * border + [0 if dark else 255 for dark in row] + [255] * border
        for row in symbol.modules
    ]
    rows += [blank] * border
    image = Image.frombytes("L", (side, side), bytes(v for row in rows for v in row))
    image = image.convert("1", dither=Image.Dither.NONE)
    if scale > 1:
        image = image.resize((side * scale, side * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def svg(symbol: QrSymbol, *, border: int = QUIET_ZONE, title: str | None = None) -> bytes:
    """A standalone SVG: one path of dark runs on a white square, crisp at any size. Its
    ``viewBox`` is in modules; the default size is 8 px a module."""
    side = symbol.size + 2 * border
    runs: list[str] = []
    for y, row in enumerate(symbol.modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + border} {y + border}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    label = (
        "<title>"
        + title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        + "</title>"
        if title
        else ""
    )
    document = (
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'viewBox="0 0 {side} {side}" width="{side * 8}" height="{side * 8}" '
        f'shape-rendering="crispEdges">{label}'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>\n'
    )
    return document.encode("utf-8")


__all__ = [
    "QUIET_ZONE",
    "SHORT_ID_LENGTH",
    "QrSymbol",
    "credential_uuid",
    "link_qr",
    "make_qr",
    "png",
    "qr_version",
    "short_id",
    "short_id_from_url",
    "svg",
    "uuid_from_short_id",
    "verification_url",
]
