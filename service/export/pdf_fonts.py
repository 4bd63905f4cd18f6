"""The certificate's fonts: the faces that ship with the package (``fonts/``: Noto Sans, Noto
Naskh Arabic, Noto Sans Ethiopic, under the SIL Open Font License), the system's Noto faces for
other scripts, and which of them one certificate needs (:func:`setup_fonts`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

from service.errors import ConfigurationError

BUNDLED_FONTS = Path(__file__).resolve().parent / "fonts"
FONT_DIRS = (
    BUNDLED_FONTS,
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/local/share/fonts"),
    Path("/usr/share/fonts"),
)
#: The page's main face per writing direction, then (regular, bold) file names to look for.
_MAIN_FACES = {
    "ltr": (
        ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
        ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ),
    "rtl": (
        ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
        ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
        ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ),
}
#: Scripts a learner's name or a module name may be written in, by Unicode block, and the
#: Noto face that covers each. Only the faces a certificate needs are loaded.
_SCRIPT_FACES: tuple[tuple[str, str, str], ...] = (
    (
        r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]",
        "NotoNaskhArabic",
        "NotoSansArabic",
    ),
    (r"[\u0590-\u05ff]", "NotoSansHebrew", "NotoSansHebrew"),
    (r"[\u0530-\u058f]", "NotoSansArmenian", "NotoSansArmenian"),
    (r"[\u10a0-\u10ff\u1c90-\u1cbf]", "NotoSansGeorgian", "NotoSansGeorgian"),
    (r"[\u1200-\u139f\u2d80-\u2ddf]", "NotoSansEthiopic", "NotoSansEthiopic"),
    (r"[\u0700-\u074f]", "NotoSansSyriac", "NotoSansSyriac"),
    (r"[\u0780-\u07bf]", "NotoSansThaana", "NotoSansThaana"),
    (r"[\u0900-\u097f]", "NotoSansDevanagari", "NotoSansDevanagari"),
    (r"[\u0980-\u09ff]", "NotoSansBengali", "NotoSansBengali"),
    (r"[\u0a00-\u0a7f]", "NotoSansGurmukhi", "NotoSansGurmukhi"),
    (r"[\u0a80-\u0aff]", "NotoSansGujarati", "NotoSansGujarati"),
    (r"[\u0b80-\u0bff]", "NotoSansTamil", "NotoSansTamil"),
    (r"[\u0c00-\u0c7f]", "NotoSansTelugu", "NotoSansTelugu"),
    (r"[\u0c80-\u0cff]", "NotoSansKannada", "NotoSansKannada"),
    (r"[\u0d00-\u0d7f]", "NotoSansMalayalam", "NotoSansMalayalam"),
    (r"[\u0d80-\u0dff]", "NotoSansSinhala", "NotoSansSinhala"),
    (r"[\u0e00-\u0e7f]", "NotoSansThai", "NotoSansThai"),
    (r"[\u0e80-\u0eff]", "NotoSansLao", "NotoSansLao"),
    (r"[\u1000-\u109f]", "NotoSansMyanmar", "NotoSansMyanmar"),
    (r"[\u1780-\u17ff]", "NotoSansKhmer", "NotoSansKhmer"),
    (r"[\u2d30-\u2d7f]", "NotoSansTifinagh", "NotoSansTifinagh"),
    (r"[\U0001e900-\U0001e95f]", "NotoSansAdlam", "NotoSansAdlam"),
    (r"[\u07c0-\u07ff]", "NotoSansNKo", "NotoSansNKo"),
)


@dataclass(frozen=True)
class Fonts:
    """Where the certificate's font files are. ``find_fonts()`` looks in Debian's places."""

    directories: tuple[Path, ...] = FONT_DIRS
    _cache: dict[str, Path | None] = field(default_factory=dict, compare=False, repr=False)

    def file(self, name: str) -> Path | None:
        if name not in self._cache:
            found = None
            for directory in self.directories:
                candidate = directory / name
                if candidate.is_file():
                    found = candidate
                    break
                if directory.is_dir() and found is None:
                    matches = sorted(directory.rglob(name))
                    if matches:
                        found = matches[0]
                        break
            self._cache[name] = found
        return self._cache[name]

    def main_face(self, text_direction: str) -> tuple[Path, Path]:
        for regular, bold in _MAIN_FACES[text_direction]:
            regular_path, bold_path = self.file(regular), self.file(bold)
            if regular_path is not None:
                return regular_path, bold_path or regular_path
        raise ConfigurationError(
            "No font for the certificate was found. Install Debian's fonts: "
            "`apt-get install fonts-noto-core fonts-dejavu-core`."
        )


def find_fonts(extra: Iterable[Path] = ()) -> Fonts:
    """Fonts from ``extra`` directories first, then the system's."""
    return Fonts(directories=(*extra, *FONT_DIRS))


def _face_files(fonts: Fonts, family: str) -> tuple[Path, Path] | None:
    regular = fonts.file(f"{family}-Regular.ttf")
    if regular is None:
        return None
    return regular, fonts.file(f"{family}-Bold.ttf") or regular


def _add_family(pdf: FPDF, name: str, files: tuple[Path, Path]) -> None:
    pdf.add_font(name, style="", fname=str(files[0]))
    pdf.add_font(name, style="B", fname=str(files[1]))


def setup_fonts(pdf: FPDF, fonts: Fonts, texts: Sequence[str]) -> None:
    """``main`` (Latin, Cyrillic, Greek) for every language, and a fallback face for each
    other script the texts use: each script in its own design, and Latin punctuation in a
    URL on an Arabic page stays Latin."""
    _add_family(pdf, "main", fonts.main_face("ltr"))
    fallbacks: list[str] = []
    joined = "".join(texts)
    for pattern, face, alternative in _SCRIPT_FACES:
        if re.search(pattern, joined):
            files = _face_files(fonts, face) or _face_files(fonts, alternative)
            if files is not None and face not in fallbacks:
                _add_family(pdf, face, files)
                fallbacks.append(face)
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)


__all__ = ["BUNDLED_FONTS", "FONT_DIRS", "Fonts", "find_fonts", "setup_fonts"]
