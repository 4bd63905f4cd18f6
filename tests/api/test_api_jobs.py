"""Large cohorts as background jobs: 202 with the job's URL at once, progress and result,
rows checked by the job before anything is issued (a bad row fails it, naming each),
Idempotency-Key, exactly-once slices (a slice run again, or after a crash between its
commit and its mark, issues nothing twice). Here tasks run in the service process (the
embedded default); tests/cli/test_scale_processes.py runs `tessera worker` processes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import Provider, award_data, cohort, table_counts
from factories import module_data
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import text

from service.api.openapi.jobs import SCHEMAS
from service.app.cohort_jobs import award_slice, check_cohort, run_chunk
from service.app.engine import Engine
from service.app.issuing import IssueSetup, issue_awards
from service.app.signing import BatchSigner, LocalSigner
from service.config import Settings
from service.store import Database, Repositories

THRESHOLD = 5
SLICE = 4


@pytest.fixture
def service_settings(service_settings: Settings) -> Settings:
    return service_settings.model_copy(
        update={"job_threshold": THRESHOLD, "job_runner": "inprocess", "job_slice_rows": SLICE}
    )


def post_cohort(
    client: Any, provider: Provider, module: dict[str, Any], rows: list[Any], **headers: str
) -> Any:
    return client.post(
        f"/issuers/{provider.slug}/awards/batch",
        json={"moduleId": module["id"], "awards": rows},
        headers={**provider.headers, **headers},
    )


def wait_for(client: Any, provider: Provider, url: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(url, headers=provider.headers)
        assert response.status_code == 200, response.text
        body = dict(response.json())
        if body["state"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


def credential_names(db: Database) -> list[str]:
    with db.engine.connect() as connection:
        return [r[0] for r in connection.execute(text("SELECT learner_name FROM credentials"))]


def test_a_cohort_above_the_threshold_is_a_job_with_progress_and_result(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    rows = cohort(THRESHOLD + 6)
    response = post_cohort(client, provider, module, rows)
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["Location"] == job["url"]
    assert job["url"].endswith(f"/issuers/{provider.slug}/jobs/{job['id']}")
    assert job["progress"]["rows"] == 11 and job["progress"]["slices"] == 3
    assert job["state"] in ("queued", "running", "done")
    done = wait_for(client, provider, job["url"])
    assert done["state"] == "done"
    for answer in (job, done):  # as documented in /openapi.json
        Draft202012Validator(SCHEMAS["Job"], format_checker=FormatChecker()).validate(answer)
    assert done["progress"] == {
        "rows": 11,
        "checked": True,
        "issued": 11,
        "failedRows": 0,
        "slices": 3,
        "slicesDone": 3,
        "slicesFailed": 0,
    }
    assert done["result"] == {"issued": 11, "failedRows": 0}
    names = credential_names(db)
    assert sorted(names) == sorted(r["learnerName"] for r in rows)  # none twice, none missing
    metrics = client.get("/metrics").text
    assert 'tessera_job_slices{state="done"} 3.0' in metrics


def test_at_the_threshold_the_batch_is_answered_at_once(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    response = post_cohort(client, provider, module, cohort(THRESHOLD))
    assert response.status_code == 201
    assert response.json()["issued"] == THRESHOLD


def test_bad_rows_fail_the_job_naming_each_and_nothing_is_issued(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    rows = cohort(THRESHOLD + 3)
    rows[2] = award_data("", learnerId="x")
    rows[6] = {"learnerName": "A", "completedOn": "yesterday"}
    before = table_counts(db)["credentials"]
    response = post_cohort(client, provider, module, rows)
    assert response.status_code == 202, response.text  # the request does not check rows
    done = wait_for(client, provider, response.json()["url"])
    assert done["state"] == "failed"
    Draft202012Validator(SCHEMAS["Job"], format_checker=FormatChecker()).validate(done)
    result = done["result"]
    assert {e["row"] for e in result["errors"]} == {"3", "7"}
    assert {e["path"] for e in result["errors"]} >= {"$.learnerName", "$.completedOn"}
    assert "2 of 8 rows have errors (rows 3, 7); nothing was issued" in result["error"]
    assert result["issued"] == 0 and result["failedRows"] == THRESHOLD + 3
    assert table_counts(db)["credentials"] == before


def test_idempotency_key_returns_the_same_job(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    rows = cohort(THRESHOLD + 1)
    first = post_cohort(client, provider, module, rows, **{"Idempotency-Key": "cohort-7"})
    again = post_cohort(client, provider, module, rows, **{"Idempotency-Key": "cohort-7"})
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    wait_for(client, provider, first.json()["url"])
    assert len(credential_names(db)) == THRESHOLD + 1
    other = post_cohort(
        client, provider, module, cohort(THRESHOLD + 2), **{"Idempotency-Key": "cohort-7"}
    )
    assert other.status_code == 422


def test_another_providers_job_is_not_found(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    make_provider: Callable[..., Provider],
) -> None:
    job = post_cohort(client, provider, module, cohort(THRESHOLD + 1)).json()
    wait_for(client, provider, job["url"])
    other = make_provider("Other Centre", slug="other-centre")
    response = client.get(f"/issuers/{other.slug}/jobs/{job['id']}", headers=other.headers)
    assert response.status_code == 404


def test_a_slice_run_again_or_after_a_crash_issues_nothing_twice(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    db: Database,
    service_engine: Engine,
    service_settings: Settings,
) -> None:
    state = client.app.state.tessera
    state.jobs.close()  # nothing runs by itself: this test runs the tasks
    job = post_cohort(client, provider, module, cohort(THRESHOLD + 3)).json()
    assert job["state"] == "queued" and job["progress"]["checked"] is False
    setup = IssueSetup(
        base_url=service_settings.base_url,
        signer=LocalSigner(service_engine),
        canonicalizer=service_engine.canonicalizer,
    )
    now = datetime.now(UTC)
    assert check_cohort(state.repository, state.jobs, job_id=job["id"], now=now) == 0
    assert check_cohort(state.repository, state.jobs, job_id=job["id"], now=now) == 0  # again
    # Slice 0 crashed after its credentials committed but before it was marked done.
    with db.transaction() as session:
        rows = session.execute(
            text("SELECT rows FROM job_chunks WHERE job_id = :j AND position = 0"), {"j": job["id"]}
        ).scalar_one()
    rows = (rows if isinstance(rows, dict) else json.loads(rows))["rows"]
    issue_awards(
        state.repository,
        setup,
        issuer_id=provider.issuer.id,
        module_id=module["id"],
        awards=rows,
        actor="test",
        now=now,
        idempotency_key=f"job:{job['id']}:0",
        idempotency_body=[module["id"], rows],
    )
    assert len(credential_names(db)) == SLICE
    queue = state.jobs

    def run(position: int) -> int:
        return run_chunk(
            state.repository, setup, queue, job_id=job["id"], position=position, now=now
        )

    assert run(0) == SLICE
    assert len(credential_names(db)) == SLICE  # replayed, not issued again
    assert run(1) == SLICE
    assert run(1) == 0
    assert run(0) == 0
    for position in (0, 1):  # the slices' qualification awards (their own task)
        assert (
            award_slice(state.repository, setup, job_id=job["id"], position=position, now=now) == 0
        )
    body = client.get(job["url"], headers=provider.headers).json()
    assert body["state"] == "done"
    assert body["progress"]["issued"] == THRESHOLD + 3
    names = credential_names(db)
    assert len(names) == len(set(names)) == THRESHOLD + 3
    with db.transaction() as session:
        audit = Repositories(session).audit.log(provider.issuer.id, limit=100)
        assert sum(1 for a in audit if a.action == "credential.issue") == THRESHOLD + 3


class WorkerKilled(BaseException):
    """A worker's death (SIGKILL) at a chosen point: nothing after it runs, nothing is marked."""


