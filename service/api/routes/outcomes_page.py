"""The provider's outcomes page (``/provider/…``): charts (server-side SVG) and data tables
of its indicators, a period form, downloads (CSV, SDMX-CSV, Data Package) and publishing
the signed report, in the reader's language. No JavaScript.

A browser cannot send an ``Authorization`` header, so the provider signs in by pasting an
API key with the ``outcomes`` or ``admin`` scope (POSTed, never in a URL, never logged):
:mod:`service.app.browser_sessions` opens a session held in an HttpOnly, SameSite=Strict
cookie (Secure when the service is on https), scoped to ``/provider``. Every form carries a
CSRF token: the sign-in form's is bound to a cookie set with the form (so no other site can
sign a browser in to its own key), the others' to the session. Publishing also carries a
one-time request id used as its Idempotency-Key, so a form sent twice signs once. Reading and
publishing go through the same functions as the JSON API (:mod:`service.api.routes.outcomes`).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from service.api import problems
from service.api.deps import AppState, Caller, StateDep
from service.api.pages import page_language, render
from service.api.routes.outcomes import publish_report, read_report
from service.api.routes.outcomes import render as render_format
from service.api.routes.wallet import _bidi_translator
from service.app.browser_sessions import (
    SESSION_MINUTES,
    csrf_matches,
    csrf_token,
    session_key,
    sign_in,
    sign_out,
)
from service.app.outcomes import MAX_MONTHS, Period
from service.app.outcomes_view import report_view
from service.errors import AuthenticationError, InputError, PermissionDeniedError, TesseraError
from service.export.charts import Chart, to_svg
from service.i18n import format_month, supported

router = APIRouter(tags=["outcomes page"], include_in_schema=False)

COOKIE = "tessera_provider_session"
#: Set with the sign-in form; its CSRF field must match it.
SIGN_IN_COOKIE = "tessera_provider_sign_in"
PATH = "/provider"
#: The scopes that may open the page (publishing needs ``admin``).
PAGE_SCOPES = frozenset({"outcomes", "admin"})
_FORMATS = ("csv", "sdmx-csv", "datapackage")


def _lang(request: Request, form: dict[str, str] | None = None) -> str:
    chosen = supported((form or {}).get("lang"))
    return chosen or page_language(request)


async def _form(request: Request) -> dict[str, str]:
    """The posted form's text fields (a form that is not one reads as empty)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _caller(state: AppState, request: Request) -> Caller:
    """The signed-in provider's key as a :class:`Caller` (AuthenticationError: sign in)."""
    with state.repository() as repo:
        key = session_key(repo, request.cookies.get(COOKIE), now=state.now())
    return Caller(key_id=key.id, issuer_id=key.issuer_id, scopes=frozenset(key.scopes.split()))


def _cookie(state: AppState) -> dict[str, Any]:
    """The session cookie's attributes: only this page's paths, never to scripts, never on
    a request another site starts, and only over https when the service is on https."""
    return {
        "path": PATH,
        "httponly": True,
        "samesite": "strict",
        "secure": state.settings.base_url.startswith("https://"),
    }


def _sign_in_page(
    request: Request,
    state: AppState,
    lang: str,
    *,
    status: int = 200,
    error: str = "",
    notice: str = "",
) -> HTMLResponse:
    """The form, with a fresh sign-in token: a cookie and, derived from it, the form's CSRF
    field, so another site cannot sign a browser in to its own key (login CSRF)."""
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "outcomes_sign_in.html",
        lang=lang,
        status_code=status,
        error=error,
        notice=notice,
        minutes=SESSION_MINUTES,
        csrf=csrf_token(token),
    )
    response.set_cookie(SIGN_IN_COOKIE, token, max_age=SESSION_MINUTES * 60, **_cookie(state))
    return response


def _default_period(now: datetime) -> tuple[str, str]:
    """The twelve months up to this one."""
    year, month = (now.year, now.month - 11) if now.month == 12 else (now.year - 1, now.month + 1)
    return f"{year:04d}-{month:02d}", f"{now.year:04d}-{now.month:02d}"


