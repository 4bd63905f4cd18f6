"""Languages, negotiation and message catalogs for every page and printed document.

Catalogs are JSON files ``service/locales/<domain>/<lang>.json`` (flat key -> text, with
``{name}`` placeholders). Each page area owns its domain (``common``, ``wallet``,
``verify``…), so translations for one area live together. A missing key falls back to
English, then to the key itself, so a page never breaks for want of a translation.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
#: Languages with complete catalogs, in the order the language switcher shows them.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "ar": "العربية",
    "uk": "Українська",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
    "tr": "Türkçe",
}
RTL = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi"})


def direction(language: str) -> str:
    """``rtl`` or ``ltr`` for a BCP 47 tag."""
    return "rtl" if language.split("-")[0].lower() in RTL else "ltr"


def negotiate(accept_language: str | None, requested: str | None = None) -> str:
    """The page language: an explicit choice if supported, else the best Accept-Language match."""
    if requested and requested.split("-")[0].lower() in LANGUAGES:
        return requested.split("-")[0].lower()
    choices: list[tuple[float, int, str]] = []
    for order, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            choices.append((-quality, order, primary))
    return sorted(choices)[0][2] if choices else DEFAULT_LANGUAGE


@cache
def catalog(domain: str, language: str) -> dict[str, str]:
    path = LOCALES / domain / f"{language}.json"
    if not path.exists():
        return {}
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def translate(language: str, key: str, /, **values: object) -> str:
    """Text for ``domain.key`` in ``language`` (English fallback), with ``{placeholders}`` filled."""
    domain, _, name = key.partition(".")
    text = catalog(domain, language).get(name) or catalog(domain, DEFAULT_LANGUAGE).get(name) or key
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError, ValueError):
        return text


__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "RTL", "catalog", "direction", "negotiate", "translate"]