class DiesWhileAwarding:
    """A signer that signs module credentials and dies on the first qualification."""

    def __init__(self, signer: BatchSigner) -> None:
        self._signer = signer

    def sign_all(
        self, key_name: str, documents: Sequence[Any], *, created: datetime, cryptosuite: str
    ) -> list[Any]:
        if any("/programmes/" in d["credentialSubject"]["achievement"]["id"] for d in documents):
            raise WorkerKilled
        return self._signer.sign_all(key_name, documents, created=created, cryptosuite=cryptosuite)

    def close(self) -> None:
        self._signer.close()


def test_a_slice_whose_worker_died_before_the_award_still_awards_its_learners(
    client: Any,
    provider: Provider,
    db: Database,
    service_engine: Engine,
    service_settings: Settings,
) -> None:
    """Issue 16: a worker killed after a slice's credentials committed, while it awarded the
    slice's qualifications (a task of its own). The award task runs again (another worker
    takes it over): the slice is not issued again, and every learner of it who completed
    the programme gets the qualification, once."""
    modules = []
    for code in ("A-1", "B-1"):
        response = client.post(
            f"/issuers/{provider.slug}/modules",
            json=module_data(code=code, name={"en": f"Module {code}"}, defaultLanguage="en"),
            headers=provider.headers,
        )
        assert response.status_code == 201, response.text
        modules.append(response.json()["id"])
    first, last = modules
    response = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={
            "name": {"en": "Metal trades assistant"},
            "defaultLanguage": "en",
            "code": "MT-3",
            "eqfLevel": 3,
            "completion": {"rule": {"allOf": [first, last]}},
        },
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    learners = cohort(THRESHOLD + 1)
    for rows in (learners[:3], learners[3:]):  # at the threshold or under: issued at once
        assert post_cohort(client, provider, {"id": first}, rows).status_code == 201
    state = client.app.state.tessera
    state.jobs.close()  # nothing runs by itself: this test is the workers
    job = post_cohort(client, provider, {"id": last}, learners).json()
    assert job["progress"]["slices"] == 2
    signer = LocalSigner(service_engine)
    setup = IssueSetup(
        base_url=service_settings.base_url,
        signer=signer,
        canonicalizer=service_engine.canonicalizer,
    )
    dying = IssueSetup(
        base_url=setup.base_url,
        signer=DiesWhileAwarding(signer),
        canonicalizer=setup.canonicalizer,
    )
    now = datetime.now(UTC)
    queue = state.jobs
    assert check_cohort(state.repository, queue, job_id=job["id"], now=now) == 0
    for position in (0, 1):
        run_chunk(state.repository, setup, queue, job_id=job["id"], position=position, now=now)
    assert len(credential_names(db)) == 2 * (THRESHOLD + 1)  # both slices committed
    with pytest.raises(WorkerKilled):
        award_slice(state.repository, dying, job_id=job["id"], position=0, now=now)
    url = f"/issuers/{provider.slug}/qualifications"
    assert client.get(url, headers=provider.headers).json() == []
    assert client.get(job["url"], headers=provider.headers).json()["state"] == "running"

    for position in (0, 1):  # another worker takes the award tasks over
        award_slice(state.repository, setup, job_id=job["id"], position=position, now=now)
    assert wait_for(client, provider, job["url"])["result"] == {
        "issued": THRESHOLD + 1,
        "failedRows": 0,
    }
    awarded = client.get(url, headers=provider.headers).json()
    assert len(awarded) == len({q["walletLinkId"] for q in awarded}) == THRESHOLD + 1
    # Module credentials once each, plus one qualification and one transcript per learner.
    assert len(credential_names(db)) == 2 * (THRESHOLD + 1) + 2 * (THRESHOLD + 1)
    run_chunk(state.repository, setup, queue, job_id=job["id"], position=0, now=now)  # again
    assert award_slice(state.repository, setup, job_id=job["id"], position=0, now=now) == 0
    assert len(client.get(url, headers=provider.headers).json()) == THRESHOLD + 1


def test_a_cohort_above_the_job_limit_is_refused(
    client: Any, provider: Provider, module: dict[str, Any], db: Database, monkeypatch: Any
) -> None:
    import service.api.routes.issuing as route

    monkeypatch.setattr(route, "MAX_JOB_ROWS", THRESHOLD + 2)
    before = table_counts(db)
    response = post_cohort(client, provider, module, cohort(THRESHOLD + 3))
    assert response.status_code == 422
    assert "at most 7 awards" in response.json()["detail"]
    assert table_counts(db) == before
