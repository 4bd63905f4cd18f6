"""`tessera verify` online: a did:web issuer's DID document and status list fetched over real
HTTPS (a local server with a certificate made here, trusted through --ca-file), by the
service's rules; --offline for no network at all."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cli_support import Cli, service_env
from conftest import CONTEXTS_BUNDLE
from factories import small_credential

from conformance.tls_proxy import make_certificate
from service.dids import controller_document
from service.keys import Ed25519Signer, encode_public_multikey, public_key_from_seed
from service.proofs import Canonicalizer, sign
from service.status.bitstring import bitstring, encode_list, list_credential

SIGNED_AT = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA) and its key, as PEM files."""
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    make_certificate(cert_path, key_path)
    return cert_path, key_path


class Site:
    """An HTTPS server on 127.0.0.1 answering from ``pages`` (path -> (status, headers, body))."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                status, headers, body = site.pages.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def json(self, path: str, document: Any) -> None:
        self.pages[path] = (
            200,
            {"Content-Type": "application/json"},
            json.dumps(document).encode(),
        )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Site, Path]]:
    cert, key = certificate(tmp_path)
    served = Site(cert, key)
    yield served, cert
    served.server.shutdown()
    served.server.server_close()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    run = Cli(monkeypatch, service_env(tmp_path))
    assert run("contexts", "install", "--from", str(CONTEXTS_BUNDLE)).exit_code == 0
    return run


def publish(
    site: Site, canonicalizer: Canonicalizer, *, revoked: bool, list_scheme: str = "https"
) -> dict[str, Any]:
    """A did:web issuer on the site: its DID document, a signed status list, and a credential
    it signed with a status entry on that list (returned; ``list_scheme`` "http" names the list
    as a service on plain HTTP, such as a development one on localhost, does)."""
    did = f"did:web:127.0.0.1%3A{site.port}"
    seed = bytes(range(7, 39))
    multikey = encode_public_multikey(public_key_from_seed(seed))
    signer = Ed25519Signer(seed, verification_method=f"{did}#{multikey}")
    site.json(
        "/.well-known/did.json", controller_document(did, [(signer.verification_method, multikey)])
    )
    list_url = f"{list_scheme}://127.0.0.1:{site.port}/status/1"
    status_list = list_credential(
        list_url=list_url,
        issuer=did,
        purpose="revocation",
        encoded=encode_list(bitstring(131_072, {42} if revoked else set())),
        valid_from=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        valid_until=(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    site.json(
        "/status/1",
        sign(status_list, signer=signer, canonicalizer=canonicalizer, created=SIGNED_AT),
    )
    credential = {
        **small_credential(did),
        "credentialStatus": {
            "id": f"{list_url}#42",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "42",
            "statusListCredential": list_url,
        },
    }
    return sign(credential, signer=signer, canonicalizer=canonicalizer, created=SIGNED_AT)


def test_online_it_resolves_did_web_and_reads_the_status_list(
    cli: Cli, site: tuple[Site, Path], canonicalizer: Canonicalizer, tmp_path: Path
) -> None:
    server, ca = site
    file = tmp_path / "credential.json"
    file.write_text(json.dumps(publish(server, canonicalizer, revoked=False)))
    ok = cli("verify", str(file), "--ca-file", str(ca), "--format", "text")
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("VERIFIED (not checked: trust)")
    assert "✔ status    Not revoked." in ok.output
    assert server.requests == ["/.well-known/did.json", "/status/1"]

    file.write_text(json.dumps(publish(server, canonicalizer, revoked=True)))
    revoked = cli("verify", str(file), "--ca-file", str(ca), "--format", "text")
    assert revoked.exit_code == 1, revoked.output
    assert "✘ status    The issuer has revoked this credential." in revoked.output


def test_a_certificate_nobody_vouches_for_is_not_trusted(
    cli: Cli, site: tuple[Site, Path], canonicalizer: Canonicalizer, tmp_path: Path
) -> None:
    server, _ = site
    file = tmp_path / "credential.json"
    file.write_text(json.dumps(publish(server, canonicalizer, revoked=False)))
    result = cli("verify", str(file), "--format", "text")  # the system CAs do not know it
    assert result.exit_code == 1, result.output
    assert result.output.startswith("NOT VERIFIED")
    assert "could not be fetched" in result.output and "--did-document" in result.output
    assert "resolved over https only" in result.output  # and what to do for a local http one


def test_redirects_are_not_followed(
    cli: Cli, site: tuple[Site, Path], canonicalizer: Canonicalizer, tmp_path: Path
) -> None:
    server, ca = site
    file = tmp_path / "credential.json"
    file.write_text(json.dumps(publish(server, canonicalizer, revoked=True)))
    server.pages["/status/1"] = (302, {"Location": "https://lists.elsewhere.example/1"}, b"")
    result = cli("verify", str(file), "--ca-file", str(ca), "--format", "text")
    assert result.exit_code == 1, result.output
    assert "? status" in result.output and "redirect; not followed" in result.output
    assert "tessera status fetch" in result.output


def test_a_list_it_may_not_fetch_names_the_status_fetch_to_run(
    cli: Cli, site: tuple[Site, Path], canonicalizer: Canonicalizer, tmp_path: Path
) -> None:
    # The README's walkthrough: a development service on http://localhost names its lists by
    # http URLs, which are never fetched; the check must still say how to go on.
    server, ca = site
    file = tmp_path / "credential.json"
    file.write_text(json.dumps(publish(server, canonicalizer, revoked=False, list_scheme="http")))
    result = cli("verify", str(file), "--ca-file", str(ca), "--format", "text")
    assert result.exit_code == 1, result.output
    assert "/status/1" not in server.requests
    status_line = next(line for line in result.output.splitlines() if "? status" in line)
    assert "fetched only over https" in status_line
    list_url = f"http://127.0.0.1:{server.port}/status/1"
    assert f"`tessera status fetch {list_url} --out status-lists`" in status_line


def test_offline_means_no_network(
    cli: Cli, site: tuple[Site, Path], canonicalizer: Canonicalizer, tmp_path: Path
) -> None:
    server, ca = site
    file = tmp_path / "credential.json"
    file.write_text(json.dumps(publish(server, canonicalizer, revoked=False)))
    result = cli("verify", str(file), "--offline", "--ca-file", str(ca), "--format", "text")
    assert result.exit_code == 1, result.output
    assert server.requests == []
    assert "Cannot resolve" in result.output
    # ...and with the DID document and the list saved, offline verifies.
    did = tmp_path / "did.json"
    did.write_text(json.dumps(json.loads(server.pages["/.well-known/did.json"][2])))
    lists = tmp_path / "lists"
    lists.mkdir()
    from service.verification.status import saved_list_path

    list_url = f"https://127.0.0.1:{server.port}/status/1"
    saved_list_path(lists, list_url).write_bytes(server.pages["/status/1"][2])
    ok = cli(
        "verify", str(file), "--offline", "--did-document", str(did), "--status-dir", str(lists)
    )
    assert ok.exit_code == 0, ok.output
    assert server.requests == []


def link_qr_picture(folder: Path, link: str) -> Path:
    """A photo-like PNG of a verification link's QR code, as printed on a certificate."""
    import qrcode

    picture = folder / "verify-qr.png"
    qrcode.make(link).save(picture)
    return picture


