"""Shared fixtures: the offline context bundle, an installed context store, the W3C vector key,
settings pointing at temporary directories, and the reference JavaScript harness."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import Settings
from service.contexts import ContextStore
from service.engine import Engine, build_engine
from service.keys import Ed25519Signer, decode_secret_multikey
from service.proofs import Canonicalizer

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
    return Ed25519Signer(decode_secret_multikey(pair["privateKeyMultibase"]), verification_method=W3C_VM)


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
