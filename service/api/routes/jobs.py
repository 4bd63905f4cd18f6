"""Background jobs: a large cohort's progress and result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.api.deps import CallerDep, StateDep, issuer_for
from service.app.jobs import JobView, job_status

router = APIRouter(tags=["issuing"])


def job_url(request: Request, issuer: str, job_id: str) -> str:
    return str(request.url_for("get_job", issuer=issuer, job_id=job_id))


def job_json(request: Request, issuer: str, view: JobView) -> dict[str, Any]:
    return view.to_json(job_url(request, issuer, view.id))


@router.get(
    "/issuers/{issuer}/jobs/{job_id}",
    name="get_job",
    summary="A background job: state, progress (rows issued, failed) and result",
)
def get_job(
    issuer: str, job_id: str, request: Request, state: StateDep, caller: CallerDep
) -> dict[str, Any]:
    """A background job of this provider (a cohort above the job threshold): `state` is
    queued, running, done or failed; `progress` counts rows issued and failed; `result`
    appears when it has ended. Poll it (every second or two) until `state` is done or
    failed."""
    with state.repository() as repo:
        issuer_id = issuer_for(repo, caller, issuer).id
    view = job_status(state.repository, issuer_id=issuer_id, job_id=job_id)
    return job_json(request, issuer, view)


__all__ = ["job_json", "router"]
