"""Running the ``tessera`` CLI in tests: a service environment and an in-process runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import CONTEXTS_BUNDLE, SERVICE_BASE_URL
from typer.testing import CliRunner, Result

from service.config import get_settings

PASSPHRASE = "correct horse battery staple"


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
