"""Readiness: can this process serve now? (``/readyz``; liveness is ``/healthz``).

A process is ready when the database answers, every pinned JSON-LD context is installed, and
the key store holds every provider's signing key. Redis (when one is configured) is reported
but does not decide: without it a process serves on its own limits and caches
(:mod:`service.app.shared_state`), so a Redis outage, which every process sees at once, must
not take them all out of the load balancer; its check is then ``degraded``.
A load balancer sends traffic only to ready processes; each check says what is wrong and
what to do, and names no secret.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.contexts import ContextStore
from service.keys import KeyStore


@dataclass(frozen=True)
class Check:
    """One readiness check: ``ok`` true, false, or None when it does not apply, or when the
    process serves without it (``degraded``: ready all the same, with less)."""

    name: str
    ok: bool | None
    detail: str
    degraded: bool = False

    def to_json(self) -> dict[str, object]:
        status = "skipped" if self.ok is None else ("ok" if self.ok else "failed")
        if self.degraded:
            status = "degraded"
        return {"check": self.name, "status": status, "detail": self.detail}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def check_database(ping: Callable[[], None], dialect: str) -> Check:
    try:
        ping()
    except Exception as exc:  # any failure means not ready; the detail names it
        return Check("database", False, f"{dialect} does not answer ({_first_line(exc)}).")
    return Check("database", True, f"{dialect} answers")


def check_redis(ping: Callable[[], object] | None) -> Check:
    if ping is None:
        return Check(
            "redis",
            None,
            "TESSERA_REDIS_URL is not set: rate limits and caches are kept per process.",
        )
    try:
        ping()
    except Exception as exc:
        return Check(
            "redis",
            None,
            f"Redis does not answer ({_first_line(exc)}): rate limits are counted by each "
            "process and caches are its own until it does; check Redis and TESSERA_REDIS_URL.",
            degraded=True,
        )
    return Check("redis", True, "answers")


def check_contexts(contexts: ContextStore) -> Check:
    missing = contexts.missing()
    if missing:
        return Check(
            "contexts",
            False,
            f"{len(missing)} pinned contexts are not installed (first: {missing[0]}): run "
            "`tessera contexts install`.",
        )
    return Check("contexts", True, f"{len(contexts.pins())} pinned contexts installed")


def check_keys(keys: KeyStore, key_names: Callable[[], list[str]]) -> Check:
    try:
        names = key_names()
    except Exception as exc:
        return Check("keys", False, f"cannot list signing keys ({_first_line(exc)}).")
    absent = []
    for name in names:
        try:
            keys.info(name)
        except Exception:
            absent.append(name)
    if absent:
        return Check(
            "keys",
            False,
            f"{len(absent)} of {len(names)} providers' signing keys are not in the key store "
            f"(first: {absent[0]}): copy them to this host's TESSERA_KEYS_DIR.",
        )
    return Check("keys", True, f"{len(names)} signing keys present")


def readiness(
    *,
    database_ping: Callable[[], None],
    dialect: str,
    redis_ping: Callable[[], object] | None,
    contexts: ContextStore,
    keys: KeyStore,
    key_names: Callable[[], list[str]],
) -> list[Check]:
    """Every readiness check, in order; the process is ready when none has ``ok is False``."""
    return [
        check_database(database_ping, dialect),
        check_redis(redis_ping),
        check_contexts(contexts),
        check_keys(keys, key_names),
    ]


__all__ = ["Check", "readiness"]
