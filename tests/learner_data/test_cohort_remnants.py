"""Cohort remnants: a large cohort issued as a background job keeps its uploaded rows (names,
learner ids) in job slices. Erasing a learner blanks their row there; retention deletes finished
jobs past TESSERA_RETENTION_COHORT_DAYS. Slices run in the service process here (SQLite)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import Provider, award_data
from learner_support import search_database

from service.app.retention import RetentionPolicy, run_retention
from service.config import Settings
from service.store import Database, Repositories

NAME = "Leyla Aranda-Okafor"
REF = "COH-4412"


@pytest.fixture
def service_settings(service_settings: Settings) -> Settings:
    return service_settings.model_copy(
        update={"job_threshold": 2, "job_runner": "inprocess", "job_slice_rows": 2}
    )


@contextmanager
def _repository(db: Database) -> Iterator[Repositories]:
    with db.transaction() as session:
        yield Repositories(session)


def run_cohort(client: Any, provider: Provider, module: dict[str, Any]) -> None:
    rows = [award_data(NAME, learnerId=REF)] + [
        award_data(f"Other Person {i}", learnerId=f"O-{i}") for i in range(4)
    ]
    response = client.post(
        f"/issuers/{provider.slug}/awards/batch",
        json={"moduleId": module["id"], "awards": rows},
        headers=provider.headers,
    )
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 60
    while client.get(response.json()["url"], headers=provider.headers).json()["state"] != "done":
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_erasure_blanks_the_learners_uploaded_row_and_retention_drops_old_jobs(
    client: Any, db: Database, provider: Provider, module: dict[str, Any]
) -> None:
    run_cohort(client, provider, module)
    assert any(hit.startswith("job_chunks.") for hit in search_database(db, [NAME]))
    erased = client.post(
        f"/issuers/{provider.slug}/learners/erase",
        json={"learnerRef": REF},
        headers=provider.headers,
    )
    assert erased.json()["erasedCredentials"] == 1
    assert search_database(db, [NAME, REF]) == []
    assert search_database(db, ["Other Person 2"]) != []  # the rest of the cohort stays

    report = run_retention(
        lambda: _repository(db),
        policy=RetentionPolicy(0, 0, 30, 0),
        now=datetime.now(UTC) + timedelta(days=31),
    )
    assert report.to_json()["cohortRecords"] >= 1
    assert not any(h.startswith("job") for h in search_database(db, ["Other Person 2"]))
