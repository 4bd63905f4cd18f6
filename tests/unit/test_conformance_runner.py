"""conformance/run's own logic: what counts as a regression, and the localConfig.cjs it writes
for the suites (read back by Node exactly as vc-test-suite-implementations requires it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.runner import compare
from conformance.suites import SUITES, Endpoints, local_config

ENDPOINTS = Endpoints(
    base_url="https://localhost:40443",
    web_did="did:web:localhost%3A40443:issuers:conformance-web",
    web_key="tsk_aaaaaaaaaaaa_web",
    key_did="did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    key_key="tsk_bbbbbbbbbbbb_key",
)


def test_a_baseline_test_that_fails_or_vanishes_is_a_regression() -> None:
    baseline = {"suite-a": ["t1", "t2", "t3"], "suite-b": ["u1"]}
    results = {"suite-a": {"passes": ["t1", "t4"], "failures": ["t2"]}}

    regressions, new_passes = compare(baseline, results)

    # t2 failed, t3 was never generated (a failed hook): both lost; suite-b did not run
    assert regressions == {"suite-a": ["t2", "t3"]}
    assert new_passes == 1


def test_new_passes_alone_are_not_regressions() -> None:
    regressions, new_passes = compare(
        {"suite-a": ["t1"]}, {"suite-a": {"passes": ["t1", "t2"], "failures": []}}
    )
    assert regressions == {}
    assert new_passes == 1


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_local_config_is_what_the_suites_load(tmp_path: Path) -> None:
    configs = {}
    for suite in SUITES:
        path = tmp_path / f"{suite.folder}.cjs"
        path.write_text(local_config(suite, ENDPOINTS))
        loaded = subprocess.run(
            ["node", "-e", f"console.log(JSON.stringify(require({json.dumps(str(path))})))"],
            capture_output=True,
            text=True,
            check=True,
        )
        configs[suite.folder] = json.loads(loaded.stdout)

    eddsa = configs["vc-di-eddsa-test-suite"]
    assert eddsa["settings"]["testAllImplementations"] is False
    (implementation,) = eddsa["implementations"]
    rdfc, jcs = implementation["issuers"]
    # the eddsa suite resolves only did:key itself, so it gets the did:key provider
    assert rdfc["id"] == jcs["id"] == ENDPOINTS.key_did
    assert rdfc["headers"] == {"Authorization": f"Bearer {ENDPOINTS.key_key}"}
    assert (rdfc["options"], rdfc["tags"]) == (
        {"cryptosuite": "eddsa-rdfc-2022"},
        ["eddsa-rdfc-2022"],
    )
    assert (jcs["options"], jcs["tags"]) == ({"cryptosuite": "eddsa-jcs-2022"}, ["eddsa-jcs-2022"])
    model = configs["vc-data-model-2.0-test-suite"]["implementations"][0]
    assert model["issuers"][0]["id"] == ENDPOINTS.web_did
    assert model["issuers"][0]["endpoint"] == "https://localhost:40443/credentials/issue"
    assert model["vpVerifiers"][0]["endpoint"] == "https://localhost:40443/presentations/verify"
    assert "vc2.0" in model["verifiers"][0]["tags"]


def test_the_tls_terminator_relays_https_to_the_plain_service(tmp_path: Path) -> None:
    """What the suites see: https://localhost with the run's certificate, the service behind."""
    import http.server
    import socket
    import ssl
    import sys
    import threading

    import httpx

    from conformance.tls_proxy import make_certificate

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"echo": ' + body + b"}")

        def log_message(self, *args: object) -> None:
            pass

    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    make_certificate(cert, key)
    proxy = subprocess.Popen(
        [sys.executable, "-m", "conformance.tls_proxy", str(cert), str(key), str(port),
         str(backend.server_address[1])],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proxy.stdout is not None and proxy.stdout.readline().strip() == "ready"
        response = httpx.post(
            f"https://localhost:{port}/credentials/issue",
            json={"a": 1},
            verify=ssl.create_default_context(cafile=str(cert)),
        )
        assert (response.status_code, response.json()) == (201, {"echo": {"a": 1}})
        with pytest.raises(httpx.TransportError):  # plain http is not served on the TLS port
            httpx.get(f"http://localhost:{port}/", timeout=2).raise_for_status()
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        backend.shutdown()
        backend.server_close()
