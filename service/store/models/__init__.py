"""Typed rows (SQLAlchemy 2.0 ``Mapped``), one module per group of aggregates. Schema changes
go through Alembic migrations, whose environment compares against :data:`Base.metadata`: every
model module is imported here, so the metadata holds every table.

Only ``service.store`` imports these: repositories hand out frozen records
(:mod:`service.store.records`), never rows.
"""

from service.store.models.base import Base
from service.store.models.credentials import (
    CredentialRow,
    IdempotencyRow,
    StatusEntryRow,
    StatusListRow,
)
from service.store.models.operations import (
    AuditRetentionRow,
    AuditRow,
    EngagementCountRow,
    ErasureRequestRow,
    JobChunkRow,
    JobRow,
    ProgressionMarkRow,
    VerificationCountRow,
)
from service.store.models.pathways import (
    QualificationRow,
    QualificationSourceRow,
    RplAssessorRow,
    RplCaseRow,
)
from service.store.models.providers import (
    ApiKeyRow,
    BrowserSessionRow,
    IssuerKeyRow,
    IssuerRow,
    ModuleRow,
    OperatorKeyRow,
    ProgrammeRow,
    TrustEntryRow,
)
from service.store.models.wallet import (
    CredentialOfferRow,
    ExternalCredentialRow,
    PresentationRequestRow,
    WalletLinkRow,
    WalletNonceRow,
)

__all__ = [
    "ApiKeyRow",
    "AuditRetentionRow",
    "AuditRow",
    "Base",
    "BrowserSessionRow",
    "CredentialOfferRow",
    "CredentialRow",
    "EngagementCountRow",
    "ErasureRequestRow",
    "ExternalCredentialRow",
    "IdempotencyRow",
    "IssuerKeyRow",
    "IssuerRow",
    "JobChunkRow",
    "JobRow",
    "ModuleRow",
    "OperatorKeyRow",
    "PresentationRequestRow",
    "ProgrammeRow",
    "ProgressionMarkRow",
    "QualificationRow",
    "QualificationSourceRow",
    "RplAssessorRow",
    "RplCaseRow",
    "StatusEntryRow",
    "StatusListRow",
    "TrustEntryRow",
    "VerificationCountRow",
    "WalletLinkRow",
    "WalletNonceRow",
]
