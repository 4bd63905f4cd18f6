"""Benchmark: can the public verifier be stalled? Genuine-request latency with and without an
attacker, and the time to refuse a PDF decompression bomb.

Starts a real ``tessera serve`` process (default settings: the real rate limit, the real
verification slots; SQLite in a temp dir) on loopback and talks HTTP/1.1 to it from this
process. Each client has its own loopback source address (127.0.0.x), as separate machines
would, so each has its own rate-limit bucket and its own share of the verifier:

``genuine``  ``--employers`` clients, each POSTing distinct signed Open Badges credentials
             (eddsa-rdfc-2022, did:key) to ``/credentials/verify`` at ``--rate`` per second,
             open loop (a late start counts as latency);
``poison``   one more client at its rate limit (a burst of 60, then 10 per second), sending
             poison credentials of about 1.5-2 KB in turn: blank-node cliques of 6 (just
             under the public ordering budget, so they are canonicalized: the costliest
             poison that gets through) and 10, a tree of identical blank nodes (2 x 8), a
             ring of 20 blank nodes each linked to the next two, and 250 blank nodes.

Phases: genuine alone, then genuine while the attacker runs; the p50/p99 of the genuine
requests and every answer's HTTP status are printed for both. Last, a 1 MB PDF that inflates
to 1 GB is uploaded to ``/verify`` and the time to the refusal is printed.

``--tree PATH`` serves another checkout (e.g. a worktree of an older commit) for a before /
after comparison; the bench's own code and factories come from this checkout. Not a test:
run it by hand on a quiet machine.

    python3 bench/bench_stall.py [--seconds 20] [--employers 4] [--rate 8] [--tree PATH]
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TESSERA_SHARED_DIR", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

# The genuine load is bench_verify's: the same signed Open Badges, distinct per request.
from bench_verify import credentials as genuine_bodies  # noqa: E402
from bench_verify import free_port  # noqa: E402

ATTACKER = "127.0.0.66"
ATTACK_BURST, ATTACK_RATE = 60, 10.0  # the public verifier's default per-client limit


def poison_bodies() -> list[bytes]:
    from factories import POISON_PROPERTY, poison_credential

    tree = poison_credential(1)
    tree["credentialSubject"] = {
        POISON_PROPERTY: [{POISON_PROPERTY: [{POISON_PROPERTY: "x"} for _ in range(8)]}] * 2
    }
    ring = poison_credential(1)
    ring["credentialSubject"] = {
        "@id": "_:r0",
        "@included": [
            {"@id": f"_:r{i}", POISON_PROPERTY: [{"@id": f"_:r{(i + j) % 20}"} for j in (1, 2)]}
            for i in range(20)
        ],
    }
    heavy = poison_credential(1)
    heavy["credentialSubject"] = {POISON_PROPERTY: [{POISON_PROPERTY: str(n)} for n in range(250)]}
    return [
        json.dumps({"verifiableCredential": c}).encode()
        for c in (poison_credential(6), poison_credential(10), tree, ring, heavy)
    ]


class Connection:
    """One keep-alive HTTP/1.1 connection from a given loopback source address."""

    def __init__(self, port: int, source: str) -> None:
        self.port, self.source = port, source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, path: str, body: bytes, content_type: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                "127.0.0.1", self.port, local_addr=(self.source, 0)
            )
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status = int((await self.reader.readuntil(b"\r\n")).split()[1])
        length, close = 0, False
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            if name.lower() == "connection" and "close" in value.lower():
                close = True
        await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def open_loop(
    port: int,
    source: str,
    bodies: list[bytes],
    *,
    rate: float,
    seconds: float,
    burst: int = 0,
    latencies: list[float] | None = None,
    codes: dict[int, int],
) -> None:
    """Send ``burst`` requests at once, then ``rate`` per second for ``seconds``, each on
    its schedule whether or not the previous answer came (parallel connections as needed);
    record every status and, if asked, every latency from the scheduled start."""
    began = time.perf_counter()
    schedule = [began] * burst + [began + i / rate for i in range(int(seconds * rate))]
    idle: list[Connection] = []

    async def one(n: int, at: float) -> None:
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        connection = idle.pop() if idle else Connection(port, source)
        try:
            status = await connection.request(
                "/credentials/verify", bodies[n % len(bodies)], "application/json"
            )
        except (OSError, asyncio.IncompleteReadError):
            connection.close()
            status = 0
        codes[status] = codes.get(status, 0) + 1
        if latencies is not None:
            latencies.append(time.perf_counter() - at)
        idle.append(connection)

    await asyncio.gather(*(one(n, at) for n, at in enumerate(schedule)))
    for connection in idle:
        connection.close()


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def phase(
    port: int, args: argparse.Namespace, genuine: list[bytes], attack: bool
) -> dict[str, Any]:
    latencies: list[float] = []
    genuine_codes: dict[int, int] = {}
    poison_codes: dict[int, int] = {}
    share = len(genuine) // args.employers
    clients = [
        open_loop(
            port,
            f"127.0.0.{2 + i}",
            genuine[i * share : (i + 1) * share],
            rate=args.rate,
            seconds=args.seconds,
            latencies=latencies,
            codes=genuine_codes,
        )
        for i in range(args.employers)
    ]
    if attack:
        clients.append(
            open_loop(
                port,
                ATTACKER,
                poison_bodies(),
                rate=ATTACK_RATE,
                seconds=args.seconds,
                burst=ATTACK_BURST,
                codes=poison_codes,
            )
        )
    await asyncio.gather(*clients)
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "genuine_codes": genuine_codes,
        "poison_codes": poison_codes,
    }


def pdf_bomb_seconds(port: int) -> tuple[float, int]:
    from factories import pdf_bomb

    boundary = "tessera-bench-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="certificate.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + pdf_bomb(1 << 30)
        + f"\r\n--{boundary}--\r\n".encode()
    )

    async def once() -> tuple[float, int]:
        connection = Connection(port, "127.0.0.99")
        began = time.perf_counter()
        status = await connection.request(
            "/verify", body, f"multipart/form-data; boundary={boundary}"
        )
        connection.close()
        return time.perf_counter() - began, status

    return asyncio.run(once())


def serve(tree: Path, tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "TESSERA_DATA_DIR": str(tmp / "data"),
        "TESSERA_KEYS_DIR": str(tmp / "keys"),
        "TESSERA_KEY_PASSPHRASE": "benchmark passphrase",
        "TESSERA_CONTEXTS_BUNDLE": str(SHARED / "contexts"),
        "TESSERA_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(tree),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import run; run()", "serve", "--port", str(port)],
        env=env,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--employers", type=int, default=4, help="genuine clients")
    parser.add_argument("--rate", type=float, default=8.0, help="per genuine client, per second")
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout to serve")
    args = parser.parse_args()
    per_phase = int(args.employers * args.rate * args.seconds) + args.employers
    warm_up = argparse.Namespace(**{**vars(args), "seconds": 2.0})
    genuine = genuine_bodies(3 * per_phase)  # a fresh slice per phase: no memo hits
    tmp = Path(tempfile.mkdtemp(prefix="tessera-bench-stall-"))
    process, port = serve(args.tree.resolve(), tmp)
    print(
        f"serving {args.tree.resolve()}; {args.employers} genuine clients x {args.rate:g}/s for "
        f"{args.seconds:g} s; attacker: burst {ATTACK_BURST}, then {ATTACK_RATE:g}/s; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    try:
        asyncio.run(phase(port, warm_up, genuine[:per_phase], False))
        for n, attack in enumerate((False, True), 1):
            chosen = genuine[n * per_phase : (n + 1) * per_phase]
            result = asyncio.run(phase(port, args, chosen, attack))
            label = "with poison   " if attack else "without poison"
            print(
                f"{label}  genuine p50 {result['p50_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms  "
                f"max {result['max_ms']:7.1f} ms  ({result['requests']} requests, HTTP "
                f"{result['genuine_codes']})"
                + (f"  poison answered HTTP {result['poison_codes']}" if attack else "")
            )
        seconds, status = pdf_bomb_seconds(port)
        print(f"PDF bomb (1 MB -> 1 GB): refused with HTTP {status} after {seconds:.2f} s")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    main()
