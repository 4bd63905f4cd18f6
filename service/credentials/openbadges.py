"""Build Open Badges 3.0 ``OpenBadgeCredential`` documents from a module and an award. Pure.

The credential states the learner's name, the achievement, the provider and the dates:
nothing else about the person. It names only published contexts (VC 2.0 and Open Badges
3.0.3), so any verifier with an allowlist of published contexts can read it, and it
validates against 1EdTech's AchievementCredential JSON Schema. Everything Tessera knows
about a module is said in Open Badges' own terms
(https://www.imsglobal.org/spec/ob/v3p0/#achievement):

* EQF level, ISCED-F field and ESCO skills/occupations are ``alignment`` entries whose
  ``targetUrl`` is the EU's published URI (``http://data.europa.eu/snb/eqf/3``,
  ``http://data.europa.eu/snb/isced-f/0715``, the ESCO URI as given);
* the module's text in other languages are ``related`` achievements, each with its
  ``inLanguage``, ``name`` and ``description`` ("alternate language editions", OB §B.1.x
  ``Related``), so the signature covers every translation;
* the provider's code is ``humanCode``, ECTS credits ``creditsAvailable``, learning
  outcomes and assessment criteria the ``criteria.narrative`` (Markdown), a result is a
  ``Result`` pointing at the achievement's ``resultDescription``.

Open Badges has no term for learning hours or for the programme a module belongs to: those
stay in the catalogue (and on the pages that read it) instead of a private context.
Credentials issued before this shape name ``https://w3id.org/tessera/contexts/v1`` and its
terms (``eqfLevel``, ``learningHours``, ``nameTranslation``...); the readers in
``service/credentials/reading.py`` reads both shapes for every reader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.contexts import CREDENTIALS_V2, OPEN_BADGES_V3

CONTEXTS = [CREDENTIALS_V2, OPEN_BADGES_V3]
#: The EU's published concept schemes (EU Vocabularies / Europass), one URI per concept.
EQF_SCHEME = "http://data.europa.eu/snb/eqf/"
ISCED_F_SCHEME = "http://data.europa.eu/snb/isced-f/"
EQF_FRAMEWORK = "European Qualifications Framework"
ISCED_F_FRAMEWORK = "ISCED-F 2013"
ESCO_FRAMEWORK = "ESCO"
CEFR_FRAMEWORK = "Common European Framework of Reference for Languages"
CEFR_URL = (
    "https://www.coe.int/en/web/common-european-framework-reference-languages/level-descriptions"
)
#: Alignment ``targetType``s: OB's enumeration is extensible with the ``ext:`` prefix.
ESCO_SKILL = "ext:ESCOSkill"
ESCO_OCCUPATION = "ext:ESCOOccupation"
#: The ``resultDescription`` every awarded result points at (OB ``ResultType`` "Result").
RESULT_FRAGMENT = "#result"


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


def language_tag(tag: str) -> str:
    """``tag`` in BCP 47's conventional case (``pt-br`` -> ``pt-BR``, ``ha-arab`` ->
    ``ha-Arab``), which OB's ``LanguageCode`` pattern requires; the catalogue accepts any case."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def _in(texts: Mapping[str, str], language: str) -> str:
    """The text in ``language``, else the first one the provider gave."""
    return texts.get(language) or next(iter(texts.values()))


def build_achievement(module: Mapping[str, Any], *, achievement_id: str) -> dict[str, Any]:
    """The OB ``Achievement`` for a module (its data as validated by ``module.schema.json``).

    Text in the module's ``defaultLanguage`` fills ``name``/``description``/``criteria``;
    every other language of the name becomes a ``related`` edition (``{achievement_id}?lang=xx``).
    """
    language = module["defaultLanguage"]
    name = _in(module["name"], language)
    descriptions: Mapping[str, str] = module.get("description") or {}
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": module.get("achievementType", "Course"),
        "name": name,
        "description": _in(descriptions, language) if descriptions else name,
        "criteria": {"narrative": _criteria(module, language, name)},
        "inLanguage": language_tag(language),
    }
    if module.get("code"):
        achievement["humanCode"] = module["code"]
    if module.get("credits") is not None:
        achievement["creditsAvailable"] = module["credits"]
    alignments = _alignments(module)
    if alignments:
        achievement["alignment"] = alignments
    related = [
        _edition(achievement_id, lang, text, descriptions.get(lang))
        for lang, text in sorted(module["name"].items())
        if lang != language
    ]
    if related:
        achievement["related"] = related
    return achievement


