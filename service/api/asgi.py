"""ASGI entry point for uvicorn: ``uvicorn --factory service.api.asgi:build``.

Settings are read here, at the edge, when the server process starts.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from service.api.app import create_app
from service.app.signing import die_with_parent
from service.config import get_settings
from service.logs import configure_logging

#: Set by ``tessera serve --workers N`` to its own pid: server processes it starts end with it.
SUPERVISOR_PID = "_TESSERA_SERVE_SUPERVISOR_PID"


def build() -> FastAPI:
    supervisor = os.environ.get(SUPERVISOR_PID)
    if supervisor and os.getppid() == int(supervisor):
        # A uvicorn worker process: if `tessera serve` is killed (even with SIGKILL), it must
        # not live on holding the listening socket, or the service could not start again.
        die_with_parent(int(supervisor))
    settings = get_settings()
    configure_logging(settings.log_format)  # each server process (uvicorn spawns them)
    return create_app(settings)
