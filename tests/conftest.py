"""Shared fixtures: the offline context bundle, an installed context store, the W3C vector key,
settings pointing at temporary directories, and the reference JavaScript harness."""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from factories import module_data, status_entries
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service.app.engine import Engine, build_engine
from service.config import Settings
from service.contexts import ContextStore
from service.dids import StaticResolver
from service.keys import Ed25519Signer, decode_secret_multikey
from service.proofs import Canonicalizer
from service.store import Database, Repositories
from service.store.models import Base, IssuerRow
from service.verification.pipeline import VerificationResult, verify_credential

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "interop"))


def shared_dir() -> Path:
    """../shared beside the checkout (or TESSERA_SHARED_DIR): third-party contexts and vectors."""
    configured = os.environ.get("TESSERA_SHARED_DIR")
    path = Path(configured) if configured else ROOT.parent / "shared"
    if not (path / "contexts").is_dir():
        pytest.exit(
            f"The offline bundle is missing: expected {path}/contexts and {path}/vectors. "
            "Set TESSERA_SHARED_DIR to the folder that holds them.",
            returncode=2,
        )
    return path


SHARED = shared_dir()
CONTEXTS_BUNDLE = SHARED / "contexts"
VECTORS = SHARED / "vectors"
W3C_VECTORS = VECTORS / "w3c-vc-di-eddsa" / "TestVectors"
W3C_VM = (
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
)


