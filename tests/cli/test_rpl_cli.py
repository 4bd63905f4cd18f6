"""``tessera rpl``: the whole case from the command line, on the service's database; a file
that was seen is only digested, and a mistake is one line with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import Cli, service_env
from conftest import Provider, award_data, module_data

from service.credentials.rpl import digest_of_bytes
from service.store import Database


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Database) -> Cli:
    return Cli(monkeypatch, service_env(tmp_path, TESSERA_DATABASE_URL=db.url))


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if result.output.lstrip().startswith(("{", "[")) else None


def test_a_case_from_open_to_qualification(
    cli: Cli, client: Any, provider: Provider, tmp_path: Path
) -> None:
    ids = []
    for code in ("WELD-101", "SAFE-100"):
        made = client.post(
            f"/issuers/{provider.slug}/modules",
            json=module_data(code=code, name={"en": code}, defaultLanguage="en"),
            headers=provider.headers,
        )
        ids.append(made.json()["id"])
    client.post(
        f"/issuers/{provider.slug}/programmes",
        json={"name": {"en": "P"}, "defaultLanguage": "en", "completion": {"rule": {"allOf": ids}}},
        headers=provider.headers,
    )
    client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": ids[0], **award_data(learnerId="E-7")},
        headers=provider.headers,
    )
    slug = ["--issuer", provider.slug]
    assessors = [ok(cli("rpl", "assessor", *slug, "--name", n))["id"] for n in ("A", "B")]
    case = ok(
        cli(
            "rpl",
            "open",
            *slug,
            "--learner",
            "Amina Haddad",
            "--learner-id",
            "E-7",
            "--module",
            ids[1],
        )
    )["id"]
    photo = tmp_path / "weld.jpg"
    photo.write_bytes(b"\xff\xd8 a photo of the weld sample")
    shown = ok(
        cli(
            "rpl",
            "evidence",
            case,
            *slug,
            "--method",
            "work-sample",
            "--description",
            "Weld sample",
            "--assessed-on",
            "2026-02-20",
            "--file",
            str(photo),
        )
    )
    assert shown["evidence"][0]["digestMultibase"] == digest_of_bytes(photo.read_bytes())
    assert "a photo of the weld" not in json.dumps(shown)
    listed = cli("rpl", "list", *slug, "--open")
    assert listed.exit_code == 0 and case in listed.output
    decided = ok(
        cli(
            "rpl",
            "decide",
            case,
            *slug,
            "--assessor",
            assessors[0],
            "--assessor",
            assessors[1],
            "--recognize",
            f"{ids[1]}=Competent",
            "--reason",
            "Sample meets ISO 5817 C",
        )
    )
    assert decided["case"]["status"] == "decided" and len(decided["credentialIds"]) == 1
    assert len(decided["qualifications"]) == 1
    record = decided["credentialIds"][0].rsplit("/", 1)[-1]
    issued = client.get(
        f"/issuers/{provider.slug}/credentials/{record}", headers=provider.headers
    ).json()["verifiableCredential"]
    assert len(issued["proof"]) == 2
    assert "no cases open" in cli("rpl", "list", *slug, "--open").output


def test_a_mistake_is_one_line(cli: Cli, provider: Provider) -> None:
    result = cli("rpl", "show", "00000000-0000-4000-8000-000000000000", "--issuer", provider.slug)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "No RPL case" in result.output
    bad = cli(
        "rpl",
        "evidence",
        "x",
        "--issuer",
        provider.slug,
        "--method",
        "gossip",
        "--description",
        "d",
        "--assessed-on",
        "2026-01-01",
    )
    assert bad.exit_code == 2 and "method" in bad.output
