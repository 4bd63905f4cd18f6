"""Recognition of prior learning for providers: assessors, cases, evidence, decisions, and
the view of open cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from service.api.deps import CallerDep, StateDep, issuer_for
from service.app.rpl import (
    add_assessor,
    add_evidence,
    decide,
    describe_assessor,
    describe_case,
    get_case,
    list_cases,
    open_case,
)

router = APIRouter(prefix="/issuers/{issuer}", tags=["rpl"])
Json = Annotated[dict[str, Any], Body(description="Validated against the JSON Schema in schemas/.")]


@router.post("/assessors", status_code=201, summary="Register an RPL assessor (with their own key)")
def post_assessor(issuer: str, body: Json, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """Registers an assessor for recognition of prior learning. The assessor gets a signing key
    of their own, published in the provider's DID document (not the provider's issuing key): an
    RPL credential carries the assessors' proofs. Checked against
    `schemas/rpl-assessor.schema.json`. Needs the `admin` scope."""
    caller.require("admin")
    with state.repository() as repo:
        row = add_assessor(
            repo,
            state.engine.keys(),
            issuer=issuer_for(repo, caller, issuer),
            name=str(body.get("name", "")) if isinstance(body.get("name"), str) else "",
            actor=caller.actor,
            now=state.now(),
        )
        return describe_assessor(row)


@router.get("/assessors", summary="List RPL assessors")
def get_assessors(issuer: str, state: StateDep, caller: CallerDep) -> list[dict[str, Any]]:
    """The provider's assessors and their verification methods."""
    with state.repository() as repo:
        found = issuer_for(repo, caller, issuer)
        return [describe_assessor(a) for a in repo.rpl.assessors(found.id)]


@router.post("/rpl/cases", status_code=201, summary="Open a recognition of prior learning case")
def post_case(issuer: str, body: Json, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """Opens an RPL case for a learner against modules or a whole programme, with any
    credentials from abroad and how each maps onto local modules (full, partial, none, and
    why). Checked against `schemas/rpl-case.schema.json`. Needs the `issue` scope."""
    caller.require("issue")
    with state.repository() as repo:
        row = open_case(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            data=body,
            actor=caller.actor,
            now=state.now(),
        )
        return describe_case(row)


@router.get("/rpl/cases", summary="List RPL cases (the open ones: status=open)")
def get_cases(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    status: Annotated[str | None, Query(description="open or decided")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """The provider's RPL cases, newest first, with their evidence and outcomes;
    `status=open` lists those awaiting a decision."""
    with state.repository() as repo:
        return list_cases(
            repo, issuer=issuer_for(repo, caller, issuer), status=status, limit=limit, offset=offset
        )


@router.get("/rpl/cases/{case_id}", summary="One RPL case")
def get_one_case(issuer: str, case_id: str, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """One RPL case of this provider (404 for another provider's)."""
    with state.repository() as repo:
        return get_case(repo, issuer=issuer_for(repo, caller, issuer), case_id=case_id)


@router.post("/rpl/cases/{case_id}/evidence", summary="Record evidence seen in an RPL case")
def post_evidence(
    issuer: str, case_id: str, body: Json, state: StateDep, caller: CallerDep
) -> dict[str, Any]:
    """Records one assessment: the method, a description of what was seen and its digest, the
    date; never a copy of a document (`schemas/rpl-evidence.schema.json`). Needs `issue`."""
    caller.require("issue")
    with state.repository() as repo:
        row = add_evidence(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            case_id=case_id,
            data=body,
            actor=caller.actor,
            now=state.now(),
        )
        return describe_case(row)


@router.post("/rpl/cases/{case_id}/decision", summary="Decide an RPL case: issue RPL credentials")
def post_decision(
    issuer: str, case_id: str, body: Json, state: StateDep, caller: CallerDep
) -> dict[str, Any]:
    """Records the outcome per module and closes the case. Each recognized module becomes an
    RPL credential signed by the named assessors (two: a Data Integrity proof set of two
    proofs), joins the learner's wallet and counts toward qualifications; any qualification
    completed now is issued and listed. The same decision sent again answers as the first
    time (and awards what a lost first attempt left undone); a different one is a 409.
    Checked against `schemas/rpl-decision.schema.json`. Needs the `issue` scope."""
    caller.require("issue")
    with state.repository() as repo:
        issuer_id = issuer_for(repo, caller, issuer).id
    case, credentials, awarded = decide(
        state.repository,
        state.issue_setup(),
        issuer_id=issuer_id,
        case_id=case_id,
        data=body,
        actor=caller.actor,
        now=state.now(),
    )
    return {
        "case": describe_case(case),
        "verifiableCredentials": credentials,
        "qualifications": [a.to_json() for a in awarded],
    }
