"""Outcome indicators over HTTP: a provider's (API key with the ``outcomes`` or ``admin``
scope) and the operator's across providers (an operator API key, or the operator token). Every figure has passed
disclosure control (service/app/disclosure.py) before it reaches a response. The provider's
page (service/api/routes/outcomes_page.py) reads and publishes through the same functions.

``format``: ``json`` (default), ``csv``, ``sdmx-csv`` or ``datapackage`` (Frictionless).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from service.api.deps import (
    AppState,
    Caller,
    CallerDep,
    IdempotencyKey,
    StateDep,
    bearer_token,
    issuer_for,
    require_operator,
)
from service.api.openapi.outcomes import ANSWERS, SIGNED_ANSWERS
from service.app.access import authenticate_operator
from service.app.disclosure import DisclosurePolicy
from service.app.outcomes import OutcomesReport, Period, operator_outcomes, provider_outcomes
from service.app.outcomes_formats import MEDIA_TYPES, to_csv, to_datapackage, to_sdmx_csv
from service.app.outcomes_signed import sign_report

router = APIRouter(tags=["outcomes"])

From = Annotated[
    str, Query(alias="from", description="First month, YYYY-MM.", examples=["2025-01"])
]
To = Annotated[
    str, Query(description="Last month, YYYY-MM (at most 60 months).", examples=["2025-12"])
]
Format = Annotated[
    str,
    Query(
        pattern="^(json|csv|sdmx-csv|datapackage)$",
        description="json, csv, sdmx-csv or datapackage (Frictionless Data Package).",
    ),
]


def policy_of(state: AppState) -> DisclosurePolicy:
    settings = state.settings
    return DisclosurePolicy(
        min_count=settings.outcomes_min_count, rounding_base=settings.outcomes_rounding_base
    )


def render(report: OutcomesReport, fmt: str) -> Response:
    """The report in ``fmt``; files are named for download."""
    name = f"outcomes-{report.scope}-{report.period.first}-{report.period.last}"
    if fmt == "csv":
        body, ext = to_csv(report), "csv"
    elif fmt == "sdmx-csv":
        body, ext = to_sdmx_csv(report), "csv"
    elif fmt == "datapackage":
        body, ext = json.dumps(to_datapackage(report), ensure_ascii=False), "json"
        name = f"{name}-datapackage"
    else:
        return Response(
            json.dumps(report.to_json(), ensure_ascii=False), media_type=MEDIA_TYPES["json"]
        )
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'},
    )


def read_report(state: AppState, caller: Caller, issuer: str, period: Period) -> OutcomesReport:
    """The caller's own provider's report (``outcomes`` or ``admin`` scope; another
    provider's slug is not found)."""
    if "admin" not in caller.scopes:
        caller.require("outcomes")
    with state.repository() as repo:
        own = issuer_for(repo, caller, issuer)
        return provider_outcomes(
            repo, issuer_slug=own.slug, period=period, policy=policy_of(state), now=state.now()
        )


def publish_report(
    state: AppState,
    caller: Caller,
    issuer: str,
    period: Period,
    *,
    idempotency_key: str | None,
) -> dict[str, Any]:
    """Sign the report (``admin`` scope): ``{"verifiableCredential", "csv"}``. A retry with
    the same ``idempotency_key`` answers the credential signed the first time."""
    caller.require("admin")
    report = read_report(state, caller, issuer, period)
    url = (
        f"{state.settings.base_url.rstrip('/')}/issuers/{report.scope}/outcomes"
        f"?from={period.first}&to={period.last}&format=csv"
    )
    signed, csv_text = sign_report(
        state.repository,
        state.issue_setup(),
        issuer_id=caller.issuer_id,
        report=report,
        report_url=url,
        actor=caller.actor,
        now=state.now(),
        idempotency_key=idempotency_key,
    )
    return {"verifiableCredential": signed, "csv": csv_text}


@router.get(
    "/issuers/{issuer}/outcomes",
    summary="A provider's outcome indicators (small counts withheld, counts rounded)",
    response_class=Response,
    responses=ANSWERS,
)
def get_provider_outcomes(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    first: From,
    to: To,
    format: Format = "json",
) -> Response:
    """Credentials issued by month and module, qualifications, recognitions, revocations and
    suspensions, learners progressing and public verifications, for `from`..`to`. Counts below
    the operator's minimum (default 10) are withheld (null / empty) with further counts so
    none can be recovered from the totals; all counts are rounded (default: to 5). Needs an
    API key with the `outcomes` (or `admin`) scope."""
    return render(read_report(state, caller, issuer, Period.parse(first, to)), format)


@router.post(
    "/issuers/{issuer}/outcomes/signed",
    status_code=201,
    summary="Sign the provider's outcomes report as a verifiable credential (admin scope)",
    responses=SIGNED_ANSWERS,
)
def post_signed_outcomes(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    first: From,
    to: To,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Issues a VC 2.0 credential signed by the provider's DID whose `relatedResource` binds
    the report's CSV (returned as `csv`) by its sha384 `digestSRI`: a funder verifies the
    credential, then checks the CSV's digest. Needs an API key with the `admin` scope. Send
    `Idempotency-Key` to retry safely: the same key for the same period answers the
    credential signed the first time (while the figures are unchanged)."""
    return publish_report(
        state, caller, issuer, Period.parse(first, to), idempotency_key=idempotency_key
    )


def require_operator_outcomes(state: AppState, token: str | None) -> None:
    """Let the operator read every provider's outcomes: an operator API key (``tso_…``) with
    the ``outcomes`` scope, or (where it is set) the operator token."""
    if state.settings.operator_token is None or (token or "").startswith("tso_"):
        with state.repository() as repo:
            authenticate_operator(repo, token, scope="outcomes")
        return
    require_operator(
        state,
        token,
        off="The operator's outcomes",
        instead="`tessera outcomes report`",
        other_keys="or an operator API key from `tessera outcomes keys create`; a provider's "
        "API key sees its own outcomes at /issuers/{issuer}/outcomes",
    )


@router.get(
    "/outcomes",
    summary="Outcome indicators across providers (operator API key or token)",
    response_class=Response,
    responses=ANSWERS,
)
def get_operator_outcomes(
    state: StateDep,
    first: From,
    to: To,
    format: Format = "json",
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """The same indicators for every provider side by side (columns: providers), under the
    same disclosure control. Needs an operator API key with the `outcomes` scope (`tessera
    outcomes keys create`), or the operator token."""
    require_operator_outcomes(state, bearer_token(authorization))
    period = Period.parse(first, to)
    with state.repository() as repo:
        report = operator_outcomes(repo, period=period, policy=policy_of(state), now=state.now())
    return render(report, format)


__all__ = ["policy_of", "publish_report", "read_report", "render", "router"]
