"""The verification QR: short ids, the link's contract with /v/{id}, and QR symbols read back by
a real decoder (zxing-cpp) from PNG and from SVG rendered by resvg, at version 5 or less."""

from __future__ import annotations

import uuid

import pytest
from export_support import decode_one
from svg_support import rasterize_svg

from service.errors import InputError
from service.export import qr

ORIGINS = [
    "https://credentials.example.org",
    "http://localhost:8000",
    "https://tessera.example",
    "https://verify.vtc-hamburg.de",
    "https://credentials.vocational-training-centre-hamburg.example.org",
]


def test_short_id_is_26_typeable_characters_and_round_trips() -> None:
    for _ in range(500):
        value = uuid.uuid4()
        short = qr.short_id(value)
        assert len(short) == 26 and short.isalnum() and short.upper() == short
        assert not set(short) & set("ILOU")
        assert qr.uuid_from_short_id(short) == value
        assert qr.uuid_from_short_id(short.lower()) == value
        assert qr.uuid_from_short_id("-".join([short[:13], short[13:]])) == value


def test_short_id_reads_what_a_person_mistypes_from_paper() -> None:
    value = uuid.UUID("0b3c6d0e-6a0a-4c1e-9a55-5f1f6c3a2b10")
    short = qr.short_id(value)
    assert short == "0B7HPGWTGA9GF9MNAZ3XP3MARG"
    assert qr.uuid_from_short_id(short.replace("0", "O")) == value


@pytest.mark.parametrize(
    "bad", ["", "0B7HPGWTGA9GF9MNAZ3XP3MAR", "UUUUUUUUUUUUUUUUUUUUUUUUUU", "Z" * 26]
)
def test_short_id_refuses_what_is_not_one(bad: str) -> None:
    with pytest.raises(InputError):
        qr.uuid_from_short_id(bad)


def test_credential_uuid_accepts_every_form_a_caller_has() -> None:
    value = uuid.UUID("0b3c6d0e-6a0a-4c1e-9a55-5f1f6c3a2b10")
    for form in (
        str(value),
        f"urn:uuid:{value}",
        f"https://credentials.example.org/credentials/{value}",
        qr.short_id(value),
        qr.short_id(value).lower(),
    ):
        assert qr.credential_uuid(form) == value


def test_verification_url_contract() -> None:
    value = "0b3c6d0e-6a0a-4c1e-9a55-5f1f6c3a2b10"
    url = qr.verification_url("https://credentials.example.org/", value)
    assert url == "https://credentials.example.org/v/0B7HPGWTGA9GF9MNAZ3XP3MARG"
    assert (
        qr.verification_url(
            "https://credentials.example.org",
            f"https://credentials.example.org/credentials/{value}",
        )
        == url
    )
    assert qr.short_id_from_url(url) == "0B7HPGWTGA9GF9MNAZ3XP3MARG"
    assert qr.short_id_from_url(url.lower()) == "0B7HPGWTGA9GF9MNAZ3XP3MARG"
    assert str(qr.credential_uuid(url.rsplit("/", 1)[1])) == value
    assert qr.short_id_from_url("https://example.org/other") is None


@pytest.mark.parametrize("origin", ORIGINS)
def test_verification_qr_is_version_5_or_less_at_level_m_read_back_from_png_and_svg(
    origin: str,
) -> None:
    url = qr.verification_url(origin, uuid.uuid4())
    symbol = qr.link_qr(url)
    assert symbol.level == "M"
    png = decode_one(qr.png(symbol, scale=4))
    svg = decode_one(rasterize_svg(qr.svg(symbol)))
    for read in (png, svg):
        scheme, _, rest = read.text.partition("://")
        host, _, path = rest.partition("/")
        assert f"{scheme.lower()}://{host.lower()}/{path}" == url
        assert qr.short_id_from_url(read.text) == url.rsplit("/", 1)[1]
        assert read.level == "M"
        assert read.version == symbol.version
        assert read.version <= 5, f"{url} ({len(url)} characters) needs version {read.version}"
    if len(origin) <= 40:
        assert symbol.version <= 4
        assert symbol.text == url  # short origins keep the link exactly as written


def test_png_and_svg_have_a_quiet_zone_and_stay_small() -> None:
    symbol = qr.make_qr(qr.verification_url(ORIGINS[0], uuid.uuid4()))
    png = qr.png(symbol, scale=8)
    svg = qr.svg(symbol, title="a <title> & more")
    assert png.startswith(b"\x89PNG") and len(png) < 2000
    assert b"<title>a &lt;title&gt; &amp; more</title>" in svg
    assert f'viewBox="0 0 {symbol.size + 8} {symbol.size + 8}"'.encode() in svg
    assert len(svg) < 8000
    image = rasterize_svg(svg, width=(symbol.size + 8) * 4).convert("L")
    border = [image.getpixel((x, y)) for x in range(image.width) for y in range(16)]
    assert min(border) == 255  # four white modules above the symbol


def test_a_text_too_long_for_any_qr_code_is_refused() -> None:
    with pytest.raises(InputError):
        qr.make_qr("x" * 3000, level="H")
    with pytest.raises(InputError):
        qr.make_qr("x", level="Z")
