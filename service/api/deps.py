"""Request dependencies as ``Annotated`` aliases, all in one place.

``StateDep`` is the process's collaborators; ``PublicDep`` the public verifier (built on first
use); ``CallerDep`` authenticates the bearer API key
in its own short transaction; ``issuer_for`` resolves the ``{issuer}`` path segment and
answers 404 (not 403) when it is not the caller's own, so ids of other providers leak nothing;
``require_operator`` checks the operator's token (``TESSERA_OPERATOR_TOKEN``).
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from redis import Redis

from service.api.limits import PublicEndpoint, build_public_endpoint
from service.app.access import authenticate
from service.app.engine import Engine
from service.app.issuing import IssueSetup
from service.app.job_tasks import task_runners
from service.app.jobs import DatabaseQueue, InProcessQueue, JobQueue
from service.app.signing import BatchSigner
from service.app.status_publishing import ListPublisher
from service.config import Settings
from service.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from service.store import Database, Repositories
from service.store.records import Issuer


@dataclass
class AppState:
    """Everything a request may need; built once by ``create_app``."""

    settings: Settings
    engine: Engine
    database: Database
    signer: BatchSigner
    #: Shared state across service processes (None: per process; see app.shared_state).
    redis: Redis | None = None
    lists: ListPublisher = field(init=False)
    #: Where background job slices run (service.app.jobs).
    jobs: JobQueue = field(init=False)

    def __post_init__(self) -> None:
        self.lists = ListPublisher(
            repositories=self.repository, signer=self.signer, base_url=self.settings.base_url
        )
        runner = self.settings.job_runner
        if runner == "queue" or (runner == "auto" and self.database.dialect == "postgresql"):
            self.jobs = DatabaseQueue()
        else:
            queue = InProcessQueue()
            queue.runners.update(
                task_runners(self.repository, self.issue_setup(), queue, self.lists)
            )
            self.jobs = queue

    @contextmanager
    def repository(self) -> Iterator[Repositories]:
        """A repository in one transaction: committed when the block ends without error."""
        with self.database.transaction() as session:
            yield Repositories(session)

    def issue_setup(self) -> IssueSetup:
        return IssueSetup(
            base_url=self.settings.base_url,
            signer=self.signer,
            canonicalizer=self.engine.canonicalizer,
        )

    def now(self) -> datetime:
        return datetime.now(UTC)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.tessera
    return state


StateDep = Annotated[AppState, Depends(get_state)]


@dataclass(frozen=True)
class Caller:
    """An authenticated API key: which provider, which scopes, and how to name it in the audit log."""

    key_id: str
    issuer_id: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"api-key:{self.key_id}"

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise PermissionDeniedError(f"This API key lacks the {scope!r} scope.")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None for any other)."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def get_caller(state: StateDep, authorization: Annotated[str | None, Header()] = None) -> Caller:
    token = bearer_token(authorization)
    with state.repository() as repo:
        key = authenticate(repo, token)
        return Caller(key_id=key.id, issuer_id=key.issuer_id, scopes=frozenset(key.scopes.split()))


CallerDep = Annotated[Caller, Depends(get_caller)]


def issuer_for(repo: Repositories, caller: Caller, slug: str) -> Issuer:
    """The caller's own provider named by ``slug``; anyone else's is 'not found'."""
    try:
        issuer = repo.providers.issuer_by_slug(slug)
    except NotFoundError:
        raise NotFoundError(f"No provider {slug!r} for this API key.") from None
    if issuer.id != caller.issuer_id:
        raise NotFoundError(f"No provider {slug!r} for this API key.")
    return issuer


def require_operator(
    state: AppState, token: str | None, *, off: str, instead: str, other_keys: str
) -> None:
    """Let the operator in: ``token`` must equal ``TESSERA_OPERATOR_TOKEN`` (constant time).

    With no token configured, a 403 says ``off`` ("Registering providers over the API") is
    off and names the command to use ``instead``; a wrong token (a provider's API key, say)
    is a 401 saying where ``other_keys`` belong."""
    configured = state.settings.operator_token
    if configured is None:
        raise PermissionDeniedError(
            f"{off} is off on this service: the operator sets TESSERA_OPERATOR_TOKEN to turn "
            f"it on, or runs {instead}."
        )
    presented = (token or "").encode()
    if not hmac.compare_digest(presented, configured.get_secret_value().encode()):
        raise AuthenticationError(
            f"Send the operator token: `Authorization: Bearer <TESSERA_OPERATOR_TOKEN>` "
            f"({other_keys})."
        )


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retry-safe key: same key + body = same result.",
    ),
]

_BUILD_LOCK = threading.Lock()


def get_public(request: Request) -> PublicEndpoint:
    """The process's public verifier, built on first use (tests may set their own on
    ``app.state.public_verification`` first)."""
    public: PublicEndpoint | None = getattr(request.app.state, "public_verification", None)
    if public is None:
        with _BUILD_LOCK:
            public = getattr(request.app.state, "public_verification", None)
            if public is None:
                state: AppState = request.app.state.tessera
                public = build_public_endpoint(
                    settings=state.settings,
                    engine=state.engine,
                    database=state.database,
                    own_lists=lambda url: state.lists.by_url(url, now=state.now()),
                )
                request.app.state.public_verification = public
    return public


PublicDep = Annotated[PublicEndpoint, Depends(get_public)]


__all__ = [
    "AppState",
    "Caller",
    "CallerDep",
    "IdempotencyKey",
    "PublicDep",
    "StateDep",
    "bearer_token",
    "get_caller",
    "get_public",
    "get_state",
    "issuer_for",
    "require_operator",
]
