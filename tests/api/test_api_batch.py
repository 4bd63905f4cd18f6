"""Cohorts: JSON and CSV (comma, semicolon, BOM, multipart), all or nothing with row-by-row
errors, the 10,000 limit, Idempotency-Key (also under a real race), and the process pool."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from conftest import (
    Provider,
    award_data,
    cohort,
    table_counts,
    verify_offline,
)
from sqlalchemy import text

from service.app.engine import Engine
from service.app.signing import BatchSigner, LocalSigner, PoolSigner
from service.store import Database

MAX_BATCH = 10_000


def batch(
    client: Any,
    provider: Provider,
    *,
    json_body: Any = None,
    content: bytes | None = None,
    content_type: str | None = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    files: Any = None,
    data: Any = None,
) -> Any:
    all_headers = {**provider.headers, **(headers or {})}
    if content_type:
        all_headers["Content-Type"] = content_type
    return client.post(
        f"/issuers/{provider.slug}/awards/batch",
        json=json_body,
        content=content,
        params=params,
        headers=all_headers,
        files=files,
        data=data,
    )


def issued_names(db: Database) -> list[str]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT learner_name FROM credentials ORDER BY learner_name")
        )
        return [r[0] for r in rows]


def test_a_json_cohort(
    client: Any, provider: Provider, module: dict[str, Any], db: Database, service_engine: Engine
) -> None:
    awards = cohort(5)
    response = batch(
        client,
        provider,
        json_body={"moduleId": module["id"], "awards": awards},
        params={"include": "credentials"},
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["issued"] == 5
    assert len(set(body["credentialIds"])) == 5
    documents = body["verifiableCredentials"]
    assert [d["id"] for d in documents] == body["credentialIds"]
    assert [d["credentialSubject"]["name"] for d in documents] == [a["learnerName"] for a in awards]
    counts = table_counts(db)
    assert counts["credentials"] == 5
    with db.engine.connect() as connection:
        issued_events = connection.execute(
            text("SELECT COUNT(*) FROM audit_log WHERE action = 'credential.issue'")
        ).scalar_one()
        batches = connection.execute(text("SELECT DISTINCT batch_id FROM credentials")).all()
    assert issued_events == 5
    assert len(batches) == 1 and batches[0][0] is not None
    did_doc = client.get(f"/issuers/{provider.slug}/did.json").json()
    for document in documents[:2]:
        assert verify_offline(service_engine, document, {provider.did: did_doc}).verified


def test_without_include_the_documents_are_not_returned(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    body = batch(client, provider, json_body={"moduleId": module["id"], "awards": cohort(2)}).json()
    assert set(body) == {"issued", "credentialIds", "walletLinks"}
    # Each new learner's wallet address, shown this once.
    # (walletLinks name the record's uuid, the one the provider API's paths take)
    assert [link["credentialId"] for link in body["walletLinks"]] == [
        i.rsplit("/", 1)[1] for i in body["credentialIds"]
    ]
    assert all(
        link["walletUrl"].startswith("https://credentials.example.org/wallet/")
        for link in body["walletLinks"]
    )


@pytest.mark.parametrize(
    ("label", "payload"),
    [
        (
            "comma",
            b"learnerName,completedOn,result,learnerId\n"
            b"Amina Haddad,2025-06-30,Pass,E-1\n"
            b'"Okafor, Chidi",2025-06-30,,E-2\n',
        ),
        (
            "semicolon-bom-crlf",
            "\ufeffName;Completion date;Grade;Learner ID\r\n"
            "Amina Haddad;2025-06-30;Pass;E-1\r\n"
            "Okafor, Chidi;2025-06-30;;E-2\r\n"
            ";;;\r\n".encode(),
        ),
    ],
)
def test_a_csv_cohort(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    db: Database,
    label: str,
    payload: bytes,
) -> None:
    response = batch(
        client,
        provider,
        content=payload,
        content_type="text/csv; charset=utf-8",
        params={"moduleId": module["id"], "include": "credentials"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["issued"] == 2
    subjects = [d["credentialSubject"] for d in response.json()["verifiableCredentials"]]
    assert [s["name"] for s in subjects] == ["Amina Haddad", "Okafor, Chidi"]
    described = f"{subjects[0]['achievement']['id']}#result"
    assert subjects[0]["result"] == [
        {"type": ["Result"], "value": "Pass", "resultDescription": described}
    ]
    # Only a credential with a result describes the possible results.
    assert "result" not in subjects[1]
    assert "resultDescription" not in subjects[1]["achievement"]
    assert issued_names(db) == ["Amina Haddad", "Okafor, Chidi"]
    with db.engine.connect() as connection:
        refs = connection.execute(text("SELECT learner_ref FROM credentials ORDER BY learner_ref"))
        assert [r[0] for r in refs] == ["E-1", "E-2"]


def test_a_multipart_csv_upload_with_arabic_names(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    csv = "\ufefflearnerName;completedOn\nليلى حداد;2025-06-30\nOleksandr Kovalenko;2025-07-01\n"
    response = batch(
        client,
        provider,
        files={"file": ("cohort.csv", csv.encode("utf-8"), "text/csv")},
        data={"moduleId": module["id"]},
    )
    assert response.status_code == 201, response.text
    assert response.json()["issued"] == 2
    assert issued_names(db) == sorted(["ليلى حداد", "Oleksandr Kovalenko"])


def test_rows_with_errors_are_reported_and_nothing_is_written(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    awards = cohort(6)
    del awards[1]["completedOn"]  # row 2
    awards[3]["nationality"] = "SY"  # row 4
    awards[4]["completedOn"] = "31/12/2025"  # row 5
    before = table_counts(db)

    response = batch(client, provider, json_body={"moduleId": module["id"], "awards": awards})

    assert response.status_code == 422
    body = response.json()
    assert sorted({e["row"] for e in body["errors"]}, key=int) == ["2", "4", "5"]
    by_row = {e["row"]: e for e in body["errors"]}
    assert by_row["4"]["path"] == "$.nationality"
    assert by_row["5"]["path"] == "$.completedOn"
    assert "completedOn" in by_row["2"]["message"]
    assert "3 of 6 rows" in body["detail"] and "nothing was issued" in body["detail"]
    assert table_counts(db) == before


def test_csv_row_errors_use_row_numbers(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    csv = (
        b"learnerName,completedOn,dateOfBirth\n"
        b"Amina Haddad,2025-06-30,\n"
        b"Chidi Okafor,2025-06-30,1999-02-03\n"
        b"Oleksandr Kovalenko,yesterday,\n"
    )
    before = table_counts(db)
    response = batch(
        client, provider, content=csv, content_type="text/csv", params={"moduleId": module["id"]}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["row"], e["path"]) for e in errors] == [
        ("2", "$.dateOfBirth"),
        ("3", "$.completedOn"),
    ]
    assert table_counts(db) == before


def test_a_row_for_another_module_is_an_error(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    awards = [award_data(), award_data("Chidi Okafor", moduleId="another-module")]
    response = batch(client, provider, json_body={"moduleId": module["id"], "awards": awards})
    assert response.status_code == 422
    assert response.json()["errors"][0]["row"] == "2"
    assert table_counts(db)["credentials"] == 0


@pytest.mark.parametrize("form", ["json", "csv"])
def test_more_than_10000_rows_in_one_request_are_refused(
    client: Any, provider: Provider, module: dict[str, Any], db: Database, form: str
) -> None:
    """With the job threshold set above the one-request limit (by default a cohort over
    1,000 rows is a background job: tests/api/test_api_jobs.py)."""
    state = client.app.state.tessera
    state.settings = state.settings.model_copy(update={"job_threshold": 20_000})
    before = table_counts(db)
    if form == "json":
        awards = [award_data(f"L{i}") for i in range(MAX_BATCH + 1)]
        response = batch(client, provider, json_body={"moduleId": module["id"], "awards": awards})
    else:
        rows = "".join(f"L{i},2025-06-30\n" for i in range(MAX_BATCH + 1))
        response = batch(
            client,
            provider,
            content=("learnerName,completedOn\n" + rows).encode(),
            content_type="text/csv",
            params={"moduleId": module["id"]},
        )
    assert response.status_code == 422
    assert "10000" in response.json()["detail"] and "10001" in response.json()["detail"]
    assert table_counts(db) == before


UNUSABLE_BODIES: dict[str, tuple[bytes, str, str]] = {
    "xml": (b"learnerName,completedOn\nA,2025-06-30\n", "application/xml", "content type"),
    "empty": (b"", "text/csv", "empty"),
    "no-headers": (b"name;when\nA;2025-06-30\n", "text/csv", "completedOn"),
    "latin-1": (
        "learnerName,completedOn\nJürgen,2025-06-30\n".encode("latin-1"),
        "text/csv",
        "UTF-8",
    ),
    "broken-json": (b'{"awards": [', "application/json", "JSON"),
    "no-rows": (b'{"awards": []}', "application/json", "No awards"),
    "no-awards": (b'{"moduleId": "x"}', "application/json", "awards"),
    "not-objects": (b'{"awards": [1, 2]}', "application/json", "object"),
}


def test_unusable_bodies_are_422(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    before = table_counts(db)
    for case, (content, content_type, words) in UNUSABLE_BODIES.items():
        response = batch(
            client,
            provider,
            content=content,
            content_type=content_type,
            params={"moduleId": module["id"]},
        )
        assert response.status_code == 422, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json", case
        assert words in response.json()["detail"], (case, response.json())
    assert table_counts(db) == before


def test_a_csv_without_module_is_422(client: Any, provider: Provider) -> None:
    response = batch(
        client,
        provider,
        content=b"learnerName,completedOn\nA,2025-06-30\n",
        content_type="text/csv",
    )
    assert response.status_code == 422
    assert "moduleId" in response.json()["detail"]


# -- idempotency --------------------------------------------------------------------------


def test_the_same_key_and_body_replays_the_same_credentials(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    body = {"moduleId": module["id"], "awards": cohort(3)}
    key = {"Idempotency-Key": "cohort-2025-06"}
    first = batch(client, provider, json_body=body, headers=key, params={"include": "credentials"})
    assert first.status_code == 201
    after_first = table_counts(db)

    again = batch(client, provider, json_body=body, headers=key, params={"include": "credentials"})

    assert again.status_code == 201
    # The same credentials; wallet addresses are shown once only (only their hash is kept),
    # so a replay carries none: the provider renews a link whose address was lost.
    assert len(first.json()["walletLinks"]) == 3
    assert again.json() == {**first.json(), "walletLinks": []}
    assert table_counts(db) == after_first
    assert after_first["credentials"] == 3 and after_first["idempotency_keys"] == 1


def test_the_same_key_with_another_body_is_422(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    key = {"Idempotency-Key": "cohort-2025-06"}
    assert (
        batch(
            client, provider, json_body={"moduleId": module["id"], "awards": cohort(2)}, headers=key
        ).status_code
        == 201
    )
    before = table_counts(db)
    other = {"moduleId": module["id"], "awards": cohort(2, prefix="Other")}

    response = batch(client, provider, json_body=other, headers=key)

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert table_counts(db) == before


def test_a_single_award_is_idempotent_too(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    url = f"/issuers/{provider.slug}/awards"
    headers = {**provider.headers, "Idempotency-Key": "award-42"}
    body = {"moduleId": module["id"], **award_data()}
    first = client.post(url, json=body, headers=headers)
    again = client.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert set(first.json()) == {"verifiableCredential", "walletUrl"}
    assert again.json() == {"verifiableCredential": first.json()["verifiableCredential"]}
    assert table_counts(db)["credentials"] == 1
    changed = client.post(url, json={**body, "result": "Merit"}, headers=headers)
    assert changed.status_code == 422
    assert table_counts(db)["credentials"] == 1


def test_idempotency_keys_belong_to_one_provider(
    client: Any, make_provider: Any, db: Database
) -> None:
    ids = []
    for name in ("Alpha Skills", "Beta Academy"):
        provider = make_provider(name)
        module = client.post(
            f"/issuers/{provider.slug}/modules",
            json={"defaultLanguage": "en", "name": {"en": "Welding"}},
            headers=provider.headers,
        ).json()
        response = batch(
            client,
            provider,
            json_body={"moduleId": module["id"], "awards": cohort(1)},
            headers={"Idempotency-Key": "shared-key"},
        )
        assert response.status_code == 201
        ids.extend(response.json()["credentialIds"])
    assert len(set(ids)) == 2
    assert table_counts(db)["idempotency_keys"] == 2


class RendezvousSigner:
    """Holds each request at signing until ``parties`` requests are signing at once (or a
    short timeout passes): once they meet, each has passed the replay check, and neither
    has written yet, so the idempotency claim itself must pick the winner."""

    def __init__(self, inner: BatchSigner, parties: int, timeout: float) -> None:
        self.inner = inner
        self.timeout = timeout
        self.barrier = threading.Barrier(parties)
        self.met = False

    def sign_all(
        self, key_name: str, documents: Sequence[dict[str, Any]], **kwargs: Any
    ) -> list[dict[str, Any]]:
        try:
            self.barrier.wait(self.timeout)
            self.met = True
        except threading.BrokenBarrierError:
            pass  # the other request is not signing concurrently (it waits for a lock)
        return self.inner.sign_all(key_name, documents, **kwargs)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("endpoint", ["batch", "award", "vcapi"])
def test_concurrent_requests_with_one_key_create_one_set_of_records(
    app: Any,
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    db: Database,
    service_engine: Engine,
    endpoint: str,
) -> None:
    # SQLite transactions queue behind each other (BEGIN IMMEDIATE), so there the second
    # request cannot reach signing before the first commits: do not wait long for it.
    timeout = 2.0 if db.dialect == "postgresql" else 0.5
    signer = RendezvousSigner(LocalSigner(service_engine), parties=2, timeout=timeout)
    app.state.tessera.signer = signer
    if endpoint == "batch":
        path, body = (
            f"/issuers/{provider.slug}/awards/batch",
            {"moduleId": module["id"], "awards": cohort(4)},
        )
    elif endpoint == "award":
        path, body = f"/issuers/{provider.slug}/awards", {"moduleId": module["id"], **award_data()}
    else:
        path, body = (
            "/credentials/issue",
            {
                "credential": {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiableCredential"],
                    "credentialSubject": {"name": "Amina Haddad"},
                }
            },
        )
    headers = {**provider.headers, "Idempotency-Key": f"race-{endpoint}"}
    before = table_counts(db)
    responses: list[Any] = []

    def send() -> None:
        responses.append(client.post(path, json=body, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    # Both answers name the same credentials; only the request that stored them shows the
    # new wallet addresses (the other replays, and tokens are shown once).
    bodies = [r.json() for r in responses]
    wallet = {"batch": "walletLinks", "award": "walletUrl", "vcapi": None}[endpoint]
    if wallet is None:
        assert bodies[0] == bodies[1]
    else:
        shown = [b for b in bodies if b.get(wallet)]
        assert len(shown) == 1, bodies
        stripped = [{k: v for k, v in b.items() if k != wallet} for b in bodies]
        assert stripped[0] == stripped[1]
    expected = 4 if endpoint == "batch" else 1
    after = table_counts(db)
    assert after["credentials"] - before["credentials"] == expected
    assert after["idempotency_keys"] - before["idempotency_keys"] == 1
    # credential.issue, and wallet_link.create for each award (VC-API issues make no link)
    events = expected * (1 if endpoint == "vcapi" else 2)
    assert after["audit_log"] - before["audit_log"] == events
    if db.dialect == "postgresql":
        # Both requests were past the replay check at once: the unique constraint decided.
        assert signer.met


def test_concurrent_cohorts_without_a_key_are_all_kept(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    results: list[Any] = []

    def send(prefix: str) -> None:
        body = {"moduleId": module["id"], "awards": cohort(5, prefix=prefix)}
        results.append(batch(client, provider, json_body=body))

    threads = [threading.Thread(target=send, args=(f"Group {g}",)) for g in "ABCD"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r.status_code for r in results] == [201] * 4
    ids = [i for r in results for i in r.json()["credentialIds"]]
    assert len(ids) == len(set(ids)) == 20
    assert table_counts(db)["credentials"] == 20


class HeldSigner:
    """Signs only when released, so a test can act while a cohort is being signed."""

    def __init__(self, inner: BatchSigner) -> None:
        self.inner = inner
        self.signing = threading.Event()
        self.release = threading.Event()

    def sign_all(
        self, key_name: str, documents: Sequence[dict[str, Any]], **kwargs: Any
    ) -> list[dict[str, Any]]:
        self.signing.set()
        self.release.wait(timeout=30)
        return self.inner.sign_all(key_name, documents, **kwargs)

    def close(self) -> None:
        self.inner.close()


def test_the_service_answers_while_a_cohort_is_signed(
    request: pytest.FixtureRequest,
    app: Any,
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    db: Database,
    service_engine: Engine,
) -> None:
    """A 10,000-learner cohort takes many seconds to sign; other requests must not wait.
    Issuing signs outside any transaction (SQLite's BEGIN IMMEDIATE would otherwise make
    every request wait), so a read, and a write, are answered while the cohort is held."""
    earlier = batch(client, provider, json_body={"moduleId": module["id"], "awards": cohort(1)})
    earlier_id = earlier.json()["credentialIds"][0].rsplit("/", 1)[1]
    signer = HeldSigner(LocalSigner(service_engine))
    app.state.tessera.signer = signer
    cohort_done: list[Any] = []
    issuing = threading.Thread(
        target=lambda: cohort_done.append(
            batch(client, provider, json_body={"moduleId": module["id"], "awards": cohort(3)})
        )
    )
    answered: list[tuple[str, int]] = []
    reader = threading.Thread(
        target=lambda: answered.append(
            (
                "read",
                client.get(
                    f"/issuers/{provider.slug}/modules", headers=provider.headers
                ).status_code,
            )
        )
    )
    writer = threading.Thread(
        target=lambda: answered.append(
            (
                "write",
                client.post(
                    f"/issuers/{provider.slug}/credentials/{earlier_id}/revoke",
                    headers=provider.headers,
                ).status_code,
            )
        )
    )
    issuing.start()
    try:
        assert signer.signing.wait(timeout=10)
        reader.start()
        reader.join(timeout=3)
        writer.start()
        writer.join(timeout=3)
        assert answered == [("read", 200), ("write", 200)], (
            "a request waited for the cohort being signed"
        )
        assert not cohort_done, "the cohort finished before it was released"
    finally:
        signer.release.set()
        issuing.join(timeout=30)
        for thread in (reader, writer):
            if thread.is_alive():
                thread.join(timeout=30)
    assert cohort_done[0].status_code == 201
    assert table_counts(db)["credentials"] == 4


def test_a_busy_machine_does_not_fail_a_cohort(
    service_settings: Any, db: Database, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The canonicalization bound is the working thread's CPU time. On a busy machine a
    thread waits for a CPU: wall-clock time passes, its CPU time does not. A normal
    credential must not be refused for that wait, nor a whole cohort with it. The wait is
    simulated inside the bounded window, longer than the whole budget."""
    from factories import open_badge_credential
    from fastapi.testclient import TestClient

    from service.api import create_app
    from service.app.engine import build_engine
    from service.errors import CanonicalizationLimitError
    from service.proofs import canonical

    # The bound is live: a budget smaller than the work refuses a normal credential.
    tiny = build_engine(service_settings.model_copy(update={"max_canonicalization_seconds": 1e-6}))
    with pytest.raises(CanonicalizationLimitError):
        tiny.canonicalizer.canonicalize(open_badge_credential())

    budget = 0.1
    busy = service_settings.model_copy(update={"max_canonicalization_seconds": budget})
    engine = build_engine(busy)
    original = canonical._find_unsafe
    waits: list[float] = []

    def descheduled(expanded: Any) -> Any:
        started = time.monotonic()
        time.sleep(budget * 2.5)  # off the CPU, as while other workers run
        waits.append(time.monotonic() - started)
        return original(expanded)

    monkeypatch.setattr(canonical, "_find_unsafe", descheduled)
    app = create_app(busy, database=db, signer=LocalSigner(engine), migrate=False)
    with TestClient(app) as client:
        module = client.post(
            f"/issuers/{provider.slug}/modules",
            json={"defaultLanguage": "en", "name": {"en": "Forklift safety"}},
            headers=provider.headers,
        ).json()
        response = batch(
            client, provider, json_body={"moduleId": module["id"], "awards": cohort(2)}
        )
    assert response.status_code == 201, response.text
    assert len(waits) >= 2 and min(waits) > budget  # every credential waited past the budget


