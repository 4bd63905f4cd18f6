"""Helpers for the revocation tests: issue through the API, read the served lists, change a
status, run the CLI in-process and ``tessera serve`` as real processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import TESSERA as TESSERA
from cli_support import Cli as Cli  # re-exported for the status tests
from cli_support import run_tessera as run_tessera
from cli_support import service_env as service_env
from conftest import SERVICE_BASE_URL, Provider, award_data
from factories import status_entries

from service.status.bitstring import bit_at, parse_entries, read_list_credential

# -- through the API (TestClient) -----------------------------------------------------------


def issue(client: Any, provider: Provider, module: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(**fields)},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["verifiableCredential"])


def issue_cohort(
    client: Any, provider: Provider, module: dict[str, Any], size: int, *, prefix: str = "L"
) -> list[dict[str, Any]]:
    response = client.post(
        f"/issuers/{provider.slug}/awards/batch",
        params={"include": "credentials"},
        json={
            "moduleId": module["id"],
            "awards": [award_data(f"{prefix} {i:05d}") for i in range(size)],
        },
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return list(response.json()["verifiableCredentials"])


def uuid_of(credential: dict[str, Any]) -> str:
    return str(credential["id"]).rsplit("/", 1)[1]


def entry(credential: dict[str, Any], purpose: str = "revocation") -> dict[str, str]:
    return next(e for e in status_entries(credential) if e["statusPurpose"] == purpose)


def path_of(url: str) -> str:
    assert url.startswith(SERVICE_BASE_URL + "/"), url
    return url.removeprefix(SERVICE_BASE_URL)


def change(
    client: Any, provider: Provider, credential: dict[str, Any], action: str, **body: Any
) -> Any:
    return client.post(
        f"/issuers/{provider.slug}/credentials/{uuid_of(credential)}/{action}",
        json=body or None,
        headers=provider.headers,
    )


def list_document(client: Any, url: str) -> dict[str, Any]:
    response = client.get(path_of(url))
    assert response.status_code == 200, response.text
    return dict(response.json())


def bit(client: Any, credential: dict[str, Any], purpose: str = "revocation") -> bool:
    """The credential's bit for ``purpose`` in the list this service serves now."""
    found = entry(credential, purpose)
    document = list_document(client, found["statusListCredential"])
    bits = read_list_credential(document, purpose=purpose)
    return bit_at(bits, int(found["statusListIndex"]))


def pairs(credentials: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(purpose, list URL, index) of every status entry of ``credentials``."""
    return [(e.purpose, e.list_url, e.index) for c in credentials for e in parse_entries(c)]


def verdict(html: str) -> str:
    match = re.search(r'class="verdict (\w+)"[^>]*data-verdict="(\w+)"', html)
    assert match, html[:2000]
    return f"{match.group(1)}:{match.group(2)}"


# -- the CLI in this process ----------------------------------------------------------------


# -- real `tessera serve` processes ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}


@dataclass
class Server:
    """One `tessera serve` process."""

    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [*TESSERA, "serve", "--port", str(self.port)],
                env={**_clean_environ(), **self.env},
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, deadline: float) -> None:
        assert self.process is not None
        while True:
            if self.process.poll() is not None:
                pytest.fail(
                    f"tessera serve exited with {self.process.returncode}:\n{self.log.read_text()}"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"tessera serve did not answer /healthz:\n{self.log.read_text()}")
            time.sleep(0.1)

    def kill_hard(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye (what a crash looks like)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover - only if shutdown hangs
            self.process.kill()
            self.process.wait()


@contextmanager
def serving(env: dict[str, str], count: int, *, logs: Path) -> Iterator[list[Server]]:
    """``count`` `tessera serve` processes on free loopback ports, started at once."""
    servers = [Server(env, free_port(), logs / f"serve-{n}.log") for n in range(count)]
    try:
        for server in servers:
            server.start()
        deadline = time.monotonic() + 60
        for server in servers:
            server.wait_ready(deadline)
        yield servers
    finally:
        for server in servers:
            server.stop()


def create_provider(
    env: dict[str, str], name: str, *extra: str, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[str, str, str]:
    """(slug, DID, API key) of a provider made with `tessera issuers create` (in this process
    when given ``monkeypatch``, which saves a Python start-up; else as a subprocess)."""
    if monkeypatch is not None:
        result = Cli(monkeypatch, env)("issuers", "create", "--name", name, *extra)
        assert result.exit_code == 0, result.output
        output = result.output
    else:
        done = run_tessera(env, "issuers", "create", "--name", name, *extra)
        assert done.returncode == 0, done.stderr
        output = done.stdout
    slug = re.search(r"created provider (\S+)", output)
    did = re.search(r"DID\s+(did:web:\S+)", output)
    token = re.search(r"API key\s+(tsk_\S+)", output)
    assert slug and did and token, output
    return slug.group(1), did.group(1), token.group(1)


def create_module(url: str, slug: str, token: str) -> str:
    response = httpx.post(
        f"{url}/issuers/{slug}/modules",
        json={"defaultLanguage": "en", "code": "FORK-1", "name": {"en": "Forklift safety"}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def served_bits(url: str, list_url: str, purpose: str = "revocation") -> bytes:
    """The bitstring a running service serves for ``list_url`` (its own public URL)."""
    response = httpx.get(f"{url}{path_of(list_url)}", timeout=30)
    assert response.status_code == 200, response.text
    return read_list_credential(response.json(), purpose=purpose)
