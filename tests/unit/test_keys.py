"""Ed25519 keys: Multikey encoding, signatures, and the encrypted local key store."""

from __future__ import annotations

import base64
import json
import pickle
import stat
from pathlib import Path

import nacl.pwhash
import pytest
from conftest import W3C_VECTORS, read_json

from service.encoding import b58encode, b64url_encode, multibase_b58
from service.errors import (
    InputError,
    InvalidSignature,
    KeyExistsError,
    KeyNotFoundError,
    KeyStoreError,
    PassphraseRequiredError,
    WrongPassphraseError,
)
from service.keys import (
    Ed25519Signer,
    KeyStore,
    decode_public_multikey,
    decode_secret_multikey,
    did_key_for,
    encode_public_multikey,
    encode_secret_multikey,
    generate_seed,
    public_key_from_seed,
    verify_signature,
)

PAIR = read_json(W3C_VECTORS / "keyPair.json")
PASSPHRASE = "correct horse battery staple"
SEED = bytes(range(1, 33))


def secret_forms(seed: bytes) -> list[str | bytes]:
    """Every way the seed could leak: raw, hex, base58, base64, base64url, Multikey forms."""
    public = public_key_from_seed(seed)
    return [
        seed,
        seed.hex(),
        seed.hex().upper(),
        b58encode(seed),
        base64.b64encode(seed).decode().rstrip("="),
        b64url_encode(seed),
        encode_secret_multikey(seed),
        multibase_b58(b"\x80\x26" + seed + public),
        (seed + public).hex(),
    ]


def assert_no_secret(text: str | bytes, seed: bytes) -> None:
    for form in secret_forms(seed):
        if isinstance(text, bytes):
            needle = form if isinstance(form, bytes) else form.encode()
        else:
            if isinstance(form, bytes):
                continue
            needle = form
        assert needle not in text, f"secret leaked as {form!r}"


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf="interactive")


# -- Multikey ---------------------------------------------------------------------------------


def test_vector_key_round_trips() -> None:
    seed = decode_secret_multikey(PAIR["privateKeyMultibase"])
    assert len(seed) == 32
    public = public_key_from_seed(seed)
    assert encode_public_multikey(public) == PAIR["publicKeyMultibase"]
    assert decode_public_multikey(PAIR["publicKeyMultibase"]) == public
    assert encode_secret_multikey(seed) == PAIR["privateKeyMultibase"]
    assert PAIR["publicKeyMultibase"].startswith("z6Mk")
    assert PAIR["privateKeyMultibase"].startswith("z3u2")  # 0x8026 + 32-byte seed


def test_secret_key_in_the_64_byte_form_is_accepted() -> None:
    """0x8026 + seed + public key ('zrv…'), as @digitalbazaar/ed25519-multikey exports it."""
    seed = decode_secret_multikey(PAIR["privateKeyMultibase"])
    long_form = multibase_b58(b"\x80\x26" + seed + public_key_from_seed(seed))
    assert long_form.startswith("zrv")
    assert decode_secret_multikey(long_form) == seed


def test_secret_key_whose_halves_disagree_is_refused() -> None:
    seed = decode_secret_multikey(PAIR["privateKeyMultibase"])
    forged = multibase_b58(b"\x80\x26" + seed + public_key_from_seed(SEED))
    with pytest.raises(InputError, match="do not match") as caught:
        decode_secret_multikey(forged)
    assert_no_secret(str(caught.value), seed)


@pytest.mark.parametrize(
    "seed",
    [SEED, bytes(32), b"\xff" * 32, generate_seed()],
    ids=["counting", "zeros", "ones", "random"],
)
def test_public_multikey_round_trip(seed: bytes) -> None:
    public = public_key_from_seed(seed)
    encoded = encode_public_multikey(public)
    assert encoded.startswith("z6Mk")
    assert decode_public_multikey(encoded) == public
    assert decode_secret_multikey(encode_secret_multikey(seed)) == seed


BAD_PUBLIC = {
    "base64url-multibase": "u7QE" + b64url_encode(bytes(32)),
    "no-multibase-prefix": PAIR["publicKeyMultibase"][1:],
    "secp256k1": multibase_b58(b"\xe7\x01" + bytes(33)),
    "p-256-did-key": "zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76",
    "x25519": multibase_b58(b"\xec\x01" + bytes(32)),
    "secret-key-prefix": PAIR["privateKeyMultibase"],
    "too-short": multibase_b58(b"\xed\x01" + bytes(31)),
    "too-long": multibase_b58(b"\xed\x01" + bytes(33)),
    "not-base58": "z6Mk0OIl" + "1" * 40,
    "empty": "z",
}


