"""The API documentation, served by the service itself: Swagger UI at ``/docs`` (``/redoc``
leads there), with no third-party request.

Swagger UI's JavaScript and CSS (Apache-2.0) come from the ``fastapi-offline`` package,
served from ``/docs/assets``; our own start-up script is ``pages/static/api-docs.js``, so no
inline script is needed. The page gets a Content-Security-Policy of its own: scripts from this
origin only, and inline styles, which Swagger UI sets at run time (every other page keeps the
strict policy of ``service.api.pages``). Redoc, which the same package ships, is not offered:
it always loads its maker's logo from a CDN, and a public verifier sends visitors nowhere else.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)


def _assets_dir() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def _page(title: str, body: str, head: str = "") -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{ASSETS}/favicon.png">
{head}</head>
<body>
{body}
<script src="/static/api-docs.js"></script>
</body>
</html>"""
    return HTMLResponse(
        html, headers={"Content-Security-Policy": DOCS_POLICY, "Cache-Control": "no-cache"}
    )


def install(app: FastAPI) -> None:
    """Mount Swagger UI's assets and add ``/docs`` and ``/redoc`` (not in the document)."""
    app.mount(ASSETS, StaticFiles(directory=_assets_dir()), name="api-docs")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(
            f"{app.title} API",
            '<main id="swagger-ui"><noscript>The API reference needs JavaScript; the document '
            'itself is <a href="/openapi.json">/openapi.json</a>.</noscript></main>\n'
            f'<script src="{ASSETS}/swagger-ui-bundle.js"></script>',
            head=f'<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">\n',
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs", status_code=308)


__all__ = ["DOCS_POLICY", "install"]
