"""Benchmark: public verifications per second and p50/p99 latency of ``POST /credentials/verify``.

Starts the service under uvicorn on loopback (``--workers``, SQLite in a temp dir, the same
``create_app`` as ``tessera serve``; the per-client rate limit is lifted, since every request
comes from one address) and drives it from a second process: a small asyncio HTTP/1.1
keep-alive client, bounded in requests and seconds. The credential is the Open Badges 3.0
one of ``tests/factories.py``, signed with eddsa-rdfc-2022 by a did:key.

Two runs by default:

``same``      the same credential every time: the canonical-hash memo answers after the first
              request (the signature, dates, status and trust are still checked every time)
``distinct``  a different credential each time (memo off), i.e. the full canonicalization cost

Not a test: run it by hand on a quiet machine.

    python3 bench/bench_verify.py [--workers 2] [--connections 16] [--seconds 10]
                                  [--redis redis://127.0.0.1:6379/0]

``--redis``: the service runs with ``TESSERA_REDIS_URL`` as in production: the per-client limit
is counted in Redis for both processes (set high enough that the benchmark's one client is never
refused; every request still takes its token there), and the memo and DID documents have their
shared level there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TESSERA_SHARED_DIR", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))


def build_app() -> Any:
    """The uvicorn factory: ``create_app`` from the environment, with the rate limit lifted
    (counted all the same, in Redis with ``--redis``) and the memo off when BENCH_MEMO=0."""
    from service.api.app import create_app
    from service.api.limits import PublicPolicy, build_public_endpoint
    from service.config import get_settings

    app = create_app(get_settings())
    state = app.state.tessera
    policy = PublicPolicy(
        # With --redis every request takes a token from the limit shared in Redis (what this
        # measures); without, the per-process bucket (a few microseconds).
        rate_per_second=1_000_000.0,
        burst=1_000_000,
        memo_entries=int(os.environ.get("BENCH_MEMO", "4096")),
        max_waiting=10_000,
        # The benchmark is one client address standing for many: without these, its 16
        # connections meet the per-client share of the gate (1 running, 8 waiting) and most
        # answers are 429s, not verifications.
        max_concurrent_per_client=2,
        max_waiting_per_client=10_000,
        in_thread=os.environ.get("BENCH_IN_THREAD", "1") == "1",
    )
    public = build_public_endpoint(
        settings=state.settings,
        engine=state.engine,
        database=state.database,
        own_lists=lambda url: state.lists.by_url(url, now=state.now()),
        policy=policy,
    )
    app.state.public_verification = public
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def credentials(count: int) -> list[bytes]:
    """``count`` request bodies: the factories' Open Badge, signed, with distinct learner names."""
    from factories import open_badge_credential

    from service.contexts import ContextStore
    from service.keys import Ed25519Signer, decode_secret_multikey
    from service.proofs import Canonicalizer, sign

    store = ContextStore(Path(tempfile.mkdtemp(prefix="tessera-bench-ctx-")))
    store.install_from_dir(SHARED / "contexts")
    canonicalizer = Canonicalizer(loader=store.document_loader())
    pair = json.loads((SHARED / "vectors/w3c-vc-di-eddsa/TestVectors/keyPair.json").read_text())
    did = "did:key:" + pair["publicKeyMultibase"]
    signer = Ed25519Signer(
        decode_secret_multikey(pair["privateKeyMultibase"]),
        verification_method=f"{did}#{pair['publicKeyMultibase']}",
    )
    bodies = []
    for n in range(count):
        document = open_badge_credential(did)
        document["credentialSubject"]["name"] = f"Learner {n:06d}"
        signed = sign(
            document, signer=signer, canonicalizer=canonicalizer, created=datetime.now(UTC)
        )
        bodies.append(json.dumps({"verifiableCredential": signed}).encode())
    return bodies


