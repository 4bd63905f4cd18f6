# ruff: noqa: F811  (pytest fixtures imported from learner_support are parameters here)
"""Erasing a learner, proven: afterwards no table (found by introspecting the live schema, on
SQLite and PostgreSQL) and no file in the data directory holds their name, learner reference,
wallet token or its hash; the credential they downloaded still verifies on every route (VC-API,
the /verify page with the file, the printed PDF and the offline QR, the CLI); a credential
revoked before erasure stays red; erasing again changes nothing."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import Cli, service_env
from conftest import Provider, save_status_lists
from learner_support import (  # noqa: F401
    NAME,
    REF,
    award,
    page_verdict,
    public,
    search_database,
    search_files,
    wallet_path,
)

from service.app.wallet import token_hash
from service.config import Settings
from service.export import qr
from service.store import Database

OTHER = "Kept Otherlearner"


def test_erase_a_learner_then_find_them_nowhere_and_their_files_still_verify(
    client: Any,
    db: Database,
    provider: Provider,
    module: dict[str, Any],
    public: None,
    service_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = award(client, provider, module, NAME)
    token = first["walletUrl"].rsplit("/", 1)[1]
    second = award(client, provider, module, NAME)  # joins the same wallet link
    assert second.get("walletUrl") is None
    kept = award(client, provider, module, OTHER)
    base = wallet_path(first["walletUrl"])
    genuine, revoked = first["verifiableCredential"], second["verifiableCredential"]
    revoke = client.post(
        f"/issuers/{provider.slug}/credentials/{revoked['id'].rsplit('/', 1)[1]}/revoke",
        json={"reason": f"issued to {NAME} twice"},
        headers=provider.headers,
    )
    assert revoke.status_code == 200, revoke.text
    # What the learner took away before asking: the files, the printed certificate.
    pdf = client.get(f"{base}/{qr.short_id(genuine['id'])}/certificate.pdf", params={"lang": "en"})
    assert pdf.status_code == 200
    offline = client.get(f"{base}/{qr.short_id(genuine['id'])}/offline-qr.png")
    assert offline.status_code == 200
    page = client.get(f"{base}/data", params={"lang": "en"})
    assert page.status_code == 200 and NAME in page.text and "keep working" in page.text
    download = client.get(f"{base}/data.zip")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        record = json.loads(archive.read("record.json"))
        files = sorted(n for n in archive.namelist() if n.startswith("credentials/"))
        assert json.loads(archive.read(record["credentials"][0]["file"])) == genuine
    assert len(files) == 2 and {c["learnerName"] for c in record["credentials"]} == {NAME}
    assert [c["revoked"] for c in record["credentials"]] == [False, True]
    assert record["credentials"][1]["revokedAt"] is not None
    assert {e["action"] for e in record["events"]} >= {"credential.issue", "credential.revoke"}

    # The searches below find the learner while they are held (so finding nothing means
    # something).
    assert search_database(db, [NAME, REF]) != []
    if db.dialect == "sqlite":
        assert search_files(tmp_path, [NAME]) != []

    # The learner asks; the provider confirms.
    asked = client.post(f"{base}/erasure?lang=en", data={"confirm": "yes"})
    assert asked.status_code == 200 and 'data-erasure="requested"' in asked.text
    assert 'data-erasure="pending"' in client.get(f"{base}/data").text
    pending = client.get(f"/issuers/{provider.slug}/erasure-requests", headers=provider.headers)
    (request,) = pending.json()
    done = client.post(
        f"/issuers/{provider.slug}/erasure-requests/{request['id']}/confirm",
        headers=provider.headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["erasedCredentials"] == 2 and done.json()["erasedWalletLinks"] == 1
    assert done.json()["detachedStatusEntries"] == 2
    again = client.post(
        f"/issuers/{provider.slug}/erasure-requests/{request['id']}/confirm",
        headers=provider.headers,
    )
    assert again.status_code == 200 and again.json()["erasedCredentials"] == 2
    repeat = client.post(
        f"/issuers/{provider.slug}/learners/erase",
        json={"learnerRef": REF},
        headers=provider.headers,
    )
    assert repeat.status_code == 200 and repeat.json()["erasedCredentials"] == 0
    assert client.get(base).status_code == 404

    # Nothing left anywhere: database (every table) and the data directory.
    digest = token_hash(token)
    assert digest is not None
    needles = [NAME, "Qasimova", REF, token, token.upper(), digest]
    assert search_database(db, needles) == []
    db.release_deleted()
    if db.dialect == "sqlite":
        assert db.url.startswith(f"sqlite:///{tmp_path}")
    assert search_files(tmp_path, needles) == []
    # The other learner is untouched.
    assert search_database(db, [OTHER]) != []
    assert client.get(wallet_path(kept["walletUrl"])).status_code == 200

    # The verification link needs the stored copy: it says what still works instead.
    link = client.get(f"/v/{qr.short_id(genuine['id'])}?lang=en")
    assert page_verdict(link.text) == "missing" and "copy stored here erased" in link.text

    # The downloaded credentials verify as before, on every route.
    for credential, green in ((genuine, True), (revoked, False)):
        answer = client.post("/credentials/verify", json={"verifiableCredential": credential})
        assert answer.json()["verified"] is green, answer.text
        uploaded = client.post(
            "/verify?lang=en",
            files={"file": ("credential.json", json.dumps(credential), "application/json")},
        )
        assert page_verdict(uploaded.text) == ("valid" if green else "invalid")
    for name, data, media in (
        ("certificate.pdf", pdf.content, "application/pdf"),
        ("offline.png", offline.content, "image/png"),
    ):
        shown = client.post("/verify?lang=en", files={"file": (name, data, media)})
        assert page_verdict(shown.text) == "valid", (name, shown.text[:3000])

    cli = Cli(
        monkeypatch,
        service_env(
            tmp_path / "cli",
            TESSERA_DATA_DIR=str(service_settings.data_dir),
            TESSERA_DATABASE_URL=db.url,
        ),
    )
    did = tmp_path / "cli-did.json"
    did.write_text(client.get(f"/issuers/{provider.slug}/did.json").text)
    for credential, code in ((genuine, 0), (revoked, 1)):
        lists = save_status_lists(client, credential, tmp_path / f"lists-{code}")
        file = tmp_path / f"credential-{code}.json"
        file.write_text(json.dumps(credential))
        result = cli(
            "verify",
            str(file),
            "--did-document",
            str(did),
            "--status-dir",
            str(lists),
            "--format",
            "text",
        )
        assert result.exit_code == code, result.output


def test_the_learner_sees_erasure_at_once_when_the_operator_set_auto_confirm(
    client: Any, app: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    state = app.state.tessera
    state.settings = state.settings.model_copy(update={"erasure_auto_confirm": True})
    made = award(client, provider, module, NAME)
    base = wallet_path(made["walletUrl"])
    assert "as soon as you send" in client.get(f"{base}/data", params={"lang": "en"}).text
    refused = client.post(f"{base}/erasure?lang=en", data={})
    assert refused.status_code == 422 and 'data-erasure="unconfirmed"' in refused.text
    assert client.get(base).status_code == 200  # nothing erased without the box ticked
    german = client.post(f"{base}/erasure?lang=de", data={"confirm": "yes"})
    assert german.status_code == 200 and 'data-erasure="erased"' in german.text
    assert "funktionieren nach der Löschung weiter" in german.text
    assert client.get(base).status_code == 404
    assert search_database(db, [NAME, REF]) == []


def test_a_provider_exports_and_erases_by_learner_reference(
    client: Any,
    provider: Provider,
    make_provider: Callable[..., Provider],
    module: dict[str, Any],
) -> None:
    award(client, provider, module, NAME)
    other = make_provider("Another Centre", slug="another")
    exported = client.post(
        f"/issuers/{provider.slug}/learners/export",
        json={"learnerRef": REF},
        headers=provider.headers,
    )
    assert exported.status_code == 200, exported.text
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        assert json.loads(archive.read("record.json"))["credentials"][0]["learnerRef"] == REF
    # Another provider's key finds nothing of this provider's learner.
    foreign = client.post(
        f"/issuers/{other.slug}/learners/export", json={"learnerRef": REF}, headers=other.headers
    )
    assert foreign.status_code == 404
    for body in ({}, {"learnerRef": REF, "walletLinkId": "x"}, {"credentialIds": "x"}):
        bad = client.post(
            f"/issuers/{provider.slug}/learners/erase", json=body, headers=provider.headers
        )
        assert bad.status_code == 422, body
        assert bad.headers["content-type"] == "application/problem+json"
    erased = client.post(
        f"/issuers/{provider.slug}/learners/erase",
        json={"learnerRef": REF},
        headers=provider.headers,
    )
    assert erased.json()["erasedCredentials"] == 1
    gone = client.post(
        f"/issuers/{provider.slug}/learners/export",
        json={"learnerRef": REF},
        headers=provider.headers,
    )
    assert gone.status_code == 404


def test_erasure_takes_what_hangs_on_the_credentials_too(
    client: Any, db: Database, provider: Provider, module: dict[str, Any]
) -> None:
    """A qualification awarded on the learner's modules (with its transcript) and a pending
    wallet-app offer go with them: no foreign key stops the erasure and no row keeps them."""
    programme = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={
            "name": {"en": "Welding assistant"},
            "defaultLanguage": "en",
            "completion": {"rule": {"allOf": [module["id"]]}},
        },
        headers=provider.headers,
    )
    assert programme.status_code == 201, programme.text
    made = award(client, provider, module, NAME)
    assert made["qualifications"], made
    offer = client.post(
        f"/issuers/{provider.slug}/credential-offers",
        json={"credentialIds": [made["verifiableCredential"]["id"].rsplit("/", 1)[1]]},
        headers=provider.headers,
    )
    assert offer.status_code == 201, offer.text
    assert search_database(db, [NAME]) != []
    erased = client.post(
        f"/issuers/{provider.slug}/learners/erase",
        json={"learnerRef": REF},
        headers=provider.headers,
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["erasedCredentials"] == 3  # the module, the qualification, the CLR
    assert search_database(db, [NAME, REF]) == []
    listed = client.get(f"/issuers/{provider.slug}/qualifications", headers=provider.headers)
    assert listed.json() == []


def test_erasure_takes_the_learners_recognition_of_prior_learning_cases(
    client: Any, db: Database, provider: Provider, module: dict[str, Any]
) -> None:
    award(client, provider, module, NAME)
    opened = client.post(
        f"/issuers/{provider.slug}/rpl/cases",
        json={"learnerName": NAME, "learnerId": REF, "moduleIds": [module["id"]]},
        headers=provider.headers,
    )
    assert opened.status_code == 201, opened.text
    assert any(hit.startswith("rpl_cases.") for hit in search_database(db, [NAME]))
    exported = client.post(
        f"/issuers/{provider.slug}/learners/export",
        json={"learnerRef": REF},
        headers=provider.headers,
    )
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        (case,) = json.loads(archive.read("record.json"))["recognitionCases"]
    assert case["id"] == opened.json()["id"] and case["learnerName"] == NAME
    erased = client.post(
        f"/issuers/{provider.slug}/learners/erase",
        json={"learnerRef": REF},
        headers=provider.headers,
    )
    assert erased.status_code == 200, erased.text
    assert search_database(db, [NAME, REF]) == []
