"""Running the ``tessera`` CLI in tests: a service environment, an in-process runner, and the
installed command in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONTEXTS_BUNDLE, SERVICE_BASE_URL
from typer.testing import CliRunner, Result

from service.config import get_settings

PASSPHRASE = "correct horse battery staple"

#: The installed ``tessera`` command (or the same entry point, if no console script exists).
TESSERA = [str(Path(sys.executable).with_name("tessera"))]
if not Path(TESSERA[0]).exists():  # pragma: no cover - an install without the console script
    TESSERA = [sys.executable, "-c", "from cli.main import run; run()"]


def service_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """TESSERA_* for a service whose keys and data live under ``tmp_path``."""
    env = {
        "TESSERA_DATA_DIR": str(tmp_path / "data"),
        "TESSERA_KEYS_DIR": str(tmp_path / "keys"),
        "TESSERA_KEY_PASSPHRASE": PASSPHRASE,
        "TESSERA_KEY_KDF": "interactive",
        "TESSERA_CONTEXTS_BUNDLE": str(CONTEXTS_BUNDLE),
        "TESSERA_BASE_URL": SERVICE_BASE_URL,
    }
    env.update(extra)
    return env


class Cli:
    """``tessera`` in this process, with exactly the given TESSERA_* environment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
        self.monkeypatch = monkeypatch
        self.env = env
        for name in list(os.environ):
            if name.startswith("TESSERA_") and name != "TESSERA_SHARED_DIR":
                monkeypatch.delenv(name)

    def __call__(self, *args: str) -> Result:
        from cli.main import app

        for name, value in self.env.items():
            self.monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args))
        finally:
            get_settings.cache_clear()


def run_tessera(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``tessera ARGS`` in a new process with exactly the given TESSERA_* environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    return subprocess.run(
        [*TESSERA, *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
