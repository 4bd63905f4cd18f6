"""Status-list republishing as a job of its own: a batch of revocations queues one republish
(one waiting per list), the job signs the list once for all of them and keeps it in the
database, every read serves the current bits whether the job has run or not, and the
publication lag (change -> publication that shows it) is in /metrics."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import Provider, award_data
from factories import module_data
from sqlalchemy import text
from status_support import bit, change, entry, issue, issue_cohort, path_of, uuid_of

from service.app.job_tasks import SWEEP, SWEEP_AFTER, task_runners
from service.app.jobs import REPUBLISH_TASK
from service.config import Settings
from service.store import Database

LAG = "tessera_status_list_publication_lag_seconds"


@pytest.fixture
def service_settings(service_settings: Settings) -> Settings:
    return service_settings.model_copy(update={"job_runner": "inprocess"})


def lag_count(client: Any) -> float:
    found = re.search(rf"^{LAG}_count (\S+)$", client.get("/metrics").text, re.MULTILINE)
    assert found, "the publication lag histogram is not in /metrics"
    return float(found.group(1))


def list_state(db: Database, list_id: str) -> tuple[int, int | None, Any]:
    with db.engine.connect() as connection:
        row = connection.execute(
            text("SELECT version, published_version, dirty_since FROM status_lists WHERE id = :i"),
            {"i": list_id},
        ).one()
    return int(row[0]), row[1], row[2]


def test_revocations_are_served_at_once_and_one_job_publishes_the_batch(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    credentials = issue_cohort(client, provider, module, 6)
    url = entry(credentials[0])["statusListCredential"]
    list_id = url.rsplit("/", 1)[1]
    state = client.app.state.tessera
    queue = state.jobs
    submitted: list[tuple[str, Any]] = []
    real_submit = queue.submit

    def held(task: str, arguments: Any, *, lock: str | None = None) -> None:
        submitted.append((task, list(arguments)))  # held back: this test runs the job

    queue.submit = held
    try:
        for credential in credentials[:4]:
            assert change(client, provider, credential, "revoke").status_code == 200
    finally:
        queue.submit = real_submit
    # Only the first change since the last publication queued a republication.
    assert submitted == [(REPUBLISH_TASK, [{"list_id": list_id}])]
    version, published, dirty_since = list_state(db, list_id)
    assert version == 4 and dirty_since is not None
    assert published is None or published < version

    before = lag_count(client)
    # The job has not run, yet a verifier already sees every revocation (served from the
    # database bits, signed on this read).
    assert [bit(client, c) for c in credentials] == [True] * 4 + [False] * 2
    assert list_state(db, list_id)[1:] == (4, None)  # that read published it: clean again
    assert lag_count(client) == before + 1

    # Another revocation; now the job publishes it, once, and reads serve its copy.
    queue.close()  # no background thread now: this test runs the job, twice (idempotent)
    assert change(client, provider, credentials[4], "revoke").status_code == 200
    runner = queue.runners[REPUBLISH_TASK]
    deadline_signer = state.lists._signer
    calls: list[int] = []
    original = deadline_signer.sign_all

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    deadline_signer.sign_all = counting
    try:
        assert runner(list_id=list_id) is True
        assert runner(list_id=list_id) is True
        assert list_state(db, list_id)[1:] == (5, None)
        document = client.get(path_of(url)).json()
        assert [bit(client, c) for c in credentials] == [True] * 5 + [False]
    finally:
        deadline_signer.sign_all = original
    assert len(calls) <= 1  # the job signed once; reads served what it kept
    assert document["credentialSubject"]["statusPurpose"] == "revocation"
    assert lag_count(client) >= before + 2


def test_a_qualification_revoked_on_review_queues_its_lists_republication(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    """A provider's review that revokes a qualification changes its list like any revocation:
    the first change since the list's last publication queues the republication (before,
    only the workers' sweep did, SWEEP_AFTER later)."""
    base = f"/issuers/{provider.slug}"
    second = client.post(
        f"{base}/modules", json=module_data(code="SAFE-100"), headers=provider.headers
    ).json()
    programme = {
        "name": {"en": "Metal trades assistant"},
        "defaultLanguage": "en",
        "completion": {"rule": {"allOf": [module["id"], second["id"]]}},
    }
    assert client.post(f"{base}/programmes", json=programme, headers=provider.headers).is_success
    issue(client, provider, module, learnerId="E-1")
    last = client.post(
        f"{base}/awards",
        json={"moduleId": second["id"], **award_data(learnerId="E-1")},
        headers=provider.headers,
    ).json()
    [qualification] = last["qualifications"]
    assert change(client, provider, last["verifiableCredential"], "revoke").status_code == 200
    stored = client.get(
        f"{base}/credentials/{uuid_of({'id': qualification['credentialId']})}",
        headers=provider.headers,
    ).json()["verifiableCredential"]
    url = entry(stored)["statusListCredential"]
    client.get(path_of(url))  # a read publishes the list: no change is waiting now

    queue = client.app.state.tessera.jobs
    submitted: list[tuple[str, Any]] = []
    real_submit = queue.submit

    def held(task: str, arguments: Any, *, lock: str | None = None) -> None:
        submitted.append((task, list(arguments)))

    queue.submit = held
    try:
        reviewed = client.post(
            f"{base}/qualifications/{qualification['qualificationId']}/review",
            json={"decision": "revoke", "reason": "module obtained by fraud"},
            headers=provider.headers,
        )
    finally:
        queue.submit = real_submit
    assert reviewed.status_code == 200, reviewed.text
    # Qualification and transcript: each change of the one transaction may ask; the queue's
    # lock (one waiting per list) keeps one.
    republish = (REPUBLISH_TASK, [{"list_id": url.rsplit("/", 1)[1]}])
    assert submitted and all(s == republish for s in submitted), submitted
    assert bit(client, stored) is True


