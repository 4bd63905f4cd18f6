"""Pathways for providers: the qualifications awarded automatically, and those flagged for
review because a module credential they rest on was revoked or suspended."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from service.api.deps import CallerDep, StateDep, issuer_for
from service.app.pathways import get_qualification, list_qualifications

router = APIRouter(prefix="/issuers/{issuer}", tags=["pathways"])


@router.get("/qualifications", summary="List qualifications awarded (or those flagged for review)")
def get_qualifications(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    flagged: Annotated[
        bool | None, Query(description="true: only those awaiting review; false: only the others")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """Qualifications this provider awarded automatically when a learner's module credentials
    satisfied a programme, newest first, each with the credentials it relied on (id, issuer,
    digest) and whether it is flagged for review (a relied-on credential was revoked)."""
    with state.repository() as repo:
        return list_qualifications(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            flagged=flagged,
            limit=limit,
            offset=offset,
        )


@router.get("/qualifications/{qualification_id}", summary="One qualification")
def get_one_qualification(
    issuer: str, qualification_id: str, state: StateDep, caller: CallerDep
) -> dict[str, Any]:
    """One qualification of this provider, with what it relied on and its review flag (404
    for another provider's)."""
    with state.repository() as repo:
        return dict(
            get_qualification(
                repo, issuer=issuer_for(repo, caller, issuer), qualification_id=qualification_id
            )
        )