def test_a_link_qr_is_followed_online_and_the_credential_behind_it_verified(
    cli: Cli, site: tuple[Site, Path], canonicalizer: Canonicalizer, tmp_path: Path
) -> None:
    import uuid

    from service.export.qr import short_id

    server, ca = site
    path = f"/v/{short_id(uuid.uuid4())}"
    link = f"https://127.0.0.1:{server.port}{path}"
    picture = link_qr_picture(tmp_path, link)
    server.json(path, publish(server, canonicalizer, revoked=False))
    ok = cli("verify", "--qr", str(picture), "--ca-file", str(ca), "--format", "text")
    assert ok.exit_code == 0, ok.output
    assert f"This QR code is a verification link: {link}" in ok.output
    assert f"The credential behind it, from 127.0.0.1:{server.port}:" in ok.output
    assert "VERIFIED (not checked: trust)" in ok.output
    assert server.requests == [path, "/.well-known/did.json", "/status/1"]

    server.json(path, publish(server, canonicalizer, revoked=True))
    revoked = cli("verify", "--qr", str(picture), "--ca-file", str(ca), "--format", "json")
    assert revoked.exit_code == 1, revoked.output
    (report,) = json.loads(revoked.stdout)
    assert report["kind"] == "verification-link" and report["verified"] is False

    server.pages.pop(path)  # withdrawn or erased: the service answers 404
    gone = cli("verify", "--qr", str(picture), "--ca-file", str(ca), "--format", "text")
    assert gone.exit_code == 1, gone.output
    assert "answered HTTP 404" in gone.output and "offline QR code" in gone.output


def test_offline_a_link_qr_says_it_needs_a_connection_and_what_to_do(
    cli: Cli, site: tuple[Site, Path], tmp_path: Path
) -> None:
    server, _ = site
    picture = link_qr_picture(
        tmp_path, f"https://127.0.0.1:{server.port}/v/0123456789abcdefghjkmnpqrs"
    )
    result = cli("verify", "--qr", str(picture), "--offline", "--format", "text")
    assert result.exit_code == 1, result.output
    assert server.requests == []
    assert "--offline allows no connection" in result.output
    assert "without --offline" in result.output and "offline QR code" in result.output


def test_a_link_on_plain_http_is_not_fetched_and_says_why(cli: Cli, tmp_path: Path) -> None:
    picture = link_qr_picture(tmp_path, "http://localhost:8000/v/0123456789abcdefghjkmnpqrs")
    result = cli("verify", "--qr", str(picture), "--format", "text")
    assert result.exit_code == 1, result.output
    assert "fetched only over https" in result.output
