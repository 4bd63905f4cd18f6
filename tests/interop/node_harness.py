"""Python client for the Node.js reference-implementation harness (harness.mjs).

The harness is one long-running ``node`` process speaking newline-delimited JSON
on stdin/stdout: one request per line, one response per line, in order. Keeping
it alive lets tests and benchmarks issue hundreds of requests without paying
Node's start-up cost each time.

Typical use::

    ensure_node_modules()
    harness = NodeHarness()
    harness.start([Path("/path/to/contexts")])
    signed = harness.request({"op": "sign", "credential": vc, "key": key,
                              "created": "2024-01-01T00:00:00Z"})
    harness.close()
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

INTEROP_DIR = Path(__file__).resolve().parent
HARNESS = INTEROP_DIR / "harness.mjs"
NODE_MODULES = INTEROP_DIR / "node_modules"


class NodeHarnessError(RuntimeError):
    """The harness process could not be started, or it died."""


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise NodeHarnessError(
            f"`{name}` was not found on PATH: the interop and browser tests need Node.js >= 20 "
            "and npm (e.g. `apt-get install nodejs npm`)."
        )
    return path


def node_modules_stale(folder: Path = INTEROP_DIR) -> bool:
    """True when ``folder``'s node_modules is missing or older than its package-lock.json."""
    modules = folder / "node_modules"
    if not modules.is_dir():
        return True
    # npm writes .package-lock.json on every install; its mtime tells when it last synced.
    installed = modules / ".package-lock.json"
    stamp = installed if installed.exists() else modules
    return stamp.stat().st_mtime < (folder / "package-lock.json").stat().st_mtime


def ensure_node_modules(folder: Path = INTEROP_DIR, timeout: float = 600.0) -> None:
    """Install ``folder``'s npm dependencies (``npm ci``) when needed: the one way the tests
    set up Node.js packages (this harness's, and axe-core for the browser tests in tests/e2e).

    Runs ``npm ci --no-audit --no-fund`` in ``folder`` when its node_modules is missing or
    older than package-lock.json. Raises ``NodeHarnessError`` with a clear message when
    node/npm are missing or the install fails.
    """
    _require_tool("node")
    npm = _require_tool("npm")
    if not node_modules_stale(folder):
        return
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise NodeHarnessError(
            f"`npm ci` in {folder} failed with exit code {proc.returncode}:\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )


class NodeHarness:
    """A running ``node harness.mjs`` process and a blocking request/response API."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._stderr_tail: deque[str] = deque(maxlen=50)
        self._stderr_thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, contexts_dirs: Sequence[Path]) -> None:
        """Spawn the harness, serving JSON-LD contexts from ``contexts_dirs``.

        Each directory holds context files plus an optional ``manifest.json``
        mapping ``{"<context url>": "<file name>"}``; without one, the file
        names of the shared context bundle are recognised.
        """
        if self._proc is not None:
            raise NodeHarnessError("harness already started")
        node = _require_tool("node")
        if not NODE_MODULES.is_dir():
            raise NodeHarnessError(f"{NODE_MODULES} is missing: call ensure_node_modules() first")
        args = [node, str(HARNESS)]
        for directory in contexts_dirs:
            args += ["--contexts", str(directory)]
        self._proc = subprocess.Popen(
            args,
            cwd=INTEROP_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self._stderr_thread = threading.Thread(
            target=self._drain_stderr, name="node-harness-stderr", daemon=True
        )
        self._stderr_thread.start()
        # Round-trip once so that a bad --contexts directory fails here, not later.
        try:
            self.request({"op": "ping"})
        except Exception:
            self.close()
            raise

    def _drain_stderr(self) -> None:
        proc = self._proc
        if proc is None or proc.stderr is None:
            return
        for line in proc.stderr:
            self._stderr_tail.append(line.rstrip("\n"))

    def _died(self, what: str) -> NodeHarnessError:
        proc = self._proc
        code: int | None = None
        if proc is not None:
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
        if self._stderr_thread is not None:
            self._stderr_thread.join(timeout=2)
        tail = "\n".join(self._stderr_tail)
        return NodeHarnessError(f"node harness {what} (exit code {code}); stderr:\n{tail}")

    def request(self, payload: dict[str, Any]) -> Any:
        """Send one request and return its ``result``.

        Raises ``RuntimeError`` carrying the harness's error message when the
        response has ``"ok": false``, and ``NodeHarnessError`` if the process died.
        """
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise NodeHarnessError("harness not started")
        line = json.dumps(payload, ensure_ascii=False)
        with self._lock:
            try:
                proc.stdin.write(line + "\n")
                proc.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                raise self._died("is not accepting requests") from exc
            answer = proc.stdout.readline()
        if not answer:
            raise self._died("exited")
        response = json.loads(answer)
        if not response.get("ok"):
            raise RuntimeError(str(response.get("error", "unknown harness error")))
        return response.get("result")

    def close(self) -> None:
        """Close stdin and wait for the process to exit (killing it if it hangs)."""
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
        if self._stderr_thread is not None:
            self._stderr_thread.join(timeout=2)
            self._stderr_thread = None
        if proc.stderr is not None:
            proc.stderr.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
