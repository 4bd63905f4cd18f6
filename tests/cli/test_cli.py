"""The ``tessera`` command: CliRunner for most cases, the real console script for one flow.

Settings come from ``TESSERA_*`` environment variables, read once by the lru-cached
``get_settings()``; the cache is cleared around every invocation.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CONTEXTS_BUNDLE
from factories import open_badge_credential, small_credential
from typer.testing import CliRunner, Result

from cli.main import app
from service.config import get_settings
from service.contexts import load_manifest

PASSPHRASE = "correct horse battery staple"
THIRD_PARTY = [pin for pin in load_manifest() if not pin.bundled]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    values = {
        "TESSERA_DATA_DIR": str(tmp_path / "data"),
        "TESSERA_KEYS_DIR": str(tmp_path / "keys"),
        "TESSERA_KEY_PASSPHRASE": PASSPHRASE,
        "TESSERA_KEY_KDF": "interactive",
    }
    for name in list(os.environ):
        if name.startswith("TESSERA_") and name != "TESSERA_SHARED_DIR":
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


class Cli:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runner = CliRunner()
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, input: str | bytes | None = None, **env: str | None) -> Result:
        for name, value in env.items():
            if value is None:
                self.monkeypatch.delenv(name, raising=False)
            else:
                self.monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            return self.runner.invoke(app, list(args), input=input)
        finally:
            get_settings.cache_clear()


@pytest.fixture
def cli(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(monkeypatch)


@pytest.fixture
def installed(cli: Cli) -> Cli:
    result = cli("contexts", "install", "--from", str(CONTEXTS_BUNDLE))
    assert result.exit_code == 0, result.output
    return cli


@pytest.fixture
def with_key(installed: Cli) -> Cli:
    result = installed("keys", "generate", "acme")
    assert result.exit_code == 0, result.output
    return installed


def _write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _unsigned(tmp_path: Path, document: dict[str, Any] | None = None) -> Path:
    document = document or small_credential()
    document.pop("issuer", None)  # `sign` fills in the key's controller
    return _write(tmp_path / "unsigned.json", document)


def _sign(cli: Cli, path: Path, *extra: str) -> dict[str, Any]:
    result = cli("sign", str(path), "--key", "acme", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


# -- contexts ---------------------------------------------------------------------------------------


def test_contexts_install_from_bundle(cli: Cli, env: dict[str, str]) -> None:
    result = cli("contexts", "install", "--from", str(CONTEXTS_BUNDLE))
    assert result.exit_code == 0, result.output
    assert f"{len(THIRD_PARTY)} contexts installed" in result.stdout
    for pin in THIRD_PARTY:
        assert f"installed {pin.url}" in result.stdout
        assert (Path(env["TESSERA_DATA_DIR"]) / "contexts" / f"{pin.sha256}.jsonld").is_file()
    listing = cli("contexts", "list")
    assert listing.exit_code == 0
    assert "MISSING" not in listing.stdout
    assert listing.stdout.count("installed") == len(THIRD_PARTY) + 1  # + the project's own


def test_contexts_install_uses_the_configured_bundle(cli: Cli) -> None:
    result = cli("contexts", "install", TESSERA_CONTEXTS_BUNDLE=str(CONTEXTS_BUNDLE))
    assert result.exit_code == 0, result.output
    assert f"{len(THIRD_PARTY)} contexts installed" in result.stdout


def test_contexts_install_refuses_an_altered_bundle(cli: Cli, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(CONTEXTS_BUNDLE, bundle)
    target = bundle / "credentials-v2.jsonld"
    target.write_bytes(
        target.read_bytes().replace(b"https://schema.org/name", b"https://schema.org/nam3")
    )
    result = cli("contexts", "install", "--from", str(bundle))
    assert result.exit_code == 2
    assert "https://www.w3.org/ns/credentials/v2" in result.stderr
    assert "MISSING" in cli("contexts", "list").stdout


def test_contexts_add(installed: Cli) -> None:
    url = "https://w3id.org/citizenship/v4rc1"
    result = installed("contexts", "add", url, str(CONTEXTS_BUNDLE / "citizenship-v4rc1.jsonld"))
    assert result.exit_code == 0, result.output
    assert url in result.stdout
    assert url in installed("contexts", "list").stdout
    changed = installed("contexts", "add", url, str(CONTEXTS_BUNDLE / "multikey-v1.jsonld"))
    assert changed.exit_code == 2 and "already pinned" in changed.stderr


# -- keys -------------------------------------------------------------------------------------------


def test_keys_generate_encrypted(cli: Cli, env: dict[str, str]) -> None:
    result = cli("keys", "generate", "acme")
    assert result.exit_code == 0, result.output
    assert "created key acme" in result.stdout
    did = re.search(r"issuer id\s+(did:key:z6Mk\S+)", result.stdout)
    assert did
    record = json.loads((Path(env["TESSERA_KEYS_DIR"]) / "acme.key.json").read_text())
    assert "encrypted" in record and "seed" not in record
    assert record["controller"] == did.group(1)
    assert "warning" not in result.stderr


def test_keys_generate_without_passphrase_needs_dev(cli: Cli, env: dict[str, str]) -> None:
    refused = cli("keys", "generate", "acme", TESSERA_KEY_PASSPHRASE=None)
    assert refused.exit_code == 2
    assert "TESSERA_KEY_PASSPHRASE" in refused.stderr and "--dev" in refused.stderr
    assert not (Path(env["TESSERA_KEYS_DIR"]) / "acme.key.json").exists()
    dev = cli("keys", "generate", "acme", "--dev", TESSERA_KEY_PASSPHRASE=None)
    assert dev.exit_code == 0, dev.output
    assert "development key stored unencrypted" in dev.stderr
    assert "DEVELOPMENT" in cli("keys", "list").stdout


def test_keys_generate_did_web(cli: Cli) -> None:
    result = cli("keys", "generate", "web", "--did-web", "example.org:issuers:acme")
    assert result.exit_code == 0, result.output
    assert "did:web:example.org:issuers:acme" in result.stdout
    document = cli("keys", "did-document", "web")
    assert document.exit_code == 0
    body = json.loads(document.stdout)
    assert body["id"] == "did:web:example.org:issuers:acme"
    assert body["assertionMethod"] == [body["verificationMethod"][0]["id"]]


@pytest.mark.parametrize("name", ["Bad Name", "../up", "acme"])
def test_keys_generate_refusals(cli: Cli, name: str) -> None:
    if name == "acme":
        assert cli("keys", "generate", "acme").exit_code == 0
    result = cli("keys", "generate", name)
    assert result.exit_code == 2
    assert "error:" in result.stderr


def test_keys_list(cli: Cli) -> None:
    empty = cli("keys", "list")
    assert empty.exit_code == 0 and "no keys" in empty.stdout
    cli("keys", "generate", "b-key")
    cli("keys", "generate", "a-key", "--dev")
    lines = cli("keys", "list").stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["a-key", "b-key"]
    assert "DEVELOPMENT" in lines[0] and "[encrypted]" in lines[1]
    assert PASSPHRASE not in "\n".join(lines)


# -- sign and verify ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cryptosuite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_sign_then_verify(with_key: Cli, tmp_path: Path, cryptosuite: str) -> None:
    signed = _sign(with_key, _unsigned(tmp_path), "--cryptosuite", cryptosuite)
    assert signed["issuer"].startswith("did:key:z6Mk")
    assert signed["proof"]["cryptosuite"] == cryptosuite
    path = _write(tmp_path / "signed.json", signed)
    result = with_key("verify", str(path))
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["verified"] is True and body["problemDetails"] == []


def test_verify_tampered_exits_1(with_key: Cli, tmp_path: Path) -> None:
    signed = _sign(with_key, _unsigned(tmp_path))
    signed["credentialSubject"]["name"] = "Someone Else"
    result = with_key("verify", str(_write(tmp_path / "tampered.json", signed)))
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["verified"] is False
    assert [p["title"] for p in body["problemDetails"]] == ["proof check failed"]


@pytest.mark.parametrize("content", [None, b"not json {", b"[1, 2]", b"\xff\xfe"])
def test_verify_unreadable_exits_2(installed: Cli, tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "input.json"
    if content is not None:
        path.write_bytes(content)
    result = installed("verify", str(path))
    assert result.exit_code == 2


def test_verify_text_format(with_key: Cli, tmp_path: Path) -> None:
    signed = _write(tmp_path / "signed.json", _sign(with_key, _unsigned(tmp_path)))
    result = with_key("verify", str(signed), "--format", "text")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "VERIFIED (not checked: trust)"  # no credentialStatus: nothing to check
    assert lines[1].startswith("issuer: did:key:z6Mk")
    assert [line.split()[1] for line in lines[2:]] == [
        "parse",
        "context",
        "proof",
        "issuer",
        "validity",
        "status",
        "trust",
    ]
    bad = with_key("verify", str(signed), "--format", "yaml")
    assert bad.exit_code == 2


def test_verify_reads_stdin(with_key: Cli, tmp_path: Path) -> None:
    signed = json.dumps(_sign(with_key, _unsigned(tmp_path)))
    assert with_key("verify", "-", input=signed).exit_code == 0
    assert with_key("verify", "-", input=signed.replace("Amina", "Anima")).exit_code == 1
    assert with_key("verify", "-", input="").exit_code == 2


def test_sign_reads_stdin(with_key: Cli) -> None:
    document = small_credential()
    del document["issuer"]
    result = with_key("sign", "-", "--key", "acme", input=json.dumps(document))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["proof"]["proofValue"].startswith("z")


def test_verify_as_of_another_time(with_key: Cli, tmp_path: Path) -> None:
    signed = _write(tmp_path / "signed.json", _sign(with_key, _unsigned(tmp_path)))
    before = with_key("verify", str(signed), "--now", "2024-06-01T00:00:00Z")
    assert before.exit_code == 1
    assert "not valid yet" in before.stdout
    assert with_key("verify", str(signed), "--now", "not-a-date").exit_code == 2


def test_open_badge_with_a_did_web_key(installed: Cli, tmp_path: Path) -> None:
    created = installed("keys", "generate", "acme", "--did-web", "vtc-hamburg.example:issuers:weld")
    assert created.exit_code == 0, created.output
    signed = _sign(installed, _unsigned(tmp_path, open_badge_credential("placeholder")))
    assert signed["issuer"] == "did:web:vtc-hamburg.example:issuers:weld"
    path = _write(tmp_path / "signed.json", signed)
    without = installed("verify", str(path))
    assert without.exit_code == 1  # the key cannot be resolved offline
    document = tmp_path / "did.json"
    document.write_text(installed("keys", "did-document", "acme").stdout)
    with_document = installed("verify", str(path), "--did-document", str(document))
    assert with_document.exit_code == 0, with_document.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--cryptosuite", "Ed25519Signature2020"), "Cannot sign"),
        (("--key", "nope"), "No key named"),
    ],
)
def test_sign_refusals(with_key: Cli, tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    path = _unsigned(tmp_path)
    full = (
        ["sign", str(path), *args]
        if "--key" in args
        else ["sign", str(path), "--key", "acme", *args]
    )
    result = with_key(*full)
    assert result.exit_code == 2
    assert words in result.stderr


def test_sign_refuses_undefined_terms(with_key: Cli, tmp_path: Path) -> None:
    document = small_credential()
    document["credentialSubject"]["favouriteColour"] = "red"
    result = with_key("sign", str(_unsigned(tmp_path, document)), "--key", "acme")
    assert result.exit_code == 2
    assert "favouriteColour" in result.stderr
    assert result.stdout == ""


def test_sign_with_a_wrong_passphrase(with_key: Cli, tmp_path: Path) -> None:
    result = with_key(
        "sign", str(_unsigned(tmp_path)), "--key", "acme", TESSERA_KEY_PASSPHRASE="wrong"
    )
    assert result.exit_code == 2
    assert "passphrase" in result.stderr.lower()
    assert "wrong" not in result.stderr.replace("Wrong", "").replace("wrong passphrase", "")


def test_sign_missing_file_exits_2(with_key: Cli, tmp_path: Path) -> None:
    result = with_key("sign", str(tmp_path / "nope.json"), "--key", "acme")
    assert result.exit_code == 2 and "no such file" in result.stderr


# -- the real console script ---------------------------------------------------------------------------


def _tessera() -> str:
    executable = Path(sys.executable).parent / "tessera"
    assert executable.is_file(), f"the console script is not installed next to {sys.executable}"
    return str(executable)


def test_console_script_end_to_end(installed: Cli, env: dict[str, str], tmp_path: Path) -> None:
    """The installed `tessera` script: sign, then verify from stdin (a good and a tampered
    copy, run side by side to keep the suite fast). Set-up goes through CliRunner."""
    assert installed("keys", "generate", "acme").exit_code == 0
    tessera = _tessera()
    run_env = {**os.environ, **env}

    def start(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [tessera, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=run_env,
        )

    signing = start("sign", str(_unsigned(tmp_path)), "--key", "acme")
    signed, errors = signing.communicate(timeout=60)
    assert signing.returncode == 0, errors
    assert json.loads(signed)["proof"]["verificationMethod"].startswith("did:key:z6Mk")

    good, bad = start("verify", "-", "--format", "text"), start("verify", "-")
    good_out, good_err = good.communicate(signed, timeout=60)
    bad_out, _ = bad.communicate(signed.replace("Amina", "Anima"), timeout=60)
    assert good.returncode == 0, good_out + good_err
    assert good_out.startswith("VERIFIED")
    assert bad.returncode == 1
    assert json.loads(bad_out)["verified"] is False


@pytest.mark.parametrize(
    "context",
    ["https://example.org/untrusted/v1", ["https://example.org/untrusted/v1"], 42],
    ids=["string", "untrusted-list", "not-a-url"],
)
def test_verify_with_status_dir_answers_a_failed_context_with_a_verdict(
    with_key: Cli, tmp_path: Path, context: Any
) -> None:
    """A context that fails used to crash `--status-dir` runs with a KeyError traceback."""
    signed = _sign(with_key, _unsigned(tmp_path))
    signed["@context"] = context
    status_dir = tmp_path / "lists"
    status_dir.mkdir()
    path = _write(tmp_path / "bad-context.json", signed)
    result = with_key("verify", str(path), "--status-dir", str(status_dir))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    checks = {c["check"]: c["status"] for c in body["checks"]}
    assert body["verified"] is False
    assert checks["context"] == "failed" and checks["proof"] == "unknown"