@pytest.mark.parametrize("value", BAD_PUBLIC.values(), ids=BAD_PUBLIC.keys())
def test_bad_public_multikey_is_refused(value: str) -> None:
    with pytest.raises(InputError):
        decode_public_multikey(value)


BAD_SECRET = {
    "public-key-prefix": PAIR["publicKeyMultibase"],
    "ed25519-pub-codec-with-32-bytes": multibase_b58(b"\xed\x01" + SEED),
    "too-short": multibase_b58(b"\x80\x26" + SEED[:31]),
    "48-bytes": multibase_b58(b"\x80\x26" + SEED + SEED[:16]),
    "not-base58": "z3u2" + "0" * 44,
    "base64url": "u" + b64url_encode(b"\x80\x26" + SEED),
}


@pytest.mark.parametrize("value", BAD_SECRET.values(), ids=BAD_SECRET.keys())
def test_bad_secret_multikey_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_secret_multikey(value)
    assert value[4:20] not in str(caught.value)


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_encoders_refuse_wrong_lengths(length: int) -> None:
    with pytest.raises(InputError):
        encode_public_multikey(bytes(length))
    with pytest.raises(InputError):
        encode_secret_multikey(bytes(length))
    with pytest.raises(InputError):
        Ed25519Signer(bytes(length), verification_method="did:example:1#k")


def test_did_key_for_the_vector_key() -> None:
    public = decode_public_multikey(PAIR["publicKeyMultibase"])
    did, vm = did_key_for(public)
    assert did == f"did:key:{PAIR['publicKeyMultibase']}"
    assert vm == f"{did}#{PAIR['publicKeyMultibase']}"


# -- signatures ---------------------------------------------------------------------------------


def test_sign_and_verify(vector_signer: Ed25519Signer) -> None:
    signature = vector_signer.sign(b"hello")
    assert len(signature) == 64
    verify_signature(public_key=vector_signer.public_key, data=b"hello", signature=signature)
    assert vector_signer.public_key_multibase == PAIR["publicKeyMultibase"]


@pytest.mark.parametrize(
    "case", ["other-data", "flipped-bit", "other-key", "short-signature", "short-key", "bad-point"]
)
def test_bad_signatures_raise_invalid_signature(case: str, vector_signer: Ed25519Signer) -> None:
    signature = vector_signer.sign(b"hello")
    public, data = vector_signer.public_key, b"hello"
    if case == "other-data":
        data = b"hellO"
    elif case == "flipped-bit":
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    elif case == "other-key":
        public = public_key_from_seed(SEED)
    elif case == "short-signature":
        signature = signature[:63]
    elif case == "short-key":
        public = public[:31]
    else:
        public = b"\xff" * 32  # not a point on the curve
    with pytest.raises(InvalidSignature):
        verify_signature(public_key=public, data=data, signature=signature)


def test_signer_repr_and_str_hide_the_seed() -> None:
    signer = Ed25519Signer(SEED, verification_method="did:example:acme#key-1")
    for text in (repr(signer), str(signer), f"{signer}", f"{signer!r}"):
        assert "did:example:acme#key-1" in text
        assert_no_secret(text, SEED)
    assert not hasattr(signer, "__dict__")


def test_signer_cannot_be_pickled() -> None:
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(Ed25519Signer(SEED, verification_method="did:example:acme#key-1"))


# -- the key store ----------------------------------------------------------------------------------


def test_key_is_encrypted_at_rest(store: KeyStore) -> None:
    info = store.import_seed("acme", SEED)
    assert info.encrypted and not info.development
    path = store.directory / "acme.key.json"
    raw = path.read_bytes()
    assert_no_secret(raw, SEED)
    assert_no_secret(raw.decode(), SEED)
    record = json.loads(raw)
    assert "seed" not in record
    assert record["encrypted"]["kdf"] == "argon2id"
    assert record["encrypted"]["opslimit"] == nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
    assert record["encrypted"]["memlimit"] == nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PASSPHRASE not in raw.decode()


def test_right_passphrase_decrypts(store: KeyStore, tmp_path: Path) -> None:
    info = store.import_seed("acme", SEED)
    reopened = KeyStore(store.directory, passphrase=PASSPHRASE)
    signer = reopened.signer("acme")
    assert signer.public_key == public_key_from_seed(SEED)
    assert signer.verification_method == info.verification_method
    verify_signature(public_key=public_key_from_seed(SEED), data=b"x", signature=signer.sign(b"x"))


