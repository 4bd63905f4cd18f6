"""The FastAPI application factory. Nothing is created at import time."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from service.api import docs, openapi, pages, problems
from service.api.deps import AppState
from service.api.metrics import MetricsMiddleware
from service.api.routes import (
    access,
    catalogue,
    issuing,
    jobs,
    learner_data,
    oid4vci,
    oid4vp,
    ops,
    outcomes,
    outcomes_page,
    pathways,
    providers,
    public,
    rpl,
    status,
    verification,
    wallet,
    wallet_links,
)
from service.app.engine import build_engine
from service.app.jobs import InProcessQueue
from service.app.retention import RetentionPolicy, RetentionSchedule
from service.app.shared_state import connect_redis, describe
from service.app.signing import BatchSigner, PoolSigner
from service.app.telemetry import CountingSigner
from service.config import Settings
from service.store import Database, database_url_from


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    signer: BatchSigner | None = None,
    migrate: bool = True,
) -> FastAPI:
    """Build the service. Pass ``database``/``signer`` to share or replace them (tests, benchmarks)."""
    engine = build_engine(settings)
    db = database or Database(database_url_from(settings))
    if migrate:
        db.migrate()
    state = AppState(
        settings=settings,
        engine=engine,
        database=db,
        signer=CountingSigner(signer or PoolSigner(engine)),
        redis=connect_redis(settings.redis_url),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Start-up objects (contexts, templates, schemas) live for the whole process: move
        # them out of the collector's sight so full collections stay short under load.
        gc.collect()
        gc.freeze()
        logging.getLogger("tessera").info(describe(settings.redis_url))
        if isinstance(state.jobs, InProcessQueue):
            resumed = state.jobs.resume(state.repository)
            if resumed:
                logging.getLogger("tessera").info("resuming %d unfinished job slices", resumed)
        retention = _retention_schedule(settings, state)
        if retention is not None:
            retention.start()
        yield
        if retention is not None:
            retention.stop()
        if isinstance(state.jobs, InProcessQueue):
            state.jobs.close(wait=True)  # graceful: the slice in hand finishes
        state.signer.close()
        if state.redis is not None:
            state.redis.close()
        public = getattr(_app.state, "public_verification", None)
        if public is not None:
            await public.aclose()
        if database is None:
            db.dispose()

    app = FastAPI(
        title="Tessera",
        summary="Verifiable, portable training credentials (W3C VC 2.0, Open Badges 3.0).",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by service.api.docs, from this origin, under our CSP
        redoc_url=None,
    )
    app.state.tessera = state
    problems.install(app)
    pages.install(app, https=settings.base_url.startswith("https://"))
    docs.install(app)
    openapi.install(app)
    for module in (
        public,
        providers,
        catalogue,
        issuing,
        pathways,
        rpl,
        access,
        status,
        jobs,
        ops,
        oid4vci,
        outcomes,
        learner_data,
        wallet_links,
    ):
        app.include_router(module.router)
    app.include_router(pathways.wallet_router)
    oid4vp.install(app)  # the employer's wallet requests, with their page for an unknown one
    wallet.install(app)  # the learner's pages, with their own 404/410 page
    outcomes_page.install(app)  # the provider's outcomes page, signed in, errors as pages
    verification.install(app)  # public: /credentials/verify, /presentations/verify, /verify, /v/…
    app.add_middleware(MetricsMiddleware)
    return app


def _retention_schedule(settings: Settings, state: AppState) -> RetentionSchedule | None:
    """The in-process retention job (README "Privacy"), unless its interval is 0."""
    if settings.retention_interval_hours <= 0:
        return None
    return RetentionSchedule(
        state.repository,
        policy=RetentionPolicy.of(settings),
        interval=timedelta(hours=settings.retention_interval_hours),
        after_run=state.database.release_deleted,
    )


__all__ = ["create_app"]
