"""`tessera --help` and `tessera verify` start without loading what they do not use (the web
service, the database layer, the PDF and image stack), and lazily listed commands show the
same help as the commands themselves. (CPU time is measured by bench/bench_cli_startup.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_tessera, service_env
from conftest import CONTEXTS_BUNDLE
from factories import small_credential

from cli.lazy import load_command
from cli.main import app, keys_app

#: What an offline verification has no use for.
SERVICE_STACK = {
    "fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg", "jinja2",
    "fpdf", "PIL", "zxingcpp", "qrcode",
}  # fmt: skip
#: What a help screen has no use for either.
ENGINE = {"pyld", "pydantic_settings", "nacl", "jsonschema", "httpx"}
#: Typer's Rich help formatting: about 0.1 s of CPU per help screen (cli.lazy.command_app).
RICH_HELP = {"rich", "markdown_it"}


def modules_loaded_by(env: dict[str, str], *args: str, cwd: Path) -> tuple[set[str], str]:
    """Top-level packages imported by running `tessera ARGS` in a fresh interpreter, and
    what the command printed."""
    code = (
        "import sys\n"
        "from cli.main import app\n"
        f"try:\n    app({list(args)!r})\n"
        "except SystemExit:\n    pass\n"
        "print('MODULES', ' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    output, _, line = done.stdout.rpartition("MODULES ")
    return set(line.split()), output


def test_help_loads_neither_the_service_nor_the_engine(tmp_path: Path) -> None:
    loaded, output = modules_loaded_by(service_env(tmp_path), "--help", cwd=tmp_path)
    assert "verify" in output and "serve" in output and "export" in output
    unused = SERVICE_STACK | ENGINE | RICH_HELP
    assert not loaded & unused, sorted(loaded & unused)


def test_verify_loads_the_engine_but_not_the_service(tmp_path: Path) -> None:
    env = service_env(tmp_path)
    for args in (
        ("contexts", "install", "--from", str(CONTEXTS_BUNDLE)),
        ("keys", "generate", "acme"),
    ):
        assert run_tessera(env, *args).returncode == 0
    unsigned = small_credential()
    unsigned.pop("issuer")
    (tmp_path / "unsigned.json").write_text(json.dumps(unsigned), encoding="utf-8")
    signed = run_tessera(env, "sign", str(tmp_path / "unsigned.json"), "--key", "acme")
    assert signed.returncode == 0, signed.stderr
    (tmp_path / "signed.json").write_text(signed.stdout, encoding="utf-8")

    loaded, output = modules_loaded_by(env, "verify", str(tmp_path / "signed.json"), cwd=tmp_path)
    assert json.loads(output)["verified"] is True
    assert not loaded & SERVICE_STACK, sorted(loaded & SERVICE_STACK)


def _help(command: Any) -> str:
    return str(command.short_help or command.help or "").strip()


@pytest.mark.parametrize("typer_app", [app, keys_app], ids=["tessera", "tessera keys"])
def test_lazy_commands_are_listed_with_their_own_help(typer_app: Any) -> None:
    lazy = typer_app.info.cls.lazy
    assert lazy
    for name, (target, summary) in lazy.items():
        assert _help(load_command(name, target)) == summary, name


@pytest.mark.parametrize("command", [[], ["serve"], ["verify"], ["db"]])
def test_help_screens_offer_no_shell_completion_options(tmp_path: Path, command: list[str]) -> None:
    """Shell completion is not part of the CLI (the README documents none), so no help screen
    lists Typer's --install-completion / --show-completion."""
    shown = run_tessera(service_env(tmp_path), *command, "--help")
    assert shown.returncode == 0, shown.stderr
    assert "--help" in shown.stdout
    assert "--install-completion" not in shown.stdout
    assert "--show-completion" not in shown.stdout
