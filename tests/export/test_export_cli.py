"""``tessera export json|qr|offline-qr|pdf`` from the local database, and ``tessera verify
--qr IMAGE`` reading what the exports (and a photo of the printed certificate) hold."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    CONTEXTS_BUNDLE,
    SERVICE_BASE_URL,
    Provider,
    award_data,
    save_status_lists,
)
from export_support import decode, decode_one, pdf_info, pdf_pages
from PIL import Image, ImageFilter
from svg_support import rasterize_svg
from typer.testing import CliRunner, Result

from cli.export_commands import export_app
from cli.main import app
from service.config import Settings, get_settings
from service.export import qr
from service.store import Database


class Cli:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
        for name in list(os.environ):
            if name.startswith("TESSERA_") and name != "TESSERA_SHARED_DIR":
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)

    def __call__(self, target: Any, *args: str) -> Result:
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(target, list(args))
        finally:
            get_settings.cache_clear()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, service_settings: Settings, db: Database) -> Cli:
    return Cli(
        monkeypatch,
        {
            "TESSERA_DATA_DIR": str(service_settings.data_dir),
            "TESSERA_KEYS_DIR": str(service_settings.keys_dir),
            "TESSERA_KEY_PASSPHRASE": "correct horse battery staple",
            "TESSERA_KEY_KDF": "interactive",
            "TESSERA_BASE_URL": SERVICE_BASE_URL,
            "TESSERA_DATABASE_URL": db.url,
            "TESSERA_CONTEXTS_BUNDLE": str(CONTEXTS_BUNDLE),
        },
    )


@pytest.fixture
def issued(
    client: Any, provider: Provider, module: dict[str, Any], tmp_path: Path
) -> tuple[dict[str, Any], Path]:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data("ليلى حداد", learnerId="E-9")},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    did = tmp_path / "did.json"
    did.write_text(client.get(f"/issuers/{provider.slug}/did.json").text)
    return response.json()["verifiableCredential"], did


def test_export_json_is_the_stored_credential(
    cli: Cli, issued: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    credential, _ = issued
    out = tmp_path / "credential.json"
    for reference in (credential["id"], qr.short_id(credential["id"]).lower()):
        result = cli(export_app, "json", reference, "--out", str(out))
        assert result.exit_code == 0, result.output
        assert json.loads(out.read_text()) == credential


def test_export_qr_png_and_svg(
    cli: Cli, issued: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    credential, _ = issued
    expected = qr.verification_url(SERVICE_BASE_URL, credential["id"])
    png, svg = tmp_path / "v.png", tmp_path / "v.svg"
    assert cli(export_app, "qr", credential["id"], "--out", str(png)).exit_code == 0
    assert (
        cli(export_app, "qr", credential["id"], "--format", "svg", "--out", str(svg)).exit_code == 0
    )
    for read in (decode_one(png.read_bytes()), decode_one(rasterize_svg(svg.read_bytes()))):
        assert read.text == expected and read.version <= 5


def test_export_offline_qr_and_verify_it_with_no_network(
    cli: Cli, client: Any, issued: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    credential, did = issued
    png = tmp_path / "offline.png"
    result = cli(export_app, "offline-qr", credential["id"], "--out", str(png))
    assert result.exit_code == 0, result.output
    assert decode_one(png.read_bytes()).version <= 15
    # Offline and nothing saved: the status is not known, so not verified, and it says how.
    no_lists = cli(app, "verify", "--qr", str(png), "--did-document", str(did), "--format", "text")
    assert no_lists.exit_code == 1, no_lists.output
    assert "NOT VERIFIED" in no_lists.output and "tessera status fetch" in no_lists.output
    lists = save_status_lists(client, credential, tmp_path / "lists")
    verified = cli(
        app,
        "verify",
        "--qr",
        str(png),
        "--did-document",
        str(did),
        "--status-dir",
        str(lists),
        "--format",
        "text",
    )
    assert verified.exit_code == 0, verified.output
    assert "VERIFIED" in verified.output and "ليلى حداد" in verified.output
    text = cli(export_app, "offline-qr", credential["id"], "--format", "text")
    assert text.stdout.startswith("TSR1:")
    unknown = cli(app, "verify", "--qr", str(png), "--format", "json")
    assert unknown.exit_code == 1  # the provider's keys are not saved: not verified
    assert json.loads(unknown.stdout)[0]["kind"] == "offline-credential"


def test_verify_qr_on_a_verification_link_offline_says_it_needs_the_network(
    cli: Cli, issued: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    # Online, the link is followed (tests/cli/test_verify_online.py); offline it cannot be.
    credential, _ = issued
    png = tmp_path / "v.png"
    cli(export_app, "qr", credential["id"], "--out", str(png))
    result = cli(app, "verify", "--qr", str(png), "--offline", "--format", "text")
    assert result.exit_code == 1, result.output  # not verified: it could not be checked here
    assert qr.verification_url(SERVICE_BASE_URL, credential["id"]) in result.output
    assert "without --offline" in result.output and "offline QR code" in result.output
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    assert cli(app, "verify", "--qr", str(blank)).exit_code == 2
    assert cli(app, "verify").exit_code == 2


@pytest.mark.parametrize(
    ("lang", "paper"), [("ar", "letter"), ("en", "a4"), ("fa", "a4"), ("ti", "letter")]
)
def test_export_pdf_and_verify_a_photo_of_it(
    cli: Cli,
    client: Any,
    issued: tuple[dict[str, Any], Path],
    tmp_path: Path,
    lang: str,
    paper: str,
) -> None:
    credential, did = issued
    pdf = tmp_path / "certificate.pdf"
    result = cli(
        export_app, "pdf", credential["id"], "--lang", lang, "--paper", paper, "--out", str(pdf)
    )
    assert result.exit_code == 0, result.output
    assert pdf_info(pdf.read_bytes())["Page size"].startswith(
        "612 x 792" if paper == "letter" else "595.28"
    )
    page = pdf_pages(pdf.read_bytes(), dpi=200)[0].convert("L")
    assert len(decode(page)) == 2
    photo = page.rotate(-5, expand=True, fillcolor=230).filter(ImageFilter.GaussianBlur(1))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=60)
    jpeg = tmp_path / "photo.jpg"
    jpeg.write_bytes(buffer.getvalue())
    lists = save_status_lists(client, credential, tmp_path / "lists")
    verified = cli(
        app,
        "verify",
        "--qr",
        str(jpeg),
        "--offline",  # the offline code verifies here; the link would need the service
        "--did-document",
        str(did),
        "--status-dir",
        str(lists),
        "--format",
        "json",
    )
    assert verified.exit_code == 0, verified.output
    kinds = sorted(r["kind"] for r in json.loads(verified.stdout))
    assert kinds == ["offline-credential", "verification-link"]
    link = next(r for r in json.loads(verified.stdout) if r["kind"] == "verification-link")
    assert link["checked"] is False and "--offline allows no connection" in link["detail"]
    # The PDF itself, read by the verification page's reader (PDFium, no poppler).
    from_pdf = cli(
        app,
        "verify",
        "--qr",
        str(pdf),
        "--offline",
        "--did-document",
        str(did),
        "--status-dir",
        str(lists),
        "--format",
        "json",
    )
    assert from_pdf.exit_code == 0, from_pdf.output
    assert sorted(r["kind"] for r in json.loads(from_pdf.stdout)) == kinds


def test_export_refuses_what_it_cannot_find(cli: Cli, issued: tuple[dict[str, Any], Path]) -> None:
    assert cli(export_app, "json", "not-an-id").exit_code == 2
    assert cli(export_app, "json", "00000000-0000-4000-8000-000000000000").exit_code == 2
    credential, _ = issued
    assert cli(export_app, "pdf", credential["id"], "--lang", "xx").exit_code == 2