async def _client(
    port: int,
    bodies: list[bytes],
    start: int,
    stride: int,
    deadline: float,
    limit: int,
    latencies: list[float],
    codes: dict[int, int],
    rate: float,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = start
    interval = stride / rate if rate else 0.0
    scheduled = time.perf_counter() + (start / rate if rate else 0.0)
    try:
        while time.perf_counter() < deadline and len(latencies) < limit:
            body = bodies[n % len(bodies)]
            n += stride
            if rate:
                # Open loop: send at the scheduled time, and count a late start as latency
                # (no coordinated omission).
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            head = (
                f"POST /credentials/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            began = scheduled if rate else time.perf_counter()
            scheduled += interval
            writer.write(head + body)
            await writer.drain()
            status_line = await reader.readuntil(b"\r\n")
            length = 0
            while True:
                line = await reader.readuntil(b"\r\n")
                if line == b"\r\n":
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - began)
            code = int(status_line.split()[1])
            codes[code] = codes.get(code, 0) + 1
    finally:
        writer.close()


def load(
    port: int, bodies_file: str, connections: int, seconds: float, limit: int, rate: float
) -> None:
    """The load generator (runs in its own process): prints one JSON line of results."""
    bodies = json.loads(Path(bodies_file).read_text())
    encoded = [b.encode() for b in bodies]
    latencies: list[float] = []
    codes: dict[int, int] = {}

    async def main() -> float:
        began = time.perf_counter()
        deadline = began + seconds
        await asyncio.gather(
            *(
                _client(port, encoded, i, connections, deadline, limit, latencies, codes, rate)
                for i in range(connections)
            )
        )
        return time.perf_counter() - began

    elapsed = asyncio.run(main())
    ordered = sorted(latencies)
    print(
        json.dumps(
            {
                "requests": len(ordered),
                "seconds": round(elapsed, 2),
                "per_second": round(len(ordered) / elapsed, 1),
                "p50_ms": round(statistics.median(ordered) * 1000, 2),
                "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
                "max_ms": round(ordered[-1] * 1000, 2),
                "codes": codes,
            }
        )
    )


def serve(
    workers: int, memo: bool, tmp: Path, redis: str | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "TESSERA_DATA_DIR": str(tmp / "data"),
        "TESSERA_KEYS_DIR": str(tmp / "keys"),
        "TESSERA_KEY_PASSPHRASE": "benchmark passphrase",
        "TESSERA_CONTEXTS_BUNDLE": str(SHARED / "contexts"),
        "TESSERA_BASE_URL": f"http://127.0.0.1:{port}",
        "BENCH_MEMO": "4096" if memo else "0",
        **({"TESSERA_REDIS_URL": redis} if redis else {}),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
    }
    tessera = str(Path(sys.executable).with_name("tessera"))
    subprocess.run([tessera, "contexts", "install"], env=env, check=True, capture_output=True)
    subprocess.run([tessera, "db", "upgrade"], env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bench_verify:build_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--http",
            os.environ.get("BENCH_HTTP", "auto"),
            "--loop",
            os.environ.get("BENCH_LOOP", "auto"),
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise SystemExit("the server did not start")
    time.sleep(1.0 if workers > 1 else 0.2)  # let every worker boot
    return process, port


def run(mode: str, args: argparse.Namespace, bodies: list[bytes]) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="tessera-bench-verify-"))
    process, port = serve(args.workers, memo=mode == "same", tmp=tmp, redis=args.redis)
    try:
        chosen = bodies[:1] if mode == "same" else bodies
        bodies_file = tmp / "bodies.json"
        bodies_file.write_text(json.dumps([b.decode() for b in chosen]))
        # warm up every worker (contexts, caches), then measure
        for seconds, limit, rate in ((2.0, 2000, 0.0), (args.seconds, args.requests, args.rate)):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--load",
                    str(port),
                    str(bodies_file),
                    str(args.connections),
                    str(seconds),
                    str(limit),
                    str(rate),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
        result: dict[str, Any] = json.loads(out.stdout)
        return result
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--load":
        port, bodies_file, connections, seconds, limit, rate = sys.argv[2:8]
        load(int(port), bodies_file, int(connections), float(seconds), int(limit), float(rate))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--requests", type=int, default=20_000, help="stop after this many")
    parser.add_argument("--modes", default="same,distinct")
    parser.add_argument(
        "--redis",
        default=None,
        help="Redis URL: the rate limit is counted there for every process (shared limits)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="offered load in requests/s (open loop); 0: as fast as the connections go",
    )
    args = parser.parse_args()
    bodies = credentials(400)
    offered = f"offered {args.rate:g}/s" if args.rate else "closed loop"
    print(
        f"{args.workers} worker(s), {args.connections} connections, {offered}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run"
        + (f", rate limit shared in Redis ({args.redis})" if args.redis else "")
    )
    for mode in args.modes.split(","):
        result = run(mode, args, bodies)
        verdict = "meets" if result["per_second"] >= 1200 and result["p99_ms"] < 50 else "misses"
        print(
            f"{mode:9} {result['per_second']:7.1f} verifications/s  p50 {result['p50_ms']:6.2f} ms  "
            f"p99 {result['p99_ms']:6.2f} ms  max {result['max_ms']:7.2f} ms  "
            f"({result['requests']} in {result['seconds']} s, HTTP {result['codes']})  "
            f"{verdict} the target (>= 1,200/s, p99 < 50 ms; issue 16)"
        )


if __name__ == "__main__":
    main()
