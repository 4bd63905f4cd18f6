"""Outcome indicators over HTTP: a provider's (API key with the ``outcomes`` or ``admin``
scope) and the operator's across providers (the operator token). Every figure has passed
disclosure control (service/app/disclosure.py) before it reaches a response.

``format``: ``json`` (default), ``csv``, ``sdmx-csv`` or ``datapackage`` (Frictionless).
"""

from __future__ import annotations

import hmac
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from service.api.deps import CallerDep, StateDep, issuer_for
from service.app.disclosure import DisclosurePolicy
from service.app.outcomes import OutcomesReport, Period, operator_outcomes, provider_outcomes
from service.app.outcomes_formats import MEDIA_TYPES, to_csv, to_datapackage, to_sdmx_csv
from service.app.outcomes_signed import sign_report
from service.errors import AuthenticationError, PermissionDeniedError

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


_FIGURE = {"type": ["integer", "null"], "minimum": 0}
_REPORT = {
    "type": "object",
    "required": ["provider", "from", "to", "disclosureControl", "indicators"],
    "properties": {
        "provider": {"type": ["string", "null"], "description": "null: across providers"},
        "providerName": {"type": "string"},
        "issuer": {"type": ["string", "null"], "description": "The provider's DID."},
        "from": {"type": "string"},
        "to": {"type": "string"},
        "generatedAt": {"type": "string", "format": "date-time"},
        "disclosureControl": {
            "type": "object",
            "properties": {
                "minimumCount": {"type": "integer", "minimum": 5},
                "roundingBase": {"type": "integer", "minimum": 1},
                "note": {"type": "string"},
            },
        },
        "indicators": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "months", "columns", "cells"],
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "breakdown": {"type": "string"},
                    "months": {"type": "array", "items": {"type": "string"}},
                    "columns": {"type": "array", "items": {"type": "string"}},
                    "cells": {"type": "array", "items": {"type": "array", "items": _FIGURE}},
                    "monthTotals": {"type": "array", "items": _FIGURE},
                    "columnTotals": {"type": "array", "items": _FIGURE},
                    "total": _FIGURE,
                    "withheld": {"type": "integer"},
                },
            },
        },
    },
}
_DATAPACKAGE = {
    "type": "object",
    "required": ["profile", "resources"],
    "properties": {
        "profile": {"const": "tabular-data-package"},
        "name": {"type": "string"},
        "resources": {"type": "array", "items": {"type": "object"}},
    },
    "description": "Frictionless Data Package (format=datapackage), observations inline.",
}
_EXAMPLE = {
    "provider": "vtc-hamburg",
    "providerName": "Vocational Training Centre Hamburg",
    "issuer": "did:web:localhost%3A8000:issuers:vtc-hamburg",
    "from": "2025-03",
    "to": "2025-04",
    "generatedAt": "2026-01-15T00:00:00Z",
    "disclosureControl": {"minimumCount": 10, "roundingBase": 5, "note": "..."},
    "indicators": [
        {
            "id": "credentialsIssued",
            "title": "Credentials issued (module completions by module)",
            "breakdown": "module",
            "months": ["2025-03", "2025-04"],
            "columns": ["WELD-1", "WELD-2"],
            "cells": [[20, 10], [None, 0]],
            "monthTotals": [30, None],
            "columnTotals": [None, 10],
            "total": 35,
            "withheld": 3,
        }
    ],
}
_CSV_EXAMPLE = (
    "provider,indicator,month,breakdown,value,status\r\n"
    "vtc-hamburg,credentialsIssued,2025-03,WELD-1,20,\r\n"
    "vtc-hamburg,credentialsIssued,2025-04,WELD-1,,withheld\r\n"
)
_SDMX_EXAMPLE = (
    "DATAFLOW,PROVIDER,INDICATOR,BREAKDOWN,TIME_PERIOD,OBS_VALUE,CONF_STATUS,ROUNDING_BASE\r\n"
    "TESSERA:OUTCOMES(1.0),vtc-hamburg,credentialsIssued,WELD-1,2025-03,20,F,5\r\n"
    "TESSERA:OUTCOMES(1.0),vtc-hamburg,credentialsIssued,WELD-1,2025-04,,C,5\r\n"
)
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The indicators, every figure under disclosure control.",
        "content": {
            "application/json": {
                "schema": {"oneOf": [_REPORT, _DATAPACKAGE]},
                "example": _EXAMPLE,
            },
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
            "application/vnd.sdmx.data+csv": {
                "schema": {"type": "string"},
                "example": _SDMX_EXAMPLE,
            },
        },
    }
}


