"""The pinned JSON-LD context store and its strict, offline document loader."""

from __future__ import annotations

import json
import re
import shutil
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import CONTEXTS_BUNDLE
from factories import open_badge_credential, small_credential

from service.contexts import (
    BUNDLED_DIR,
    CREDENTIALS_V2,
    OPEN_BADGES_V3,
    TESSERA_V1,
    ContextStore,
    context_digest,
    load_manifest,
    sha256_hex,
)
from service.dids import StaticResolver
from service.errors import ContextIntegrityError, TesseraError, UntrustedContextError
from service.keys import Ed25519Signer
from service.proofs import Canonicalizer, sign, verification_suites
from service.verification.pipeline import Verifier, verify_credential

MANIFEST = load_manifest()
THIRD_PARTY = [pin for pin in MANIFEST if not pin.bundled]
CITIZENSHIP = "https://w3id.org/citizenship/v4rc1"
UNTRUSTED = "https://evil.example/contexts/v1"


def _bundle_readme_digests() -> dict[str, str]:
    """file name -> sha256 from the bundle's README table (the published provenance)."""
    readme = (CONTEXTS_BUNDLE / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([^`]+)` \|.*\| ([0-9a-f]{64}) \|$", readme, flags=re.M))


@pytest.fixture
def bundle_copy(tmp_path: Path) -> Path:
    """A scratch copy of the offline bundle (outside the repository) that a test may alter."""
    target = tmp_path / "bundle"
    shutil.copytree(CONTEXTS_BUNDLE, target)
    return target


# -- the manifest ---------------------------------------------------------------------------


def test_manifest_urls_are_unique_https() -> None:
    urls = [pin.url for pin in MANIFEST]
    assert len(urls) == len(set(urls))
    assert all(url.startswith("https://") for url in urls)


@pytest.mark.parametrize("pin", THIRD_PARTY, ids=lambda p: p.file)
def test_manifest_pin_matches_the_bundle_file(pin: Any) -> None:
    data = (CONTEXTS_BUNDLE / pin.file).read_bytes()
    assert sha256_hex(data) == _bundle_readme_digests()[pin.file]  # the file the README describes
    assert context_digest(pin.url, data) == pin.sha256


@pytest.mark.parametrize(
    "url",
    [
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        OPEN_BADGES_V3,
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json",
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/dcc/v1",
        "https://w3id.org/vc/status-list/2021/v1",
        "https://www.w3.org/2018/credentials/v1",
    ],
)
def test_the_contexts_of_credentials_in_circulation_are_pinned(url: str) -> None:
    assert url in {pin.url for pin in THIRD_PARTY}


def test_credentials_v2_pin_is_the_document_whose_digest_the_spec_publishes() -> None:
    (pin,) = [p for p in MANIFEST if p.url == CREDENTIALS_V2]
    data = (CONTEXTS_BUNDLE / pin.file).read_bytes()
    assert sha256_hex(data) == "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    assert context_digest(CREDENTIALS_V2, data) == pin.sha256


def test_the_pin_survives_reformatting_but_not_a_change_of_meaning() -> None:
    data = (CONTEXTS_BUNDLE / "ob-v3p0-context-3.0.3.json").read_bytes()
    document = json.loads(data)
    pin = context_digest(OPEN_BADGES_V3, data)
    reformatted = json.dumps(document, indent=4, sort_keys=True, ensure_ascii=True).encode()
    assert reformatted != data and context_digest(OPEN_BADGES_V3, reformatted) == pin
    changed = json.dumps(document).replace("https://schema.org/", "https://evil.example/")
    assert context_digest(OPEN_BADGES_V3, changed.encode()) != pin
    with pytest.raises(ContextIntegrityError, match="duplicate key"):
        context_digest(OPEN_BADGES_V3, b'{"@context": {}, "@context": {"@vocab": "x:"}}')


def test_own_context_matches_its_pin(tmp_path: Path) -> None:
    (pin,) = [p for p in MANIFEST if p.bundled]
    assert pin.url == TESSERA_V1
    assert context_digest(pin.url, (BUNDLED_DIR / pin.file).read_bytes()) == pin.sha256
    store = ContextStore(tmp_path)  # nothing installed: the own context ships with the code
    assert store.is_installed(TESSERA_V1)
    assert "eqfLevel" in store.get(TESSERA_V1)["@context"]


def test_citizenship_context_is_not_trusted_by_default() -> None:
    assert CITIZENSHIP not in {pin.url for pin in MANIFEST}


# -- installing -----------------------------------------------------------------------------


def test_install_from_bundle(tmp_path: Path) -> None:
    store = ContextStore(tmp_path / "contexts")
    assert sorted(store.missing()) == sorted(pin.url for pin in THIRD_PARTY)
    installed = store.install_from_dir(CONTEXTS_BUNDLE)
    assert sorted(installed) == sorted(pin.url for pin in THIRD_PARTY)
    assert store.missing() == []
    for pin in THIRD_PARTY:
        stored = tmp_path / "contexts" / f"{pin.sha256}.jsonld"
        assert stored.read_bytes() == (CONTEXTS_BUNDLE / pin.file).read_bytes()
        assert "@context" in store.get(pin.url)


def test_bundle_with_one_altered_byte_is_refused_and_nothing_installed(
    tmp_path: Path, bundle_copy: Path
) -> None:
    target = bundle_copy / "ob-v3p0-context-3.0.3.json"
    data = bytearray(target.read_bytes())
    data[200] ^= 0x01
    target.write_bytes(bytes(data))
    store = ContextStore(tmp_path / "contexts")
    with pytest.raises(ContextIntegrityError) as caught:
        store.install_from_dir(bundle_copy)
    assert OPEN_BADGES_V3 in str(caught.value)
    assert not (tmp_path / "contexts").exists() or not list((tmp_path / "contexts").iterdir())
    assert sorted(store.missing()) == sorted(pin.url for pin in THIRD_PARTY)


def test_bundle_missing_a_file_is_refused_naming_the_url(tmp_path: Path, bundle_copy: Path) -> None:
    (bundle_copy / "multikey-v1.jsonld").unlink()
    store = ContextStore(tmp_path / "contexts")
    with pytest.raises(
        ContextIntegrityError, match=re.escape("https://w3id.org/security/multikey/v1")
    ):
        store.install_from_dir(bundle_copy)
    assert store.missing()


def test_bundle_file_is_found_by_hash_under_another_name(tmp_path: Path, bundle_copy: Path) -> None:
    (bundle_copy / "multikey-v1.jsonld").rename(bundle_copy / "renamed.json")
    store = ContextStore(tmp_path / "contexts")
    assert "https://w3id.org/security/multikey/v1" in store.install_from_dir(bundle_copy)
    assert store.missing() == []


def test_install_from_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TesseraError, match="not a directory"):
        ContextStore(tmp_path / "contexts").install_from_dir(tmp_path / "nope")


def test_installed_file_changed_on_disk_is_refused_on_load(tmp_path: Path) -> None:
    store = ContextStore(tmp_path)
    store.install_from_dir(CONTEXTS_BUNDLE)
    (pin,) = [p for p in THIRD_PARTY if p.url == CREDENTIALS_V2]
    stored = tmp_path / f"{pin.sha256}.jsonld"
    stored.write_bytes(
        stored.read_bytes().replace(b"https://schema.org/name", b"https://evil.example/name")
    )
    with pytest.raises(ContextIntegrityError, match=re.escape(CREDENTIALS_V2)):
        ContextStore(tmp_path).get(CREDENTIALS_V2)


def test_install_from_web_checks_every_download(tmp_path: Path) -> None:
    files = {pin.url: (CONTEXTS_BUNDLE / pin.file).read_bytes() for pin in THIRD_PARTY}
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        if url == OPEN_BADGES_V3:  # served with another meaning
            return files[url].replace(b"https://schema.org/", b"https://evil.example/")
        return files[url]

    store = ContextStore(tmp_path)
    with pytest.raises(ContextIntegrityError, match=re.escape(OPEN_BADGES_V3)):
        store.install_from_web(fetch)
    assert sorted(store.missing()) == sorted(files)  # nothing half-installed
    assert store.install_from_web(files.__getitem__)
    assert store.missing() == []


def test_install_from_web_accepts_the_served_formatting(tmp_path: Path) -> None:
    """A URL may serve its context with other whitespace and key order than the bundle copy."""

    def fetch(url: str) -> bytes:
        (pin,) = [p for p in THIRD_PARTY if p.url == url]
        document = json.loads((CONTEXTS_BUNDLE / pin.file).read_bytes())
        return json.dumps(document, indent=1, sort_keys=True).encode()

    store = ContextStore(tmp_path)
    assert sorted(store.install_from_web(fetch)) == sorted(pin.url for pin in THIRD_PARTY)
    assert store.missing() == []
    for pin in THIRD_PARTY:
        assert ContextStore(tmp_path).get(pin.url) == json.loads(
            (CONTEXTS_BUNDLE / pin.file).read_bytes()
        )


# -- operator pins ----------------------------------------------------------------------------


def test_add_pins_a_new_context(tmp_path: Path) -> None:
    data = (CONTEXTS_BUNDLE / "citizenship-v4rc1.jsonld").read_bytes()
    store = ContextStore(tmp_path)
    pin = store.add(CITIZENSHIP, data)
    assert pin.sha256 == context_digest(CITIZENSHIP, data) and pin.operator
    reopened = ContextStore(tmp_path)  # the pin is persisted
    assert reopened.is_trusted(CITIZENSHIP) and reopened.is_installed(CITIZENSHIP)
    assert reopened.pins()[CITIZENSHIP].sha256 == context_digest(CITIZENSHIP, data)
    assert reopened.get(CITIZENSHIP) == json.loads(data)
    store.add(CITIZENSHIP, data)  # the same bytes again: fine


def test_an_operator_pin_of_raw_bytes_from_before_canonical_pins_still_loads(
    tmp_path: Path,
) -> None:
    data = (CONTEXTS_BUNDLE / "citizenship-v4rc1.jsonld").read_bytes()
    raw = sha256_hex(data)
    (tmp_path / "pins.json").write_text(json.dumps({CITIZENSHIP: raw}), encoding="utf-8")
    (tmp_path / f"{raw}.jsonld").write_bytes(data)
    assert ContextStore(tmp_path).get(CITIZENSHIP) == json.loads(data)
    (tmp_path / f"{raw}.jsonld").write_bytes(data.replace(b"schema.org", b"evil.example"))
    with pytest.raises(ContextIntegrityError, match=re.escape(CITIZENSHIP)):
        ContextStore(tmp_path).get(CITIZENSHIP)


def test_add_refuses_other_bytes_for_a_pinned_url(tmp_path: Path) -> None:
    data = (CONTEXTS_BUNDLE / "citizenship-v4rc1.jsonld").read_bytes()
    store = ContextStore(tmp_path)
    store.add(CITIZENSHIP, data)
    ContextStore(tmp_path).add(CITIZENSHIP, data + b"\n")  # the same document, reformatted
    with pytest.raises(ContextIntegrityError, match="already pinned"):
        ContextStore(tmp_path).add(CITIZENSHIP, data.replace(b"schema.org", b"evil.example"))
    assert ContextStore(tmp_path).pins()[CITIZENSHIP].sha256 == context_digest(CITIZENSHIP, data)


def test_add_cannot_override_a_manifest_pin(tmp_path: Path) -> None:
    with pytest.raises(ContextIntegrityError, match="already pinned"):
        ContextStore(tmp_path).add(
            CREDENTIALS_V2, b'{"@context": {"@vocab": "https://evil.example/"}}'
        )


def test_added_file_changed_later_is_refused(tmp_path: Path) -> None:
    data = (CONTEXTS_BUNDLE / "citizenship-v4rc1.jsonld").read_bytes()
    pin = ContextStore(tmp_path).add(CITIZENSHIP, data)
    (tmp_path / f"{pin.sha256}.jsonld").write_bytes(data.replace(b"schema.org", b"evil.example"))
    with pytest.raises(ContextIntegrityError, match=re.escape(CITIZENSHIP)):
        ContextStore(tmp_path).get(CITIZENSHIP)


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("http://example.org/ctx", b'{"@context": {}}', "https://"),
        ("https://example.org/ctx", b"not json", "not valid JSON"),
        ("https://example.org/ctx", b'{"name": "x"}', "no top-level @context"),
        ("https://example.org/ctx", b"[1, 2]", "no top-level @context"),
    ],
)
def test_add_refuses_bad_input(tmp_path: Path, url: str, data: bytes, message: str) -> None:
    store = ContextStore(tmp_path)
    with pytest.raises(TesseraError, match=message):
        store.add(url, data)
    assert not store.is_trusted(url)


