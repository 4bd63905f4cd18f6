"""W3C Bitstring Status List, the pure part and the verifier's status check: encode and
decode, bit order, the spec's own example, and every malformed list giving the error the
specification names (never a crash, never a 'passed')."""

from __future__ import annotations

import base64
import copy
import gzip
import json
import random
import struct
import time
import tracemalloc
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories import ISSUER_DID_KEY, small_credential

from service.app.engine import Engine, build_engine
from service.errors import StatusListError
from service.keys import Ed25519Signer, did_key_for, generate_seed, public_key_from_seed
from service.proofs import Canonicalizer, sign
from service.status.bitstring import (
    DEFAULT_LIST_BITS,
    MIN_LIST_BITS,
    bit_at,
    bitstring,
    decode_list,
    encode_list,
    entry_json,
    list_credential,
    parse_entries,
    read_list_credential,
)
from service.verification.pipeline import VerificationResult, verify_credential
from service.verification.status import (
    DirectoryLists,
    FunctionLists,
    StatusChecker,
    saved_list_path,
)

STATUS = "https://www.w3.org/ns/credentials/status-list#"
VC_DM = "https://www.w3.org/TR/vc-data-model#"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LIST_URL = "https://credentials.example.org/status/list-1"
SUSPENSION_URL = "https://credentials.example.org/status/list-2"

#: The example BitstringStatusListCredential of the specification (§2.2, "Example
#: BitstringStatusListCredential"): an empty list of the minimum length.
SPEC_EXAMPLE_ENCODED_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def code_of(call: Callable[[], Any]) -> str:
    with pytest.raises(StatusListError) as caught:
        call()
    return caught.value.code


# -- encoding --------------------------------------------------------------------------------


def test_encoded_lists_round_trip() -> None:
    rng = random.Random(20260302)
    for size in (MIN_LIST_BITS, 2 * MIN_LIST_BITS, 8 * MIN_LIST_BITS):
        chosen = set(rng.sample(range(size), 500)) | {0, size - 1}
        bits = bitstring(size, chosen)
        encoded = encode_list(bits)
        assert encoded.startswith("u")
        assert set(encoded[1:]) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )  # base64url, no padding
        assert decode_list(encoded) == bits
        assert {i for i in range(size) if bit_at(bits, i)} == chosen
    # The bitstring is GZIP (RFC 1952) of the raw bits, as any gzip tool reads it.
    raw = base64.urlsafe_b64decode(encode_list(bits)[1:] + "==")
    assert raw[:2] == b"\x1f\x8b" and gzip.decompress(raw) == bits


def test_an_empty_list_compresses_to_a_few_dozen_bytes() -> None:
    assert len(encode_list(bitstring(DEFAULT_LIST_BITS, []))) < 100


def test_bits_are_read_most_significant_first() -> None:
    """Index 0 is the left-most bit of the first byte (§2.2 encodedList, §3.1)."""
    bits = bitstring(MIN_LIST_BITS, [0, 9, 23, MIN_LIST_BITS - 1])
    assert bits[:3] == bytes([0x80, 0x40, 0x01])
    assert bits[-1] == 0x01
    assert bits.count(0) == len(bits) - 4
    # a hand-made list, encoded by Python's gzip (not by the code under test)
    hand = bytearray(MIN_LIST_BITS // 8)
    hand[0], hand[1] = 0x80, 0x40
    encoded = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(hand))).decode().rstrip("=")
    decoded = decode_list(encoded)
    assert [i for i in range(16) if bit_at(decoded, i)] == [0, 9]
    assert not bit_at(decoded, 7) and not bit_at(decoded, 8)


def test_the_specifications_example_list_decodes_to_131072_unset_entries() -> None:
    bits = decode_list(SPEC_EXAMPLE_ENCODED_LIST)
    assert len(bits) * 8 == MIN_LIST_BITS
    assert not any(bits)
    assert decode_list(encode_list(bits)) == bits


