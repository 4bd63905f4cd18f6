"""Build Open Badges 3.0 ``OpenBadgeCredential`` documents from a module and an award. Pure.

The credential states the learner's name, the achievement (with its alignments to EQF,
ISCED-F, ESCO and CEFR), the provider and the dates: nothing else about the person.
Text in the module's default language fills the OB ``name``/``description`` strings that
every OB consumer reads; other languages ride along as ``nameTranslation`` /
``descriptionTranslation`` value objects with ``@language`` and, for right-to-left
scripts, ``@direction`` (Tessera context), so the signature covers every translation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.contexts import CREDENTIALS_V2, OPEN_BADGES_V3, TESSERA_V1

CONTEXTS = [CREDENTIALS_V2, OPEN_BADGES_V3, TESSERA_V1]
RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "ha-arab", "he", "ks", "ps", "sd", "ug", "ur", "yi"}
)
EQF_URL = "https://europa.eu/europass/en/description-eight-eqf-levels"
ISCED_URL = "https://uis.unesco.org/en/topic/international-standard-classification-education-isced"
CEFR_URL = (
    "https://www.coe.int/en/web/common-european-framework-reference-languages/level-descriptions"
)


@dataclass(frozen=True)
class IssuerProfile:
    """What a credential says about its issuer."""

    id: str  # the issuer's DID
    name: str
    url: str | None = None


@dataclass(frozen=True)
class Award:
    """One learner's completion of one module, as the provider states it."""

    learner_name: str
    completed_on: str  # YYYY-MM-DD
    result: str | None = None
    learner_did: str | None = None


def is_rtl(language: str) -> bool:
    primary = language.lower()
    return primary in RTL_LANGUAGES or primary.split("-")[0] in RTL_LANGUAGES


def language_value(text: str, language: str) -> dict[str, str]:
    """A JSON-LD value object with language and, for RTL scripts, base direction."""
    value = {"@value": text, "@language": language}
    if is_rtl(language):
        value["@direction"] = "rtl"
    return value


def _primary(texts: Mapping[str, str], default_language: str) -> tuple[str, list[dict[str, str]]]:
    """(text in the default language, value objects for every other language)."""
    primary = texts.get(default_language) or next(iter(texts.values()))
    others = [
        language_value(t, lang) for lang, t in sorted(texts.items()) if lang != default_language
    ]
    return primary, others


def build_achievement(
    module: Mapping[str, Any], *, achievement_id: str, programme_ids: Sequence[str] = ()
) -> dict[str, Any]:
    """The OB ``Achievement`` for a module (its data as validated by ``module.schema.json``)."""
    language = module["defaultLanguage"]
    name, name_translations = _primary(module["name"], language)
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": module.get("achievementType", "Course"),
        "name": name,
        "inLanguage": language,
    }
    if name_translations:
        achievement["nameTranslation"] = name_translations
    if module.get("description"):
        description, translations = _primary(module["description"], language)
        achievement["description"] = description
        if translations:
            achievement["descriptionTranslation"] = translations
    else:
        achievement["description"] = name
    criteria = [_primary(c, language)[0] for c in module.get("assessmentCriteria", [])]
    achievement["criteria"] = {
        "narrative": "\n".join(f"- {c}" for c in criteria) if criteria else f"Completed: {name}."
    }
    if module.get("code"):
        achievement["humanCode"] = module["code"]
    if module.get("credits") is not None:
        achievement["creditsAvailable"] = module["credits"]
    alignments = _alignments(module)
    if alignments:
        achievement["alignment"] = alignments
    if module.get("eqfLevel") is not None:
        achievement["eqfLevel"] = module["eqfLevel"]
    if module.get("hours") is not None:
        achievement["learningHours"] = module["hours"]
    if module.get("iscedField"):
        achievement["iscedFieldCode"] = module["iscedField"]
    if module.get("cefrLevel"):
        achievement["cefrLevel"] = module["cefrLevel"]
    outcomes = [
        language_value(*_primary_pair(o, language)) for o in module.get("learningOutcomes", [])
    ]
    if outcomes:
        achievement["learningOutcome"] = outcomes
    if programme_ids:
        achievement["partOfQualification"] = list(programme_ids)
    return achievement


def _primary_pair(texts: Mapping[str, str], language: str) -> tuple[str, str]:
    if language in texts:
        return texts[language], language
    lang, text = next(iter(texts.items()))
    return text, lang


def _alignments(module: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if module.get("eqfLevel") is not None:
        out.append(
            {
                "type": ["Alignment"],
                "targetName": f"EQF level {module['eqfLevel']}",
                "targetUrl": EQF_URL,
                "targetFramework": "European Qualifications Framework",
                "targetCode": str(module["eqfLevel"]),
            }
        )
    if module.get("iscedField"):
        out.append(
            {
                "type": ["Alignment"],
                "targetName": f"ISCED-F 2013 field {module['iscedField']}",
                "targetUrl": ISCED_URL,
                "targetFramework": "ISCED-F 2013",
                "targetCode": module["iscedField"],
            }
        )
    if module.get("cefrLevel"):
        out.append(
            {
                "type": ["Alignment"],
                "targetName": f"CEFR {module['cefrLevel']}",
                "targetUrl": CEFR_URL,
                "targetFramework": "Common European Framework of Reference for Languages",
                "targetCode": module["cefrLevel"],
            }
        )
    for kind, key in (("ESCO skill", "escoSkills"), ("ESCO occupation", "escoOccupations")):
        for uri in module.get(key, []):
            out.append(
                {
                    "type": ["Alignment"],
                    "targetName": kind,
                    "targetUrl": uri,
                    "targetFramework": "ESCO",
                    "targetType": "ext:" + kind.title().replace(" ", ""),
                }
            )
    return out


def build_credential(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    achievement: Mapping[str, Any],
    award: Award,
    valid_from: str,
) -> dict[str, Any]:
    """An unsigned ``OpenBadgeCredential``; the caller adds status and proof."""
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "name": award.learner_name,
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": award.learner_name,
                "identityType": "name",
                "hashed": False,
            }
        ],
        "achievement": dict(achievement),
        "activityEndDate": f"{award.completed_on}T00:00:00Z",
    }
    if award.learner_did:
        subject["id"] = award.learner_did
    if award.result:
        subject["result"] = [{"type": ["Result"], "value": award.result}]
    issuer_json: dict[str, Any] = {"id": issuer.id, "type": ["Profile"], "name": issuer.name}
    if issuer.url:
        issuer_json["url"] = issuer.url
    return {
        "@context": list(CONTEXTS),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": issuer_json,
        "validFrom": valid_from,
        "awardedDate": valid_from,
        "credentialSubject": subject,
    }


__all__ = [
    "CONTEXTS",
    "Award",
    "IssuerProfile",
    "build_achievement",
    "build_credential",
    "is_rtl",
    "language_value",
]
