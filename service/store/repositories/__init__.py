"""Rows <-> domain, one repository per aggregate, bundled per transaction.

:class:`Repositories` is the unit of work: every attribute is one aggregate's repository and
all share one session, so a use case that records a credential, reserves its status entries
and writes the audit event does it in one transaction (committed or rolled back whole by
:meth:`service.store.Database.transaction`).

Every query that reads a provider's records is scoped by ``issuer_id``, so one provider can
never see another's: a foreign id simply is not found.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.store.repositories._base import new_id, new_public_id
from service.store.repositories.access import AccessRepository
from service.store.repositories.audit import AuditRepository, CounterRepository
from service.store.repositories.catalogue import CatalogueRepository
from service.store.repositories.credentials import CredentialRepository, NewCredential
from service.store.repositories.erasure_requests import ErasureRequestRepository
from service.store.repositories.jobs import JobsRepository
from service.store.repositories.learner_data import LearnerDataRepository
from service.store.repositories.oid4vci import OpenIdRepository
from service.store.repositories.operations import OperationsRepository
from service.store.repositories.outcomes import OutcomesRepository
from service.store.repositories.pathways import NewQualification, PathwaysRepository
from service.store.repositories.providers import ProviderRepository
from service.store.repositories.retention import RetentionRepository
from service.store.repositories.rpl import RplRepository
from service.store.repositories.status_lists import StatusListRepository
from service.store.repositories.trust import TrustRegistryRepository
from service.store.repositories.wallet import NewLink, WalletRepository


class Repositories:
    """All repositories bound to one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.providers = ProviderRepository(session)
        self.access = AccessRepository(session)
        self.catalogue = CatalogueRepository(session)
        self.credentials = CredentialRepository(session)
        self.status_lists = StatusListRepository(session)
        self.wallet = WalletRepository(session)
        self.trust = TrustRegistryRepository(session)
        self.pathways = PathwaysRepository(session)
        self.openid = OpenIdRepository(session)
        self.jobs = JobsRepository(session)
        self.outcomes = OutcomesRepository(session)
        self.audit = AuditRepository(session)
        self.counters = CounterRepository(session)
        self.rpl = RplRepository(session)
        self.learner_data = LearnerDataRepository(session)
        self.erasure_requests = ErasureRequestRepository(session)
        self.retention = RetentionRepository(session)
        self.operations = OperationsRepository(session)


__all__ = [
    "AccessRepository",
    "AuditRepository",
    "CatalogueRepository",
    "CounterRepository",
    "CredentialRepository",
    "ErasureRequestRepository",
    "JobsRepository",
    "LearnerDataRepository",
    "NewCredential",
    "NewLink",
    "NewQualification",
    "OpenIdRepository",
    "OperationsRepository",
    "OutcomesRepository",
    "PathwaysRepository",
    "ProviderRepository",
    "Repositories",
    "RetentionRepository",
    "RplRepository",
    "StatusListRepository",
    "TrustRegistryRepository",
    "WalletRepository",
    "new_id",
    "new_public_id",
]
