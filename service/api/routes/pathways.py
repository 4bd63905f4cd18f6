"""Pathways for providers: the qualifications awarded automatically, and those flagged for
review because a module credential they rest on was revoked or suspended."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import CallerDep, PublicDep, StateDep, issuer_for
from service.api.routes.wallet import render_wallet
from service.app.pathways import get_qualification, list_qualifications, review_qualification
from service.app.recognition import present, presented_credentials, recheck
from service.errors import MalformedDocumentError, ValidationFailed
from service.strict_json import loads_strict

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


@router.post(
    "/qualifications/recheck",
    summary="Verify again the external credentials qualifications relied on; flag failures",
)
def post_recheck(
    issuer: str, state: StateDep, caller: CallerDep, public: PublicDep
) -> dict[str, Any]:
    """Re-verifies, with the full pipeline, every credential from another provider that this
    provider's qualifications (not yet flagged) rest on, and flags for review each
    qualification resting on one that no longer verifies (revoked or suspended at its
    provider, expired, its issuer withdrawn from the trust registry). Run it regularly (a
    provider on this same service flags at once when it revokes). Needs the `revoke` scope."""
    caller.require("revoke")
    with state.repository() as repo:
        issuer_id = issuer_for(repo, caller, issuer).id
    now = state.now()
    return recheck(
        state.repository,
        issuer_id=issuer_id,
        verify=lambda document: public.verification.verify(document, now=now),
        actor=caller.actor,
        now=now,
    )


@router.post(
    "/qualifications/{qualification_id}/review",
    summary="Review a flagged qualification: keep it or revoke it (with its transcript)",
)
def post_review(
    issuer: str,
    qualification_id: str,
    body: Annotated[dict[str, Any], Body()],
    state: StateDep,
    caller: CallerDep,
) -> dict[str, Any]:
    """Decides on a qualification flagged because a credential it relied on was revoked or
    suspended: `keep` lifts the flag, `revoke` revokes the qualification and its CLR
    (`schemas/qualification-review.schema.json`). Needs the `revoke` scope."""
    caller.require("revoke")
    with state.repository() as repo:
        return review_qualification(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            qualification_id=qualification_id,
            data=body,
            actor=caller.actor,
            now=state.now(),
            queue=state.jobs,
        )


wallet_router = APIRouter(tags=["pathways"])
MAX_UPLOAD = 512 * 1024


@wallet_router.post(
    "/wallet/{token}/credentials",
    summary="A learner presents module credentials from recognized providers",
)
async def post_wallet_credentials(
    token: str, body: Annotated[Any, Body()], request: Request, state: StateDep, public: PublicDep
) -> dict[str, Any]:
    """The learner (holding the wallet link) presents module credentials from other providers:
    one credential, a list, or a Verifiable Presentation. Each is verified with the full
    pipeline (signature, status, trust registry) and counts when a programme of this provider
    accepts its issuer and achievement and it is in the learner's name; the answer says, per
    credential, whether it counted and why, and lists any qualification completed now."""
    credentials = presented_credentials(body)
    await public.admit(request.client.host if request.client else "unknown")
    now = state.now()
    outcomes, awarded = await run_in_threadpool(  # verification and the database: off the loop
        lambda: present(
            state.repository,
            state.issue_setup(),
            token=token,
            credentials=credentials,
            verify=lambda document: public.verification.verify(document, now=now),
            now=now,
        )
    )
    return {
        "results": [o.to_json() for o in outcomes],
        "qualifications": [a.to_json() for a in awarded],
    }


@wallet_router.post(
    "/wallet/{token}/present",
    response_class=HTMLResponse,
    summary="The wallet page's upload: add a module credential from a recognized provider",
)
async def post_wallet_present(
    token: str, request: Request, state: StateDep, public: PublicDep
) -> Response:
    """The wallet page's form (no JavaScript): the learner uploads a credential file (JSON: a
    credential, a list or a presentation) from a provider this one recognizes. It is checked
    like `POST /wallet/{token}/credentials` and the wallet page answers, saying in the learner's
    language whether it was added (and, if not, why, in the technical details)."""
    await public.admit(request.client.host if request.client else "unknown")
    form = await request.form()
    upload = form.get("file")
    data = (
        await upload.read(MAX_UPLOAD + 1)
        if upload is not None and not isinstance(upload, str)
        else b""
    )
    try:
        if len(data) > MAX_UPLOAD:
            raise ValidationFailed(f"The file is larger than {MAX_UPLOAD // 1024} KB.")
        credentials = presented_credentials(loads_strict(data))
    except (ValidationFailed, MalformedDocumentError, RecursionError) as exc:
        results = [{"accepted": False, "reason": str(exc)}]
    else:
        now = state.now()

        def work() -> list[dict[str, Any]]:
            outcomes, _ = present(
                state.repository,
                state.issue_setup(),
                token=token,
                credentials=credentials,
                verify=lambda document: public.verification.verify(document, now=now),
                now=now,
            )
            return [o.to_json() for o in outcomes]

        results = await run_in_threadpool(work)
    return await run_in_threadpool(render_wallet, token, request, state, presented=results)
