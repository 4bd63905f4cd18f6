"""Helpers for the learner-data tests: a learner, issuing to them, searching the whole database
and the data directory for them, and the public verifier with limits no test meets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import Provider, award_data
from sqlalchemy import MetaData, select

from service.api.limits import PublicPolicy, build_public_endpoint
from service.store import Database

NAME = "Zainab Qasimova-Rahimi"
REF = "REF-7781-QX"


def page_verdict(html: str) -> str:
    match = re.search(r'id="verdict" data-verdict="(\w+)"', html)
    assert match, html[:2000]
    return match.group(1)


@pytest.fixture
def public(app: Any) -> None:
    """The public verifier with limits no test meets (one client sends many requests)."""
    state = app.state.tessera
    app.state.public_verification = build_public_endpoint(
        settings=state.settings,
        engine=state.engine,
        database=state.database,
        own_lists=lambda url: state.lists.by_url(url, now=state.now()),
        policy=PublicPolicy(
            rate_per_second=1000.0, burst=1000, count_flush_seconds=0.0, directory_seconds=0.0
        ),
    )


def wallet_path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def award(client: Any, provider: Provider, module: dict[str, Any], name: str) -> dict[str, Any]:
    extra = {"learnerId": REF} if name == NAME else {}
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(name, **extra)},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def search_database(database: Database, needles: list[str]) -> list[str]:
    """Every (table, column) whose value contains a needle: all tables the database has
    (reflected, not the models: a table added later is searched too)."""
    found = []
    metadata = MetaData()
    metadata.reflect(bind=database.engine)
    with database.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    text = json.dumps(value, default=str, ensure_ascii=False).casefold()
                    for needle in needles:
                        if needle.casefold() in text:
                            found.append(f"{table.name}.{column}: {needle}")
    assert metadata.tables, "no tables reflected"
    return found


def search_files(directory: Path, needles: list[str]) -> list[str]:
    found = []
    for path in directory.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                for form in {needle, needle.lower(), needle.upper()}:
                    if form.encode() in data:
                        found.append(f"{path}: {needle}")
    return found