def test_status_entries_say_where_to_look_and_nothing_else() -> None:
    entry = entry_json(LIST_URL, 94567, "revocation")
    assert entry == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    credential = {"credentialStatus": [entry, {"type": "SomethingElse"}]}
    [parsed] = parse_entries(credential)
    assert (parsed.purpose, parsed.index, parsed.list_url) == ("revocation", 94567, LIST_URL)
    assert parse_entries({"credentialStatus": entry}) == [parsed]  # a single object too
    assert parse_entries({}) == []


# -- malformed lists and entries: the specification's error names ----------------------------


def gzip_bomb(mebibytes: int) -> bytes:
    """A valid single-member gzip file of ``mebibytes`` MiB of zeros, made without ever
    holding the data: after a full flush, deflating another MiB of zeros gives the same bytes,
    so the middle of the stream is one block repeated."""
    chunk = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS, 9, zlib.Z_RLE)
    first = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    middle = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH) == middle
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(chunk, crc)
    final_empty_block = b"\x03\x00"  # BFINAL=1, fixed Huffman, end of block
    trailer = struct.pack("<II", crc, (mebibytes << 20) & 0xFFFFFFFF)
    return first + middle * (mebibytes - 1) + final_empty_block + trailer


@pytest.fixture(scope="module")
def one_gib_bomb() -> str:
    """1 GiB of zeros as an ``encodedList`` (about 1.4 MB of text)."""
    compressed = gzip_bomb(1024)
    # Sanity of the construction on a small one: a real gzip file of the stated size.
    assert gzip.decompress(gzip_bomb(3)) == bytes(3 << 20)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def test_a_gzip_bomb_is_refused_fast_and_in_little_memory(one_gib_bomb: str) -> None:
    assert len(one_gib_bomb) < 1_500_000
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(StatusListError) as caught:
            decode_list(one_gib_bomb)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == "STATUS_LIST_LENGTH_ERROR"
    assert "gzip bomb" in str(caught.value)
    assert elapsed < 2.0
    assert peak < 48 * 1024 * 1024  # the 16 MiB cap and the input, never the 1 GiB


@pytest.mark.parametrize(
    ("encoded", "code"),
    [
        (None, "MALFORMED_VALUE_ERROR"),
        (123, "MALFORMED_VALUE_ERROR"),
        (["u"], "MALFORMED_VALUE_ERROR"),
        ("", "MALFORMED_VALUE_ERROR"),
        # no multibase prefix: the same data as base64url without the 'u'
        (SPEC_EXAMPLE_ENCODED_LIST[1:], "MALFORMED_VALUE_ERROR"),
        ("z" + SPEC_EXAMPLE_ENCODED_LIST[1:], "MALFORMED_VALUE_ERROR"),  # base58btc prefix
        ("u@@@@", "MALFORMED_VALUE_ERROR"),  # not base64url
        ("u" + "é" * 8, "MALFORMED_VALUE_ERROR"),
        ("uA", "MALFORMED_VALUE_ERROR"),  # not even one byte
        (  # standard base64 ('+', '/') is not base64url
            "u" + base64.b64encode(gzip.compress(bytes([0xFB, 0xFF]) * 8192)).decode(),
            "MALFORMED_VALUE_ERROR",
        ),
        (  # base64url of something that is not GZIP
            "u" + base64.urlsafe_b64encode(b"not gzip at all" * 10).decode().rstrip("="),
            "MALFORMED_VALUE_ERROR",
        ),
        (  # zlib (RFC 1950) rather than GZIP (RFC 1952)
            "u" + base64.urlsafe_b64encode(zlib.compress(bytes(16384))).decode().rstrip("="),
            "MALFORMED_VALUE_ERROR",
        ),
        (  # truncated GZIP
            "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16384))[:20]).decode().rstrip("="),
            "MALFORMED_VALUE_ERROR",
        ),
        (  # one byte short of 131,072 entries
            "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16383))).decode().rstrip("="),
            "STATUS_LIST_LENGTH_ERROR",
        ),
        (  # the empty bitstring
            "u" + base64.urlsafe_b64encode(gzip.compress(b"")).decode().rstrip("="),
            "STATUS_LIST_LENGTH_ERROR",
        ),
    ],
)
def test_malformed_lists_give_the_specs_errors(encoded: Any, code: str) -> None:
    with pytest.raises(StatusListError) as caught:
        decode_list(encoded)
    assert caught.value.code == code
    base = VC_DM if code == "MALFORMED_VALUE_ERROR" else STATUS
    assert caught.value.problem_type == base + code


