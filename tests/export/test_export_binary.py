"""Base45 (RFC 9285 examples), Crockford Base32, and the strict deterministic CBOR subset
(RFC 8949 Appendix A examples; everything outside the subset refused)."""

from __future__ import annotations

import contextlib
import os
import random

import cbor2
import pytest

from service.errors import MalformedDocumentError
from service.export.binary import (
    BASE45_ALPHABET,
    base45_decode,
    base45_encode,
    cbor_decode,
    cbor_encode,
    crockford_decode,
    crockford_encode,
)

RFC9285 = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
]


@pytest.mark.parametrize(("raw", "text"), RFC9285)
def test_base45_matches_rfc_9285(raw: bytes, text: str) -> None:
    assert base45_encode(raw) == text
    assert base45_decode(text) == raw


def test_base45_round_trips_every_length_and_uses_only_qr_alphanumerics() -> None:
    rng = random.Random(45)
    for length in range(0, 200):
        raw = bytes(rng.randrange(256) for _ in range(length))
        text = base45_encode(raw)
        assert set(text) <= set(BASE45_ALPHABET)
        assert len(text) == 3 * (length // 2) + 2 * (length % 2)
        assert base45_decode(text) == raw


@pytest.mark.parametrize("bad", ["GGW", "A", "ABCD", "ab", "€€€", "::"])
def test_base45_refuses_what_rfc_9285_calls_invalid(bad: str) -> None:
    with pytest.raises(MalformedDocumentError):
        base45_decode(bad)


def test_crockford_round_trip_and_reading_aliases() -> None:
    for _ in range(200):
        number = random.getrandbits(128)
        text = crockford_encode(number, 26)
        assert len(text) == 26 and not set(text) & set("ILOU")
        assert crockford_decode(text) == number
        assert crockford_decode(text.lower()) == number
    assert crockford_decode("0O1IL") == crockford_decode("00111")
    with pytest.raises(MalformedDocumentError):
        crockford_decode("U")
    with pytest.raises(ValueError):
        crockford_encode(1 << 130, 26)


RFC8949 = [
    (0, "00"),
    (23, "17"),
    (24, "1818"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (18446744073709551615, "1bffffffffffffffff"),
    (-1, "20"),
    (-100, "3863"),
    (-1000, "3903e7"),
    (b"", "40"),
    (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"),
    ("a", "6161"),
    ("\u00fc", "62c3bc"),
    ("\u6c34", "63e6b0b4"),
    ([], "80"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    ({}, "a0"),
    ({1: 2, 3: 4}, "a201020304"),
]


@pytest.mark.parametrize(("value", "hex_"), RFC8949)
def test_cbor_matches_rfc_8949_appendix_a(value: object, hex_: str) -> None:
    assert cbor_encode(value).hex() == hex_  # type: ignore[arg-type]
    assert cbor_decode(bytes.fromhex(hex_)) == value


def test_cbor_output_is_read_identically_by_a_standard_decoder() -> None:
    value = {1: b"\x00" * 16, 2: "did:web:x", 9: [[0, "/status/a", 94567]], 7: 1751362200, 6: -3}
    encoded = cbor_encode(value)  # type: ignore[arg-type]
    assert cbor2.loads(encoded) == value
    assert cbor2.dumps(value, canonical=True) == encoded


@pytest.mark.parametrize(
    ("hex_", "why"),
    [
        ("1817", "non-shortest argument"),
        ("190017", "non-shortest argument"),
        ("5f4101ff", "indefinite-length string"),
        ("9fff", "indefinite-length array"),
        ("c074323031332d30332d32315432303a30343a30305a", "tag"),
        ("f93c00", "float"),
        ("f5", "simple value true"),
        ("a2030401 02".replace(" ", ""), "keys out of order"),
        ("a201020103", "duplicate key"),
        ("a1616101", "text key"),
        ("0000", "trailing bytes"),
        ("62c3", "truncated string"),
        ("61ff", "invalid UTF-8"),
        ("9b00000000ffffffff", "array longer than the data"),
        ("81" * 20 + "00", "nested too deeply"),
        ("", "empty"),
    ],
)
def test_cbor_decoder_accepts_only_the_deterministic_subset(hex_: str, why: str) -> None:
    with pytest.raises(MalformedDocumentError):
        cbor_decode(bytes.fromhex(hex_))


def test_cbor_decoder_never_crashes_on_random_bytes() -> None:
    for _ in range(3000):
        data = os.urandom(random.randrange(0, 40))
        with contextlib.suppress(MalformedDocumentError):
            cbor_decode(data)
