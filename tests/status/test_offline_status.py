"""Offline verification of status: `tessera status fetch` saves the lists a running service
serves; `tessera verify --status-dir` then says revoked (exit 1) or valid (exit 0) with no
network, with the keys from `--did-document` or a `--trust` export."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from status_support import (
    Cli,
    Server,
    create_module,
    create_provider,
    entry,
    free_port,
    service_env,
    uuid_of,
)

from service.verification.status import saved_list_path


def test_status_fetch_then_verify_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = service_env(tmp_path, TESSERA_BASE_URL=base)
    cli = Cli(monkeypatch, env)
    server = Server(env, port, tmp_path / "serve.log")
    server.start()
    try:
        server.wait_ready(time.monotonic() + 60)
        slug, did, token = create_provider(env, "Offline Academy", monkeypatch=monkeypatch)
        headers = {"Authorization": f"Bearer {token}"}
        module_id = create_module(base, slug, token)
        issued = httpx.post(
            f"{base}/issuers/{slug}/awards/batch",
            params={"include": "credentials"},
            json={
                "moduleId": module_id,
                "awards": [
                    {"learnerName": n, "completedOn": "2025-06-30"} for n in ("Valid", "Revoked")
                ],
            },
            headers=headers,
            timeout=60,
        ).json()["verifiableCredentials"]
        valid, revoked = issued
        list_url = entry(valid)["statusListCredential"]
        assert list_url.startswith(f"{base}/status/")  # this service's own lists
        assert (
            httpx.post(
                f"{base}/issuers/{slug}/credentials/{uuid_of(revoked)}/revoke", headers=headers
            ).status_code
            == 200
        )
        (tmp_path / "did.json").write_text(
            httpx.get(f"{base}/issuers/{slug}/did.json").text, encoding="utf-8"
        )
        files: dict[str, Path] = {}
        for name, credential in (("valid", valid), ("revoked", revoked)):
            files[name] = tmp_path / f"{name}.json"
            files[name].write_text(json.dumps(credential), encoding="utf-8")

        lists = tmp_path / "lists"
        fetched = cli(
            "status", "fetch", str(files["valid"]), str(files["revoked"]), "--out", str(lists)
        )
        assert fetched.exit_code == 0, fetched.output
        assert f"saved {list_url}" in fetched.output
        assert (
            cli(
                "trust",
                "import",
                str(
                    write(
                        tmp_path / "registry.json",
                        {"providers": [{"did": did, "name": "Offline Academy", "country": "DE"}]},
                    )
                ),
            ).exit_code
            == 0
        )
        exported = cli("trust", "export", "--out", str(tmp_path / "trust.json"))
        assert exported.exit_code == 0, exported.output
    finally:
        server.stop()  # from here on there is no service to ask

    saved = json.loads(saved_list_path(lists, list_url).read_text(encoding="utf-8"))
    assert saved["id"] == list_url and saved["type"][-1] == "BitstringStatusListCredential"
    index = json.loads((lists / "index.json").read_text(encoding="utf-8"))
    assert index[list_url]["file"] == saved_list_path(lists, list_url).name
    assert index[list_url]["validUntil"] == saved["validUntil"]

    keys = ["--did-document", str(tmp_path / "did.json")]
    trust = ["--trust", str(tmp_path / "trust.json")]

    def verify(name: str, *options: str) -> Any:
        return cli("verify", str(files[name]), "--status-dir", str(lists), *options)

    for source in (keys, trust):
        ok = verify("valid", *source, "--format", "text")
        assert ok.exit_code == 0, ok.output
        assert ok.output.startswith("VERIFIED")
        assert "✔ status    Not revoked." in ok.output
        bad = verify("revoked", *source, "--format", "text")
        assert bad.exit_code == 1, bad.output
        assert bad.output.startswith("NOT VERIFIED")
        assert "✘ status    The issuer has revoked this credential." in bad.output
    as_json = json.loads(verify("revoked", *trust).output)
    status = next(c for c in as_json["checks"] if c["check"] == "status")
    assert status["status"] == "failed"
    assert {c["check"]: c["status"] for c in as_json["checks"]}["trust"] == "passed"

    # A saved list serves offline checks for a day (the border office fetched it this morning).
    same_day = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert verify("valid", *keys, "--now", same_day).exit_code == 0
    # Past its validUntil it no longer vouches for a clear bit; a revocation stays.
    later = (datetime.now(UTC) + timedelta(hours=26)).strftime("%Y-%m-%dT%H:%M:%SZ")
    stale = verify("valid", *keys, "--now", later, "--format", "text")
    assert stale.exit_code == 1, stale.output  # fail closed: the status is not known
    assert stale.output.startswith("NOT VERIFIED")
    assert "expired" in stale.output
    assert verify("revoked", *keys, "--now", later).exit_code == 1

    # No saved list for it: not checked, never "not revoked".
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = cli(
        "verify", str(files["valid"]), "--status-dir", str(empty), *keys, "--format", "text"
    )
    assert missing.exit_code == 1
    assert missing.output.startswith("NOT VERIFIED")
    assert "? status" in missing.output
    # ...and it says exactly which list is missing and how to fetch it
    assert f"`tessera status fetch {list_url} --out {empty}`" in missing.output


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