def b64u(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_a_list_in_several_gzip_members_is_read_whole() -> None:
    """RFC 1952: a GZIP file is a series of members (streaming writers make several); the
    reference JavaScript library reads them all, and so must we, within the same bounds."""
    bits = bitstring(MIN_LIST_BITS, [0, 65535, 65536, MIN_LIST_BITS - 1])
    halves = gzip.compress(bits[:8192]) + gzip.compress(bits[8192:])
    assert decode_list(b64u(halves)) == bits
    empties = b"".join(gzip.compress(b"") for _ in range(63))
    assert decode_list(b64u(empties + gzip.compress(bits))) == bits  # 64 members
    too_many = empties + gzip.compress(b"") + gzip.compress(bits)  # 65
    assert code_of(lambda: decode_list(b64u(too_many))) == "MALFORMED_VALUE_ERROR"
    garbage = gzip.compress(bits) + b"trailing garbage"
    assert code_of(lambda: decode_list(b64u(garbage))) == "MALFORMED_VALUE_ERROR"
    # a bomb spread over members is bounded all the same (20 MiB > the 16 MiB cap)
    spread = gzip_bomb(1) * 20
    assert code_of(lambda: decode_list(b64u(spread))) == "STATUS_LIST_LENGTH_ERROR"


def test_the_minimum_length_is_exactly_131072_entries() -> None:
    assert len(decode_list(encode_list(bytes(16384)))) == 16384
    assert code_of(lambda: decode_list(encode_list(bytes(16383)))) == "STATUS_LIST_LENGTH_ERROR"


def test_an_index_outside_the_list_is_a_range_error() -> None:
    bits = bitstring(MIN_LIST_BITS, [MIN_LIST_BITS - 1])
    assert bit_at(bits, MIN_LIST_BITS - 1)
    for index in (MIN_LIST_BITS, 10**12, -1):
        assert code_of(lambda index=index: bit_at(bits, index)) == "RANGE_ERROR"


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ({"statusListIndex": 7}, "MALFORMED_VALUE_ERROR"),  # a number, not a string
        ({"statusListIndex": "-1"}, "MALFORMED_VALUE_ERROR"),
        ({"statusListIndex": "1.5"}, "MALFORMED_VALUE_ERROR"),
        ({"statusListIndex": "²"}, "MALFORMED_VALUE_ERROR"),  # str.isdigit() says yes
        ({"statusListIndex": "٣"}, "MALFORMED_VALUE_ERROR"),  # an Arabic-Indic digit
        ({"statusListIndex": "9" * 5000}, "RANGE_ERROR"),  # int() refuses > 4,300 digits
        ({"statusListCredential": "ftp://example.org/list"}, "MALFORMED_VALUE_ERROR"),
        ({"statusListCredential": None}, "MALFORMED_VALUE_ERROR"),
        ({"statusPurpose": ["revocation"]}, "MALFORMED_VALUE_ERROR"),
    ],
)
def test_malformed_entries_give_the_specs_errors(entry: dict[str, Any], code: str) -> None:
    broken = {**entry_json(LIST_URL, 5, "revocation"), **entry}
    assert code_of(lambda: parse_entries({"credentialStatus": [broken]})) == code