# -- loading ------------------------------------------------------------------------------------


def test_untrusted_url_is_refused_naming_it(context_store: ContextStore) -> None:
    with pytest.raises(UntrustedContextError) as caught:
        context_store.get(UNTRUSTED)
    assert caught.value.url == UNTRUSTED
    assert UNTRUSTED in str(caught.value)
    with pytest.raises(UntrustedContextError, match=re.escape(UNTRUSTED)):
        context_store.document_loader()(UNTRUSTED, {})


def test_trusted_but_not_installed_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(UntrustedContextError, match="contexts install"):
        ContextStore(tmp_path).get(CREDENTIALS_V2)


def test_loader_returns_private_copies(context_store: ContextStore) -> None:
    load = context_store.document_loader()
    first = load(CREDENTIALS_V2, {})
    assert first["documentUrl"] == CREDENTIALS_V2 and first["contextUrl"] is None
    pristine = json.dumps(first["document"], sort_keys=True)
    first["document"]["@context"]["name"] = "https://evil.example/name"
    first["document"]["@context"]["@vocab"] = "https://evil.example/"
    assert json.dumps(load(CREDENTIALS_V2, {})["document"], sort_keys=True) == pristine
    got = context_store.get(OPEN_BADGES_V3)
    got.clear()
    assert context_store.get(OPEN_BADGES_V3)


