"""Settings, read from ``TESSERA_*`` environment variables.

Settings are a value: build one with :func:`get_settings` (or construct :class:`Settings`
directly in tests) and pass it down. Nothing reads the environment at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.errors import ConfigurationError


def _looks_like_mmdb(path: Path) -> bool:
    """Whether ``path`` is a file ending in a MaxMind DB metadata section (its marker sits in
    the last 128 KiB), checked when the settings load so a wrong path stops the service at
    start rather than at its first verification."""
    try:
        with path.open("rb") as file:
            file.seek(0, 2)
            file.seek(max(0, file.tell() - 128 * 1024))
            return b"\xab\xcd\xefMaxMind.com" in file.read()
    except OSError:
        return False


class Settings(BaseSettings):
    """Every knob Tessera has. Environment variable = ``TESSERA_`` + upper-case field name."""

    model_config = SettingsConfigDict(env_prefix="TESSERA_", frozen=True)

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Field(default=Path("data"), description="Local data, incl. the context store.")
    keys_dir: Path = Field(default=Path("keys"), description="Local key store (encrypted keys).")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (default: SQLite in data_dir).",
    )
    base_url: str = Field(
        default="http://localhost:8000", description="Public origin for ids, did:web and links."
    )
    key_passphrase: SecretStr | None = Field(
        default=None, description="Passphrase that encrypts private keys at rest."
    )
    key_kdf: Literal["interactive", "moderate", "sensitive"] = Field(
        default="moderate", description="Argon2id strength for newly encrypted keys."
    )
    contexts_bundle: Path | None = Field(
        default=None,
        description="Directory of pinned context files used when `contexts install` has no --from.",
    )

    operator_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for the operator API (POST /issuers registers providers); "
        "unset: providers are registered with the CLI only.",
    )

    # Verification policy.
    allow_inline_contexts: bool = Field(
        default=False, description="Accept inline @context objects (off: only pinned URLs)."
    )
    clock_skew_seconds: int = Field(default=300, ge=0, le=86_400)

    # Bounds on hostile input; see README "Limits".
    max_document_bytes: int = Field(default=256 * 1024, ge=1024)
    max_json_depth: int = Field(default=32, ge=4, le=512)
    max_array_length: int = Field(default=2_000, ge=1)
    max_canonicalization_seconds: float = Field(default=1.0, gt=0)
    max_quads: int = Field(default=5_000, ge=10)
    max_blank_nodes: int = Field(default=1_000, ge=1)
    max_blank_node_permutations: int = Field(default=20_000, ge=1)

    # The public verifier's smaller work budget (POST /credentials/verify, /verify, /v/...):
    # a real Open Badges credential canonicalizes in about 1 ms with 4 blank nodes, so these
    # leave ample room for genuine credentials and stop hostile ones long before they can
    # hold a verification slot (see README "Limits"). The smaller of these and the general
    # limits above applies.
    verify_max_canonicalization_seconds: float = Field(default=0.1, gt=0)
    verify_max_verification_seconds: float = Field(default=0.25, gt=0)
    verify_max_quads: int = Field(default=2_000, ge=10)
    verify_max_blank_nodes: int = Field(default=200, ge=1)
    verify_max_blank_node_permutations: int = Field(default=500, ge=1)
    # Per client address: sustained public verifications per second and the burst allowed
    # (429 with Retry-After beyond them). A test harness that is one client sends far more.
    verify_rate_per_second: float = Field(default=10.0, gt=0)
    verify_burst: int = Field(default=60, ge=1)
    verify_trust_own_providers: bool = Field(
        default=True,
        description="The public verifier recognizes the providers registered on this service "
        "(false: only those in the trust registry).",
    )

    geoip_db: Path | None = Field(
        default=None,
        description="A local MaxMind DB (e.g. GeoLite2-Country.mmdb): employer engagement is "
        "then counted by the verifier's country (unset: country unknown; no outside service).",
    )

    # Beyond one machine (README "Deployment").
    redis_url: str | None = Field(
        default=None,
        description="redis://HOST:PORT/DB shared by every service process: rate limits, the "
        "verification memo and did:web cache (unset: each process keeps its own).",
    )
    log_format: Literal["json", "text"] = Field(
        default="text", description="json: one JSON object per line (for log collectors)."
    )
    job_runner: Literal["auto", "queue", "inprocess"] = Field(
        default="auto",
        description="Where job slices run: queue = `tessera worker` processes (PostgreSQL), "
        "inprocess = a thread of each service process; auto = queue on PostgreSQL.",
    )
    job_slice_rows: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="Rows a worker issues in one transaction (a killed worker redoes at most one slice).",
    )
    job_threshold: int = Field(
        default=1_000,
        ge=1,
        description="A cohort with more rows than this is issued by a background job (202).",
    )

    # Outcome reports (service/app/disclosure.py): the smallest count published (never
    # below 5) and the base published counts are rounded to.
    outcomes_min_count: int = Field(
        default=10, ge=5, description="Outcome reports withhold counts below this (k >= 5)."
    )
    outcomes_rounding_base: int = Field(
        default=5, ge=1, description="Outcome reports round every count to a multiple of this."
    )

    # Learner data rights and retention (README "Privacy"). Short by default: the learner keeps
    # what they downloaded, which verifies without the stored copy.
    retention_credential_days: int = Field(
        default=365,
        ge=0,
        description="Days a stored credential document (with the learner's name) is kept after "
        "issue; then it is erased like a learner's request (0: keep until erased).",
    )
    retention_wallet_link_days: int = Field(
        default=90,
        ge=0,
        description="Days a revoked or emptied wallet link is kept before it is deleted (0: keep).",
    )
    retention_cohort_days: int = Field(
        default=30,
        ge=0,
        description="Days a finished cohort job (its uploaded rows) and a cohort request's replay "
        "record (Idempotency-Key) are kept (0: keep).",
    )
    retention_audit_days: int = Field(
        default=365,
        ge=0,
        description="Days audit events are kept; older ones are deleted, oldest first (0: keep).",
    )
    retention_interval_hours: float = Field(
        default=24.0,
        ge=0,
        description="How often `tessera serve` runs the retention job (0: only `tessera "
        "retention run`).",
    )
    erasure_auto_confirm: bool = Field(
        default=False,
        description="A learner's erasure request from their wallet page is carried out at once "
        "(false: the provider confirms it).",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production" and self.key_passphrase is None:
            raise ConfigurationError(
                "TESSERA_ENVIRONMENT=production needs TESSERA_KEY_PASSPHRASE: private keys are "
                "never stored unencrypted in production."
            )
        if self.operator_token is not None and len(self.operator_token.get_secret_value()) < 32:
            raise ConfigurationError(
                "TESSERA_OPERATOR_TOKEN must be at least 32 characters: it can register "
                "providers. Make one with `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`."
            )
        if self.geoip_db is not None and not _looks_like_mmdb(self.geoip_db):
            raise ConfigurationError(
                f"TESSERA_GEOIP_DB={self.geoip_db} is not a MaxMind DB file: point it at a "
                "local GeoLite2-Country.mmdb (or GeoIP2 Country/City), or unset it."
            )
        if self.environment == "production" and self.allow_inline_contexts:
            raise ConfigurationError(
                "TESSERA_ALLOW_INLINE_CONTEXTS is for development only; pin the context with "
                "`tessera contexts add URL FILE` instead."
            )
        return self

    @property
    def contexts_dir(self) -> Path:
        """Where installed context documents and operator pins live."""
        return self.data_dir / "contexts"


def _setting_errors(exc: ValidationError) -> str:
    """One line naming each bad TESSERA_* variable, what it got, and what it needs."""
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = f"TESSERA_{field.upper()}" if field else "TESSERA_* settings"
        secret = "passphrase" in field  # never echo a secret back
        given = "" if secret or "input" not in error else f"={error['input']!r}"
        problems.append(f"{name}{given}: {error['msg']}")
    return "; ".join(problems) + ' (see README "Configuration").'


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment at the edge (CLI, app).

    Raises :class:`ConfigurationError` naming every invalid ``TESSERA_*`` variable.
    """
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(_setting_errors(exc)) from None


__all__ = ["Settings", "get_settings"]
