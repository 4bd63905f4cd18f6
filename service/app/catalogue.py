"""A provider's catalogue: programmes and the modules credentials are issued for.

Data is checked against its JSON Schema (and a programme's completion rule against the
provider's modules) before anything is written; each creation is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.credentials import validate
from service.credentials.completion import check_completion
from service.errors import ValidationFailed
from service.store.records import Issuer, Module
from service.store.repositories import Repositories


def create_programme(
    repo: Repositories, *, issuer: Issuer, data: Mapping[str, Any], actor: str, now: datetime
) -> Any:
    validate("programme", data, what="programme")
    if "completion" in data:
        check_completion(
            data["completion"], local_modules=[m.id for m in repo.catalogue.modules(issuer.id)]
        )
    row = repo.catalogue.add_programme(issuer_id=issuer.id, data=dict(data), now=now)
    repo.audit.record(
        actor=actor, action="programme.create", now=now, issuer_id=issuer.id, subject=row.id
    )
    return row


def create_module(
    repo: Repositories, *, issuer: Issuer, data: Mapping[str, Any], actor: str, now: datetime
) -> Module:
    validate("module", data, what="module")
    if data["defaultLanguage"] not in data["name"]:
        raise ValidationFailed(
            f"The module's name has no text in its defaultLanguage {data['defaultLanguage']!r}.",
            [{"path": "$.name", "message": f"add a {data['defaultLanguage']!r} entry"}],
        )
    programme_id = data.get("programmeId")
    if programme_id:
        repo.catalogue.programme(issuer.id, programme_id)
    row = repo.catalogue.add_module(
        issuer_id=issuer.id, programme_id=programme_id, data=dict(data), now=now
    )
    repo.audit.record(
        actor=actor, action="module.create", now=now, issuer_id=issuer.id, subject=row.id
    )
    return row


__all__ = ["create_module", "create_programme"]
