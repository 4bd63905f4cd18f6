"""Retention as a job: what the settings allow is forgotten, counted, and only that; the audit
log stays append-only apart from its oldest events past a recorded cutoff; a run is idempotent;
`tessera retention run` and `tessera learners export|erase` do the same from the command line."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_support import Cli, service_env
from conftest import Provider, award_data, served_status_lists, table_counts
from factories import status_entries
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.app.retention import RetentionPolicy, RetentionSchedule, run_retention
from service.config import Settings
from service.status.bitstring import decode_list
from service.store import Database, Repositories

NAME = "Farida Oyelaran-Novak"
REF = "STU-90211"


def repositories(db: Database) -> Any:
    @contextmanager
    def opened() -> Iterator[Repositories]:
        with db.transaction() as session:
            yield Repositories(session)

    return opened


def award(client: Any, provider: Provider, module: dict[str, Any], **fields: Any) -> Any:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(**fields)},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def revoked_bit(client: Any, credential: dict[str, Any]) -> bool:
    (entry,) = status_entries(credential)
    (listed,) = served_status_lists(client, credential).values()
    bits = decode_list(listed["credentialSubject"]["encodedList"])
    index = int(entry["statusListIndex"])
    return bool(bits[index // 8] >> (7 - index % 8) & 1)


def test_retention_forgets_what_is_past_its_time_and_only_that(
    client: Any, db: Database, provider: Provider, module: dict[str, Any]
) -> None:
    old = award(client, provider, module, learner=NAME, learnerId=REF)
    revoked = award(client, provider, module, learner=NAME, learnerId=REF)["verifiableCredential"]
    record = revoked["id"].rsplit("/", 1)[1]
    client.post(f"/issuers/{provider.slug}/credentials/{record}/revoke", headers=provider.headers)
    assert revoked_bit(client, revoked)
    before = table_counts(db)
    policy = RetentionPolicy(credential_days=30, wallet_link_days=30, cohort_days=30, audit_days=30)
    # Within every period: nothing goes.
    soon = run_retention(
        repositories(db), policy=policy, now=datetime.now(UTC) + timedelta(days=29)
    )
    assert soon.to_json() == {
        "credentials": 0,
        "walletLinks": 0,
        "cohortRecords": 0,
        "auditEvents": 0,
        "expiredRequests": 0,
        "walletOffers": 0,
    }
    later = datetime.now(UTC) + timedelta(days=31)
    report = run_retention(repositories(db), policy=policy, now=later)
    assert report.to_json() == {
        "credentials": 2,
        "walletLinks": 1,
        "cohortRecords": 0,
        "auditEvents": before["audit_log"],  # not the first run's own (within 30 days)
        "expiredRequests": 0,
        "walletOffers": 0,
    }
    after = table_counts(db)
    assert after["credentials"] == 0 and after["wallet_links"] == 0
    assert after["status_entries"] == before["status_entries"]  # detached, never reused
    assert after["audit_log"] == 2  # the two runs' events: counts only
    assert revoked_bit(client, revoked)  # a revocation stays published
    assert client.get("/" + old["walletUrl"].split("://", 1)[1].split("/", 1)[1]).status_code == 404
    again = run_retention(repositories(db), policy=policy, now=later)
    assert again.to_json()["credentials"] == 0 and again.to_json()["walletLinks"] == 0

    # The log is still append-only: no change, and no deletion of an event after the cutoff.
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
    with pytest.raises(DBAPIError, match="past"), db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO audit_retention (cutoff, at) VALUES (:c, :a)"),
            {"c": "2999-01-01 00:00:00.000000", "a": "2000-01-01 00:00:00.000000"},
        )


def test_zero_days_keeps_everything(
    client: Any, db: Database, provider: Provider, module: dict[str, Any]
) -> None:
    award(client, provider, module, learner=NAME)
    before = table_counts(db)
    report = run_retention(
        repositories(db),
        policy=RetentionPolicy(0, 0, 0, 0),
        now=datetime.now(UTC) + timedelta(days=10_000),
    )
    assert report.to_json() == {
        "credentials": 0,
        "walletLinks": 0,
        "cohortRecords": 0,
        "auditEvents": 0,
        "expiredRequests": 0,
        "walletOffers": 0,
    }
    assert table_counts(db) == {**before, "audit_log": before["audit_log"] + 1}


def test_the_schedule_runs_the_job_in_process(db: Database) -> None:
    import threading

    ran = threading.Event()
    schedule = RetentionSchedule(
        repositories(db),
        policy=RetentionPolicy(1, 1, 1, 0),
        interval=timedelta(hours=1),
        after_run=ran.set,
        first_delay=timedelta(0),
    )
    schedule.start()
    try:
        assert ran.wait(30)
    finally:
        schedule.stop()
    assert table_counts(db)["audit_log"] == 1


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_cli_exports_erases_and_runs_retention(
    client: Any,
    db: Database,
    provider: Provider,
    module: dict[str, Any],
    service_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    award(client, provider, module, learner=NAME, learnerId=REF)
    cli = Cli(
        monkeypatch,
        service_env(
            tmp_path / "cli",
            TESSERA_DATA_DIR=str(service_settings.data_dir),
            TESSERA_DATABASE_URL=db.url,
        ),
    )
    out = tmp_path / "learner.zip"
    exported = cli(
        "learners", "export", "--issuer", provider.slug, "--learner-ref", REF, "--out", str(out)
    )
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        assert json.loads(archive.read("record.json"))["credentials"][0]["learnerName"] == NAME
    both = cli(
        "learners", "erase", "--issuer", provider.slug, "--learner-ref", REF, "--wallet-link", "x"
    )
    assert both.exit_code == 2 and "exactly one" in both.output
    assert "Traceback" not in both.output
    erased = cli("learners", "erase", "--issuer", provider.slug, "--learner-ref", REF)
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.output)["erasedCredentials"] == 1
    again = cli("learners", "erase", "--issuer", provider.slug, "--learner-ref", REF)
    assert json.loads(again.output)["erasedCredentials"] == 0
    gone = cli(
        "learners", "export", "--issuer", provider.slug, "--learner-ref", REF, "--out", str(out)
    )
    assert gone.exit_code == 2 and "holds no credential" in gone.output
    ran = cli("retention", "run")
    assert ran.exit_code == 0, ran.output
    assert set(json.loads(ran.output)) == {
        "credentials",
        "walletLinks",
        "cohortRecords",
        "auditEvents",
        "expiredRequests",
        "walletOffers",
    }


def test_workers_run_the_retention_job_as_a_periodic_procrastinate_task(db: Database) -> None:
    """On PostgreSQL deployments `tessera worker` runs retention daily as a Procrastinate
    periodic task; here the task is deferred and run by a real Procrastinate worker (on its
    in-memory connector), which calls the job on the database."""
    import asyncio

    from procrastinate.testing import InMemoryConnector

    from service.app.worker import RETENTION_CRON, RETENTION_TASK, queue_app
    from service.store.repositories.jobs import QUEUE

    app = queue_app("postgresql+psycopg://nobody@127.0.0.1/none")
    (periodic,) = app.periodic_registry.periodic_tasks.values()
    assert periodic.task.name == RETENTION_TASK and periodic.cron == RETENTION_CRON
    reports: list[dict[str, int]] = []

    def retention() -> dict[str, int]:
        report = run_retention(
            repositories(db), policy=RetentionPolicy(1, 1, 1, 0), now=datetime.now(UTC)
        ).to_json()
        reports.append(report)
        return report

    async def main() -> None:
        async with app.open_async():
            await app.configure_task(RETENTION_TASK).defer_async(timestamp=0)
            await app.run_worker_async(
                queues=[QUEUE], wait=False, additional_context={"tessera_retention": retention}
            )

    with app.replace_connector(InMemoryConnector()):
        asyncio.run(main())
    assert len(reports) == 1
    assert table_counts(db)["audit_log"] == 1  # the run's own event, counts only


def test_expired_presentation_requests_go_whatever_the_settings(db: Database) -> None:
    """An employer's OpenID4VP request keeps the verdict (naming the learner) until it expires;
    retention deletes it once expired even when every period is 0 (kept)."""
    from service.app.oid4vp import REQUEST_LIFETIME, create_request

    now = datetime.now(UTC)
    with db.transaction() as session:
        create_request(Repositories(session), now=now)
    kept = run_retention(repositories(db), policy=RetentionPolicy(0, 0, 0, 0), now=now)
    assert kept.expired_requests == 0 and table_counts(db)["presentation_requests"] == 1
    later = now + REQUEST_LIFETIME + timedelta(seconds=1)
    gone = run_retention(repositories(db), policy=RetentionPolicy(0, 0, 0, 0), now=later)
    assert gone.expired_requests == 1 and table_counts(db)["presentation_requests"] == 0


def test_ended_wallet_app_offers_go_a_grace_period_after_whatever_the_settings(
    client: Any, db: Database, provider: Provider, module: dict[str, Any]
) -> None:
    """A wallet-app offer (hashed codes and token; the wallet's DID once delivered) is kept
    OFFER_GRACE after it expired, so a late wallet hears "expired" rather than "unknown",
    then deleted even when every period is 0 (kept)."""
    from service.app.oid4vci.offers import OFFER_LIFETIME
    from service.app.retention import OFFER_GRACE

    credential = award(client, provider, module, learner=NAME)["verifiableCredential"]
    made = client.post(
        f"/issuers/{provider.slug}/credential-offers",
        json={"credentialIds": [credential["id"].rsplit("/", 1)[1]]},
        headers=provider.headers,
    )
    assert made.status_code == 201, made.text
    ended = datetime.now(UTC) + OFFER_LIFETIME
    keep_all = RetentionPolicy(0, 0, 0, 0)
    kept = run_retention(repositories(db), policy=keep_all, now=ended + OFFER_GRACE / 2)
    assert kept.to_json()["walletOffers"] == 0 and table_counts(db)["credential_offers"] == 1
    later = ended + OFFER_GRACE + timedelta(minutes=1)
    gone = run_retention(repositories(db), policy=keep_all, now=later)
    assert gone.to_json()["walletOffers"] == 1 and table_counts(db)["credential_offers"] == 0
    assert table_counts(db)["credentials"] == 1  # the credential itself stays