def test_a_list_of_the_wrong_kind_or_purpose_is_a_verification_error() -> None:
    good = list_credential(
        list_url=LIST_URL,
        issuer=ISSUER_DID_KEY,
        purpose="revocation",
        encoded=encode_list(bitstring(MIN_LIST_BITS, [3])),
        valid_from="2026-03-02T11:59:00Z",
        valid_until="2026-03-02T12:09:00Z",
    )
    assert bit_at(read_list_credential(good, purpose="revocation"), 3)
    wrong_purpose = copy.deepcopy(good)
    wrong_purpose["credentialSubject"]["statusPurpose"] = "suspension"
    not_a_list = {**good, "type": ["VerifiableCredential"]}
    wrong_subject = copy.deepcopy(good)
    wrong_subject["credentialSubject"]["type"] = "StatusList2021"
    for document in (wrong_purpose, not_a_list, wrong_subject):
        assert (
            code_of(lambda document=document: read_list_credential(document, purpose="revocation"))
            == "STATUS_VERIFICATION_ERROR"
        )
    both = copy.deepcopy(good)
    both["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]  # allowed (§3.2)
    assert bit_at(read_list_credential(both, purpose="suspension"), 3)


# -- the verifier's status check on signed lists ---------------------------------------------


class World:
    """An issuer (the W3C test key, a did:key), a stranger with a key of its own, signed
    status lists served by URL, and credentials that point at them."""

    def __init__(self, engine: Engine, canonicalizer: Canonicalizer, signer: Ed25519Signer):
        self.engine = engine
        self.canonicalizer = canonicalizer
        self.signer = signer
        seed = generate_seed()
        stranger_did, stranger_vm = did_key_for(public_key_from_seed(seed))
        self.stranger = Ed25519Signer(seed, verification_method=stranger_vm)
        self.stranger_did = stranger_did
        self.lists: dict[str, dict[str, Any]] = {}

    def signed_list(
        self,
        url: str,
        *,
        purpose: str = "revocation",
        set_bits: tuple[int, ...] = (),
        encoded: str | None = None,
        signer: Ed25519Signer | None = None,
        issuer: str = ISSUER_DID_KEY,
        valid_from: datetime = NOW - timedelta(minutes=1),
        ttl: timedelta = timedelta(minutes=10),
    ) -> dict[str, Any]:
        document = list_credential(
            list_url=url,
            issuer=issuer,
            purpose=purpose,
            encoded=encoded or encode_list(bitstring(MIN_LIST_BITS, set_bits)),
            valid_from=valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
            valid_until=(valid_from + ttl).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        signed = sign(
            document,
            signer=signer or self.signer,
            canonicalizer=self.canonicalizer,
            created=valid_from,
        )
        self.lists[url] = signed
        return signed

    def credential(self, *entries: dict[str, str]) -> dict[str, Any]:
        document = small_credential()
        document["credentialStatus"] = list(entries)
        return sign(
            document,
            signer=self.signer,
            canonicalizer=self.canonicalizer,
            created=datetime(2026, 1, 1, tzinfo=UTC),
        )

    def checker(self, lists: Any = None) -> StatusChecker:
        return StatusChecker(
            lists=lists or FunctionLists(self.lists.get), list_verifier=self.engine.verifier()
        )

    def verify(
        self, credential: dict[str, Any], *, lists: Any = None, now: datetime = NOW
    ) -> VerificationResult:
        verifier = self.engine.verifier(status=self.checker(lists))
        return verify_credential(credential, verifier=verifier, now=now)


@pytest.fixture
def world(engine: Engine, canonicalizer: Canonicalizer, vector_signer: Ed25519Signer) -> World:
    return World(engine, canonicalizer, vector_signer)


REVOCATION_5 = entry_json(LIST_URL, 5, "revocation")
SUSPENSION_5 = entry_json(SUSPENSION_URL, 5, "suspension")


def status_of(result: VerificationResult) -> tuple[str, str]:
    check = result.check("status")
    return check.status, check.problem_type or ""


def test_a_credential_whose_bit_is_unset_passes(world: World) -> None:
    world.signed_list(LIST_URL, set_bits=(4, 6))  # the neighbours, not 5
    world.signed_list(SUSPENSION_URL, purpose="suspension", set_bits=(4, 6))
    result = world.verify(world.credential(REVOCATION_5, SUSPENSION_5))
    assert result.verified, [c.to_json() for c in result.checks]
    assert status_of(result) == ("passed", "")
    assert result.check("status").detail == "Not revoked or suspended."


def test_a_revoked_credential_fails(world: World) -> None:
    world.signed_list(LIST_URL, set_bits=(5,))
    result = world.verify(world.credential(REVOCATION_5))
    assert not result.verified
    assert status_of(result) == ("failed", STATUS + "REVOKED")
    assert "revoked" in result.check("status").detail


def test_a_suspended_credential_fails_saying_it_is_suspended(world: World) -> None:
    world.signed_list(LIST_URL)
    world.signed_list(SUSPENSION_URL, purpose="suspension", set_bits=(5,))
    result = world.verify(world.credential(REVOCATION_5, SUSPENSION_5))
    assert not result.verified
    assert status_of(result) == ("failed", STATUS + "SUSPENDED")
    assert "suspended" in result.check("status").detail
    assert "revoked" not in result.check("status").detail


def test_a_list_whose_proof_fails_is_a_status_verification_error(world: World) -> None:
    listed = world.signed_list(LIST_URL, set_bits=(5,))
    # Someone clears the credential's bit in transit: the list's signature no longer holds.
    listed["credentialSubject"]["encodedList"] = encode_list(bitstring(MIN_LIST_BITS, []))
    result = world.verify(world.credential(REVOCATION_5))
    assert not result.verified
    assert status_of(result) == ("failed", STATUS + "STATUS_VERIFICATION_ERROR")
    assert "signature" in result.check("status").detail


def test_a_list_issued_by_someone_else_is_refused(world: World) -> None:
    # A genuine list, but signed by (and naming) another issuer.
    world.signed_list(LIST_URL, signer=world.stranger, issuer=world.stranger_did)
    result = world.verify(world.credential(REVOCATION_5))
    assert status_of(result) == ("failed", STATUS + "STATUS_VERIFICATION_ERROR")
    assert "not issued by the credential's issuer" in result.check("status").detail
    # Claiming the issuer while signed with another key fails the list's own checks.
    world.signed_list(LIST_URL, signer=world.stranger, issuer=ISSUER_DID_KEY)
    result = world.verify(world.credential(REVOCATION_5))
    assert status_of(result) == ("failed", STATUS + "STATUS_VERIFICATION_ERROR")
    assert not result.verified


def test_another_list_of_the_same_issuer_does_not_answer(world: World) -> None:
    """Both lists are genuine, but the one served is not the one the credential names (a
    mixed-up cache, a redirect): the revoked bit in the right list must not be hidden."""
    world.signed_list(LIST_URL, set_bits=(5,))
    world.lists[LIST_URL] = world.signed_list(SUSPENSION_URL)  # list 2, served as list 1
    result = world.verify(world.credential(REVOCATION_5))
    assert status_of(result) == ("failed", STATUS + "STATUS_VERIFICATION_ERROR")
    assert "another list" in result.check("status").detail


def test_a_list_for_another_purpose_is_refused(world: World) -> None:
    world.signed_list(LIST_URL, purpose="suspension")
    result = world.verify(world.credential(REVOCATION_5))
    assert status_of(result) == ("failed", STATUS + "STATUS_VERIFICATION_ERROR")
    assert "'revocation'" in result.check("status").detail


def test_an_index_beyond_the_list_is_a_range_error(world: World) -> None:
    world.signed_list(LIST_URL)
    result = world.verify(world.credential(entry_json(LIST_URL, MIN_LIST_BITS, "revocation")))
    assert status_of(result) == ("failed", VC_DM + "RANGE_ERROR")
    assert not result.verified


def test_a_signed_list_that_is_too_short_is_a_length_error(world: World) -> None:
    world.signed_list(LIST_URL, encoded=encode_list(bytes(1024)))
    result = world.verify(world.credential(REVOCATION_5))
    assert status_of(result) == ("failed", STATUS + "STATUS_LIST_LENGTH_ERROR")


def test_a_signed_gzip_bomb_is_refused(
    settings: Any, vector_signer: Ed25519Signer, one_gib_bomb: str
) -> None:
    # A verifier that reads a document this large at all (the default caps one at 256 KiB,
    # which stops the bomb earlier still): the decompression bound must stop it then.
    roomy = build_engine(settings.model_copy(update={"max_document_bytes": 4 * 1024 * 1024}))
    world = World(roomy, roomy.canonicalizer, vector_signer)
    world.signed_list(LIST_URL, encoded=one_gib_bomb)
    started = time.process_time()  # CPU, not wall clock: the machine may be busy
    result = world.verify(world.credential(REVOCATION_5))
    assert time.process_time() - started < 10
    assert status_of(result) == ("failed", STATUS + "STATUS_LIST_LENGTH_ERROR")


def test_a_malformed_entry_fails_without_fetching(world: World) -> None:
    broken = {**REVOCATION_5, "statusListIndex": "²"}
    result = world.verify(world.credential(broken))
    assert status_of(result) == ("failed", VC_DM + "MALFORMED_VALUE_ERROR")


def test_a_list_that_cannot_be_had_is_unknown_never_passed(world: World) -> None:
    result = world.verify(world.credential(REVOCATION_5))  # nothing served at LIST_URL
    assert status_of(result) == ("unknown", STATUS + "STATUS_RETRIEVAL_ERROR")
    assert "could not be checked" in result.check("status").detail
    # Fail closed: a revocation nobody could check is not a pass, and the answer says why.
    assert not result.verified
    assert [p["type"] for p in result.problem_details] == [STATUS + "STATUS_RETRIEVAL_ERROR"]


def test_a_revocation_is_seen_even_when_the_suspension_list_cannot_be_had(world: World) -> None:
    world.signed_list(LIST_URL, set_bits=(5,))  # SUSPENSION_URL is not served
    result = world.verify(world.credential(REVOCATION_5, SUSPENSION_5))
    assert status_of(result) == ("failed", STATUS + "REVOKED")
    assert not result.verified


def test_an_out_of_date_list_is_unknown_unless_it_shows_a_revocation(world: World) -> None:
    """A saved list past its validUntil may be stale: a clear bit says nothing any more
    (unknown), a suspension may have been lifted (unknown), but revocation is permanent."""
    later = NOW + timedelta(hours=3)
    world.signed_list(LIST_URL)
    world.signed_list(SUSPENSION_URL, purpose="suspension", set_bits=(5,))
    stale = world.verify(world.credential(REVOCATION_5, SUSPENSION_5), now=later)
    assert status_of(stale) == ("unknown", STATUS + "STATUS_RETRIEVAL_ERROR")
    assert "expired" in stale.check("status").detail
    # Not declared invalid (no check failed: amber, not red), but not verified either.
    assert not stale.verified
    assert all(c.status != "failed" for c in stale.checks)

    world.signed_list(LIST_URL, set_bits=(5,))
    revoked = world.verify(world.credential(REVOCATION_5, SUSPENSION_5), now=later)
    assert status_of(revoked) == ("failed", STATUS + "REVOKED")

    # A list from after the moment verified ("--now" in the past) does not answer either.
    earlier = NOW - timedelta(days=1)
    assert status_of(world.verify(world.credential(REVOCATION_5), now=earlier))[0] == "unknown"


def test_saved_lists_that_are_not_json_are_unknown(world: World, tmp_path: Path) -> None:
    saved_list_path(tmp_path, LIST_URL).write_bytes(b"\x00\xffnot json")
    saved_list_path(tmp_path, SUSPENSION_URL).write_text(json.dumps([1, 2]))
    for entry in (REVOCATION_5, SUSPENSION_5):
        result = world.verify(world.credential(entry), lists=DirectoryLists(tmp_path))
        assert status_of(result) == ("unknown", STATUS + "STATUS_RETRIEVAL_ERROR")
    world.signed_list(LIST_URL, set_bits=(5,))
    saved_list_path(tmp_path, LIST_URL).write_text(json.dumps(world.lists[LIST_URL]))
    result = world.verify(world.credential(REVOCATION_5), lists=DirectoryLists(tmp_path))
    assert status_of(result) == ("failed", STATUS + "REVOKED")
