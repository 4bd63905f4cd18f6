"""Public verification for employers: the composition behind ``POST /credentials/verify``,
the ``/verify`` page and the short link ``/v/{id}``. The edge around it (rate limit,
concurrency gate, body limits) is :mod:`service.api.limits`.

It puts together, once per process:

- a resolver over this service's own providers' DID documents and the trust registry's
  (:class:`~service.verification.directory.ServiceDirectory`), and did:key;
- the trust registry (:mod:`service.verification.trust`) as the pipeline's ``trust`` check;
- the ``status`` check (:func:`status_checker`: the one place it is built);
- a memo of the canonical hashes (:class:`~service.verification.memo.HashMemo`);
- with several service processes, the shared level of the memo and of the DID documents
  (:class:`SharedCaches`: Redis, behind each process's own caches);
- aggregate counters (:class:`~service.verification.counters.VerificationCounter`);
- a work budget far smaller than the CLI's (:class:`VerificationBudget`): CPU time, RDF
  statements and blank nodes per credential, so hostile documents are refused in
  microseconds (blank-node counts and the poison-graph estimate run before the exponential
  step of canonicalization) or, at worst, after 0.1 s of CPU.

Nothing here stores credential content or a client address; the counters are per day and
verdict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from service.app.engine import Engine
from service.app.wallet import catalogue_entry
from service.dates import valid_from
from service.export.offline_qr import PREFIX
from service.proofs import Limits, verification_suites
from service.proofs.limits import cpu_budget
from service.store import Database, Repositories
from service.verification.counters import (
    Verdict,
    VerificationCounter,
    engaged_issuer,
    verdict_of,
)
from service.verification.directory import ServiceDirectory
from service.verification.intake import own_link
from service.verification.memo import HashMemo
from service.verification.offline import verify_offline
from service.verification.pipeline import (
    StatusChecker,
    VerificationResult,
    Verifier,
    verify_credential,
)
from service.verification.presentations import PresentationResult, verify_presentation
from service.verification.shared import SharedLevel
from service.verification.trust import TrustAssessment

if TYPE_CHECKING:
    import httpx

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class VerificationBudget:
    """What one public verification may cost, and how its collaborators cache (the part of
    :class:`service.api.limits.PublicPolicy` below the edge). Defaults suit one 2-core machine."""

    #: CPU seconds of one canonicalization (``TESSERA_VERIFY_MAX_*``). The smaller of these
    #: and the service's general limits (``TESSERA_MAX_*``, the CLI's) applies.
    max_canonicalization_seconds: float = 0.1
    #: CPU seconds of all canonicalizations of one verification together (a document may
    #: carry many proofs, each canonicalized on its own).
    max_verification_seconds: float = 0.25
    max_quads: int = 2_000
    max_blank_nodes: int = 200
    max_blank_node_permutations: int = 500
    #: Canonical hashes remembered (``0``: no memo).
    memo_entries: int = 4096
    #: How long the provider directory (DID documents, trust registry) is cached.
    directory_seconds: float = 30.0
    #: Recognize the providers registered on this service without a registry entry
    #: (``TESSERA_VERIFY_TRUST_OWN_PROVIDERS``; see :func:`service.app.trust_registry.service_registry`).
    trust_own_providers: bool = True
    #: How often the aggregate counters are written (``0``: on every verification).
    count_flush_seconds: float = 5.0

    def limits(self, general: Limits) -> Limits:
        """``general`` (the CLI's limits) narrowed to this budget."""
        return dataclasses.replace(
            general,
            max_seconds=min(general.max_seconds, self.max_canonicalization_seconds),
            max_quads=min(general.max_quads, self.max_quads),
            max_blank_nodes=min(general.max_blank_nodes, self.max_blank_nodes),
            max_blank_node_permutations=min(
                general.max_blank_node_permutations, self.max_blank_node_permutations
            ),
        )


@dataclass(frozen=True)
class SharedCaches:
    """The levels shared by every service process behind this process's caches (called from
    the thread that verifies, never from the event loop)."""

    memo: SharedLevel
    documents: SharedLevel


class PublicVerification:
    """Everything one process needs to verify for the public."""

    def __init__(
        self,
        *,
        engine: Engine,
        database: Database,
        budget: VerificationBudget,
        status: StatusChecker | None = None,
        directory: ServiceDirectory | None = None,
        shared: SharedCaches | None = None,
    ) -> None:
        self.budget = budget
        self.engine = engine
        self.database = database
        self.directory = directory or ServiceDirectory(
            database,
            ttl=budget.directory_seconds,
            trust_own_providers=budget.trust_own_providers,
            shared=shared.documents if shared is not None else None,
        )
        self.memo = HashMemo(budget.memo_entries, shared=shared.memo if shared else None)
        limits = budget.limits(engine.canonicalizer.limits)
        base = engine.verifier(resolver=self.directory, trust=self.directory.trust)
        suites = verification_suites(engine.canonicalizer.with_limits(limits))
        self.verifier = dataclasses.replace(
            base, suites=self.memo.wrap(suites), limits=limits, status=status
        )
        self.counter = VerificationCounter(database, flush_seconds=budget.count_flush_seconds)

    def verify(
        self,
        credential: bytes | str | Mapping[str, Any],
        *,
        now: datetime,
        skip: Sequence[str] = (),
        country: str = "",
    ) -> VerificationResult:
        """Verify a credential, or an offline QR text (``TSR1:…``), and count the verdict.
        ``skip``: checks the caller asked not to run (VC-API ``options.checks``);
        ``country``: the verifier's country code (``""``: unknown), counted only in the
        provider's monthly engagement sum."""
        with cpu_budget(self.budget.max_verification_seconds):
            if isinstance(credential, str) and credential.lstrip().startswith(OFFLINE_PREFIX):
                result = self._verify_offline(credential, now=now, skip=skip)
            else:
                result = verify_credential(credential, verifier=self.verifier, now=now, skip=skip)
        self.counter.record(verdict_of(result), now, issuer=engaged_issuer(result), country=country)
        return result

    def stored_document(self, credential_id: str) -> dict[str, Any] | None:
        """The credential this service stores under ``credential_id`` as issued, if it is
        still held (it is gone once erased)."""
        with self.database.transaction() as session:
            row = Repositories(session).credentials.public_credential(credential_id)
            return dict(row.document) if row is not None else None

    def catalogue_of(
        self, credential: Mapping[str, Any], *, base_url: str
    ) -> Mapping[str, Any] | None:
        """The catalogue entry of a credential this service issued and stores unchanged (the
        module it was issued from), else None: a page shows what the catalogue adds only for
        exactly the credential the provider issued."""
        credential_id = credential.get("id")
        own = own_link(credential_id, base_url) if isinstance(credential_id, str) else None
        if own is None:
            return None
        with self.database.transaction() as session:
            repo = Repositories(session)
            row = repo.credentials.public_credential(own)
            if row is None or row.document != credential:
                return None
            return catalogue_entry(repo, row)

    def trust_assessment(
        self, result: VerificationResult, *, now: datetime
    ) -> TrustAssessment | None:
        """Why the ``trust`` check came out as it did (the registry entry and the reason, for
        a page to word in its reader's language), when the registry still says the same."""
        if result.credential is None:
            return None
        found = self.directory.registry().assess(
            result.issuer or "", valid_from(result.credential), now
        )
        return found if found.status == result.check("trust").status else None

    def _verify_offline(
        self, text: str, *, now: datetime, skip: Sequence[str] = ()
    ) -> VerificationResult:
        return verify_offline(
            text,
            keys=self.directory,
            now=now,
            clock_skew=self.verifier.clock_skew,
            status=self.verifier.status,
            trust=self.verifier.trust,
            skip=skip,
        )

    def verify_presentation(
        self,
        presentation: Mapping[str, Any],
        *,
        now: datetime,
        challenge: str | None = None,
        domain: str | None = None,
        country: str = "",
    ) -> PresentationResult:
        """Verify a presentation and the credentials in it; each credential's verdict is
        counted like one verified on its own (``country`` as in :meth:`verify`)."""
        result = verify_presentation(
            presentation, verifier=self.verifier, now=now, challenge=challenge, domain=domain
        )
        for credential in result.credentials:
            self.counter.record(
                verdict_of(credential), now, issuer=engaged_issuer(credential), country=country
            )
        return result


#: The text every offline QR payload starts with.
OFFLINE_PREFIX = PREFIX


def status_checker(
    verifier: Verifier,
    own_lists: Callable[[str], JsonObject | None] | None,
    *,
    http_client: httpx.Client | None = None,
) -> StatusChecker | None:
    """The ``status`` check of the public verifier: the one place it is built.

    Lists come from this service itself (``own_lists``: URL -> signed list, no network) and,
    for other providers, over HTTPS from the issuer's own did:web host only
    (:class:`service.verification.status.HttpsLists`). The lists' own signatures are checked with
    ``verifier`` (same resolver and policy, no status check of their own). ``http_client``
    replaces the default strict client (:func:`service.verification.remote.strict_client`).
    """
    try:
        from service.verification.status import ChainedLists, FunctionLists, HttpsLists
        from service.verification.status import StatusChecker as BitstringStatusChecker
    except ImportError:  # the status module is not there: status stays 'unknown'
        return None
    sources = [FunctionLists(own_lists)] if own_lists is not None else []
    return BitstringStatusChecker(
        lists=ChainedLists(*sources, HttpsLists(client=http_client)),
        list_verifier=dataclasses.replace(verifier, status=None, trust=None),
    )


def build_public_verification(
    *,
    engine: Engine,
    database: Database,
    budget: VerificationBudget,
    own_lists: Callable[[str], JsonObject | None] | None = None,
    http_client: httpx.Client | None = None,
    shared: SharedCaches | None = None,
) -> PublicVerification:
    """The public verifier for a service process (see the module docstring); ``http_client``
    fetches other providers' status lists (default: :func:`service.verification.remote.strict_client`);
    ``shared``: the caches' levels shared with the other service processes."""
    public = PublicVerification(engine=engine, database=database, budget=budget, shared=shared)
    public.verifier = dataclasses.replace(
        public.verifier,
        status=status_checker(public.verifier, own_lists, http_client=http_client),
    )
    return public


__all__ = [
    "OFFLINE_PREFIX",
    "PublicVerification",
    "SharedCaches",
    "Verdict",
    "VerificationBudget",
    "build_public_verification",
    "status_checker",
    "verdict_of",
]
