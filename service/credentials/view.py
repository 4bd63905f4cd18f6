"""What a person reads off a credential, in their language: the one place the wallet page and
the printed certificate take their text from. Pure: a credential in, plain values out.

Two shapes are read. Credentials issued today say everything in Open Badges 3.0 terms
(``related`` language editions, ``alignment`` to ``http://data.europa.eu/snb/eqf/N``); those
issued earlier used the Tessera context (``nameTranslation``, ``eqfLevel``,
``learningHours``) and are still in circulation. The accessors below (``achievement_of``,
``name_translations``, ``description_translations``, ``eqf_level``) hide the difference
from every reader: :class:`CredentialView` (wallet page, certificate) and :func:`summarize`
(the verification page, which keeps each text's language and direction and shows hidden
control characters: it shows what a stranger signed).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from service import i18n
from service.credentials.openbadges import EQF_FRAMEWORK, EQF_SCHEME
from service.dates import format_utc, parse_datetime, validity_fields
from service.i18n import format_number, is_rtl, translate, translate_plural
from service.parties import issuer_of


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


# -- the verification page's summary -------------------------------------------------------

#: Characters that reorder or hide text: shown as visible marks, never interpreted.
_BIDI_CONTROLS = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def reveal(text: str) -> str:
    """``text`` with every bidi/invisible control replaced by a visible ``[U+XXXX]`` mark."""
    return _BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


@dataclass(frozen=True)
class Text:
    """Signed text to show: its language and direction, controls made visible."""

    text: str
    lang: str | None = None
    dir: str = "auto"


def _text(value: Any, lang: str | None = None) -> Text | None:
    """A string or JSON-LD value object (``@value``/``@language``/``@direction``) as Text;
    for a list of them, the one in ``lang`` if there is one, else the first."""
    if isinstance(value, list):
        texts = [t for t in (_text(v) for v in value) if t is not None]
        if not texts:
            return None
        return next((t for t in texts if t.lang and t.lang.split("-")[0] == lang), texts[0])
    if isinstance(value, str):
        cleaned = unicodedata.normalize("NFC", value).strip()
        return Text(reveal(cleaned[:500])) if cleaned else None
    if isinstance(value, Mapping) and isinstance(value.get("@value"), str):
        language = value.get("@language")
        language = language if isinstance(language, str) and _LANG_TAG.match(language) else None
        direction = value.get("@direction")
        if direction not in ("ltr", "rtl"):
            direction = "rtl" if language and is_rtl(language) else "auto"
        base = _text(value["@value"])
        return Text(base.text, language, direction) if base else None
    return None


def _translated(primary: Any, translations: Any, lang: str, default_language: Any) -> Text | None:
    """The text in the page language when the credential carries it, else the primary one."""
    if isinstance(translations, list):
        for item in translations:
            found = _text(item)
            if found and found.lang and found.lang.split("-")[0].lower() == lang:
                return found
    text = _text(primary, lang)
    if (
        text
        and text.lang is None
        and isinstance(default_language, str)
        and _LANG_TAG.match(default_language)
    ):
        return Text(text.text, default_language, "rtl" if is_rtl(default_language) else "auto")
    return text


def _link(value: Any) -> str | None:
    """An http(s) URL that is safe to put in href, or None."""
    if not isinstance(value, str) or len(value) > 500:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _day(value: Any) -> str | None:
    moment = parse_datetime(value)
    return format_utc(moment, "day") if moment else None


def _number_text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class Skill:
    name: Text | None
    url: str | None
    code: str | None


@dataclass(frozen=True)
class Summary:
    """What a person reads: what the signed credential states, plus the learning hours from
    the catalogue for a credential this service stores unchanged (see :func:`summarize`)."""

    issuer_name: Text | None
    issuer_id: str | None
    learner: Text | None
    module: Text | None
    code: Text | None
    description: Text | None
    skills: list[Skill] = field(default_factory=list)
    eqf: str | None = None
    hours: str | None = None
    credits: str | None = None
    field_of_study: Text | None = None
    result: Text | None = None
    issued: str | None = None
    completed: str | None = None
    valid_until: str | None = None


def summarize(
    document: Mapping[str, Any], lang: str, *, catalogue: Mapping[str, Any] | None = None
) -> Summary:
    """The facts of an Open Badges (or plain VC) credential, in the page language if it has it.
    Reads both Tessera shapes (see ``service.credentials.view``): OB ``related`` editions and EQF
    ``alignment`` today, the Tessera context's terms (``learningHours``...) before.
    ``catalogue`` (the module data of a credential this service stored) supplies the learning
    hours, which Open Badges has no term for, when the credential does not state them."""
    issuer = document.get("issuer")
    subject = subject_of(document)
    achievement = achievement_of(document)
    default_language = achievement.get("inLanguage")
    skills: list[Skill] = []
    eqf = _number_text(eqf_level(achievement))
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
                    name=_text(alignment.get("targetName"), lang),
                    url=_link(alignment.get("targetUrl")),
                    code=code if isinstance(code, str) else None,
                )
            )
    results = subject.get("result")
    first_result = results[0] if isinstance(results, list) and results else None
    return Summary(
        issuer_name=_text(issuer.get("name"), lang) if isinstance(issuer, Mapping) else None,
        issuer_id=issuer_of(document),
        learner=_text(subject.get("name"), lang),
        module=_translated(
            achievement.get("name") or document.get("name"),
            name_translations(achievement),
            lang,
            default_language,
        ),
        code=_text(achievement.get("humanCode")),
        description=_translated(
            achievement.get("description"),
            description_translations(achievement),
            lang,
            default_language,
        ),
        skills=skills[:50],
        eqf=eqf,
        hours=_number_text(achievement.get("learningHours"))
        or (_number_text(catalogue.get("hours")) if catalogue is not None else None),
        credits=_number_text(achievement.get("creditsAvailable")),
        field_of_study=_text(achievement.get("fieldOfStudy"), lang),
        result=_text(first_result.get("value"), lang)
        if isinstance(first_result, Mapping)
        else None,
        issued=_day(document.get(validity_fields(document)[0])),
        completed=_day(subject.get("activityEndDate")),
        valid_until=_day(document.get(validity_fields(document)[1])),
    )


__all__ = [
    "CredentialView",
    "Skill",
    "Summary",
    "Text",
    "achievement_of",
    "description_translations",
    "eqf_level",
    "format_date",
    "name_translations",
    "reveal",
    "subject_of",
    "summarize",
]