SIGNED_ANSWERS: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "The signed credential and the CSV whose digest it signs.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["verifiableCredential", "csv"],
                    "properties": {
                        "verifiableCredential": {
                            "type": "object",
                            "required": ["relatedResource", "proof"],
                            "properties": {
                                "relatedResource": {"type": "array"},
                                "proof": {"type": "object"},
                            },
                        },
                        "csv": {"type": "string"},
                    },
                },
                "example": {
                    "verifiableCredential": {
                        "@context": ["https://www.w3.org/ns/credentials/v2"],
                        "type": ["VerifiableCredential"],
                        "issuer": "did:web:localhost%3A8000:issuers:vtc-hamburg",
                        "name": "Outcomes of Vocational Training Centre Hamburg, 2025-01 to "
                        "2025-12",
                        "relatedResource": [
                            {
                                "id": "http://localhost:8000/issuers/vtc-hamburg/outcomes"
                                "?from=2025-01&to=2025-12&format=csv",
                                "mediaType": "text/csv",
                                "digestSRI": "sha384-...",
                            }
                        ],
                        "proof": {"type": "DataIntegrityProof"},
                    },
                    "csv": _CSV_EXAMPLE,
                },
            }
        },
    }
}


def policy_of(state: StateDep) -> DisclosurePolicy:
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
    if "admin" not in caller.scopes:
        caller.require("outcomes")
    period = Period.parse(first, to)
    with state.repository() as repo:
        own = issuer_for(repo, caller, issuer)
        report = provider_outcomes(
            repo, issuer_slug=own.slug, period=period, policy=policy_of(state), now=state.now()
        )
    return render(report, format)


@router.post(
    "/issuers/{issuer}/outcomes/signed",
    status_code=201,
    summary="Sign the provider's outcomes report as a verifiable credential (admin scope)",
    responses=SIGNED_ANSWERS,
)
def post_signed_outcomes(
    issuer: str, state: StateDep, caller: CallerDep, first: From, to: To
) -> dict[str, Any]:
    """Issues a VC 2.0 credential signed by the provider's DID whose `relatedResource` binds
    the report's CSV (returned as `csv`) by its sha384 `digestSRI`: a funder verifies the
    credential, then checks the CSV's digest. Needs an API key with the `admin` scope."""
    caller.require("admin")
    period = Period.parse(first, to)
    with state.repository() as repo:
        own = issuer_for(repo, caller, issuer)
        report = provider_outcomes(
            repo, issuer_slug=own.slug, period=period, policy=policy_of(state), now=state.now()
        )
    url = (
        f"{state.settings.base_url.rstrip('/')}/issuers/{own.slug}/outcomes"
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
    )
    return {"verifiableCredential": signed, "csv": csv_text}


def require_operator(state: StateDep, authorization: str | None) -> None:
    configured = state.settings.operator_token
    if configured is None:
        raise PermissionDeniedError(
            "The operator's outcomes are off on this service: the operator sets "
            "TESSERA_OPERATOR_TOKEN to turn them on, or runs `tessera outcomes report`."
        )
    presented = ""
    if authorization and authorization.lower().startswith("bearer "):
        presented = authorization[7:].strip()
    if not hmac.compare_digest(presented.encode(), configured.get_secret_value().encode()):
        raise AuthenticationError(
            "Send the operator token: `Authorization: Bearer <TESSERA_OPERATOR_TOKEN>` "
            "(a provider's API key sees its own outcomes at /issuers/{issuer}/outcomes)."
        )


@router.get(
    "/outcomes",
    summary="Outcome indicators across providers (operator token)",
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
    same disclosure control. Needs the operator token."""
    require_operator(state, authorization)
    period = Period.parse(first, to)
    with state.repository() as repo:
        report = operator_outcomes(repo, period=period, policy=policy_of(state), now=state.now())
    return render(report, format)


__all__ = ["render", "router"]
