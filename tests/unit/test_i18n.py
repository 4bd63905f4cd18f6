"""The interface catalogs (gettext .po, managed with Babel): every language has every
message with the same placeholders and all its plural forms, the template matches English,
every key the code and templates use exists, and dates, numbers and plurals follow each
language's CLDR rules."""

from __future__ import annotations

import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from service.i18n import (
    LANGUAGES,
    LOCALES,
    direction,
    format_date,
    is_rtl,
    negotiate,
    po_catalog,
    translate,
    translate_plural,
)

SERVICE = Path(__file__).resolve().parents[2] / "service"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _messages(language: str) -> dict[str, tuple[str, ...]]:
    parsed = po_catalog(language)
    assert parsed is not None, f"no catalog for {language}"
    out: dict[str, tuple[str, ...]] = {}
    for message in parsed:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        out[str(key)] = tuple(str(f) for f in forms)
    return out


ENGLISH = _messages("en")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_language_has_every_message_with_its_placeholders(language: str) -> None:
    translated = _messages(language)
    missing = sorted(set(ENGLISH) - set(translated))
    empty = sorted(k for k, forms in translated.items() if not all(f.strip() for f in forms))
    assert missing == [] and empty == [], (language, missing, empty)
    assert sorted(set(translated) - set(ENGLISH)) == [], language
    parsed = po_catalog(language)
    assert parsed is not None
    for key, forms in translated.items():
        english_fields = set().union(*(_fields(f) for f in ENGLISH[key]))
        for form in forms:
            # A plural form may spell out "one" instead of showing {count}.
            assert _fields(form) - {"count"} <= english_fields, (language, key, form)
            assert english_fields - {"count"} <= _fields(form), (language, key, form)
        if len(ENGLISH[key]) > 1:
            assert len(forms) == parsed.num_plurals, (language, key)


def test_the_template_lists_exactly_the_english_messages() -> None:
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in template if m.id}
    assert ids == set(ENGLISH)


def test_every_key_the_code_and_templates_use_exists() -> None:
    """Babel's extractors over the Python code and the Jinja templates: a typo in a key
    (which would show the key itself on a page) fails here."""
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    keywords = {"t": None, "tb": None, "translate": (2,), "translate_plural": (2,)}
    used: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SERVICE), method_map=method_map, keywords=keywords
    ):
        key = message[0] if isinstance(message, tuple) else message
        if isinstance(key, str) and "." in key and " " not in key:
            used.add(key)
    assert len(used) > 40  # the extractors did read the pages
    assert sorted(used - set(ENGLISH)) == []


def test_right_to_left_languages() -> None:
    assert [lang for lang in LANGUAGES if direction(lang) == "rtl"] == [
        "ar",
        "fa",
        "prs",
        "ps",
        "ckb",
    ]


@pytest.mark.parametrize(
    ("tag", "rtl"),
    [
        ("ar-EG", True),
        ("he", True),
        ("dv", True),
        ("ug", True),
        ("ku-Arab", True),  # Kurdish in Arabic script, though Kurmanji (Latin) is not
        ("ku", False),
        ("sd-Deva", False),  # a script subtag decides over the language
        ("az-Arab-IR", True),
        ("EN", False),
        ("tr-Latn", False),
    ],
)
def test_one_reading_of_direction_for_any_tag(tag: str, rtl: bool) -> None:
    assert is_rtl(tag) is rtl
    assert direction(tag) == ("rtl" if rtl else "ltr")


def test_browser_tags_find_our_languages() -> None:
    assert negotiate("fa-AF,fa;q=0.8") == "prs"
    assert negotiate("fa-IR") == "fa"
    assert negotiate("ku") == "kmr"
    assert negotiate("ckb-IQ, en;q=0.5") == "ckb"
    assert negotiate("ti-ER") == "ti"
    assert negotiate("so, ar;q=0.9") == "so"
    assert negotiate("xx, ps;q=0.2") == "ps"
    assert negotiate(None, "PRS") == "prs"


def test_dates_numbers_and_plurals_follow_each_language() -> None:
    day = date(2025, 6, 30)
    assert format_date("en", day) == "June 30, 2025"
    assert format_date("de", day) == "30. Juni 2025"
    assert "ሰነ" in format_date("ti", day)
    assert "hezîran" in format_date("kmr", day)
    assert translate_plural("en", "wallet.hours", 1) == "1 hour"
    assert translate_plural("en", "wallet.hours", 40) == "40 hours"
    assert translate_plural("en", "wallet.hours", 2.5) == "2.5 hours"
    assert translate_plural("de", "wallet.hours", 2.5) == "2,5 Stunden"
    assert translate_plural("uk", "wallet.hours", 21) == "21 година"
    assert translate_plural("uk", "wallet.hours", 5) == "5 годин"
    assert translate_plural("ar", "wallet.hours", 2) == "ساعتان"
    assert translate_plural("ar", "wallet.hours", 40) == "40 ساعة"


def test_a_missing_message_falls_back_to_english_then_to_its_key() -> None:
    assert translate("xx", "verify.form_submit") == "Verify"
    assert translate("de", "verify.no_such_message") == "verify.no_such_message"
