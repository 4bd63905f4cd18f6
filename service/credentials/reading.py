"""Reading a credential's parts the way people see them, whatever its shape. Pure: values in,
values out.

Two shapes are read. Credentials issued today say everything in Open Badges 3.0 terms
(``related`` language editions, ``alignment`` to ``http://data.europa.eu/snb/eqf/N``); those
issued earlier used the Tessera context (``nameTranslation``, ``eqfLevel``,
``learningHours``) and are still in circulation. The accessors here (:func:`achievement_of`,
:func:`name_translations`, :func:`description_translations`, :func:`eqf_level`) hide the
difference from every reader. Signed text becomes a :class:`Text`: its language and direction
kept, hidden control characters made visible (a reader sees what a stranger signed).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.credentials.openbadges import EQF_FRAMEWORK, EQF_SCHEME
from service.i18n import is_rtl

#: Characters that reorder or hide text: shown as visible marks, never interpreted.
_BIDI_CONTROLS = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
#: A signed text longer than this is cut: a name or a description, not a book.
MAX_TEXT = 500


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


def subject_of(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    """The (first) ``credentialSubject``, or an empty mapping."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    return subject if isinstance(subject, Mapping) else {}


def achievement_of(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    """The (first) subject's ``achievement``, or an empty mapping."""
    achievement = subject_of(credential).get("achievement")
    return achievement if isinstance(achievement, Mapping) else {}


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
    level = achievement.get("eqfLevel")
    if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 8:
        return level
    return None


def number(value: Any) -> float | None:
    """A JSON number as a float (not a boolean, not a string); None otherwise."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def reveal(text: str) -> str:
    """``text`` with every bidi/invisible control replaced by a visible ``[U+XXXX]`` mark."""
    return _BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


@dataclass(frozen=True)
class Text:
    """Signed text to show: its language and direction, controls made visible."""

    text: str
    lang: str | None = None
    dir: str = "auto"


def shown(text: Text | None, default: str = "") -> str:
    """The characters of ``text`` (a :class:`Text` or None), or ``default``."""
    return text.text if text is not None else default


def text_of(value: Any, lang: str | None = None) -> Text | None:
    """A string or JSON-LD value object (``@value``/``@language``/``@direction``) as Text;
    for a list of them, the one in ``lang`` if there is one, else the first."""
    if isinstance(value, list):
        texts = [t for t in (text_of(v) for v in value) if t is not None]
        if not texts:
            return None
        return next((t for t in texts if t.lang and t.lang.split("-")[0] == lang), texts[0])
    if isinstance(value, str):
        cleaned = unicodedata.normalize("NFC", value).strip()
        return Text(reveal(cleaned[:MAX_TEXT])) if cleaned else None
    if isinstance(value, Mapping) and isinstance(value.get("@value"), str):
        language = value.get("@language")
        language = language if isinstance(language, str) and _LANG_TAG.match(language) else None
        direction = value.get("@direction")
        if direction not in ("ltr", "rtl"):
            direction = "rtl" if language and is_rtl(language) else "auto"
        base = text_of(value["@value"])
        return Text(base.text, language, direction) if base else None
    return None


def translated(primary: Any, translations: Any, lang: str, default_language: Any) -> Text | None:
    """The text in the reader's language ``lang`` when the credential carries it, else the
    primary one (in ``default_language``, the achievement's ``inLanguage``, when it names none)."""
    if isinstance(translations, list):
        for item in translations:
            found = text_of(item)
            if found and found.lang and found.lang.split("-")[0].lower() == lang:
                return found
    text = text_of(primary, lang)
    if (
        text
        and text.lang is None
        and isinstance(default_language, str)
        and _LANG_TAG.match(default_language)
    ):
        return Text(text.text, default_language, "rtl" if is_rtl(default_language) else "auto")
    return text


__all__ = [
    "MAX_TEXT",
    "Text",
    "achievement_of",
    "description_translations",
    "eqf_level",
    "name_translations",
    "number",
    "plain_text",
    "reveal",
    "shown",
    "subject_of",
    "text_of",
    "translated",
]
