"""A set-up mistake (bad TESSERA_* setting, unusable database URL, unreachable database, busy
port, unusable folder) ends `tessera` with exit 2 and one line on stderr that says what is
wrong and what to do: no traceback, and never a password."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from cli_support import run_tessera, service_env

UNREACHABLE = "postgresql+psycopg://tessera:s3cret-pw@127.0.0.1:{port}/tessera"


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_one_line_error(stderr: str, *expected: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr and "s3cret-pw" not in stderr, stderr
    for text in expected:
        assert text in lines[0], stderr


@pytest.mark.parametrize("command", [("db", "upgrade"), ("issuers", "list"), ("serve",)])
def test_an_unreachable_database(tmp_path: Path, command: tuple[str, ...]) -> None:
    port = closed_port()
    env = service_env(tmp_path, TESSERA_DATABASE_URL=UNREACHABLE.format(port=port))
    done = run_tessera(
        env, *command, *(["--port", str(closed_port())] if command == ("serve",) else [])
    )
    assert done.returncode == 2
    assert_one_line_error(
        done.stderr,
        "Cannot connect to the database",
        f"127.0.0.1:{port}",
        "Connection refused",
        "TESSERA_DATABASE_URL",
        "tessera:***@",
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "is not a database URL: set TESSERA_DATABASE_URL to postgresql+psycopg://"),
        ("mysql://tessera:s3cret-pw@localhost/db", "Tessera does not run on 'mysql'"),
        (
            "postgresql+nosuchdriver://localhost/db",
            "driver 'postgresql+nosuchdriver' is not available",
        ),
    ],
)
def test_an_unusable_database_url(tmp_path: Path, url: str, expected: str) -> None:
    done = run_tessera(service_env(tmp_path, TESSERA_DATABASE_URL=url), "db", "upgrade")
    assert done.returncode == 2
    assert_one_line_error(done.stderr, expected)


def test_invalid_settings_are_named_with_what_they_need(tmp_path: Path) -> None:
    env = service_env(tmp_path, TESSERA_MAX_QUADS="many", TESSERA_KEY_KDF="fast")
    done = run_tessera(env, "keys", "list")
    assert done.returncode == 2
    assert_one_line_error(
        done.stderr,
        "TESSERA_MAX_QUADS='many': Input should be a valid integer",
        "TESSERA_KEY_KDF='fast': Input should be 'interactive', 'moderate' or 'sensitive'",
    )


def test_production_without_a_passphrase(tmp_path: Path) -> None:
    env = service_env(tmp_path, TESSERA_ENVIRONMENT="production")
    del env["TESSERA_KEY_PASSPHRASE"]
    done = run_tessera(env, "serve", "--port", str(closed_port()))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "needs TESSERA_KEY_PASSPHRASE")


def test_serve_on_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_tessera(service_env(tmp_path), "serve", "--port", str(port))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, f"port {port} on 127.0.0.1 is already in use", "--port")


def test_serve_on_another_port_than_the_local_base_url_says_so(tmp_path: Path) -> None:
    # `tessera serve --port 8011` with the default TESSERA_BASE_URL (http://localhost:8000)
    # would issue did:web ids and QR links to port 8000: a service that is not this one.
    port = closed_port()
    database = UNREACHABLE.format(port=closed_port())  # stop right after the warning
    env = service_env(
        tmp_path, TESSERA_BASE_URL="http://localhost:8000", TESSERA_DATABASE_URL=database
    )
    done = run_tessera(env, "serve", "--port", str(port))
    warning = done.stderr.strip().splitlines()[0]
    assert warning.startswith("warning: "), done.stderr
    assert "http://localhost:8000" in warning
    assert f"TESSERA_BASE_URL=http://localhost:{port}" in warning
    # a base URL whose port matches (or a public one, as in the other tests) gets no warning
    env["TESSERA_BASE_URL"] = f"http://localhost:{port}"
    quiet = run_tessera(env, "serve", "--port", str(port))
    assert_one_line_error(quiet.stderr, "Cannot connect to the database")


def test_an_unusable_data_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = service_env(tmp_path, TESSERA_DATA_DIR=str(blocker / "data"))
    for command in (("db", "upgrade"), ("contexts", "install")):
        done = run_tessera(env, *command)
        assert done.returncode == 2, done.stderr
        assert_one_line_error(done.stderr, str(blocker / "data"), "TESSERA_DATA_DIR")
