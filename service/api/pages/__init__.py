"""Server-rendered pages (no JavaScript): rendering, language choice and security headers.

Templates autoescape everything; learner- and issuer-supplied text is additionally wrapped in
``<bdi>`` by the templates so a bidi control character cannot reorder the page around it.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.credentials.view import number_text
from service.i18n import LANGUAGES, direction, format_date, negotiate, translate

PAGES = Path(__file__).resolve().parent
ENVIRONMENT = Environment(
    loader=FileSystemLoader(PAGES / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

#: Applied to every response. No inline script anywhere, so script-src can be 'none'.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


#: Two years, subdomains included (the hstspreload.org minimum is one year).
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


def page_language(request: Request) -> str:
    """``?lang=`` if supported, else the best match for Accept-Language, else English."""
    return negotiate(request.headers.get("accept-language"), request.query_params.get("lang"))


def _local_date(iso_day: date | str | None, lang: str) -> Markup:
    """A day (or ``2025-06-30``) as people write it in ``lang`` (CLDR), in a ``<time>`` element
    that keeps the ISO date for machines; text that is not an ISO date is shown as it is."""
    if not iso_day:
        return Markup("")
    if isinstance(iso_day, date):
        iso_day = iso_day.isoformat()
    try:
        shown = format_date(lang, date.fromisoformat(iso_day))
    except ValueError:
        return Markup("<bdi>{}</bdi>").format(iso_day)
    return Markup('<time datetime="{}">{}</time>').format(iso_day, shown)


def render(
    request: Request, template: str, *, lang: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render ``template`` in ``lang`` with ``t()``, ``dir``, the language list and ``query_for()``."""

    def query_for(**changes: str) -> str:
        params = dict(request.query_params)
        params.update(changes)
        return urlencode(params)

    html = ENVIRONMENT.get_template(template).render(
        lang=lang,
        dir=direction(lang),
        languages=LANGUAGES,
        t=partial(translate, lang),
        day=partial(_local_date, lang=lang),
        number=number_text,
        query_for=query_for,
        **context,
    )
    return HTMLResponse(
        html,
        status_code=status_code,
        headers={"Content-Language": lang, "Vary": "Accept-Language", "Cache-Control": "no-store"},
    )


class _SecurityHeaders:
    """Plain ASGI middleware (cheaper than BaseHTTPMiddleware on the hot verify path)."""

    _headers: ClassVar[list[tuple[bytes, bytes]]] = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()
    ]

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        # Only when the service's public address is https: HSTS over plain http is ignored by
        # browsers, and on a development http://localhost it would only get in the way.
        self._all_headers = [*self._headers, *([HSTS] if hsts else [])]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self._all_headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, *, https: bool = False) -> None:
    """Serve the stylesheet and add the security headers to every response (and
    ``Strict-Transport-Security`` when the service is reached over ``https``)."""
    app.mount("/static", StaticFiles(directory=PAGES / "static"), name="static")
    app.add_middleware(_SecurityHeaders, hsts=https)


__all__ = ["SECURITY_HEADERS", "install", "page_language", "render"]
