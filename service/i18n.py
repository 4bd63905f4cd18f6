"""Languages, negotiation, message catalogs, plurals, dates and numbers for every page and
printed document.

Catalogs are gettext ``.po`` files managed with Babel, one per language:
``service/locales/<lang>/LC_MESSAGES/messages.po`` (``messages.pot`` beside them is the
template, kept equal to the English catalog by a test). Message ids are stable keys,
``<area>.<name>`` (``verify.form_heading``, ``wallet.hours``), so a page area's messages stay
together and a change to English wording does not orphan every translation; each translated
entry carries the English text as an extracted comment for the translator. Plural messages
(``msgid_plural``) follow each language's ``Plural-Forms`` rule. Texts use ``{name}``
placeholders. A missing message falls back to English, then to the key itself, so a page never
breaks for want of a translation (and the tests fail on any missing key).

Dates and numbers are formatted by Babel with CLDR data for the language (month names,
digits, separators).
"""

from __future__ import annotations

import gettext
import io
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Babel is imported when first used: the CLI must start fast
    from babel import Locale
    from babel.messages.catalog import Catalog

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
#: Interface languages with complete catalogs, in the order the language switcher shows them.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی",
    "prs": "دری",
    "ps": "پښتو",
    "ckb": "کوردی",
    "kmr": "Kurmancî",
    "ti": "ትግርኛ",
    "so": "Soomaali",
    "uk": "Українська",
    "tr": "Türkçe",
    "fr": "Français",
    "es": "Español",
    "de": "Deutsch",
}
#: The CLDR locale that formats dates and numbers where it differs from the language code:
#: Dari is Persian as written in Afghanistan, Kurmanji is CLDR's ``ku``.
CLDR_LOCALE = {"prs": "fa_AF", "kmr": "ku"}
#: Tags browsers send for our languages under another name.
_ALIASES = {"fa-af": "prs", "ku": "kmr", "ku-latn": "kmr", "ku-arab": "ckb", "ku-iq": "ckb"}
#: Languages written right to left by default: ours (Arabic, Persian, Dari, Pashto, Central
#: Kurdish) and the others a signed text may be tagged with. The one list for pages, the PDF
#: and the text a credential carries.
RTL = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "prs", "ps", "sd", "ug", "ur", "yi"})
#: ISO 15924 scripts written right to left: a script subtag decides over the language
#: (``ku-Arab`` is right to left, ``sd-Deva`` is not).
_RTL_SCRIPTS = frozenset({"adlm", "arab", "hebr", "nkoo", "rohg", "syrc", "thaa"})


def is_rtl(language: str) -> bool:
    """Whether text in the BCP 47 tag ``language`` runs right to left."""
    subtags = language.lower().split("-")
    script = next((s for s in subtags[1:] if len(s) == 4 and s.isalpha()), None)
    if script is not None:
        return script in _RTL_SCRIPTS
    return subtags[0] in RTL


def direction(language: str) -> str:
    """``rtl`` or ``ltr`` for a BCP 47 tag."""
    return "rtl" if is_rtl(language) else "ltr"


def supported(tag: str | None) -> str | None:
    """Our language code for a BCP 47 tag (``fa-AF`` -> ``prs``), or None."""
    if not tag:
        return None
    tag = tag.strip().lower().replace("_", "-")
    for candidate in (tag, tag.split("-")[0]):
        if candidate in _ALIASES:
            return _ALIASES[candidate]
        if candidate in LANGUAGES:
            return candidate
    return None


def negotiate(accept_language: str | None, requested: str | None = None) -> str:
    """The page language: an explicit choice if supported, else the best Accept-Language match."""
    chosen = supported(requested)
    if chosen:
        return chosen
    choices: list[tuple[float, int, str]] = []
    for order, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        match = supported(tag)
        if match and quality > 0:
            choices.append((-quality, order, match))
    return sorted(choices)[0][2] if choices else DEFAULT_LANGUAGE


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def po_catalog(language: str) -> Catalog | None:
    """The parsed ``.po`` catalog of ``language`` (None when there is none)."""
    from babel.messages.pofile import read_po

    path = po_path(language)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=CLDR_LOCALE.get(language, language), domain=DOMAIN)


@cache
def _translations(language: str) -> gettext.NullTranslations:
    parsed = po_catalog(language)
    if parsed is None:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, parsed)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def catalog(domain: str, language: str) -> dict[str, str]:
    """The singular messages of one page area (``verify``, ``wallet``…): name -> text."""
    parsed = po_catalog(language)
    if parsed is None:
        return {}
    prefix = f"{domain}."
    return {
        str(message.id)[len(prefix) :]: str(message.string)
        for message in parsed
        if isinstance(message.id, str) and message.id.startswith(prefix) and message.string
    }


def _fill(text: str, values: dict[str, object]) -> str:
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError, ValueError):
        return text


def translate(language: str, key: str, /, **values: object) -> str:
    """Text for ``area.name`` in ``language`` (English fallback), ``{placeholders}`` filled."""
    for source in (language, DEFAULT_LANGUAGE):
        text = _translations(source).gettext(key)
        if text != key:
            return _fill(text, values)
    return key


def translate_plural(language: str, key: str, count: float, /, **values: object) -> str:
    """The plural form of ``key`` that fits ``count`` in ``language`` (its Plural-Forms rule);
    ``{count}`` and the other placeholders are filled."""
    plural_id = f"{key}.plural"
    whole = int(count) if float(count).is_integer() else 2  # a fraction reads as plural
    for source in (language, DEFAULT_LANGUAGE):
        text = _translations(source).ngettext(key, plural_id, whole)
        if text not in (key, plural_id):
            return _fill(text, {"count": format_number(language, count), **values})
    return key


def locale_of(language: str) -> Locale:
    from babel import Locale

    return Locale.parse(CLDR_LOCALE.get(language, language))


def format_date(language: str, day: date) -> str:
    """``day`` as people write it in ``language`` (CLDR long format: 30 June 2025)."""
    from babel.dates import format_date as babel_date

    return str(babel_date(day, format="long", locale=locale_of(language)))


def format_number(language: str, value: float) -> str:
    """A count or measure (40, 2.5) with the language's digits and separators."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=locale_of(language)))


def format_month(language: str, month: str) -> str:
    """A ``YYYY-MM`` month as people write it in ``language`` (CLDR: March 2025, März 2025)."""
    from babel.dates import format_skeleton

    day = date(int(month[:4]), int(month[5:7]), 1)
    return str(format_skeleton("yMMMM", day, locale=locale_of(language)))


def country_name(language: str, code: str) -> str | None:
    """The name of the ISO 3166 country ``code`` in ``language`` (CLDR), None if unknown."""
    name = locale_of(language).territories.get(code.upper())
    return None if name is None else str(name)


__all__ = [
    "CLDR_LOCALE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALES",
    "RTL",
    "catalog",
    "country_name",
    "direction",
    "format_date",
    "format_month",
    "format_number",
    "is_rtl",
    "negotiate",
    "po_catalog",
    "supported",
    "translate",
    "translate_plural",
]
