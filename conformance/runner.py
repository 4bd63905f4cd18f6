"""Run the W3C and W3C-CCG conformance suites against this checkout's `tessera serve`.

Usage: conformance/run [--suite NAME ...] [--update-baseline] [--keep]

For each suite in ../shared/conformance (or $TESSERA_SHARED_DIR/conformance): copy it with
deps/ to a cache directory, `npm ci` it from the lockfile in conformance/locks/ (skipped while
lockfile and sources are unchanged), start `tessera serve` on a scratch SQLite data dir behind
a local TLS terminator, create a did:web and a did:key provider, write the suite's
localConfig.cjs and run mocha as the suite's `npm test` does, with a JSON reporter. Prints the
totals per suite and `conformance: N of M passed, R regression(s)`.

Exit status: 0 when every test in conformance/expected-passing.json still passes; 1 when one
of them fails (a regression); 2 when the run itself could not be set up. New passes are fine:
run with --update-baseline to record them.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from conformance.suites import SUITES, Endpoints, Suite, local_config
from conformance.tls_proxy import make_certificate

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

BASELINE = HERE / "expected-passing.json"
LOCKS = HERE / "locks"
MOCHA_TIMEOUT_MS = 15000
SUITE_TIMEOUT_S = 900


class SetupError(Exception):
    """The run could not start (missing suites, npm failure, service did not come up)."""


def shared_dir() -> Path:
    env = os.environ.get("TESSERA_SHARED_DIR")
    path = Path(env) if env else REPO.parent / "shared"
    if not (path / "conformance").is_dir():
        raise SetupError(
            f"No conformance suites at {path / 'conformance'}: put ../shared beside the checkout "
            "or set TESSERA_SHARED_DIR."
        )
    return path


def cache_dir() -> Path:
    env = os.environ.get("TESSERA_CONFORMANCE_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "tessera-conformance"
    base.mkdir(parents=True, exist_ok=True)
    return base


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def install(suite: Suite, source: Path, cache: Path) -> Path:
    """The suite's working copy with node_modules installed; reinstalls only on change.

    The suite sources are refreshed from ../shared on every run (cheap); node_modules is kept
    while the lockfile, package.json and the deps/ tarballs are the same as last time."""
    deps_dst = cache / "deps"
    shutil.copytree(source / "deps", deps_dst, dirs_exist_ok=True)
    work = cache / suite.folder
    work.mkdir(exist_ok=True)
    for entry in work.iterdir():
        if entry.name != "node_modules":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.copytree(source / suite.folder, work, dirs_exist_ok=True)
    for path in work.rglob("*"):  # the shared copy is read-only; the suites write reports
        path.chmod(path.stat().st_mode | 0o200)
    work.chmod(work.stat().st_mode | 0o200)
    lock = LOCKS / f"{suite.folder}.package-lock.json"
    shutil.copyfile(lock, work / "package-lock.json")
    stamp_value = hashlib.sha256(
        lock.read_bytes() + (work / "package.json").read_bytes() + _tree_digest(deps_dst).encode()
    ).hexdigest()
    stamp = work / "node_modules" / ".tessera-stamp"
    if stamp.is_file() and stamp.read_text() == stamp_value:
        return work
    print(f"  npm ci in {work} …", flush=True)
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SetupError(f"npm ci failed for {suite.folder}:\n{result.stderr[-4000:]}")
    stamp.write_text(stamp_value)
    return work


class Service:
    """`tessera serve` on a scratch data dir, behind the TLS terminator."""

    def __init__(self, scratch: Path, shared: Path) -> None:
        self.scratch = scratch
        self.port = free_port()
        self.tls_port = free_port()
        self.base_url = f"https://localhost:{self.tls_port}"
        self.log = (scratch / "service.log").open("w")
        # The service runs on Tessera's defaults (the policies the README states), whatever
        # TESSERA_* settings the caller's shell has: only the run's own are set.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
        self.env = {
            **inherited,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "TESSERA_DATA_DIR": str(scratch / "data"),
            "TESSERA_KEYS_DIR": str(scratch / "keys"),
            "TESSERA_BASE_URL": self.base_url,
            "TESSERA_CONTEXTS_BUNDLE": str(shared / "contexts"),
            # The suites are one client sending hundreds of verifications in seconds: the
            # public per-client rate limit (10/s, burst 60) would answer some of them 429
            # depending on how fast the machine is, and the run would flake.
            "TESSERA_VERIFY_RATE_PER_SECOND": "10000",
            "TESSERA_VERIFY_BURST": "100000",
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def tessera(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", "from cli.main import run; run()", *args],
            env=self.env,
            cwd=self.scratch,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SetupError(f"tessera {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def provider(self, name: str, slug: str, *extra: str) -> tuple[str, str]:
        """(DID, API key) of a new provider."""
        out = self.tessera("issuers", "create", "--name", name, "--slug", slug, *extra)
        did = re.search(r"DID\s+(\S+)", out)
        key = re.search(r"API key\s+(\S+)", out)
        if not did or not key:
            raise SetupError(f"Unexpected output from tessera issuers create:\n{out}")
        return did.group(1), key.group(1)

    def start(self) -> None:
        serve = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from cli.main import run; run()",
                "serve",
                "--port",
                str(self.port),
            ],
            env=self.env,
            cwd=self.scratch,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(serve)
        cert, key = self.scratch / "tls-cert.pem", self.scratch / "tls-key.pem"
        make_certificate(cert, key)
        proxy = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "tls_proxy.py"),
                str(cert),
                str(key),
                str(self.tls_port),
                str(self.port),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(proxy)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if serve.poll() is not None:
                raise SetupError(f"tessera serve exited; see {self.scratch / 'service.log'}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers: up
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        raise SetupError("tessera serve did not answer within 120 s")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        self.log.close()


def run_suite(suite: Suite, work: Path, endpoints: Endpoints, scratch: Path) -> dict[str, object]:
    """Run mocha as the suite's `npm test` does, with a JSON reporter; the parsed report."""
    (work / "localConfig.cjs").write_text(local_config(suite, endpoints))
    report = scratch / f"{suite.folder}.json"
    env = {**os.environ, **suite.env, "NODE_TLS_REJECT_UNAUTHORIZED": "0"}
    command = [
        str(work / "node_modules" / ".bin" / "mocha"),
        "tests/",
        "--reporter",
        "json",
        "--reporter-option",
        f"output={report}",
        "--timeout",
        str(MOCHA_TIMEOUT_MS),
        "--preserve-symlinks",
    ]
    with (
        (scratch / f"{suite.folder}.log").open("w") as log,
        contextlib.suppress(subprocess.TimeoutExpired),
    ):
        subprocess.run(
            command,
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=SUITE_TIMEOUT_S,
        )
    if not report.is_file():
        raise SetupError(f"{suite.folder} wrote no report; see {scratch / (suite.folder + '.log')}")
    data: dict[str, object] = json.loads(report.read_text())
    return data


