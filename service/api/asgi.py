"""ASGI entry point for uvicorn: ``uvicorn --factory service.api.asgi:build``.

Settings are read here, at the edge, when the server process starts.
"""

from __future__ import annotations

from fastapi import FastAPI

from service.api.app import create_app
from service.config import get_settings


def build() -> FastAPI:
    return create_app(get_settings())
