"""Operating the service: readiness (``/readyz``) and Prometheus metrics (``/metrics``).

Liveness is ``/healthz`` (routes/public.py). Neither endpoint here names a provider, a key or
a credential: readiness gives counts and what to do; metrics are aggregates.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
)
from starlette.concurrency import run_in_threadpool

from service.api.deps import StateDep
from service.app.readiness import readiness
from service.store.repositories.jobs import JobsRepository
from service.store.repositories.operations import OperationsRepository

router = APIRouter(tags=["operations"])


@router.get(
    "/readyz",
    summary="Readiness: database, Redis, contexts and keys (503 when not ready)",
    responses={503: {"description": "Not ready: the failed checks say what to do."}},
)
async def ready(state: StateDep) -> JSONResponse:
    """Ready to serve: the database and (if configured) Redis answer, every pinned context is
    installed and every provider's signing key is in this host's key store. 200 when ready,
    503 otherwise; each check says what is wrong and what to do."""

    def ping() -> None:
        with state.database.transaction() as session:
            OperationsRepository(session).ping()

    def key_names() -> list[str]:
        with state.database.transaction() as session:
            return OperationsRepository(session).active_key_names()

    redis = state.redis
    checks = await run_in_threadpool(
        lambda: readiness(
            database_ping=ping,
            dialect=state.database.dialect,
            redis_ping=redis.ping if redis is not None else None,
            contexts=state.engine.contexts,
            keys=state.engine.keys(),
            key_names=key_names,
        )
    )
    ok = all(check.ok is not False for check in checks)
    body: dict[str, Any] = {
        "status": "ready" if ok else "not ready",
        "checks": [check.to_json() for check in checks],
    }
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics of this process", include_in_schema=False)
async def metrics(state: StateDep) -> Response:
    """This process's metrics in the Prometheus text format (scrape each process), and the
    job slices in the database by state (the same from every process)."""

    def slices() -> dict[str, int]:
        with state.database.transaction() as session:
            return JobsRepository(session).counts_by_state()

    jobs = CollectorRegistry()
    gauge = Gauge(
        "tessera_job_slices",
        "Background job slices in the database, by state (queued, done, failed).",
        ["state"],
        registry=jobs,
    )
    for name, count in (await run_in_threadpool(slices)).items():
        gauge.labels(name).set(count)
    return Response(
        generate_latest(REGISTRY) + generate_latest(jobs), media_type=CONTENT_TYPE_LATEST
    )


__all__ = ["router"]
