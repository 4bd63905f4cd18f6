"""Issuing: award a module to one learner or a cohort, the W3C VC-API issue endpoint, and a
provider's own credential records."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import AppState, Caller, CallerDep, IdempotencyKey, StateDep, issuer_for
from service.api.limits import read_limited
from service.api.routes.jobs import job_json
from service.app.cohort_jobs import create_cohort_job
from service.app.issuing import Issued, issue_awards
from service.app.jobs import MAX_JOB_ROWS, JobView
from service.app.pathways import qualify_holders
from service.app.vcapi_issuing import issue_vcapi
from service.credentials.cohort import (
    MAX_CSV_BYTES,
    MAX_JSON_BYTES,
    TOO_LARGE_ADVICE,
    parse_cohort_csv,
)
from service.errors import PayloadTooLarge, ValidationFailed

router = APIRouter(tags=["issuing"])
Json = Annotated[dict[str, Any], Body()]


@router.post(
    "/issuers/{issuer}/awards",
    status_code=201,
    summary="Award a module to one learner: returns the signed OpenBadgeCredential",
)
def post_award(
    issuer: str,
    body: Json,
    state: StateDep,
    caller: CallerDep,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Awards a module to one learner: builds the Open Badges 3.0 credential, gives it a status-
    list entry, signs it (Data Integrity eddsa-rdfc-2022) and returns it with the learner's
    wallet link. Checked against `schemas/award.schema.json`. Send `Idempotency-Key` to retry
    safely."""
    caller.require("issue")
    module_id = body.get("moduleId")
    if not isinstance(module_id, str):
        raise ValidationFailed(
            "moduleId is required.", [{"path": "$.moduleId", "message": "required"}]
        )
    with state.repository() as repo:
        issuer_id = issuer_for(repo, caller, issuer).id
    issued = issue_awards(
        state.repository,
        state.issue_setup(),
        issuer_id=issuer_id,
        module_id=module_id,
        awards=[body],
        actor=caller.actor,
        now=state.now(),
        idempotency_key=idempotency_key,
        idempotency_body=body,
    )
    result: dict[str, Any] = {"verifiableCredential": issued.credentials[0]}
    link = next(iter(issued.wallet_links.values()), None)
    if link is not None and link.url:
        result["walletUrl"] = link.url
    _qualify(state, caller, issuer_id, issued, result)
    return result


def _qualify(
    state: AppState, caller: Caller, issuer_id: str, issued: Issued, result: dict[str, Any]
) -> None:
    """The last module of a programme awards the qualification (and its CLR) at once; a
    retry under the same Idempotency-Key awards what a first attempt that died left undone."""
    awarded = qualify_holders(
        state.repository,
        state.issue_setup(),
        issuer_id=issuer_id,
        credentials=issued.credentials,
        actor=caller.actor,
        now=state.now(),
    )
    if awarded:
        result["qualifications"] = [a.to_json() for a in awarded]


#: Room for a multipart upload's boundaries, part headers and moduleId field.
MULTIPART_OVERHEAD = 64 * 1024


