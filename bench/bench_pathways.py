"""Benchmark: the automatic award for a cohort.

A provider with a programme of ``--modules`` modules issues them to a cohort of
``--learners`` learners, one module at a time, as cohort uploads do; after each upload
:func:`service.app.pathways.qualify_holders` (as the award routes and job slices call it)
finds the learners from the credentials, evaluates every one and, after the last module,
awards each one the qualification and its CLR 2.0 transcript. Reported: seconds to
evaluate the cohort when nobody completes yet, and seconds to award when everybody does
(dominated by signing: two documents per learner, the transcript embedding every module
credential). Signing runs in this one process (``LocalSigner``); the service spreads it over
its signing pool.

    python3 bench/bench_pathways.py [--learners 1000] [--modules 3] [--url postgresql+psycopg://…]

Without ``--url`` the database is a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.app.catalogue import create_module, create_programme  # noqa: E402
from service.app.engine import build_engine  # noqa: E402
from service.app.issuing import IssueSetup, issue_awards  # noqa: E402
from service.app.pathways import qualify_holders  # noqa: E402
from service.app.providers import create_issuer  # noqa: E402
from service.app.signing import LocalSigner  # noqa: E402
from service.config import Settings  # noqa: E402
from service.contexts import ContextStore  # noqa: E402
from service.store import Database, Repositories  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--modules", type=int, default=3)
    parser.add_argument("--url", help="a database URL (default: a fresh SQLite file)")
    parser.add_argument("--contexts", default=str(ROOT.parent / "shared" / "contexts"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-pathways-"))
    settings = Settings(
        data_dir=work / "data",
        keys_dir=work / "keys",
        contexts_bundle=Path(args.contexts),
        base_url="https://bench.example",
    )
    ContextStore(settings.contexts_dir).install_from_dir(Path(args.contexts))
    engine = build_engine(settings)
    database = Database(args.url or f"sqlite:///{work / 'bench.db'}")
    database.migrate()

    @contextmanager
    def repositories() -> Iterator[Repositories]:
        with database.transaction() as session:
            yield Repositories(session)

    now = datetime.now(UTC)
    with repositories() as repo:
        issuer, _ = create_issuer(
            repo,
            engine.keys(),
            name="Bench",
            url=None,
            slug=f"bench-{work.name[-8:].lower()}",
            base_url=settings.base_url,
            actor="bench",
            now=now,
        )
        modules = [
            create_module(
                repo,
                issuer=issuer,
                data={"name": {"en": f"Module {i}"}, "defaultLanguage": "en"},
                actor="bench",
                now=now,
            ).id
            for i in range(args.modules)
        ]
        create_programme(
            repo,
            issuer=issuer,
            data={
                "name": {"en": "Bench"},
                "defaultLanguage": "en",
                "completion": {"rule": {"allOf": modules}},
            },
            actor="bench",
            now=now,
        )
    setup = IssueSetup(
        base_url=settings.base_url, signer=LocalSigner(engine), canonicalizer=engine.canonicalizer
    )
    rows = [
        {"learnerName": f"Learner {i:06d}", "completedOn": "2025-06-30", "learnerId": f"E{i:06d}"}
        for i in range(args.learners)
    ]
    print(f"{args.learners} learners, programme of {args.modules} modules, {database.dialect}")
    for index, module in enumerate(modules, start=1):
        started = time.perf_counter()
        issued = issue_awards(
            repositories,
            setup,
            issuer_id=issuer.id,
            module_id=module,
            awards=rows,
            actor="bench",
            now=now,
        )
        signed = time.perf_counter()
        awarded = qualify_holders(
            repositories,
            setup,
            issuer_id=issuer.id,
            credentials=issued.credentials,
            actor="bench",
            now=now,
        )
        done = time.perf_counter()
        print(
            f"module {index}: cohort issued in {signed - started:6.1f} s; qualify "
            f"{done - signed:6.1f} s ({len(awarded)} qualifications awarded)"
        )
    database.dispose()


if __name__ == "__main__":
    main()
