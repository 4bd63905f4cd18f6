"""Benchmark: eddsa-rdfc-2022 sign and verify, Tessera (fast path) vs plain PyLD vs jsonld.js.

Signs and verifies ``small_credential()`` and ``open_badge_credential()`` (tests/factories.py)
in one process with:

* Tessera: ``add_proof`` / ``verify_proof`` with ``EddsaRdfc2022(Canonicalizer(...))``, which
  canonicalizes through ``service.proofs.pyld_fast``;
* plain PyLD: the same calls with ``Canonicalizer(fast=False)`` (unmodified PyLD);
* the reference JavaScript stack (@digitalbazaar/vc, jsonld.js) through the Node harness in
  tests/interop (its ``bench`` op, run in the Node process).

Every operation canonicalizes both the proof configuration and the document, like the
reference: each Tessera operation gets a fresh ``EddsaRdfc2022`` so that its
proof-configuration memo (useful when a cohort shares one ``created``) cannot skip one of the
two canonicalizations. A second table shows Tessera with that memo, for information. Each
figure is the best of ``--rounds`` rounds of ``--seconds`` seconds; the rounds of the
implementations being compared are interleaved (one round of each in turn), so that a
change in machine load affects them alike. Not a test: run it by hand on a quiet machine.

    python3 bench/bench_canonical.py [--seconds 2] [--rounds 3] [--no-js]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "interop"))

from service.contexts import ContextStore  # noqa: E402
from service.dids import StaticResolver  # noqa: E402
from service.keys import (  # noqa: E402
    Ed25519Signer,
    did_key_for,
    encode_secret_multikey,
    public_key_from_seed,
)
from service.proofs.canonical import Canonicalizer  # noqa: E402
from service.proofs.data_integrity import add_proof, verify_proof  # noqa: E402
from service.proofs.eddsa_rdfc_2022 import EddsaRdfc2022  # noqa: E402
from tests.factories import open_badge_credential, small_credential  # noqa: E402

SHARED = Path(os.environ.get("TESSERA_SHARED_DIR") or ROOT.parent / "shared")
SEED = bytes(range(32))  # a fixed benchmark key, not a secret
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
CREATED_TEXT = "2025-01-01T00:00:00Z"
VERIFY_AT = "2025-06-01T00:00:00Z"

CREDENTIALS: dict[str, Callable[[str], dict[str, Any]]] = {
    "small": small_credential,
    "open badge": open_badge_credential,
}


def rate(operation: Callable[[], object], seconds: float) -> float:
    """Operations per second over one round of about ``seconds``."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    now = start
    while now < deadline:
        operation()
        count += 1
        now = time.perf_counter()
    return count / (now - start)


def best_rates(
    operations: dict[str, Callable[[float], float]], rounds: int, seconds: float
) -> dict[str, float]:
    """Best rate of each operation over ``rounds`` rounds, one round of each in turn.

    Each value of ``operations`` runs one round of ``seconds`` and returns its rate.
    """
    best = dict.fromkeys(operations, 0.0)
    for _ in range(rounds):
        for name, one_round in operations.items():
            best[name] = max(best[name], one_round(seconds))
    return best


def python_round(operation: Callable[[], object]) -> Callable[[float], float]:
    for _ in range(20):  # warm-up: caches, allocator, branch predictors
        operation()
    return lambda seconds: rate(operation, seconds)


class TesseraBench:
    """Sign and verify with one Canonicalizer (fast or plain PyLD)."""

    def __init__(self, canonicalizer: Canonicalizer, signer: Ed25519Signer) -> None:
        self.canonicalizer = canonicalizer
        self.signer = signer
        self.resolver = StaticResolver()

    def sign(
        self, credential: dict[str, Any], suite: EddsaRdfc2022 | None = None
    ) -> dict[str, Any]:
        return add_proof(
            credential,
            signer=self.signer,
            suite=suite or EddsaRdfc2022(self.canonicalizer),
            created=CREATED,
        )

    def verify(self, signed: dict[str, Any], suite: EddsaRdfc2022 | None = None) -> None:
        verify_proof(
            signed,
            signed["proof"],
            suites=[suite or EddsaRdfc2022(self.canonicalizer)],
            resolver=self.resolver,
        )


def start_js() -> Any:
    from node_harness import NodeHarness, ensure_node_modules

    ensure_node_modules()
    harness = NodeHarness()
    harness.start([SHARED / "contexts", ROOT / "schemas" / "contexts"])
    return harness