def test_loader_serves_the_exact_pinned_document(context_store: ContextStore) -> None:
    for pin in THIRD_PARTY:
        assert context_store.get(pin.url) == json.loads((CONTEXTS_BUNDLE / pin.file).read_bytes())


def test_sign_and_verify_make_no_network_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vector_signer: Ed25519Signer
) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    store = ContextStore(tmp_path)  # fresh: nothing cached from other tests
    store.install_from_dir(CONTEXTS_BUNDLE)
    canonicalizer = Canonicalizer(loader=store.document_loader())
    verifier = Verifier(
        contexts=store, suites=verification_suites(canonicalizer), resolver=StaticResolver()
    )
    now = datetime(2025, 6, 1, tzinfo=UTC)
    for credential in (small_credential(), open_badge_credential()):
        for cryptosuite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
            signed = sign(
                credential,
                signer=vector_signer,
                canonicalizer=canonicalizer,
                created=datetime(2025, 3, 1, tzinfo=UTC),
                cryptosuite=cryptosuite,
            )
            assert verify_credential(signed, verifier=verifier, now=now).verified
    untrusted = small_credential()
    untrusted["@context"] = [CREDENTIALS_V2, UNTRUSTED]
    with pytest.raises(UntrustedContextError):
        canonicalizer.canonicalize(untrusted)
    assert (
        verify_credential(untrusted, verifier=verifier, now=now).check("context").status == "failed"
    )
    assert attempts == []
