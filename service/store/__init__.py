"""Persistence: SQLAlchemy 2.0 models, engine/session set-up, Alembic migrations, repository."""

from service.store.db import Database, database_url_from
from service.store.repositories import Repository

__all__ = ["Database", "Repository", "database_url_from"]