def test_wrong_passphrase_is_refused(store: KeyStore) -> None:
    store.import_seed("acme", SEED)
    with pytest.raises(WrongPassphraseError) as caught:
        KeyStore(store.directory, passphrase="Tr0ub4dor&3").signer("acme")
    assert "Tr0ub4dor&3" not in str(caught.value) and PASSPHRASE not in str(caught.value)
    assert_no_secret(str(caught.value), SEED)


def test_tampered_ciphertext_is_refused(store: KeyStore) -> None:
    store.import_seed("acme", SEED)
    path = store.directory / "acme.key.json"
    record = json.loads(path.read_text())
    ciphertext = record["encrypted"]["ciphertext"]
    record["encrypted"]["ciphertext"] = ("A" if ciphertext[-5] != "A" else "B").join(
        [ciphertext[:-5], ciphertext[-4:]]
    )
    path.write_text(json.dumps(record))
    with pytest.raises(WrongPassphraseError):
        store.signer("acme")


def test_generate_without_passphrase_needs_dev(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, passphrase=None)
    with pytest.raises(PassphraseRequiredError, match="TESSERA_KEY_PASSPHRASE"):
        store.generate("acme")
    assert not (tmp_path / "acme.key.json").exists()
    info = store.generate("acme", dev=True)
    assert info.development and not info.encrypted
    assert store.signer("acme").public_key_multibase == info.public_key_multibase


def test_encrypted_key_without_passphrase_is_refused(store: KeyStore) -> None:
    store.import_seed("acme", SEED)
    with pytest.raises(PassphraseRequiredError):
        KeyStore(store.directory, passphrase=None).signer("acme")
    assert (
        KeyStore(store.directory, passphrase=None).info("acme").encrypted
    )  # public facts still readable


def test_dev_key_with_a_passphrase_set_is_still_marked_development(store: KeyStore) -> None:
    info = store.generate("dev", dev=True)
    assert info.development and not info.encrypted


def test_generated_keys_are_distinct_and_listed(store: KeyStore) -> None:
    a = store.generate("b-key")
    b = store.generate("a-key", did_web="example.org:issuers:acme")
    assert a.public_key_multibase != b.public_key_multibase
    assert [info.name for info in store.list()] == ["a-key", "b-key"]
    assert b.controller == "did:web:example.org:issuers:acme"
    assert b.verification_method == f"did:web:example.org:issuers:acme#{b.public_key_multibase}"
    assert a.controller == f"did:key:{a.public_key_multibase}"


def test_existing_key_is_never_overwritten(store: KeyStore) -> None:
    store.import_seed("acme", SEED)
    with pytest.raises(KeyExistsError):
        store.generate("acme")
    with pytest.raises(KeyExistsError):
        store.import_seed("acme", bytes(32))
    assert store.signer("acme").public_key == public_key_from_seed(SEED)


def test_missing_key(store: KeyStore) -> None:
    with pytest.raises(KeyNotFoundError, match="nope"):
        store.signer("nope")
    assert store.list() == []


def test_damaged_key_file(store: KeyStore) -> None:
    store.directory.mkdir(parents=True)
    (store.directory / "acme.key.json").write_text("{not json")
    with pytest.raises(KeyStoreError, match="damaged"):
        store.info("acme")


def test_key_file_with_mismatched_public_key_is_refused(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, passphrase=None)
    store.import_seed("acme", SEED, dev=True)
    path = tmp_path / "acme.key.json"
    record = json.loads(path.read_text())
    record["publicKeyMultibase"] = PAIR["publicKeyMultibase"]
    path.write_text(json.dumps(record))
    with pytest.raises(KeyStoreError, match="inconsistent"):
        store.signer("acme")


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Acme",
        "../escape",
        "a/b",
        "with space",
        "-leading",
        "_leading",
        "a" * 64,
        "acme.key",
        "ünï",
    ],
)
def test_invalid_key_names_are_refused(name: str, store: KeyStore) -> None:
    with pytest.raises(InputError, match="Key name"):
        store.generate(name)
    assert not store.directory.exists() or not list(store.directory.iterdir())


@pytest.mark.parametrize("name", ["a", "acme", "acme-2025_k1", "0", "a" * 63])
def test_valid_key_names(name: str, tmp_path: Path) -> None:
    assert KeyStore(tmp_path, passphrase=None).generate(name, dev=True).name == name


def test_store_repr_and_str_hide_secrets(store: KeyStore) -> None:
    store.import_seed("acme", SEED)
    signer = store.signer("acme")
    for text in (repr(store), str(store), repr(signer), str(signer), repr(store.info("acme"))):
        assert PASSPHRASE not in text
        assert_no_secret(text, SEED)
