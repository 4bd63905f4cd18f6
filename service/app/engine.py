"""Composition root for the credential engine: build stores, canonicalizer and verifier from
:class:`~service.config.Settings`. The CLI and the HTTP app both start here, so one setting
means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from service.config import Settings
from service.contexts import ContextStore
from service.dids import Resolver, StaticResolver
from service.keys import KeyStore
from service.proofs import Canonicalizer, Limits, verification_suites
from service.verification.pipeline import StatusChecker, TrustChecker, Verifier


@dataclass(frozen=True)
class Engine:
    """The long-lived pieces one process needs to sign and verify."""

    settings: Settings
    contexts: ContextStore
    canonicalizer: Canonicalizer

    def keys(self) -> KeyStore:
        passphrase = self.settings.key_passphrase
        return KeyStore(
            self.settings.keys_dir,
            passphrase=passphrase.get_secret_value() if passphrase is not None else None,
            kdf=self.settings.key_kdf,
        )

    def verifier(
        self,
        *,
        resolver: Resolver | None = None,
        status: StatusChecker | None = None,
        trust: TrustChecker | None = None,
    ) -> Verifier:
        return Verifier(
            contexts=self.contexts,
            suites=verification_suites(self.canonicalizer),
            resolver=resolver or StaticResolver(),
            limits=self.canonicalizer.limits,
            max_bytes=self.settings.max_document_bytes,
            clock_skew=timedelta(seconds=self.settings.clock_skew_seconds),
            allow_inline_contexts=self.settings.allow_inline_contexts,
            status=status,
            trust=trust,
        )


def limits_from(settings: Settings) -> Limits:
    return Limits(
        max_bytes=settings.max_document_bytes,
        max_depth=settings.max_json_depth,
        max_array_length=settings.max_array_length,
        max_quads=settings.max_quads,
        max_seconds=settings.max_canonicalization_seconds,
        max_blank_nodes=settings.max_blank_nodes,
        max_blank_node_permutations=settings.max_blank_node_permutations,
    )


def build_engine(settings: Settings) -> Engine:
    contexts = ContextStore(settings.contexts_dir)
    canonicalizer = Canonicalizer(loader=contexts.document_loader(), limits=limits_from(settings))
    return Engine(settings=settings, contexts=contexts, canonicalizer=canonicalizer)


__all__ = ["Engine", "build_engine", "limits_from"]
