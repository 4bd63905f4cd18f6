"""What a person reads off a credential, in their language: the one description of a credential
that the verification pages, the wallet page, the printed certificate and ``tessera verify``
take their text from. Pure: a credential in, plain values out.

Every text is what the credential states (a :class:`~service.credentials.reading.Text` with its
language and direction, hidden controls made visible); the catalogue of a credential this
service stores unchanged may add what Open Badges has no term for (learning hours). How the
two shapes of credential in circulation are read is :mod:`service.credentials.reading`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any
from urllib.parse import urlsplit

from service import i18n
from service.credentials.reading import (
    Text,
    achievement_of,
    description_translations,
    eqf_level,
    name_translations,
    number,
    subject_of,
    text_of,
    translated,
)
from service.dates import parse_datetime, validity_fields
from service.i18n import format_number, translate, translate_plural
from service.parties import issuer_of

#: At most this many skills are shown: a module lists a few, not a taxonomy.
MAX_SKILLS = 50


@dataclass(frozen=True)
class Skill:
    """An ESCO skill the achievement is aligned to: its name, its page, its code."""

    name: Text | None
    url: str | None
    code: str | None


@dataclass(frozen=True)
class CredentialView:
    """Display values of one credential, in one reader's language (:meth:`of`)."""

    credential_id: str | None = None
    issuer_id: str | None = None
    issuer_name: Text | None = None
    learner: Text | None = None
    achievement: Text | None = None
    code: Text | None = None
    description: Text | None = None
    skills: tuple[Skill, ...] = field(default=())
    eqf_level: int | None = None
    hours: float | None = None
    credits: float | None = None
    field_of_study: Text | None = None
    result: Text | None = None
    issued_on: date | None = None
    completed_on: date | None = None
    valid_until: date | None = None

    @classmethod
    def of(
        cls,
        credential: Mapping[str, Any],
        language: str,
        *,
        catalogue: Mapping[str, Any] | None = None,
    ) -> CredentialView:
        """The view of ``credential`` (Open Badges or a plain VC, VC 2.0 or 1.1) in
        ``language``, where the credential carries that language. ``catalogue`` is the issuing
        module's data (``module.schema.json``) of a credential this service stores unchanged:
        it supplies the learning hours when the credential does not state them."""
        issuer = credential.get("issuer")
        subject = subject_of(credential)
        achievement = achievement_of(credential)
        default_language = achievement.get("inLanguage")
        hours = number(achievement.get("learningHours"))
        if hours is None and catalogue is not None:
            hours = number(catalogue.get("hours"))
        results = subject.get("result")
        first = results[0] if isinstance(results, list) and results else None
        credential_id = credential.get("id")
        start, end = validity_fields(credential)
        return cls(
            credential_id=credential_id if isinstance(credential_id, str) else None,
            issuer_id=issuer_of(credential),
            issuer_name=text_of(issuer.get("name"), language)
            if isinstance(issuer, Mapping)
            else None,
            learner=text_of(subject.get("name"), language),
            achievement=translated(
                achievement.get("name") or credential.get("name"),
                name_translations(achievement),
                language,
                default_language,
            ),
            code=text_of(achievement.get("humanCode")),
            description=translated(
                achievement.get("description"),
                description_translations(achievement),
                language,
                default_language,
            ),
            skills=_skills(achievement, language),
            eqf_level=eqf_level(achievement),
            hours=hours,
            credits=number(achievement.get("creditsAvailable")),
            field_of_study=text_of(achievement.get("fieldOfStudy"), language),
            result=text_of(first.get("value"), language) if isinstance(first, Mapping) else None,
            issued_on=_day(credential.get(start)),
            completed_on=_day(subject.get("activityEndDate")),
            valid_until=_day(credential.get(end)),
        )

    def facts(self, language: str) -> list[str]:
        """Short translated facts: hours, EQF level, credits."""
        out = []
        if self.hours is not None:
            out.append(translate_plural(language, "wallet.hours", self.hours))
        if self.eqf_level is not None:
            out.append(
                translate(
                    language, "wallet.eqf_level", level=format_number(language, self.eqf_level)
                )
            )
        if self.credits is not None:
            out.append(translate_plural(language, "wallet.credits", self.credits))
        return out

    def lines(self) -> list[str]:
        """The view for a terminal (``tessera verify --format text``): who, what, which
        provider, when."""
        when = self.completed_on or self.issued_on
        provider = self.issuer_name.text if self.issuer_name else "-"
        return [
            f"learner:  {self.learner.text if self.learner else '-'}",
            f"module:   {self.achievement.text if self.achievement else '-'}",
            f"provider: {provider} ({self.issuer_id or '-'})",
            f"date:     {when.isoformat() if when else '-'}",
        ]


def _skills(achievement: Mapping[str, Any], language: str) -> tuple[Skill, ...]:
    """The ESCO skills among the achievement's alignments."""
    skills: list[Skill] = []
    alignments = achievement.get("alignment")
    for alignment in alignments if isinstance(alignments, list) else []:
        if not isinstance(alignment, Mapping):
            continue
        framework = str(alignment.get("targetFramework", ""))
        kind = str(alignment.get("targetType", ""))
        if framework == "ESCO" or "ESCO" in kind:
            code = alignment.get("targetCode")
            skills.append(
                Skill(
                    name=text_of(alignment.get("targetName"), language),
                    url=_link(alignment.get("targetUrl")),
                    code=code if isinstance(code, str) else None,
                )
            )
    return tuple(skills[:MAX_SKILLS])


def _link(value: Any) -> str | None:
    """An http(s) URL that is safe to put in href, or None."""
    if not isinstance(value, str) or len(value) > 500:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _day(value: Any) -> date | None:
    """The UTC calendar day of an XML Schema dateTime, as every route words it."""
    moment = parse_datetime(value)
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC).date()
    except OverflowError:  # before year 1 in UTC: the day as written
        return moment.date()


def number_text(value: float | None) -> str:
    """A figure as the verification page shows it: ``40``, ``2.5``; "" for none."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def format_date(moment: date | None, language: str) -> str:
    """A date as people write it in ``language`` (CLDR, through Babel); "" for none."""
    return i18n.format_date(language, moment) if moment is not None else ""


__all__ = ["MAX_SKILLS", "CredentialView", "Skill", "format_date", "number_text"]
