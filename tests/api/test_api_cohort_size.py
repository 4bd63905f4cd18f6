"""A national cohort fits in one upload: a CSV of hundreds of thousands of rows (over the
8 MiB the first version allowed) is one job; a body over the cohort limits is refused with
413 before it is read whole, saying what to do, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Provider, table_counts
from sqlalchemy import text

from service.config import Settings
from service.store import Database

ROWS = 250_000


@pytest.fixture
def service_settings(service_settings: Settings) -> Settings:
    return service_settings.model_copy(update={"job_runner": "inprocess"})


def cohort_csv(rows: int) -> bytes:
    lines = ["learnerName,completedOn,result,learnerId"]
    lines += [f"Olena Kovalenko {i:07d},2025-06-30,Competent,EMP-{i:08d}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_national_cohort_csv_is_one_job(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    client.app.state.tessera.jobs.close()  # stored and queued only: nothing is issued here
    body = cohort_csv(ROWS)
    assert len(body) > 8 * 1024 * 1024
    response = client.post(
        f"/issuers/{provider.slug}/awards/batch",
        params={"moduleId": module["id"]},
        content=body,
        headers={**provider.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 202, response.text[:500]
    progress = response.json()["progress"]
    assert progress["rows"] == ROWS and progress["slices"] == ROWS // 500
    with db.engine.connect() as connection:
        slices = connection.execute(text("SELECT COUNT(*) FROM job_chunks")).scalar_one()
    assert slices == ROWS // 500


@pytest.mark.parametrize("form", ["csv", "json", "multipart", "multipart-undeclared"])
def test_a_cohort_over_the_limits_is_413_and_stores_nothing(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    form: str,
) -> None:
    import service.api.routes.issuing as route

    monkeypatch.setattr(route, "MAX_CSV_BYTES", 2_000)
    monkeypatch.setattr(route, "MAX_JSON_BYTES", 4_000)
    if form == "multipart-undeclared":  # the size known only once the file part is in
        monkeypatch.setattr(route, "MULTIPART_OVERHEAD", 1_000_000)
    body = cohort_csv(100)  # about 5 KB
    url = f"/issuers/{provider.slug}/awards/batch"
    before = table_counts(db)
    if form == "csv":
        response = client.post(
            url,
            params={"moduleId": module["id"]},
            content=body,
            headers={**provider.headers, "Content-Type": "text/csv"},
        )
    elif form == "json":
        rows = [{"learnerName": f"Learner {i}", "completedOn": "2025-06-30"} for i in range(100)]
        response = client.post(
            url, json={"moduleId": module["id"], "awards": rows}, headers=provider.headers
        )
    else:
        response = client.post(
            url,
            data={"moduleId": module["id"]},
            files={"file": ("cohort.csv", body, "text/csv")},
            headers=provider.headers,
        )
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["type"].endswith("payload-too-large")
    assert "Split the cohort" in problem["detail"] and "credential" not in problem["detail"]
    assert table_counts(db) == before
