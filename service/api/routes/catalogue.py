"""Provider-side catalogue: programmes and the modules that stack into them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from service.api.deps import CallerDep, StateDep, issuer_for
from service.app.catalogue import create_module, create_programme

router = APIRouter(prefix="/issuers/{issuer}", tags=["catalogue"])
Json = Annotated[dict[str, Any], Body(description="Validated against the JSON Schema in schemas/.")]


def _programme(row: Any) -> dict[str, Any]:
    return {"id": row.id, **row.data, "createdAt": row.created_at.isoformat()}


def _module(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        **row.data,
        "programmeId": row.programme_id,
        "createdAt": row.created_at.isoformat(),
    }


@router.post("/programmes", status_code=201, summary="Define a programme (qualification)")
def post_programme(issuer: str, body: Json, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """Defines a programme (a qualification that modules stack into). The body is checked against
    `schemas/programme.schema.json`; every problem is listed in `errors`."""
    caller.require("admin")
    with state.repository() as repo:
        row = create_programme(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            data=body,
            actor=caller.actor,
            now=state.now(),
        )
        return _programme(row)


@router.get("/programmes", summary="List programmes")
def list_programmes(issuer: str, state: StateDep, caller: CallerDep) -> list[dict[str, Any]]:
    """The provider's programmes, with the modules each one stacks."""
    with state.repository() as repo:
        return [
            _programme(r) for r in repo.catalogue.programmes(issuer_for(repo, caller, issuer).id)
        ]


@router.get("/programmes/{programme_id}", summary="One programme")
def get_programme(
    issuer: str, programme_id: str, state: StateDep, caller: CallerDep
) -> dict[str, Any]:
    """One programme of this provider, with its modules (404 for another provider's)."""
    with state.repository() as repo:
        return _programme(
            repo.catalogue.programme(issuer_for(repo, caller, issuer).id, programme_id)
        )


@router.post(
    "/modules", status_code=201, summary="Define a module (multilingual, EQF/ISCED-F/ESCO aligned)"
)
def post_module(issuer: str, body: Json, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """Defines a training module: multilingual name and description, learning outcomes, criteria,
    hours, credits, EQF level, ISCED-F field and ESCO skills. Checked against
    `schemas/module.schema.json`."""
    caller.require("admin")
    with state.repository() as repo:
        row = create_module(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            data=body,
            actor=caller.actor,
            now=state.now(),
        )
        return _module(row)


@router.get("/modules", summary="List modules")
def list_modules(issuer: str, state: StateDep, caller: CallerDep) -> list[dict[str, Any]]:
    """The provider's modules, with their translations, hours, credits and alignments."""
    with state.repository() as repo:
        return [_module(r) for r in repo.catalogue.modules(issuer_for(repo, caller, issuer).id)]


@router.get("/modules/{module_id}", summary="One module")
def get_module(issuer: str, module_id: str, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """One module of this provider, as defined (404 for another provider's)."""
    with state.repository() as repo:
        return _module(repo.catalogue.module(issuer_for(repo, caller, issuer).id, module_id))
