# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""`tessera trust import|export|list`, `tessera status fetch`, and `tessera verify` offline with
a saved registry: an employer's or border office's machine with no connection."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import CONTEXTS_BUNDLE
from typer.testing import CliRunner, Result
from verification_support import did_key_badge  # noqa: F401

from cli.main import app
from service.config import get_settings


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in list(os.environ):
        if name.startswith("TESSERA_") and name != "TESSERA_SHARED_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TESSERA_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("TESSERA_KEY_PASSPHRASE", "correct horse battery staple")
    monkeypatch.setenv("TESSERA_KEY_KDF", "interactive")
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> Result:
        get_settings.cache_clear()
        return runner.invoke(app, list(args), catch_exceptions=False)

    assert run("contexts", "install", "--from", str(CONTEXTS_BUNDLE)).exit_code == 0
    yield run
    get_settings.cache_clear()


def registry_file(tmp_path: Path, providers: list[dict[str, Any]]) -> Path:
    path = tmp_path / "registry.json"
    path.write_text(
        json.dumps({"format": "tessera-trust-registry", "version": 1, "providers": providers})
    )
    return path


def test_import_list_export_round_trip(cli: Any, tmp_path: Path) -> None:
    created = cli("issuers", "create", "--name", "Centre Lyon", "--slug", "lyon")
    assert created.exit_code == 0, created.output
    did = next(w for w in created.output.split() if w.startswith("did:web:"))
    path = registry_file(
        tmp_path,
        [
            {
                "did": did,
                "name": "CFA Lyon",
                "country": "FR",
                "accreditingBody": "France compétences",
            },
            {"did": "did:web:old.example", "name": "Old School", "withdrawnAt": "2020-01-01"},
        ],
    )
    imported = cli("trust", "import", str(path))
    assert imported.exit_code == 0, imported.output
    assert "2 added, 0 updated, 0 removed" in imported.output
    listed = cli("trust", "list").output
    assert "recognized" in listed and "CFA Lyon" in listed and "[France compétences]" in listed
    assert "withdrawn 2020-01-01" in listed
    out = tmp_path / "export.json"
    exported = cli("trust", "export", "--out", str(out))
    assert exported.exit_code == 0 and "wrote 2 providers" in exported.output
    data = json.loads(out.read_text())
    lyon = next(p for p in data["providers"] if p["did"] == did)
    assert lyon["didDocument"]["id"] == did  # the live document of the service's own provider
    again = cli(
        "trust", "import", "--replace", str(registry_file(tmp_path, [data["providers"][0]]))
    )
    assert "1 removed" in again.output


def test_a_bad_file_lists_every_problem_and_exits_2(cli: Any, tmp_path: Path) -> None:
    result = cli(
        "trust", "import", str(registry_file(tmp_path, [{"did": "x", "country": "France"}]))
    )
    assert result.exit_code == 2
    assert "$.providers[0].did" in result.output and "$.providers[0].country" in result.output
    assert "Nothing was imported" in result.output


def test_verify_offline_with_a_saved_registry(
    cli: Any, tmp_path: Path, did_key_badge: dict[str, Any]
) -> None:
    credential = tmp_path / "badge.json"
    credential.write_text(json.dumps(did_key_badge))
    issuer = did_key_badge["issuer"]["id"]
    plain = json.loads(cli("verify", str(credential)).output)
    assert plain["checks"][6]["status"] == "unknown"
    trusted = registry_file(tmp_path, [{"did": issuer, "name": "VTC Hamburg", "country": "DE"}])
    result = cli("verify", str(credential), "--trust", str(trusted), "--format", "text")
    assert result.exit_code == 0
    assert "✔ trust" in result.output and "VTC Hamburg (DE) is recognized" in result.output
    withdrawn = registry_file(
        tmp_path, [{"did": issuer, "name": "VTC", "withdrawnAt": "2024-01-01"}]
    )
    refused = cli("verify", str(credential), "--trust", str(withdrawn))
    assert refused.exit_code == 1