def _edition(
    achievement_id: str, language: str, name: str, description: str | None
) -> dict[str, Any]:
    """An alternate language edition of the achievement (OB ``Related``)."""
    edition: dict[str, Any] = {
        "id": f"{achievement_id}?lang={language}",
        "type": ["Related"],
        "inLanguage": language_tag(language),
        "name": name,
    }
    if description:
        edition["description"] = description
    return edition


def _criteria(module: Mapping[str, Any], language: str, name: str) -> str:
    """``criteria.narrative`` (Markdown): the learning outcomes and how they were assessed."""
    sections = []
    for title, key in (
        ("Learning outcomes", "learningOutcomes"),
        ("Assessment criteria", "assessmentCriteria"),
    ):
        items = [_in(texts, language) for texts in module.get(key, [])]
        if items:
            sections.append(f"{title}:\n" + "\n".join(f"- {item}" for item in items))
    return "\n\n".join(sections) if sections else f"Completed: {name}."


def _alignment(
    *, name: str, url: str, framework: str, code: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    alignment: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": name,
        "targetUrl": url,
        "targetFramework": framework,
    }
    if code is not None:
        alignment["targetCode"] = code
    if kind is not None:
        alignment["targetType"] = kind
    return alignment


def _alignments(module: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if module.get("eqfLevel") is not None:
        level = str(module["eqfLevel"])
        out.append(
            _alignment(
                name=f"EQF level {level}",
                url=EQF_SCHEME + level,
                framework=EQF_FRAMEWORK,
                code=level,
            )
        )
    if module.get("iscedField"):
        field = module["iscedField"]
        out.append(
            _alignment(
                name=f"ISCED-F 2013 field {field}",
                url=ISCED_F_SCHEME + field,
                framework=ISCED_F_FRAMEWORK,
                code=field,
            )
        )
    if module.get("cefrLevel"):
        out.append(
            _alignment(
                name=f"CEFR {module['cefrLevel']}",
                url=CEFR_URL,
                framework=CEFR_FRAMEWORK,
                code=module["cefrLevel"],
            )
        )
    for label, kind, key in (
        ("ESCO skill", ESCO_SKILL, "escoSkills"),
        ("ESCO occupation", ESCO_OCCUPATION, "escoOccupations"),
    ):
        for uri in module.get(key, []):
            out.append(_alignment(name=label, url=uri, framework=ESCO_FRAMEWORK, kind=kind))
    return out


def build_credential(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    achievement: Mapping[str, Any],
    award: Award,
    valid_from: str,
) -> dict[str, Any]:
    """An unsigned ``OpenBadgeCredential`` naming only published contexts; the caller adds
    ``credentialStatus`` (see :func:`credential_status`) and the proof."""
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
        # OB ties a Result to the achievement's description of possible results.
        described = f"{achievement['id']}{RESULT_FRAGMENT}"
        subject["achievement"]["resultDescription"] = [
            {
                "id": described,
                "type": ["ResultDescription"],
                "name": "Result",
                "resultType": "Result",
            }
        ]
        subject["result"] = [
            {"type": ["Result"], "value": award.result, "resultDescription": described}
        ]
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


def credential_status(entries: Sequence[Mapping[str, Any]]) -> Any:
    """The ``credentialStatus`` value for ``entries``: one entry is an object (as 1EdTech's
    AchievementCredential schema requires), several are a list (VC 2.0 allows both)."""
    if len(entries) == 1:
        return dict(entries[0])
    return [dict(entry) for entry in entries]


__all__ = [
    "CONTEXTS",
    "Award",
    "IssuerProfile",
    "build_achievement",
    "build_credential",
    "credential_status",
]
