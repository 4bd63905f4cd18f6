"""Byte encodings used by Multikey, did:key and proof values: base58btc and multibase.

Implemented here rather than pulled in as a dependency because it is a dozen lines and the
only alphabet we need is Bitcoin's.
"""

from __future__ import annotations

import base64

from service.errors import InputError

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: i for i, char in enumerate(_B58_ALPHABET)}


def b58encode(data: bytes) -> str:
    """base58btc (Bitcoin alphabet), leading zero bytes kept as '1'."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_B58_ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; raises :class:`InputError` on a character outside the alphabet."""
    number = 0
    for char in text:
        digit = _B58_INDEX.get(char)
        if digit is None:
            raise InputError(f"{char!r} is not a base58btc character.")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_b58(data: bytes) -> str:
    """Multibase base58btc: 'z' + base58btc."""
    return "z" + b58encode(data)


def decode_multibase_b58(value: str, *, what: str) -> bytes:
    """Decode a 'z'-prefixed base58btc multibase string, naming ``what`` in errors."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise InputError(f"{what} must be a multibase base58btc string starting with 'z'.")
    try:
        return b58decode(value[1:])
    except InputError as exc:
        raise InputError(f"{what} is not valid base58btc: {exc}") from exc


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url_encode`; padding optional."""
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise InputError(f"not valid base64url: {exc}") from exc


__all__ = [
    "b58decode",
    "b58encode",
    "b64url_decode",
    "b64url_encode",
    "decode_multibase_b58",
    "multibase_b58",
]