def read_json(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def context_store(tmp_path_factory: pytest.TempPathFactory) -> ContextStore:
    """A context store with the pinned bundle installed (shared, read-only by convention)."""
    store = ContextStore(tmp_path_factory.mktemp("contexts"))
    store.install_from_dir(CONTEXTS_BUNDLE)
    return store


@pytest.fixture(scope="session")
def canonicalizer(context_store: ContextStore) -> Canonicalizer:
    return Canonicalizer(loader=context_store.document_loader())


@pytest.fixture(scope="session")
def vector_signer() -> Ed25519Signer:
    """The W3C vc-di-eddsa test key (public test material, not a secret)."""
    pair = read_json(W3C_VECTORS / "keyPair.json")
    return Ed25519Signer(
        decode_secret_multikey(pair["privateKeyMultibase"]), verification_method=W3C_VM
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated in a temporary directory, contexts installed from the bundle."""
    made = Settings(
        data_dir=tmp_path / "data",
        keys_dir=tmp_path / "keys",
        key_passphrase="correct horse battery staple",  # type: ignore[arg-type]
        key_kdf="interactive",
        contexts_bundle=CONTEXTS_BUNDLE,
    )
    ContextStore(made.contexts_dir).install_from_dir(CONTEXTS_BUNDLE)
    return made


@pytest.fixture
def engine(settings: Settings) -> Engine:
    return build_engine(settings)


@pytest.fixture(scope="session")
def node() -> Iterator[object]:
    """The reference JavaScript stack (@digitalbazaar/vc) as a long-lived Node process."""
    from node_harness import NodeHarness, ensure_node_modules

    ensure_node_modules()
    harness = NodeHarness()
    harness.start([CONTEXTS_BUNDLE, ROOT / "schemas" / "contexts"])
    yield harness
    harness.close()


# -- the issuing service: databases, providers, the app ----------------------------------
#
# Every store and API test runs twice: on a fresh SQLite file and on PostgreSQL. PostgreSQL
# gets one schema per test session (migrated once with Alembic, truncated before each test,
# dropped at the end); the server comes from TESSERA_TEST_POSTGRES_URL.

POSTGRES_URL = os.environ.get(
    "TESSERA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("TESSERA_TEST_REQUIRE_POSTGRES") == "1"
SERVICE_BASE_URL = "https://credentials.example.org"
SERVICE_HOST = "credentials.example.org"


def schema_url(url: str, schema: str) -> str:
    """``url`` with every connection's ``search_path`` set to ``schema`` (libpq ``options``),
    so a plain URL (``TESSERA_DATABASE_URL`` of a `tessera serve` process) reaches it too."""
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@functools.cache
def _postgres_problem() -> str | None:
    """Why the test PostgreSQL server cannot be used, or None when it can."""
    try:
        probe = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        try:
            with probe.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            probe.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test server's URL. Unreachable: skip, or fail under TESSERA_TEST_REQUIRE_POSTGRES=1."""
    problem = _postgres_problem()
    if problem is not None:
        message = (
            f"PostgreSQL at {POSTGRES_URL} is not reachable ({problem}). To run the PostgreSQL "
            "variants, start a server and set TESSERA_TEST_POSTGRES_URL (default "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test); TESSERA_TEST_REQUIRE_POSTGRES=1 "
            "turns this skip into a failure."
        )
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_URL


REDIS_URL = os.environ.get("TESSERA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_REDIS = os.environ.get("TESSERA_TEST_REQUIRE_REDIS") == "1"


@pytest.fixture
def redis_url() -> str:
    """An emptied Redis database for shared state (TESSERA_TEST_REDIS_URL; default db 15).
    Unreachable: skip, or fail under TESSERA_TEST_REQUIRE_REDIS=1."""
    from redis import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except Exception as exc:
        message = (
            f"Redis at {REDIS_URL} is not reachable ({type(exc).__name__}). Start redis-server "
            "or set TESSERA_TEST_REDIS_URL; TESSERA_TEST_REQUIRE_REDIS=1 turns this skip into a "
            "failure."
        )
        if REQUIRE_REDIS:
            pytest.fail(message)
        pytest.skip(message)
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """The URL of a Redis that accepts connections and never answers (a hung server), for
    failure injection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A new, empty schema on the server at ``url``; yields a URL that lives in it, drops it after."""
    schema = f"tessera_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield schema_url(url, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database(postgres_url: str) -> Iterator[Database]:
    """This session's PostgreSQL schema, migrated once."""
    with postgres_schema(postgres_url) as url:
        database = Database(url)
        try:
            database.migrate()
            yield database
        finally:
            database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating costs more than copying)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "tessera.db"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.dispose()  # the last connection checkpoints the WAL into the file
    return path


def truncate_all(database: Database) -> None:
    """Empty every table (TRUNCATE is allowed on the append-only audit log; DELETE is not)."""
    tables = ", ".join(f'"{name}"' for name in Base.metadata.tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A migrated, empty database: a fresh SQLite file, or the session's PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "tessera.db"
        shutil.copyfile(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("postgres_database")
        truncate_all(database)
        yield database


@pytest.fixture
def service_settings(settings: Settings) -> Settings:
    """``settings`` with a public origin of the kind a real deployment has."""
    return settings.model_copy(update={"base_url": SERVICE_BASE_URL})


@pytest.fixture
def service_engine(service_settings: Settings) -> Engine:
    return build_engine(service_settings)


@dataclass(frozen=True)
class Provider:
    """A provider made through the real use case, with its first (admin) API key."""

    issuer: IssuerRow
    token: str

    @property
    def slug(self) -> str:
        return self.issuer.slug

    @property
    def did(self) -> str:
        return self.issuer.did

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_provider(
    db: Database, service_settings: Settings, service_engine: Engine
) -> Callable[..., Provider]:
    """Factory: ``make_provider("Name", slug=..., url=..., suspension=...)`` registers a
    provider (``suspension=True``: its credentials get a suspension entry too)."""
    from service.app.providers import create_issuer

    def make(
        name: str = "Vocational Training Centre Hamburg",
        *,
        slug: str | None = None,
        url: str | None = "https://vtc-hamburg.example/",
        suspension: bool = False,
    ) -> Provider:
        with db.transaction() as session:
            issuer, key = create_issuer(
                Repositories(session),
                service_engine.keys(),
                name=name,
                url=url,
                slug=slug,
                base_url=service_settings.base_url,
                actor="test",
                now=datetime.now(UTC),
                suspension=suspension,
            )
        return Provider(issuer=issuer, token=key.token)

    return make


@pytest.fixture
def provider(make_provider: Callable[..., Provider]) -> Provider:
    return make_provider()


@pytest.fixture
def app(service_settings: Settings, db: Database, service_engine: Engine) -> Any:
    """The FastAPI app on ``db``, signing in this process (fast; one test uses the pool)."""
    from service.api import create_app
    from service.app.signing import LocalSigner

    return create_app(
        service_settings, database=db, signer=LocalSigner(service_engine), migrate=False
    )


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def server(app: Any) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread, for what cannot use the
    in-process client: a real browser (tests/e2e) or a Node.js wallet library (tests/interop).
    Its public origin stays SERVICE_BASE_URL."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not served.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=10)


def award_data(learner: str = "Amina Haddad", **overrides: Any) -> dict[str, Any]:
    """One learner's completion, as a provider's registrar sends it."""
    data: dict[str, Any] = {"learnerName": learner, "completedOn": "2025-06-30"}
    data.update(overrides)
    return data


def cohort(size: int, *, prefix: str = "Learner") -> list[dict[str, Any]]:
    return [award_data(f"{prefix} {i:05d}", learnerId=f"E-{i:05d}") for i in range(1, size + 1)]


def table_counts(database: Database) -> dict[str, int]:
    """Rows per table: the before/after evidence that a refused request wrote nothing."""
    with database.engine.connect() as connection:
        return {
            name: int(connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one())
            for name in Base.metadata.tables
        }


def verify_offline(
    engine: Engine,
    credential: Any,
    did_documents: dict[str, Any],
    *,
    now: datetime | None = None,
    status_lists: Mapping[str, Any] | None = None,
) -> VerificationResult:
    """Tessera's own verifier, resolving keys from the given DID documents only.

    The status check reads ``status_lists`` ({URL: signed list}, see
    :func:`served_status_lists`); without them it is skipped, and the result says so (the
    status itself is the subject of tests/status and tests/verification)."""
    from service.verification.status import FunctionLists, StatusChecker

    verifier = engine.verifier(resolver=StaticResolver(did_documents))
    skip: tuple[str, ...] = ("status",)
    if status_lists is not None:
        lists = dict(status_lists)
        verifier = replace(
            verifier, status=StatusChecker(lists=FunctionLists(lists.get), list_verifier=verifier)
        )
        skip = ()
    return verify_credential(credential, verifier=verifier, now=now or datetime.now(UTC), skip=skip)


def served_status_lists(client: Any, credential: Any) -> dict[str, Any]:
    """{list URL: the signed status list credential this service serves there} for every
    status list a credential names: what a verifier would fetch (no network: ``client``)."""
    lists: dict[str, Any] = {}
    for entry in status_entries(credential):
        url = entry["statusListCredential"]
        assert url.startswith(f"{SERVICE_BASE_URL}/status/"), url
        response = client.get(url.removeprefix(SERVICE_BASE_URL))
        assert response.status_code == 200, response.text
        lists[url] = response.json()
    return lists


def save_status_lists(client: Any, credential: Any, directory: Path) -> Path:
    """Save the lists a credential names where `tessera status fetch --out DIRECTORY` would
    (what an offline verifier has after fetching them); returns ``directory``."""
    from service.verification.status import saved_list_path

    directory.mkdir(parents=True, exist_ok=True)
    for url, document in served_status_lists(client, credential).items():
        saved_list_path(directory, url).write_text(json.dumps(document), encoding="utf-8")
    return directory


@pytest.fixture
def module(client: Any, provider: Provider) -> dict[str, Any]:
    """``module_data()`` defined over the API by ``provider``; the response body."""
    response = client.post(
        f"/issuers/{provider.slug}/modules", json=module_data(), headers=provider.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
