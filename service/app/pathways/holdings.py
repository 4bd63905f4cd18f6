"""Rules evaluation: what each learner holds toward the provider's programmes (live module
credentials of the provider, taught or recognized, and other providers' modules presented in
the wallet), which programmes that newly completes, and the progress a wallet shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.credentials.completion import Held, evaluate
from service.credentials.qualification import EXTERNAL, RECOGNIZED, TAUGHT, Component
from service.store import Repositories
from service.store.records import Issuer, Programme

#: Marks an RPL credential's achievement subject (see ``service.credentials.rpl``).
RPL_MARKER = "recognized through assessment of prior learning"


@dataclass(frozen=True)
class Candidate:
    """A learner who satisfies a programme version and has no qualification for it yet."""

    programme: Programme
    version: int
    link_id: str
    learner_name: str
    components: tuple[Component, ...]


def programme_version(programme: Programme) -> int:
    """The programme version a qualification is awarded for (1 when none is given)."""
    return int(programme.data.get("version", 1))


def _day(document: Mapping[str, Any]) -> date:
    subject = document.get("credentialSubject")
    end = subject.get("activityEndDate") if isinstance(subject, Mapping) else None
    text = str(end or document.get("validFrom", ""))[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return date.min


def _achievement(document: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = document.get("credentialSubject")
    found = subject.get("achievement") if isinstance(subject, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def is_rpl(document: Mapping[str, Any]) -> bool:
    """Whether a credential records recognition of prior learning rather than teaching."""
    subject = document.get("credentialSubject")
    narrative = subject.get("narrative") if isinstance(subject, Mapping) else None
    return isinstance(narrative, str) and RPL_MARKER in narrative.lower()


Holdings = tuple[list[Held], dict[str, Component], str]


def holdings(repo: Repositories, *, issuer: Issuer, link_id: str) -> Holdings:
    """What a learner holds toward the provider's programmes: (rule inputs, the component for
    each credential id, the learner's name). Only live credentials count: a revoked or
    suspended module does not."""
    return holdings_of(repo, issuer=issuer, link_ids=[link_id])[link_id]


def holdings_of(
    repo: Repositories, *, issuer: Issuer, link_ids: Iterable[str]
) -> dict[str, Holdings]:
    """:func:`holdings` for many learners at once (a cohort), in a few statements."""
    pathways = repo.pathways
    modules = {m.id: m.data for m in repo.catalogue.modules(issuer.id)}
    ids = sorted(set(link_ids))
    taught = pathways.module_credentials_of(ids)
    external = pathways.external_credentials_of(ids)
    out: dict[str, Holdings] = {}
    for link_id in ids:
        held: list[Held] = []
        components: dict[str, Component] = {}
        name = ""
        for row in taught[link_id]:
            data = modules.get(row.module_id or "", {})
            document = row.document
            held.append(
                Held(
                    ref=str(row.module_id),
                    credential_id=str(document["id"]),
                    completed_on=_day(document),
                    hours=float(data.get("hours") or 0),
                    credits=float(data.get("credits") or 0),
                )
            )
            components[str(document["id"])] = Component(
                document, RECOGNIZED if is_rpl(document) else TAUGHT
            )
            name = row.learner_name
        for other in external[link_id]:
            document = other.document
            achievement = _achievement(document)
            credits = achievement.get("creditsAvailable")
            held.append(
                Held(
                    ref=str(achievement.get("id", "")),
                    credential_id=other.document_id,
                    completed_on=_day(document),
                    credits=float(credits) if isinstance(credits, int | float) else 0.0,
                )
            )
            components[other.document_id] = Component(document, EXTERNAL)
        out[link_id] = (held, components, name)
    return out


@dataclass(frozen=True)
class Progress:
    """A learner's standing on one programme, as their wallet shows it."""

    names: Mapping[str, str]  # the programme's name by language
    default_language: str
    done: int
    needed: int
    awarded: bool
    flagged: bool

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get(self.default_language) or ""


def learner_progress(repo: Repositories, *, issuer: Issuer, link_id: str) -> list[Progress]:
    """Each of the provider's programmes the learner has started or completed: modules done
    toward the cheapest way to complete it, and whether the qualification was awarded (and
    is under review)."""
    held, _, _ = holdings(repo, issuer=issuer, link_id=link_id)
    awarded = {
        (q.programme_id, q.programme_version): q
        for q in repo.pathways.qualifications_of_links([link_id])
    }
    out = []
    for programme in repo.catalogue.programmes(issuer.id):
        completion = programme.data.get("completion")
        if not completion:
            continue
        verdict = evaluate(completion, held)
        qualification = awarded.get((programme.id, programme_version(programme)))
        if not verdict.done and qualification is None:
            continue
        out.append(
            Progress(
                names=programme.data["name"],
                default_language=programme.data["defaultLanguage"],
                done=verdict.needed if qualification is not None else verdict.done,
                needed=verdict.needed,
                awarded=qualification is not None,
                flagged=qualification is not None and qualification.flagged_at is not None,
            )
        )
    return out


def accepts_external(repo: Repositories, *, issuer: Issuer) -> bool:
    """Whether a programme of the provider counts modules from other providers."""
    return any(
        p.data.get("recognizedProviders") and p.data.get("completion")
        for p in repo.catalogue.programmes(issuer.id)
    )


def candidates(repo: Repositories, issuer: Issuer, link_ids: Iterable[str]) -> list[Candidate]:
    """Each (learner, programme version) the rules now say is complete and that has no
    qualification yet."""
    programmes = [p for p in repo.catalogue.programmes(issuer.id) if p.data.get("completion")]
    if not programmes:
        return []
    ids = sorted(set(link_ids))
    awarded = {
        (q.programme_id, q.programme_version, q.wallet_link_id)
        for q in repo.pathways.qualifications_of_links(ids)
    }
    out: list[Candidate] = []
    for link_id, (held, components, name) in holdings_of(repo, issuer=issuer, link_ids=ids).items():
        if not held:
            continue
        for programme in programmes:
            version = programme_version(programme)
            if (programme.id, version, link_id) in awarded:
                continue
            verdict = evaluate(programme.data["completion"], held)
            if verdict.satisfied:
                chosen = tuple(components[h.credential_id] for h in verdict.counted)
                out.append(Candidate(programme, version, link_id, name, chosen))
    return out


__all__ = [
    "RPL_MARKER",
    "Candidate",
    "Holdings",
    "Progress",
    "accepts_external",
    "candidates",
    "holdings",
    "holdings_of",
    "is_rpl",
    "learner_progress",
    "programme_version",
]
