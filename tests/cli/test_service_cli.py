"""The service commands: ``tessera db upgrade``, ``issuers create/list``, ``keys rotate``, and
end to end with real processes: ``tessera serve`` + ``tessera awards upload``, and two
``tessera serve`` processes issuing into one PostgreSQL database at once."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import TESSERA, Cli, run_tessera, service_env
from conftest import SERVICE_BASE_URL, postgres_schema, verify_offline
from sqlalchemy import inspect, text
from typer.testing import Result

from service.app.access import authenticate
from service.app.engine import build_engine
from service.config import Settings
from service.store import Database, Repositories
from service.store.models import Base

BASE_URL = SERVICE_BASE_URL


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Database) -> Cli:
    """The CLI on the test database (SQLite file or the session's PostgreSQL schema)."""
    return Cli(monkeypatch, service_env(tmp_path, TESSERA_DATABASE_URL=db.url))


def created(result: Result) -> tuple[str, str, str]:
    """(slug, DID, API key) from ``issuers create`` output."""
    assert result.exit_code == 0, result.output
    slug = re.search(r"created provider (\S+)", result.output)
    did = re.search(r"DID\s+(did:web:\S+)", result.output)
    token = re.search(r"API key\s+(tsk_\S+)", result.output)
    assert slug and did and token, result.output
    return slug.group(1), did.group(1), token.group(1)


def test_db_upgrade_on_the_embedded_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(monkeypatch, service_env(tmp_path))
    result = cli("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert "newest schema (sqlite)" in result.output
    database = Database(f"sqlite:///{tmp_path / 'data' / 'tessera.db'}")
    try:
        assert set(Base.metadata.tables) <= set(inspect(database.engine).get_table_names())
    finally:
        database.dispose()
    assert cli("db", "upgrade").exit_code == 0


@pytest.mark.postgres
def test_db_upgrade_on_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    with postgres_schema(postgres_url) as url:
        result = Cli(monkeypatch, service_env(tmp_path, TESSERA_DATABASE_URL=url))("db", "upgrade")
        assert result.exit_code == 0, result.output
        assert "newest schema (postgresql)" in result.output
        database = Database(url)
        try:
            assert set(Base.metadata.tables) <= set(inspect(database.engine).get_table_names())
        finally:
            database.dispose()


def test_issuers_create_prints_the_did_and_an_api_key_once(cli: Cli, db: Database) -> None:
    slug, did, token = created(
        cli("issuers", "create", "--name", "Acme Welding GmbH", "--url", "https://acme.example/")
    )

    assert slug == "acme-welding-gmbh"
    assert did == "did:web:credentials.example.org:issuers:acme-welding-gmbh"
    with db.transaction() as session:
        repo = Repositories(session)
        key = authenticate(repo, token)
        issuer = repo.providers.issuer_by_slug(slug)
        assert key.issuer_id == issuer.id
        assert set(key.scopes.split()) == {"issue", "revoke", "admin", "outcomes"}
        assert issuer.url == "https://acme.example/"

    listing = cli("issuers", "list")
    assert listing.exit_code == 0
    assert re.search(rf"^{slug}\s+{re.escape(did)}\s+Acme Welding GmbH$", listing.output, re.M)
    assert token not in listing.output and "tsk_" not in listing.output


def test_issuers_create_refuses_a_taken_slug(cli: Cli) -> None:
    created(cli("issuers", "create", "--name", "Acme", "--slug", "acme"))
    again = cli("issuers", "create", "--name", "Other Acme", "--slug", "acme")
    assert again.exit_code == 2
    assert "already exists" in again.output
    bad = cli("issuers", "create", "--name", "Bad", "--slug", "Not A Slug")
    assert bad.exit_code == 2


def test_a_provider_without_a_domain_gets_a_did_key(cli: Cli, db: Database) -> None:
    result = cli("issuers", "create", "--name", "Mobile Training Team", "--did-method", "key")

    assert result.exit_code == 0, result.output
    did = re.search(r"DID\s+(\S+)", result.output)
    assert did and did.group(1).startswith("did:key:z6Mk")
    assert "did.json" not in result.output  # nothing to publish: the DID is the key
    with db.transaction() as session:
        repo = Repositories(session)
        issuer = repo.providers.issuer_by_slug("mobile-training-team")
        key = repo.providers.active_key(issuer.id)
    assert issuer.did == did.group(1)
    assert key.verification_method == f"{did.group(1)}#{did.group(1).removeprefix('did:key:')}"

    rotate = cli("keys", "rotate", "mobile-training-team")
    assert rotate.exit_code == 2
    assert "did:web provider" in rotate.output
    unknown = cli("issuers", "create", "--name", "Other", "--did-method", "peer")
    assert unknown.exit_code == 2
    assert "web or key" in unknown.output


def test_keys_rotate(cli: Cli, db: Database) -> None:
    slug, did, _ = created(cli("issuers", "create", "--name", "Acme"))
    with db.transaction() as session:
        first = Repositories(session).providers.active_key(
            Repositories(session).providers.issuer_by_slug(slug).id
        )

    result = cli("keys", "rotate", slug)

    assert result.exit_code == 0, result.output
    new_vm = re.search(r"new signing key (\S+)", result.output)
    assert new_vm and new_vm.group(1).startswith(f"{did}#z6Mk")
    with db.transaction() as session:
        repo = Repositories(session)
        keys = repo.providers.issuer_keys(repo.providers.issuer_by_slug(slug).id)
        assert [k.verification_method for k in keys] == [first.verification_method, new_vm.group(1)]
        assert repo.providers.active_key(keys[0].issuer_id).verification_method == new_vm.group(1)
        actions = [(a.action, a.actor) for a in repo.audit.log(keys[0].issuer_id, limit=1)]
    assert actions == [("key.create", "cli")]

    unknown = cli("keys", "rotate", "no-such-provider")
    assert unknown.exit_code == 2
    assert "no-such-provider" in unknown.output


# -- real processes -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_serving(
    env: dict[str, str], port: int, log: Path, *extra: str
) -> subprocess.Popen[bytes]:
    """``tessera serve --port PORT EXTRA`` in a new process, its output in ``log``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    with log.open("wb") as output:
        return subprocess.Popen(
            [*TESSERA, "serve", "--port", str(port), *extra],
            env={**clean, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_until_serving(process: subprocess.Popen[bytes], log: Path, url: str) -> None:
    """Return once ``url``/healthz answers; fail with the log if the server exits or hangs."""
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"tessera serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"tessera serve did not answer /healthz:\n{log.read_text()}")
        time.sleep(0.2)


@contextmanager
def serving(env: dict[str, str], *ports: int, logs: Path) -> Iterator[list[str]]:
    """``tessera serve`` on each port, all started at once, until the block ends; yields
    their URLs once every /healthz answers."""
    servers: list[tuple[subprocess.Popen[bytes], Path, str]] = []
    try:
        for port in ports:
            log = logs / f"serve-{port}.log"
            servers.append((start_serving(env, port, log), log, f"http://127.0.0.1:{port}"))
        for process, log, url in servers:
            wait_until_serving(process, log, url)
        yield [url for _, _, url in servers]
    finally:
        for process, _, _ in servers:
            process.terminate()
        for process, _, _ in servers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:  # pragma: no cover - only if shutdown hangs
                process.kill()
                process.wait()


def create_provider(env: dict[str, str], name: str) -> tuple[str, str, str]:
    done = run_tessera(env, "issuers", "create", "--name", name)
    assert done.returncode == 0, done.stderr
    slug = re.search(r"created provider (\S+)", done.stdout)
    did = re.search(r"DID\s+(did:web:\S+)", done.stdout)
    token = re.search(r"API key\s+(tsk_\S+)", done.stdout)
    assert slug and did and token, done.stdout
    return slug.group(1), did.group(1), token.group(1)


def create_module(url: str, slug: str, token: str) -> str:
    response = httpx.post(
        f"{url}/issuers/{slug}/modules",
        json={
            "defaultLanguage": "en",
            "code": "FORK-1",
            "name": {"en": "Forklift safety", "ar": "السلامة في قيادة الرافعة الشوكية"},
            "eqfLevel": 2,
            "iscedField": "1041",
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def credential_count(url: str, slug: str, token: str) -> int:
    total, offset = 0, 0
    while True:
        page = httpx.get(
            f"{url}/issuers/{slug}/credentials",
            params={"limit": 500, "offset": offset},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        total += len(page)
        offset += 500
        if len(page) < 500:
            return total


def test_serve_and_upload_a_cohort_end_to_end(tmp_path: Path) -> None:
    """The 150-row cohort is above the job threshold set here: the service queues it as a
    background job (run in the service process on SQLite) and the CLI follows it."""
    port = free_port()
    env = service_env(
        tmp_path, TESSERA_BASE_URL=f"http://127.0.0.1:{port}", TESSERA_JOB_THRESHOLD="100"
    )
    slug, did, token = create_provider(env, "Forklift Academy")
    cohort = tmp_path / "cohort.csv"
    rows = [f"Learner {i:03d};2025-06-{1 + i % 28:02d};E-{i:03d}" for i in range(150)]
    cohort.write_text(
        "\ufefflearnerName;completedOn;learnerId\r\n" + "\r\n".join(rows) + "\r\n", encoding="utf-8"
    )
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "learnerName,completedOn,nationality\nA,2025-06-01,\nB,not-a-date,\nC,2025-06-01,SY\n",
        encoding="utf-8",
    )

    with serving(env, port, logs=tmp_path) as (url,):
        module_id = create_module(url, slug, token)
        upload = [
            "awards", "upload", "--issuer", slug, "--module", module_id,
            "--api-key", token, "--url", url,
        ]  # fmt: skip
        done = run_tessera(env, *upload[:2], str(cohort), *upload[2:])
        assert done.returncode == 0, done.stderr + done.stdout
        # Not a terminal: plain progress lines on stderr, and the result alone on stdout.
        assert "issued 150 credentials (job " in done.stdout
        assert done.stdout.count("\n") == 1, done.stdout
        assert "queued as job http" in done.stderr and ": 150 rows" in done.stderr
        assert "150/150 rows" in done.stderr  # the job's bar counts rows, not kilobytes
        assert credential_count(url, slug, token) == 150

        refused = run_tessera(env, *upload[:2], str(broken), *upload[2:])
        assert refused.returncode == 2
        assert "row 2: $.completedOn" in refused.stderr
        assert "row 3: $.nationality" in refused.stderr
        assert credential_count(url, slug, token) == 150

        # Above the threshold the job checks the rows: same refusal, same exit code.
        big = tmp_path / "broken-big.csv"
        lines = [f"Learner {i:03d},2025-06-01" for i in range(120)]
        lines[4], lines[76] = "E,not-a-date", ",2025-06-01"
        big.write_text("learnerName,completedOn\n" + "\n".join(lines) + "\n", encoding="utf-8")
        failed = run_tessera(env, *upload[:2], str(big), *upload[2:])
        assert failed.returncode == 2, failed.stderr + failed.stdout
        assert "2 of 120 rows have errors (rows 5, 77); nothing was issued" in failed.stderr
        assert "row 5: $.completedOn" in failed.stderr
        assert credential_count(url, slug, token) == 150

        listed = httpx.get(
            f"{url}/issuers/{slug}/credentials",
            params={"limit": 1},
            headers={"Authorization": f"Bearer {token}"},
        ).json()[0]
        document = httpx.get(
            f"{url}/issuers/{slug}/credentials/{listed['id']}",
            headers={"Authorization": f"Bearer {token}"},
        ).json()["verifiableCredential"]
        did_document = httpx.get(f"{url}/issuers/{slug}/did.json").json()

    settings = Settings(data_dir=tmp_path / "data", keys_dir=tmp_path / "keys")
    result = verify_offline(build_engine(settings), document, {did: did_document})
    assert result.verified, [c.to_json() for c in result.checks]
    assert did == f"did:web:127.0.0.1%3A{port}:issuers:{slug}"


@pytest.mark.postgres
def test_two_service_processes_share_one_postgresql_database(
    tmp_path: Path, postgres_url: str
) -> None:
    """Two `tessera serve` processes start on an empty schema at once (both migrate) and
    issue concurrently into it: every credential is stored once, none is lost."""
    ports = [free_port(), free_port()]
    with postgres_schema(postgres_url) as database_url:
        env = service_env(tmp_path, TESSERA_DATABASE_URL=database_url)
        with serving(env, *ports, logs=tmp_path) as (first, second):
            slug, _, token = create_provider(env, "Shared Database Academy")
            headers = {"Authorization": f"Bearer {token}"}
            module_id = create_module(first, slug, token)
            results: list[tuple[int, Any]] = []

            def issue(url: str, group: int) -> None:
                body = {
                    "moduleId": module_id,
                    "awards": [
                        {"learnerName": f"Group {group} learner {i}", "completedOn": "2025-06-30"}
                        for i in range(70)  # more than PoolSigner signs in-process
                    ],
                }
                response = httpx.post(
                    f"{url}/issuers/{slug}/awards/batch", json=body, headers=headers, timeout=120
                )
                results.append((response.status_code, response.json()))

            def retry(url: str) -> None:
                # The same cohort sent to both processes with one key: one set of records.
                body = {
                    "moduleId": module_id,
                    "awards": [{"learnerName": "Retried", "completedOn": "2025-06-30"}],
                }
                response = httpx.post(
                    f"{url}/issuers/{slug}/awards/batch",
                    json=body,
                    headers={**headers, "Idempotency-Key": "retry-1"},
                    timeout=120,
                )
                results.append((response.status_code, response.json()))

            threads = [
                threading.Thread(target=issue, args=(url, group))
                for group, url in enumerate([first, second, first, second])
            ] + [threading.Thread(target=retry, args=(url,)) for url in (first, second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=180)

            assert [status for status, _ in results] == [201] * 6, [
                b for s, b in results if s != 201
            ]
            cohorts = [body for _, body in results if body["issued"] == 70]
            retried = [body for _, body in results if body["issued"] == 1]
            assert len(cohorts) == 4 and len(retried) == 2
            # One stored the credential and shows the learner's new wallet address; the other
            # replays it (the address is shown once: only its hash is kept).
            assert sorted(len(body["walletLinks"]) for body in retried) == [0, 1]
            assert [{**body, "walletLinks": []} for body in retried] == [
                {**retried[0], "walletLinks": []}
            ] * 2
            ids = [i for body in cohorts + retried[:1] for i in body["credentialIds"]]
            assert len(ids) == len(set(ids)) == 281
            assert credential_count(second, slug, token) == 281

        database = Database(database_url)
        try:
            with database.engine.connect() as connection:
                stored = (
                    connection.execute(text("SELECT document FROM credentials")).scalars().all()
                )
                names = connection.execute(
                    text("SELECT learner_name, COUNT(*) FROM credentials GROUP BY learner_name")
                ).all()
                issue_events = connection.execute(
                    text("SELECT COUNT(*) FROM audit_log WHERE action = 'credential.issue'")
                ).scalar_one()
        finally:
            database.dispose()
    assert sorted(d["id"] for d in stored) == sorted(ids)
    assert len(names) == 281 and all(count == 1 for _, count in names)
    assert issue_events == 281


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) for every process, from /proc (Linux)."""
    table: dict[int, tuple[int, str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        table[int(stat.parent.name)] = (int(fields[1]), fields[0])
    return table


def descendants(pid: int) -> set[int]:
    table = _process_table()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pids: set[int]) -> set[int]:
    """The ``pids`` still running (a zombie has ended: it holds no port and runs no code)."""
    table = _process_table()
    return {pid for pid in pids if pid in table and table[pid][1] != "Z"}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("servers", [1, 2])
def test_a_restart_after_kill_9_works_at_once(tmp_path: Path, servers: int) -> None:
    """`kill -9` of `tessera serve` takes its server and signing worker processes with it:
    they neither keep the port nor run on, so the service starts again on the same port at
    once."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = service_env(tmp_path, TESSERA_BASE_URL=url)
    slug, _, token = create_provider(env, "Restart Academy")
    first = start_serving(env, port, tmp_path / "first.log", "--workers", str(servers))
    try:
        wait_until_serving(first, tmp_path / "first.log", url)
        module_id = create_module(url, slug, token)
        body = {
            "moduleId": module_id,
            "awards": [
                {"learnerName": f"Learner {i}", "completedOn": "2025-06-30"}
                for i in range(70)  # more than PoolSigner signs in-process: workers start
            ],
        }
        response = httpx.post(
            f"{url}/issuers/{slug}/awards/batch",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        assert response.status_code == 201, response.text
        workers = descendants(first.pid)
        assert workers, "the batch was signed without worker processes"
    finally:
        first.kill()
        first.wait()

    with serving(env, port, logs=tmp_path) as (restarted,):
        assert httpx.get(f"{restarted}/healthz", timeout=5).status_code == 200
    # Workers that were still starting up end as soon as their interpreter is ready.
    deadline = time.monotonic() + 20
    while running(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(workers), f"processes outlived tessera serve: {running(workers)}"


def test_a_cohort_file_over_the_limit_is_refused_before_the_upload(tmp_path: Path) -> None:
    from service.credentials.cohort import MAX_CSV_BYTES

    huge = tmp_path / "cohort.csv"
    with huge.open("wb") as file:  # sparse: no disk written
        file.truncate(MAX_CSV_BYTES + 1)
    refused = run_tessera(
        service_env(tmp_path),
        "awards", "upload", str(huge), "--issuer", "x", "--module", "y", "--api-key", "z",
        "--url", "http://127.0.0.1:9",  # never contacted
    )  # fmt: skip
    assert refused.returncode == 2
    assert "larger than 128 MiB" in refused.stderr and "Split the cohort" in refused.stderr
