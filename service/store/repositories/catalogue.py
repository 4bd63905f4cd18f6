"""A provider's catalogue: programmes and their modules (the JSON data is schema-checked
above this layer)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.errors import NotFoundError
from service.store.models import ModuleRow, ProgrammeRow
from service.store.records import Module, Programme, record
from service.store.repositories._base import SessionRepository, new_id


class CatalogueRepository(SessionRepository):
    """Programmes and modules, always scoped by provider: a foreign id is not found."""

    def add_programme(self, *, issuer_id: str, data: dict[str, Any], now: datetime) -> Programme:
        row = ProgrammeRow(
            id=new_id(), issuer_id=issuer_id, data=data, created_at=now, updated_at=now
        )
        self._session.add(row)
        self._session.flush()
        return record(Programme, row)

    def programme(self, issuer_id: str, programme_id: str) -> Programme:
        row = self._session.get(ProgrammeRow, programme_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No programme {programme_id!r}.")
        return record(Programme, row)

    def programmes(self, issuer_id: str) -> list[Programme]:
        rows = self._session.scalars(
            select(ProgrammeRow)
            .where(ProgrammeRow.issuer_id == issuer_id)
            .order_by(ProgrammeRow.created_at)
        ).all()
        return [record(Programme, row) for row in rows]

    def add_module(
        self, *, issuer_id: str, programme_id: str | None, data: dict[str, Any], now: datetime
    ) -> Module:
        row = ModuleRow(
            id=new_id(),
            issuer_id=issuer_id,
            programme_id=programme_id,
            data=data,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return record(Module, row)

    def module(self, issuer_id: str, module_id: str) -> Module:
        row = self._session.get(ModuleRow, module_id)
        if row is None or row.issuer_id != issuer_id:
            raise NotFoundError(f"No module {module_id!r}.")
        return record(Module, row)

    def modules(self, issuer_id: str) -> list[Module]:
        rows = self._session.scalars(
            select(ModuleRow).where(ModuleRow.issuer_id == issuer_id).order_by(ModuleRow.created_at)
        ).all()
        return [record(Module, row) for row in rows]


__all__ = ["CatalogueRepository"]