# -- the process pool -----------------------------------------------------------------------


def test_a_cohort_signed_by_the_process_pool(
    service_settings: Any, db: Database, service_engine: Engine, provider: Provider
) -> None:
    from fastapi.testclient import TestClient

    from service.api import create_app

    signer = PoolSigner(service_engine, workers=2, local_threshold=4)
    app = create_app(service_settings, database=db, signer=signer, migrate=False)
    with TestClient(app) as client:
        module = client.post(
            f"/issuers/{provider.slug}/modules",
            json={"defaultLanguage": "en", "name": {"en": "Forklift safety"}},
            headers=provider.headers,
        ).json()
        response = batch(
            client,
            provider,
            json_body={"moduleId": module["id"], "awards": cohort(40)},
            params={"include": "credentials"},
        )
        assert signer._pool is not None, "the batch did not go through the process pool"
        did_doc = client.get(f"/issuers/{provider.slug}/did.json").json()
    assert signer._pool is None  # the app's shutdown closed the pool

    assert response.status_code == 201, response.text
    documents = response.json()["verifiableCredentials"]
    assert [d["credentialSubject"]["name"] for d in documents] == [
        a["learnerName"] for a in cohort(40)
    ]
    created = {d["proof"]["created"] for d in documents}
    assert len(created) == 1
    datetime.fromisoformat(created.pop())
    for document in (documents[0], documents[17], documents[-1]):
        result = verify_offline(service_engine, document, {provider.did: did_doc})
        assert result.verified, json.dumps([c.to_json() for c in result.checks])
    assert table_counts(db)["credentials"] == 40
