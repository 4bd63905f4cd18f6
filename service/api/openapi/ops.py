"""The OpenAPI answers of the operations endpoints: liveness (``/healthz``) and readiness
(``/readyz``: database, Redis, contexts, keys)."""

from __future__ import annotations

from typing import Any

ANSWERS: dict[tuple[str, str], tuple[str, dict[str, Any], Any]] = {
    ("get", "/healthz"): (
        "200",
        {
            "type": "object",
            "required": ["status", "database"],
            "properties": {"status": {"const": "ok"}, "database": {"type": "string"}},
        },
        {"status": "ok", "database": "postgresql"},
    ),
    ("get", "/readyz"): (
        "200",
        {
            "type": "object",
            "required": ["status", "checks"],
            "properties": {
                "status": {"enum": ["ready", "not ready"]},
                "checks": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["check", "status", "detail"],
                        "properties": {
                            "check": {"enum": ["database", "redis", "contexts", "keys"]},
                            "status": {"enum": ["ok", "failed", "skipped", "degraded"]},
                            "detail": {"type": "string"},
                        },
                    },
                },
            },
        },
        {
            "status": "ready",
            "checks": [
                {"check": "database", "status": "ok", "detail": "postgresql answers"},
                {"check": "redis", "status": "ok", "detail": "answers"},
                {"check": "contexts", "status": "ok", "detail": "31 pinned contexts installed"},
                {"check": "keys", "status": "ok", "detail": "12 signing keys present"},
            ],
        },
    ),
}

__all__ = ["ANSWERS"]
