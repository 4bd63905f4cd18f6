"""Persistence: SQLAlchemy 2.0 models, engine/session set-up, Alembic migrations, and the
repositories (one per aggregate, bundled per transaction) that hand out frozen records."""

from service.store.db import Database, database_url_from
from service.store.repositories import Repositories

__all__ = ["Database", "Repositories", "database_url_from"]
