"""What a person reads off a credential, in their language: the one place the wallet page and
the printed certificate take their text from. Pure: a credential in, plain values out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.i18n import translate
from service.verify import issuer_of, parse_datetime


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
    def of(cls, credential: Mapping[str, Any], language: str) -> CredentialView:
        subject = credential.get("credentialSubject")
        if isinstance(subject, list):
            subject = subject[0] if subject else {}
        subject = subject if isinstance(subject, Mapping) else {}
        achievement = subject.get("achievement")
        achievement = achievement if isinstance(achievement, Mapping) else {}
        issuer = credential.get("issuer")
        name, name_language = _in_language(
            achievement.get("name") or credential.get("name"),
            achievement.get("nameTranslation"),
            achievement.get("inLanguage"),
            language,
        )
        description, _ = _in_language(
            achievement.get("description"),
            achievement.get("descriptionTranslation"),
            achievement.get("inLanguage"),
            language,
        )
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
            hours=_number(achievement.get("learningHours")),
            eqf_level=_integer(achievement.get("eqfLevel")),
            credits=_number(achievement.get("creditsAvailable")),
            result=plain_text(first.get("value")) if isinstance(first, Mapping) else None,
        )

    def facts(self, language: str) -> list[str]:
        """Short translated facts: hours, EQF level, credits."""
        out = []
        if self.hours is not None:
            out.append(translate(language, "wallet.hours", hours=_format_number(self.hours)))
        if self.eqf_level is not None:
            out.append(translate(language, "wallet.eqf_level", level=self.eqf_level))
        if self.credits is not None:
            out.append(translate(language, "wallet.credits", credits=_format_number(self.credits)))
        return out


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def format_date(moment: date | None, language: str) -> str:
    """A date as people write it in ``language`` (month names from the wallet catalog)."""
    if moment is None:
        return ""
    return translate(
        language,
        "wallet.date_format",
        day=moment.day,
        month=translate(language, f"wallet.month_{moment.month}"),
        year=moment.year,
    )


__all__ = ["CredentialView", "format_date"]
