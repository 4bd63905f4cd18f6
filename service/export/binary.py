"""Byte codecs: Base45 (RFC 9285), Crockford Base32, and a strict subset of CBOR (RFC 8949).

Base45 maps bytes onto exactly the 45 characters of a QR code's alphanumeric mode, which
stores 5.5 bits per character, so ``n`` bytes cost ``8.25 n`` bits in the symbol instead of
``8 n`` bits in byte mode plus the 33% of base64.

The CBOR subset is what the offline payload needs and nothing more: unsigned and negative
integers, byte strings, text strings, arrays and maps with unsigned-integer keys, all of
definite length and in the *core deterministic encoding* of RFC 8949 §4.2.1 (shortest
arguments, map keys in ascending order, no duplicates). Any standard CBOR decoder reads what
:func:`cbor_encode` writes; :func:`cbor_decode` accepts only that one encoding of a value
(no tags, floats, simple values or indefinite lengths), so a payload has exactly one byte
form and a decoder never meets a feature it did not expect.
"""

from __future__ import annotations

from typing import TypeAlias

from service.errors import MalformedDocumentError

# -- Base45 (RFC 9285) ------------------------------------------------------------------

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_BASE45_INDEX = {char: value for value, char in enumerate(BASE45_ALPHABET)}


def base45_encode(data: bytes) -> str:
    """RFC 9285 §4: every two bytes become three characters, a last odd byte two."""
    out: list[str] = []
    for start in range(0, len(data) - 1, 2):
        number = data[start] * 256 + data[start + 1]
        number, c = divmod(number, 45)
        e, d = divmod(number, 45)
        out += (BASE45_ALPHABET[c], BASE45_ALPHABET[d], BASE45_ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (BASE45_ALPHABET[c], BASE45_ALPHABET[d])
    return "".join(out)


def base45_decode(text: str) -> bytes:
    """Inverse of :func:`base45_encode`; refuses characters outside the alphabet, a dangling
    single character, and groups whose value does not fit (RFC 9285 §4.2)."""
    if len(text) % 3 == 1:
        raise MalformedDocumentError("The Base45 text has a dangling character: it is cut short.")
    try:
        values = [_BASE45_INDEX[char] for char in text]
    except KeyError as exc:
        raise MalformedDocumentError(
            f"{exc.args[0]!r} is not a Base45 character (0-9, A-Z, space and $%*+-./:)."
        ) from None
    out = bytearray()
    for start in range(0, len(values), 3):
        group = values[start : start + 3]
        if len(group) == 3:
            number = group[0] + group[1] * 45 + group[2] * 45 * 45
            if number > 0xFFFF:
                raise MalformedDocumentError("The Base45 text holds a group larger than two bytes.")
            out += number.to_bytes(2, "big")
        else:
            number = group[0] + group[1] * 45
            if number > 0xFF:
                raise MalformedDocumentError(
                    "The Base45 text ends with a group larger than a byte."
                )
            out.append(number)
    return bytes(out)


# -- Crockford Base32 ---------------------------------------------------------------------

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_INDEX = {char: value for value, char in enumerate(CROCKFORD_ALPHABET)}
_CROCKFORD_INDEX.update({"O": 0, "I": 1, "L": 1})


def crockford_encode(number: int, length: int) -> str:
    """``number`` as exactly ``length`` Crockford Base32 digits (upper case, no check symbol):
    digits and letters without I, L, O and U, easy to read aloud and to type from paper."""
    if number < 0 or number >> (5 * length):
        raise ValueError("the number does not fit")
    return "".join(CROCKFORD_ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(length)))


def crockford_decode(text: str) -> int:
    """Inverse of :func:`crockford_encode`: case-insensitive, hyphens ignored, ``O`` read as
    0 and ``I``/``L`` as 1. Raises :class:`MalformedDocumentError` on any other character."""
    number = 0
    for char in text.upper().replace("-", ""):
        value = _CROCKFORD_INDEX.get(char)
        if value is None:
            raise MalformedDocumentError(f"{char!r} is not a Crockford Base32 character.")
        number = number << 5 | value
    return number


# -- deterministic CBOR subset (RFC 8949) -----------------------------------------------

Cbor: TypeAlias = int | bytes | str | list["Cbor"] | dict[int, "Cbor"]

_UINT, _NINT, _BYTES, _TEXT, _ARRAY, _MAP = range(6)
MAX_DEPTH = 8


def _head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError("CBOR arguments are at most 64 bits.")