async def _batch_body(request: Request, module_id: str | None) -> tuple[str, list[dict[str, Any]]]:
    """(module id, award rows) from JSON, a raw CSV body, or a multipart CSV upload; a body
    over the cohort limits is refused (413) before it is read whole."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            body = json.loads(await read_limited(request, MAX_JSON_BYTES, TOO_LARGE_ADVICE))
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                f"The body is not valid JSON: {exc.msg} (line {exc.lineno})."
            ) from None
        if not isinstance(body, dict) or not isinstance(body.get("awards"), list):
            raise ValidationFailed('Send {"moduleId": "...", "awards": [{...}, ...]}.')
        module_id = body.get("moduleId", module_id)
        awards = body["awards"]
    elif content_type in ("text/csv", "application/csv"):
        awards = parse_cohort_csv(await read_limited(request, MAX_CSV_BYTES, TOO_LARGE_ADVICE))
    elif content_type == "multipart/form-data":
        # The file part is spooled to disk as it arrives, and read only when within the limit.
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_CSV_BYTES + MULTIPART_OVERHEAD:
            raise PayloadTooLarge(MAX_CSV_BYTES, TOO_LARGE_ADVICE)
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationFailed("Attach the cohort CSV as the form field 'file'.")
        if upload.size is not None and upload.size > MAX_CSV_BYTES:
            raise PayloadTooLarge(MAX_CSV_BYTES, TOO_LARGE_ADVICE)
        awards = parse_cohort_csv(await upload.read())
        field = form.get("moduleId")
        module_id = field if isinstance(field, str) else module_id
    else:
        raise ValidationFailed(
            f"Unsupported content type {content_type or 'none'!r}: send application/json, text/csv "
            "or a multipart upload with a 'file' field."
        )
    if not isinstance(module_id, str) or not module_id:
        raise ValidationFailed("moduleId is required (in the JSON body or as ?moduleId=).")
    if not all(isinstance(a, dict) for a in awards):
        raise ValidationFailed("Every award must be a JSON object.")
    if len(awards) > MAX_JOB_ROWS:
        raise ValidationFailed(
            f"A cohort holds at most {MAX_JOB_ROWS:,} awards; this one has {len(awards):,}."
        )
    return module_id, awards


@router.post(
    "/issuers/{issuer}/awards/batch",
    status_code=201,
    summary="Award a module to a whole cohort (JSON or CSV): all or nothing; a large one is a job (202)",
    responses={202: {"description": "Accepted: a background job issues the cohort."}},
)
async def post_award_batch(
    issuer: str,
    request: Request,
    response: Response,
    state: StateDep,
    caller: CallerDep,
    idempotency_key: IdempotencyKey = None,
    module_id: Annotated[str | None, Query(alias="moduleId")] = None,
    include: Annotated[
        str | None, Query(description="'credentials' to return the signed documents")
    ] = None,
) -> dict[str, Any]:
    """Awards one module to a cohort in one transaction (all or nothing): JSON (`schemas/award-
    batch.schema.json`), a raw CSV body or a multipart CSV upload. A row with a problem refuses
    the whole batch and `errors` names every row and field. More rows than the job threshold
    (`TESSERA_JOB_THRESHOLD`, default 1,000; at most 1,000,000): the answer is 202 at once,
    with the job (`Location`), which checks every row the same way (a bad row fails the job,
    naming each in its `result.errors`, and nothing is issued) and then issues the cohort in
    slices; poll `GET /issuers/{issuer}/jobs/{id}`."""
    caller.require("issue")
    module, awards = await _batch_body(request, module_id)
    if len(awards) > state.settings.job_threshold:

        def queue() -> JobView:
            with state.repository() as repo:
                issuer_id = issuer_for(repo, caller, issuer).id
            return create_cohort_job(
                state.repository,
                state.jobs,
                issuer_id=issuer_id,
                module_id=module,
                awards=awards,
                actor=caller.actor,
                now=state.now(),
                idempotency_key=idempotency_key,
                chunk_rows=state.settings.job_slice_rows,
            )

        view = await run_in_threadpool(queue)
        body = job_json(request, issuer, view)
        response.status_code = 202
        response.headers["Location"] = body["url"]
        return body

    def issue() -> tuple[str, Issued]:
        with state.repository() as repo:
            issuer_id = issuer_for(repo, caller, issuer).id
        return issuer_id, issue_awards(
            state.repository,
            state.issue_setup(),
            issuer_id=issuer_id,
            module_id=module,
            awards=awards,
            actor=caller.actor,
            now=state.now(),
            idempotency_key=idempotency_key,
            idempotency_body=[module, awards],
        )

    issuer_id, issued = await run_in_threadpool(issue)
    signed = issued.credentials
    result: dict[str, Any] = {
        "issued": len(signed),
        "credentialIds": [c["id"] for c in signed],
        "walletLinks": issued.links_json(),
    }
    if include == "credentials":
        result["verifiableCredentials"] = signed
    await run_in_threadpool(_qualify, state, caller, issuer_id, issued, result)
    return result


@router.post(
    "/credentials/issue",
    status_code=201,
    summary="W3C VC-API: issue a client-built credential (server sets id, issuer, validFrom, proof)",
)
def post_vcapi_issue(
    body: Json, state: StateDep, caller: CallerDep, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    """W3C VC-API IssueCredential: signs a credential the client built. The server sets `id`,
    `issuer`, `validFrom` and the proof, and adds a status entry unless told not to. Checked
    against `schemas/vcapi-issue.schema.json`."""
    caller.require("issue")
    signed = issue_vcapi(
        state.repository,
        state.issue_setup(),
        issuer_id=caller.issuer_id,
        request=body,
        actor=caller.actor,
        now=state.now(),
        idempotency_key=idempotency_key,
    )
    return {"verifiableCredential": signed}


@router.get(
    "/issuers/{issuer}/credentials", summary="The provider's issued credentials (newest first)"
)
def list_credentials(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """The credentials this provider issued, newest first (`limit`, `offset`): ids, learner name,
    module and time; not the documents."""
    with state.repository() as repo:
        rows = repo.credentials.credentials(
            issuer_for(repo, caller, issuer).id, limit=limit, offset=offset
        )
        return [
            {
                "id": r.id,
                "credentialId": r.document.get("id"),
                "learnerName": r.learner_name,
                "moduleId": r.module_id,
                "issuedAt": r.issued_at.isoformat(),
            }
            for r in rows
        ]


@router.get("/issuers/{issuer}/credentials/{credential_id}", summary="One issued credential")
def get_credential(
    issuer: str, credential_id: str, state: StateDep, caller: CallerDep
) -> dict[str, Any]:
    """One issued credential: the signed document as stored."""
    with state.repository() as repo:
        row = repo.credentials.credential(issuer_for(repo, caller, issuer).id, credential_id)
        return {"verifiableCredential": row.document}
