"""What a person reads off a credential, in their language: the one place the wallet page and
the printed certificate take their text from. Pure: a credential in, plain values out.

Two shapes are read. Credentials issued today say everything in Open Badges 3.0 terms
(``related`` language editions, ``alignment`` to ``http://data.europa.eu/snb/eqf/N``); those
issued earlier used the Tessera context (``nameTranslation``, ``eqfLevel``,
``learningHours``) and are still in circulation. The accessors below (``achievement_of``,
``name_translations``, ``description_translations``, ``eqf_level``) hide the difference
from every reader: this view (wallet page, certificate) and the verification page's summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from service import i18n
from service.credentials.openbadges import EQF_FRAMEWORK, EQF_SCHEME
from service.i18n import format_number, translate, translate_plural
from service.verification.pipeline import issuer_of, parse_datetime


def plain_text(value: Any) -> str | None:
    """A plain string, or the ``@value`` of a JSON-LD value object (the first of a list)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("@value"), str):
        return str(value["@value"])
    if isinstance(value, list):
        for item in value:
            found = plain_text(item)
            if found is not None:
                return found
    return None


def achievement_of(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    """The (first) subject's ``achievement``, or an empty mapping."""
    subject = subject_of(credential)
    achievement = subject.get("achievement")
    return achievement if isinstance(achievement, Mapping) else {}


def subject_of(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    """The (first) ``credentialSubject``, or an empty mapping."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    return subject if isinstance(subject, Mapping) else {}


def _editions(achievement: Mapping[str, Any], key: str) -> list[dict[str, str]]:
    """``key`` (name or description) of every OB ``related`` edition that states its
    ``inLanguage``, as JSON-LD value objects."""
    related = achievement.get("related")
    out = []
    for item in related if isinstance(related, list) else []:
        if not isinstance(item, Mapping):
            continue
        text, language = item.get(key), item.get("inLanguage")
        if isinstance(text, str) and text and isinstance(language, str) and language:
            out.append({"@value": text, "@language": language})
    return out


def name_translations(achievement: Mapping[str, Any]) -> list[Any]:
    """The achievement's name in other languages: OB ``related`` editions, or (credentials
    issued with the Tessera context) ``nameTranslation``."""
    old = achievement.get("nameTranslation")
    return _editions(achievement, "name") + (old if isinstance(old, list) else [])


def description_translations(achievement: Mapping[str, Any]) -> list[Any]:
    """Like :func:`name_translations`, for the description."""
    old = achievement.get("descriptionTranslation")
    return _editions(achievement, "description") + (old if isinstance(old, list) else [])


def eqf_level(achievement: Mapping[str, Any]) -> int | None:
    """The EQF level (1-8): from an ``alignment`` to the EU's EQF concept URI (or one
    that names the EQF framework with a ``targetCode``), or the old ``eqfLevel``."""
    alignments = achievement.get("alignment")
    for alignment in alignments if isinstance(alignments, list) else []:
        if not isinstance(alignment, Mapping):
            continue
        url, code = alignment.get("targetUrl"), alignment.get("targetCode")
        if isinstance(url, str) and url.startswith(EQF_SCHEME):
            code = url.removeprefix(EQF_SCHEME)
        elif alignment.get("targetFramework") != EQF_FRAMEWORK:
            continue
        if isinstance(code, str) and code in {str(n) for n in range(1, 9)}:
            return int(code)
    level = _integer(achievement.get("eqfLevel"))
    return level if level is not None and 1 <= level <= 8 else None


def _primary(tag: Any) -> str:
    return tag.split("-")[0].lower() if isinstance(tag, str) else ""


def _in_language(
    default: Any, translations: Any, default_language: Any, language: str
) -> tuple[str | None, str | None]:
    """(text, its language): the translation into ``language`` if the credential states one."""
    if isinstance(translations, list):
        for item in translations:
            if isinstance(item, Mapping) and _primary(item.get("@language")) == language:
                text = plain_text(item)
                if text:
                    return text, language
    text = plain_text(default)
    if isinstance(default, Mapping) and isinstance(default.get("@language"), str):
        return text, _primary(default["@language"])
    return text, _primary(default_language) or None


@dataclass(frozen=True)
class CredentialView:
    """Display values of one credential. Every text is what the credential states."""

    credential_id: str | None
    issuer_id: str | None
    issuer_name: str | None
    learner_name: str | None
    achievement_name: str | None
    achievement_language: str | None
    achievement_description: str | None
    completed_on: date | None
    issued_on: date | None
    hours: float | None
    eqf_level: int | None
    credits: float | None
    result: str | None

    @classmethod
    def of(
        cls,
        credential: Mapping[str, Any],
        language: str,
        *,
        catalogue: Mapping[str, Any] | None = None,
    ) -> CredentialView:
        """The view of ``credential`` in ``language``. ``catalogue`` is the issuing module's
        data (``module.schema.json``) when the caller has it: it supplies what Open Badges
        has no term for (learning hours) when the credential does not state it."""
        subject = subject_of(credential)
        achievement = achievement_of(credential)
        issuer = credential.get("issuer")
        name, name_language = _in_language(
            achievement.get("name") or credential.get("name"),
            name_translations(achievement),
            achievement.get("inLanguage"),
            language,
        )
        description, _ = _in_language(
            achievement.get("description"),
            description_translations(achievement),
            achievement.get("inLanguage"),
            language,
        )
        hours = _number(achievement.get("learningHours"))
        if hours is None and catalogue is not None:
            hours = _number(catalogue.get("hours"))
        ended = parse_datetime(subject.get("activityEndDate"))
        issued = parse_datetime(credential.get("validFrom"))
        results = subject.get("result")
        first = results[0] if isinstance(results, list) and results else None
        credential_id = credential.get("id")
        return cls(
            credential_id=credential_id if isinstance(credential_id, str) else None,
            issuer_id=issuer_of(credential),
            issuer_name=plain_text(issuer.get("name")) if isinstance(issuer, Mapping) else None,
            learner_name=plain_text(subject.get("name")),
            achievement_name=name,
            achievement_language=name_language,
            achievement_description=description if description != name else None,
            completed_on=ended.date() if ended else None,
            issued_on=issued.date() if issued else None,
            hours=hours,
            eqf_level=eqf_level(achievement),
            credits=_number(achievement.get("creditsAvailable")),
            result=plain_text(first.get("value")) if isinstance(first, Mapping) else None,
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


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def format_date(moment: date | None, language: str) -> str:
    """A date as people write it in ``language`` (CLDR, through Babel); "" for none."""
    return i18n.format_date(language, moment) if moment is not None else ""


__all__ = [
    "CredentialView",
    "achievement_of",
    "description_translations",
    "eqf_level",
    "format_date",
    "name_translations",
    "subject_of",
]