@pytest.mark.postgres
def test_on_postgresql_a_burst_of_revocations_queues_one_republish_job(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the Procrastinate queue is PostgreSQL's")
    state = client.app.state.tessera
    from service.app.jobs import DatabaseQueue

    state.jobs = DatabaseQueue()  # as `tessera serve` on PostgreSQL: workers run the job
    credentials = issue_cohort(client, provider, module, 5)
    for credential in credentials:
        assert change(client, provider, credential, "revoke").status_code == 200
    list_id = entry(credentials[0])["statusListCredential"].rsplit("/", 1)[1]
    with db.engine.connect() as connection:
        queued = connection.execute(
            text(
                "SELECT COUNT(*) FROM procrastinate_jobs"
                " WHERE task_name = :t AND status = 'todo' AND args->>'list_id' = :l"
            ),
            {"t": REPUBLISH_TASK, "l": list_id},
        ).scalar_one()
    assert queued == 1
    assert all(bit(client, c) for c in credentials)  # current without the job


class RecordingQueue:
    """A JobQueue that records what would be queued."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, list[Any], str | None]] = []

    def enqueue(self, jobs: Any, task: str, arguments: Any, *, lock: str | None = None) -> None:
        self.queued.append((task, list(arguments), lock))


def test_a_list_left_dirty_is_queued_again_by_the_workers_sweep(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    state = client.app.state.tessera
    credentials = issue_cohort(client, provider, module, 2)
    list_id = entry(credentials[0])["statusListCredential"].rsplit("/", 1)[1]
    state.jobs.close()  # the revocation's own republication is lost
    assert change(client, provider, credentials[0], "revoke").status_code == 200
    queue = RecordingQueue()
    now = datetime.now(UTC)

    def sweep_at(moment: datetime) -> int:
        runners = task_runners(
            state.repository, state.issue_setup(), queue, state.lists, clock=lambda: moment
        )
        queued = runners[SWEEP]()
        assert isinstance(queued, int)
        return queued

    assert sweep_at(now) == 0  # dirty for less than SWEEP_AFTER: its job may still come
    assert sweep_at(now + SWEEP_AFTER + timedelta(seconds=1)) == 1
    assert queue.queued == [(REPUBLISH_TASK, [{"list_id": list_id}], f"republish:{list_id}")]