def _period(state: AppState, values: dict[str, str]) -> tuple[str, str, Period | None]:
    default_first, default_last = _default_period(state.now())
    first = values.get("from") or default_first
    last = values.get("to") or default_last
    try:
        return first, last, Period.parse(first, last)
    except InputError:
        return first, last, None


def _slug(state: AppState, caller: Caller) -> str:
    with state.repository() as repo:
        return repo.providers.issuer(caller.issuer_id).slug


@router.get("/provider/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, state: StateDep) -> HTMLResponse:
    """The sign-in form (and the notice after signing out or when a session ended)."""
    notice = {"signed-out": "outcomes.signed_out", "ended": "outcomes.expired"}
    return _sign_in_page(
        request,
        state,
        _lang(request),
        notice=notice.get(request.query_params.get("note", ""), ""),
    )


@router.post("/provider/sign-in", response_class=HTMLResponse)
async def sign_in_post(request: Request, state: StateDep) -> Response:
    """Open a session for a pasted API key; a wrong key or scope answers the form again."""
    form = await _form(request)
    lang = _lang(request, form)
    if not csrf_matches(request.cookies.get(SIGN_IN_COOKIE), form.get("csrf")):
        return _sign_in_page(request, state, lang, status=403, error="outcomes.form_expired")
    try:
        with state.repository() as repo:
            opened = sign_in(
                repo, api_key=form.get("api_key", ""), scopes=PAGE_SCOPES, now=state.now()
            )
    except AuthenticationError:
        return _sign_in_page(request, state, lang, status=401, error="outcomes.bad_key")
    except PermissionDeniedError:
        return _sign_in_page(request, state, lang, status=403, error="outcomes.no_scope")
    response = RedirectResponse(f"/provider/outcomes?lang={lang}", status_code=303)
    response.set_cookie(COOKIE, opened.token, max_age=SESSION_MINUTES * 60, **_cookie(state))
    response.delete_cookie(SIGN_IN_COOKIE, **_cookie(state))
    return response


@router.post("/provider/sign-out")
async def sign_out_post(request: Request, state: StateDep) -> Response:
    """End the session (CSRF-checked) and forget the cookie."""
    form = await _form(request)
    token = request.cookies.get(COOKIE)
    if csrf_matches(token, form.get("csrf")):
        with state.repository() as repo:
            sign_out(repo, token)
    response = RedirectResponse(
        f"/provider/sign-in?lang={_lang(request, form)}&note=signed-out", status_code=303
    )
    response.delete_cookie(COOKIE, **_cookie(state))
    return response


@router.get("/provider/outcomes", response_class=HTMLResponse)
def outcomes_page(request: Request, state: StateDep) -> HTMLResponse:
    """The signed-in provider's indicators for ``from``..``to`` (default: the last twelve
    months): per indicator, charts and the data table."""
    caller = _caller(state, request)
    lang = _lang(request)
    first, last, period = _period(state, dict(request.query_params))
    context: dict[str, Any] = {"first": first, "last": last, "error": period is None}
    if period is None:
        with state.repository() as repo:
            provider = repo.providers.issuer(caller.issuer_id).name
        context.update(provider=provider, max_months=MAX_MONTHS)
    else:
        report = read_report(state, caller, _slug(state, caller), period)
        context.update(
            provider=report.scope_name,
            views=report_view(lang, report),
            first_shown=format_month(lang, period.first),
            last_shown=format_month(lang, period.last),
            min_count=report.policy.min_count,
            rounding_base=report.policy.rounding_base,
            download_query=urlencode({"from": first, "to": last, "lang": lang}),
            can_publish="admin" in caller.scopes,
            request_id=secrets.token_urlsafe(16),
        )
    return render(
        request,
        "outcomes.html",
        lang=lang,
        status_code=200 if period else 422,
        csrf=csrf_token(request.cookies.get(COOKIE, "")),
        tb=_bidi_translator(lang),
        svg=_svg,
        **context,
    )


def _svg(chart: Chart) -> Markup:
    return Markup(to_svg(chart))  # noqa: S704 - to_svg escapes every text it writes


@router.get("/provider/outcomes/download")
def outcomes_download(request: Request, state: StateDep) -> Response:
    """The figures as a file (``format``: csv, sdmx-csv or datapackage)."""
    caller = _caller(state, request)
    fmt = request.query_params.get("format", "csv")
    if fmt not in _FORMATS:
        raise InputError(f"'format' must be one of {', '.join(_FORMATS)}; got {fmt!r}.")
    params = request.query_params
    period = Period.parse(params.get("from", ""), params.get("to", ""))
    return render_format(read_report(state, caller, _slug(state, caller), period), fmt)


@router.post("/provider/outcomes/publish", response_class=HTMLResponse)
async def outcomes_publish(request: Request, state: StateDep) -> HTMLResponse:
    """Sign the report for the form's period (admin scope, CSRF-checked); the form's request
    id is the Idempotency-Key, so sending the form twice signs once."""
    form = await _form(request)
    caller = _caller(state, request)
    lang = _lang(request, form)
    if not csrf_matches(request.cookies.get(COOKIE), form.get("csrf")):
        return _problem_page(request, lang, 403, "outcomes.form_expired")
    period = Period.parse(form.get("from", ""), form.get("to", ""))
    request_id = form.get("request", "")[:64]
    published = publish_report(
        state,
        caller,
        _slug(state, caller),
        period,
        idempotency_key=f"outcomes-page:{request_id}" if request_id else None,
    )
    credential = published["verifiableCredential"]
    with state.repository() as repo:
        provider = repo.providers.issuer(caller.issuer_id).name
    return render(
        request,
        "outcomes_published.html",
        lang=lang,
        status_code=201,
        tb=_bidi_translator(lang),
        provider=provider,
        credential_id=credential["id"],
        record_id=str(credential["id"]).rsplit("/", 1)[-1],
        first_shown=format_month(lang, period.first),
        last_shown=format_month(lang, period.last),
        download_query=urlencode({"from": period.first, "to": period.last, "lang": lang}),
    )


@router.get("/provider/outcomes/publish")
def outcomes_publish_get(request: Request) -> RedirectResponse:
    """The published page's language links point here (its own address): back to the page."""
    return RedirectResponse(f"/provider/outcomes?lang={_lang(request)}", status_code=303)


@router.get("/provider/outcomes/published/{record_id}")
def outcomes_published(record_id: str, request: Request, state: StateDep) -> Response:
    """A signed report this provider published, as the JSON file a funder verifies."""
    caller = _caller(state, request)
    with state.repository() as repo:
        document = repo.credentials.credential(caller.issuer_id, record_id).document

    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="outcomes-{record_id}.json"'},
    )


def _error_page(request: Request, error: TesseraError, status: int) -> Response | None:
    """Under ``/provider``: an ended session goes back to the sign-in form; any other
    problem is said on a page in the reader's language (never JSON, never a 500)."""
    if not request.url.path.startswith(PATH + "/"):
        return None
    lang = _lang(request)
    if isinstance(error, AuthenticationError):
        response: Response = RedirectResponse(
            f"/provider/sign-in?lang={lang}&note=ended", status_code=303
        )
        response.delete_cookie(COOKIE, **_cookie(request.app.state.tessera))
        return response
    return _problem_page(request, lang, status, "outcomes.problem", detail=error.message)


def _problem_page(
    request: Request, lang: str, status: int, message: str, *, detail: str = ""
) -> HTMLResponse:
    """What went wrong, in the reader's language (``detail``: the service's own words)."""
    return render(
        request,
        "outcomes_problem.html",
        lang=lang,
        status_code=status,
        message=message,
        detail=detail,
    )


def install(app: FastAPI) -> None:
    """Add the page's routes; its errors answer as pages (``service.api.problems``)."""
    app.include_router(router)
    problems.add_page(app, TesseraError, _error_page)


__all__ = ["COOKIE", "install", "router"]