def cbor_encode(value: Cbor) -> bytes:
    """The core deterministic encoding (RFC 8949 §4.2.1) of ``value``."""
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _encode(value: Cbor, out: bytearray) -> None:
    if isinstance(value, bool):  # bool is an int subclass; the subset has no booleans
        raise TypeError("booleans are not in Tessera's CBOR subset")
    if isinstance(value, int):
        out += _head(_UINT, value) if value >= 0 else _head(_NINT, -1 - value)
    elif isinstance(value, bytes):
        out += _head(_BYTES, len(value)) + value
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        out += _head(_TEXT, len(raw)) + raw
    elif isinstance(value, list):
        out += _head(_ARRAY, len(value))
        for item in value:
            _encode(item, out)
    elif isinstance(value, dict):
        if not all(isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in value):
            raise TypeError("map keys in Tessera's CBOR subset are unsigned integers")
        out += _head(_MAP, len(value))
        for key in sorted(value):  # ascending uints == ascending encoded bytes
            out += _head(_UINT, key)
            _encode(value[key], out)
    else:
        raise TypeError(f"{type(value).__name__} is not in Tessera's CBOR subset")


def cbor_decode(data: bytes) -> Cbor:
    """Decode one value that fills ``data`` exactly; anything outside the deterministic
    subset raises :class:`MalformedDocumentError`."""
    value, end = _decode(data, 0, 0)
    if end != len(data):
        raise MalformedDocumentError(f"{len(data) - end} unexpected bytes follow the CBOR value.")
    return value


def _argument(data: bytes, position: int) -> tuple[int, int, int]:
    """(major type, argument, next position), refusing non-shortest and indefinite forms."""
    if position >= len(data):
        raise MalformedDocumentError("The CBOR value is cut short.")
    initial = data[position]
    major, info = initial >> 5, initial & 0x1F
    position += 1
    if info < 24:
        return major, info, position
    if info > 27:
        raise MalformedDocumentError("Indefinite lengths and reserved CBOR forms are not allowed.")
    size = 1 << (info - 24)
    if position + size > len(data):
        raise MalformedDocumentError("The CBOR value is cut short.")
    argument = int.from_bytes(data[position : position + size], "big")
    shortest = 24 if size == 1 else 1 << (8 * (size // 2))
    if argument < shortest:
        raise MalformedDocumentError("A CBOR argument is not in its shortest form.")
    return major, argument, position + size


def _decode(data: bytes, position: int, depth: int) -> tuple[Cbor, int]:
    if depth > MAX_DEPTH:
        raise MalformedDocumentError("The CBOR value is nested too deeply.")
    major, argument, position = _argument(data, position)
    if major == _UINT:
        return argument, position
    if major == _NINT:
        return -1 - argument, position
    if major in (_BYTES, _TEXT):
        end = position + argument
        if end > len(data):
            raise MalformedDocumentError("A CBOR string runs past the end of the data.")
        raw = data[position:end]
        if major == _BYTES:
            return raw, end
        try:
            return raw.decode("utf-8"), end
        except UnicodeDecodeError:
            raise MalformedDocumentError("A CBOR text string is not valid UTF-8.") from None
    if major == _ARRAY:
        if argument > len(data) - position:  # every item takes at least one byte
            raise MalformedDocumentError("A CBOR array claims more items than there are bytes.")
        items: list[Cbor] = []
        for _ in range(argument):
            item, position = _decode(data, position, depth + 1)
            items.append(item)
        return items, position
    if major == _MAP:
        if 2 * argument > len(data) - position:
            raise MalformedDocumentError("A CBOR map claims more entries than there are bytes.")
        mapping: dict[int, Cbor] = {}
        previous = -1
        for _ in range(argument):
            key_major, key, position = _argument(data, position)
            if key_major != _UINT:
                raise MalformedDocumentError("CBOR map keys must be unsigned integers.")
            if key <= previous:
                raise MalformedDocumentError("CBOR map keys must be unique and in ascending order.")
            previous = key
            mapping[key], position = _decode(data, position, depth + 1)
        return mapping, position
    raise MalformedDocumentError("CBOR tags, floats and simple values are not allowed here.")


__all__ = [
    "BASE45_ALPHABET",
    "CROCKFORD_ALPHABET",
    "Cbor",
    "base45_decode",
    "base45_encode",
    "cbor_decode",
    "cbor_encode",
    "crockford_decode",
    "crockford_encode",
]