def titles(report: dict[str, object], key: str) -> list[str]:
    tests = report.get(key)
    return sorted({t["fullTitle"] for t in tests}) if isinstance(tests, list) else []


def compare(
    baseline: dict[str, list[str]], results: dict[str, dict[str, list[str]]]
) -> tuple[dict[str, list[str]], int]:
    """(regressions, number of new passes) of this run against the baseline.

    A regression is a baseline test of a suite that ran and did not pass this time: failed,
    or missing because a hook failed before it was generated. Suites not run are not compared.
    """
    regressions = {
        folder: sorted(set(baseline.get(folder, [])) - set(result["passes"]))
        for folder, result in results.items()
    }
    new_passes = sum(
        len(set(result["passes"]) - set(baseline.get(folder, [])))
        for folder, result in results.items()
    )
    return {folder: lost for folder, lost in regressions.items() if lost}, new_passes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", action="append", help="run only this suite (repeatable)")
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="record the tests that pass now in conformance/expected-passing.json",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--failures", action="store_true", help="list every failing test")
    args = parser.parse_args()
    chosen = [s for s in SUITES if not args.suite or s.folder in args.suite]
    if not chosen:
        print(f"No such suite; choose from {', '.join(s.folder for s in SUITES)}.")
        return 2
    baseline: dict[str, list[str]] = json.loads(BASELINE.read_text()) if BASELINE.is_file() else {}
    scratch = Path(tempfile.mkdtemp(prefix="tessera-conformance-"))
    service: Service | None = None
    results: dict[str, dict[str, list[str]]] = {}
    try:
        shared = shared_dir()
        cache = cache_dir()
        print("installing the suites …", flush=True)
        works = {s.folder: install(s, shared / "conformance", cache) for s in chosen}
        service = Service(scratch, shared)
        web_did, web_key = service.provider("Conformance (did:web)", "conformance-web")
        key_did, key_key = service.provider(
            "Conformance (did:key)", "conformance-key", "--did-method", "key"
        )
        service.start()
        endpoints = Endpoints(service.base_url, web_did, web_key, key_did, key_key)
        print(f"tessera serve at {service.base_url} (scratch {scratch})", flush=True)
        for suite in chosen:
            started = time.monotonic()
            report = run_suite(suite, works[suite.folder], endpoints, scratch)
            passed, failed = titles(report, "passes"), titles(report, "failures")
            pending = titles(report, "pending")
            results[suite.folder] = {"passes": passed, "failures": failed}
            print(
                f"{suite.folder}: {len(passed)} of {len(passed) + len(failed)} passed "
                f"({len(failed)} failing, {len(pending)} pending, "
                f"{time.monotonic() - started:.0f} s)",
                flush=True,
            )
            if args.failures:
                for title in failed:
                    print(f"    FAIL {title}")
    except SetupError as exc:
        print(f"conformance: could not run: {exc}", file=sys.stderr)
        return 2
    finally:
        if service is not None:
            service.stop()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    total_pass = sum(len(r["passes"]) for r in results.values())
    total_fail = sum(len(r["failures"]) for r in results.values())
    regressions, new_passes = compare(baseline, results)
    if args.update_baseline:
        updated = {**baseline, **{folder: r["passes"] for folder, r in results.items()}}
        BASELINE.write_text(json.dumps(updated, indent=2, ensure_ascii=False) + "\n")
        print(f"baseline updated: {BASELINE.relative_to(REPO)}")
    # Not pytest's "N passed, M failed" shape: CI reads such a closing line as the test run's
    # verdict, and the known failures here are explained policy, not a failing build.
    print(
        f"conformance: {total_pass} of {total_pass + total_fail} passed, "
        f"{sum(len(t) for t in regressions.values())} regression(s)"
    )
    if regressions and not args.update_baseline:
        print("\nRegressions: these passed before and fail now:", file=sys.stderr)
        for folder, tests in regressions.items():
            for title in tests:
                print(f"  {folder}: {title}", file=sys.stderr)
        return 1
    if new_passes and not args.update_baseline:
        print(
            f"{new_passes} test(s) pass that the baseline does not list yet: "
            "run conformance/run --update-baseline and commit conformance/expected-passing.json."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
