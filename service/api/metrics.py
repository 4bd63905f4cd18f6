"""Request metrics and the request log, as one pure ASGI middleware.

Each request is counted and timed by its route template (``/issuers/{issuer}/awards``), never
by its path, so ids in paths do not become labels; unmatched paths share one label. The
request log line carries the same fields (method, route, status, milliseconds) and nothing
about who asked or what was sent.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.app.telemetry import HTTP_LATENCY, HTTP_REQUESTS

log = logging.getLogger("tessera.requests")


def _route_template(scope: Scope) -> str:
    """The matched route's template (the router notes it in the scope), or "unmatched"."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


class MetricsMiddleware:
    """Counts, times and logs every HTTP request (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed = time.perf_counter() - started
            method = str(scope.get("method", ""))
            route = _route_template(scope)
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(elapsed)
            log.info(
                "%s %s %d",
                method,
                route,
                status,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                },
            )


__all__ = ["MetricsMiddleware"]