def test_verify_offline_resolves_did_web_from_the_export(cli: Any, tmp_path: Path) -> None:
    """The README's walk-through, offline: a provider's credential and nothing but the export."""
    created = cli("issuers", "create", "--name", "VTC Hamburg", "--slug", "vtc")
    did = next(w for w in created.output.split() if w.startswith("did:web:"))
    out = tmp_path / "export.json"
    cli("trust", "export", "--out", str(out))
    data = json.loads(out.read_text())
    assert data["providers"] == [] and did in data["didDocuments"]
    vm = data["didDocuments"][did]["verificationMethod"][0]["id"]
    # Sign with the provider's own key, as the service would.
    unsigned = tmp_path / "unsigned.json"
    from factories import small_credential

    unsigned.write_text(json.dumps(small_credential(issuer=did)))
    key_name = "vtc-1"
    signed = cli("sign", str(unsigned), "--key", key_name)
    assert signed.exit_code == 0, signed.output
    credential = tmp_path / "signed.json"
    credential.write_text(signed.output)
    assert json.loads(signed.output)["proof"]["verificationMethod"] == vm
    without = cli("verify", str(credential))
    assert json.loads(without.output)["checks"][2]["status"] == "unknown"
    result = cli("verify", str(credential), "--trust", str(out))
    body = json.loads(result.output)
    assert body["verified"] is True
    assert [c["status"] for c in body["checks"]][2:4] == ["passed", "passed"]
    assert body["checks"][6]["status"] == "unknown"  # resolvable is not trusted


class _Lists(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/vc+ld+json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


def test_status_fetch_saves_lists_for_verify_status_dir(
    cli: Any, tmp_path: Path, did_key_badge: dict[str, Any]
) -> None:
    _Lists.body = json.dumps({"id": "list", "type": ["VerifiableCredential"]}).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Lists)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/status/list-1"
        folder = tmp_path / "lists"
        result = cli("status", "fetch", url, "--out", str(folder))
        assert result.exit_code == 0, result.output
    finally:
        server.shutdown()
    index = json.loads((folder / "index.json").read_text())
    from service.verification.status import saved_list_path

    assert index[url]["file"] == saved_list_path(folder, url).name
    assert json.loads(saved_list_path(folder, url).read_text())["id"] == "list"
    credential = tmp_path / "badge.json"
    credential.write_text(json.dumps(did_key_badge))
    body = json.loads(cli("verify", str(credential), "--status-dir", str(folder)).output)
    assert body["checks"][5]["status"] == "passed"  # no status entry: cannot be revoked
    missing = cli("verify", str(credential), "--status-dir", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2


def test_trust_add_list_remove(cli: Any, tmp_path: Path) -> None:
    created = cli("issuers", "create", "--name", "Centre Lyon", "--slug", "lyon")
    did = next(w for w in created.output.split() if w.startswith("did:web:"))
    # Registered on this service: recognized out of the box, and the list says why.
    listed = cli("trust", "list")
    assert f"recognized             --  Centre Lyon  {did}  (provider of this service)" in (
        listed.output
    )
    other = "did:web:academy.example"
    added = cli(
        "trust", "add", other, "--name", "Academy", "--country", "FR", "--valid-from", "2024-01-01"
    )
    assert added.exit_code == 0, added.output
    assert f"added Academy ({other})" in added.output
    assert f"FR  Academy  {other}" in cli("trust", "list").output
    exported = json.loads(cli("trust", "export").output)
    assert [p["did"] for p in exported["providers"]] == [other]
    # The exported file is a registry file by the published schema.
    from service.credentials.schemas import validator

    assert list(validator("trust-registry").iter_errors(exported)) == []
    # Withdrawing one of this service's providers is an entry with withdrawnAt.
    withdrawn = cli("trust", "add", did, "--name", "Centre Lyon", "--withdrawn-at", "2025-01-01")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "withdrawn 2025-01-01" in cli("trust", "list").output
    removed = cli("trust", "remove", other)
    assert removed.exit_code == 0 and f"removed {other}" in removed.output
    assert other not in cli("trust", "list").output
    again = cli("trust", "remove", other)
    assert again.exit_code == 2 and "is not in the trust registry" in again.output


def test_trust_add_refuses_what_a_registry_file_would(cli: Any) -> None:
    bad = cli("trust", "add", "not-a-did", "--name", "X", "--country", "Germany")
    assert bad.exit_code == 2
    assert "$.providers[0].did" in bad.output and "$.providers[0].country" in bad.output
    assert cli("trust", "list").output.startswith("the trust registry is empty")


def test_the_schema_is_the_format_the_readme_shows() -> None:
    """The README's example registry file validates against schemas/trust-registry.schema.json
    and imports; a misspelt field is refused by both."""
    import re

    from service.credentials.schemas import validator
    from service.errors import ValidationFailed
    from service.verification.trust_file import registry_from_json

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Trust registry file") :]
    example = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]
    assert list(validator("trust-registry").iter_errors(example)) == []
    entries, _ = registry_from_json(example)
    assert entries
    example["providers"][0]["validUntill"] = "2030-01-01"
    assert list(validator("trust-registry").iter_errors(example))
    with pytest.raises(ValidationFailed, match="validUntill"):
        registry_from_json(example)