def js_round(js: Any, request: dict[str, Any]) -> Callable[[float], float]:
    """One round of the harness's in-process ``bench`` op (it warms up 20 operations)."""

    def one_round(seconds: float) -> float:
        result = js.request({"op": "bench", "seconds": seconds, **request})
        return float(result["opsPerSecond"])

    return one_round


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one round (s)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the best one counts")
    parser.add_argument("--no-js", action="store_true", help="skip the reference JavaScript")
    args = parser.parse_args()

    store = ContextStore(Path(tempfile.mkdtemp(prefix="tessera-bench-contexts-")))
    store.install_from_dir(SHARED / "contexts")
    loader = store.document_loader()

    public_key = public_key_from_seed(SEED)
    did, verification_method = did_key_for(public_key)
    signer = Ed25519Signer(SEED, verification_method=verification_method)
    js_key = {
        "publicKeyMultibase": signer.public_key_multibase,
        "secretKeyMultibase": encode_secret_multikey(SEED),
        "controller": did,
        "id": verification_method,
    }

    fast = TesseraBench(Canonicalizer(loader=loader), signer)
    plain = TesseraBench(Canonicalizer(loader=loader, fast=False), signer)
    js = None if args.no_js else start_js()

    rows: list[tuple[str, str, float, float, float | None]] = []
    memo_rows: list[tuple[str, str, float, float]] = []
    canon_rows: list[tuple[str, str, float, float]] = []
    try:
        for label, make in CREDENTIALS.items():
            credential = make(did)
            signed = fast.sign(credential)
            if plain.sign(credential) != signed:
                raise SystemExit(f"{label}: plain PyLD and the fast path signed differently")
            fast.verify(signed)
            plain.verify(signed)

            js_signed = None
            if js is not None:
                js_signed = js.request(
                    {"op": "sign", "credential": credential, "key": js_key, "created": CREATED_TEXT}
                )
                fast.verify(js_signed)  # Tessera accepts the reference's proof...
                outcome = js.request({"op": "verify", "credential": signed, "now": VERIFY_AT})
                if not outcome["verified"]:  # ...and the reference accepts Tessera's
                    raise SystemExit(f"{label}: the reference rejects Tessera's proof: {outcome}")

            proof_config = {
                key: value for key, value in signed["proof"].items() if key != "proofValue"
            }
            proof_config["@context"] = credential["@context"]
            for what, document in (("document", credential), ("proof config", proof_config)):
                rates = best_rates(
                    {
                        "fast": python_round(lambda d=document: fast.canonicalizer.canonicalize(d)),
                        "plain": python_round(
                            lambda d=document: plain.canonicalizer.canonicalize(d)
                        ),
                    },
                    args.rounds,
                    args.seconds,
                )
                canon_rows.append((label, what, 1000 / rates["fast"], 1000 / rates["plain"]))

            for operation in ("sign", "verify"):
                if operation == "sign":
                    fast_op: Callable[[], object] = lambda c=credential: fast.sign(c)  # noqa: E731
                    plain_op: Callable[[], object] = lambda c=credential: plain.sign(c)  # noqa: E731
                    suite = EddsaRdfc2022(fast.canonicalizer)
                    memo_op: Callable[[], object] = lambda c=credential, s=suite: fast.sign(c, s)  # noqa: E731
                    request = {
                        "what": "sign",
                        "credential": credential,
                        "key": js_key,
                        "created": CREATED_TEXT,
                    }
                else:
                    fast_op = lambda d=signed: fast.verify(d)  # noqa: E731
                    plain_op = lambda d=signed: plain.verify(d)  # noqa: E731
                    suite = EddsaRdfc2022(fast.canonicalizer)
                    memo_op = lambda d=signed, s=suite: fast.verify(d, s)  # noqa: E731
                    request = {"what": "verify", "credential": signed, "now": VERIFY_AT}
                contenders = {
                    "fast": python_round(fast_op),
                    "plain": python_round(plain_op),
                    "memo": python_round(memo_op),
                }
                if js is not None:
                    contenders["js"] = js_round(js, request)
                rates = best_rates(contenders, args.rounds, args.seconds)
                js_ops = rates.get("js")
                rows.append((operation, label, rates["fast"], rates["plain"], js_ops))
                memo_rows.append((operation, label, rates["memo"], rates["fast"]))
    finally:
        if js is not None:
            js.close()

    print()
    print(
        f"Best of {args.rounds} rounds of {args.seconds:g} s, one process "
        f"(Python {sys.version.split()[0]})."
    )
    print()
    print(
        "| operation | credential | Tessera ops/s | plain PyLD ops/s | reference JS ops/s "
        "| Tessera / reference | Tessera / plain PyLD |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for operation, label, fast_rate, plain_rate, js_ops in rows:
        js_text = f"{js_ops:,.0f}" if js_ops else "n/a"
        ratio = f"{fast_rate / js_ops:.2f}x" if js_ops else "n/a"
        print(
            f"| {operation} | {label} | {fast_rate:,.0f} | {plain_rate:,.0f} | {js_text} "
            f"| {ratio} | {fast_rate / plain_rate:.2f}x |"
        )
    print()
    print("Canonicalization alone (ms per call):")
    print()
    print("| credential | input | Tessera ms | plain PyLD ms | speed-up |")
    print("|---|---|---:|---:|---:|")
    for label, what, fast_ms, plain_ms in canon_rows:
        print(f"| {label} | {what} | {fast_ms:.3f} | {plain_ms:.3f} | {plain_ms / fast_ms:.1f}x |")
    print()
    print(
        "For information, Tessera reusing one EddsaRdfc2022 (its proof-configuration memo "
        "skips the second canonicalization when key and `created` repeat, as in a cohort):"
    )
    print()
    print("| operation | credential | with memo ops/s | without ops/s |")
    print("|---|---|---:|---:|")
    for operation, label, memo_rate, fast_rate in memo_rows:
        print(f"| {operation} | {label} | {memo_rate:,.0f} | {fast_rate:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
