"""The printable certificate: one PDF page (A4 or US Letter) in the learner's language, with
both QR codes drawn as vector squares (sharp at any printer resolution) and a line on how to
check it.

Text is laid out by fpdf2 with HarfBuzz shaping (``uharfbuzz``) and fpdf2's Unicode
bidirectional algorithm, so Arabic script is joined and runs right to left, and a Latin module
code or URL inside it keeps its order. The fonts for every interface language ship with the
package (``service/export/fonts``: Noto Sans, Noto Naskh Arabic, Noto Sans Ethiopic, under the
SIL Open Font License), so a certificate needs no system fonts; a script they do not cover (a
Georgian or Devanagari name) falls back to the system's Noto font for that script
(:mod:`service.export.pdf_fonts`).

The link QR code is the large, primary one (a phone camera opens the verification page); the
offline QR code is smaller and labelled. The PDF is tagged where fpdf2 allows: a structure tree
with a heading, paragraphs and the two codes as figures with alternative text, the document
language and a title shown in the viewer's title bar.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Literal

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from fpdf.prefs import ViewerPreferences

from service.credentials.reading import shown
from service.credentials.view import CredentialView, format_date
from service.errors import InputError
from service.export.pdf_fonts import Fonts, find_fonts, setup_fonts
from service.export.qr import QrSymbol, link_qr, make_qr, short_id
from service.i18n import direction, translate

Paper = Literal["a4", "letter"]
PAPER_SIZES: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
INK = (27, 27, 27)
MUTED = (85, 85, 85)
ACCENT = (11, 74, 110)


@dataclass(frozen=True)
class CertificateInput:
    """Everything the certificate shows besides the credential's own statements."""

    credential: Mapping[str, Any]
    verification_url: str
    offline_qr: str
    language: str
    paper: Paper = "a4"
    #: the issuing module's catalogue data, for what the credential has no term for (hours)
    catalogue: Mapping[str, Any] | None = None
    #: an OID4VCI offer link (``openid-credential-offer://``) and when it stops working: a
    #: second page "add to a wallet app" (the first page stays as it is)
    wallet_offer: tuple[str, datetime] | None = None


def _draw_qr(pdf: FPDF, symbol: QrSymbol, x: float, y: float, side: float) -> None:
    """Dark runs as filled rectangles on a white square with the four-module quiet zone."""
    modules = symbol.size + 8
    unit = side / modules
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, side, side, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(symbol.modules):
        column = 0
        while column < len(cells):
            if cells[column]:
                start = column
                while column < len(cells) and cells[column]:
                    column += 1
                pdf.rect(
                    x + (start + 4) * unit,
                    y + (row + 4) * unit,
                    (column - start) * unit,
                    unit,
                    style="F",
                )
            else:
                column += 1


@contextmanager
def _tagged(pdf: FPDF, role: str, *, alt: str | None = None) -> Iterator[None]:
    """Mark what is drawn inside as one structure element (``H1``, ``P``, ``Figure``).

    fpdf2 tags only images and links by itself; this uses its structure tree builder the
    same way for text and vector drawings, so screen readers get the reading order and the
    QR codes' alternative text."""
    mcid = pdf.struct_builder.next_mcid_for_page(pdf.page)
    pdf._add_marked_content(struct_type=f"/{role}", mcid=mcid, alt_text=alt)
    pdf._out(f"/{role} <</MCID {mcid}>> BDC")
    yield
    pdf._out("EMC")


def certificate_pdf(
    data: CertificateInput, *, fonts: Fonts, created: datetime | None = None
) -> bytes:
    """One certificate page as PDF bytes (``created`` fixes the PDF's creation date)."""
    if data.paper not in PAPER_SIZES:
        raise InputError(f"Paper must be one of {', '.join(PAPER_SIZES)}.")
    language = data.language
    t = partial(translate, language)
    view = CredentialView.of(data.credential, language, catalogue=data.catalogue)
    rtl = direction(language) == "rtl"
    provider = shown(view.issuer_name, view.issuer_id or "")
    width, height = PAPER_SIZES[data.paper]
    facts = view.facts(language)
    if view.result:
        facts.append(t("wallet.result", result=view.result.text))
    identifiers = []
    if view.credential_id:
        identifiers.append(t("wallet.pdf_code", code=short_id(view.credential_id)))
    if view.issuer_id:
        identifiers.append(t("wallet.pdf_provider_id", did=view.issuer_id))
    body: list[tuple[str, float, bool, tuple[int, int, int], float]] = [
        (provider, 14, True, ACCENT, 11),
        (t("wallet.pdf_title"), 30, True, INK, 9),
        (t("wallet.pdf_certifies"), 13, False, MUTED, 4),
        (shown(view.learner), 26, True, INK, 5),
        (t("wallet.pdf_completed"), 13, False, MUTED, 4),
        (shown(view.achievement), 20, True, ACCENT, 3),
        ("  ·  ".join(facts), 11, False, MUTED, 2),
        (
            t("wallet.completed_on", date=format_date(view.completed_on, language))
            if view.completed_on
            else "",
            12,
            False,
            INK,
            2,
        ),
        (
            t("wallet.pdf_issued", provider=provider, date=format_date(view.issued_on, language)),
            11,
            False,
            MUTED,
            2,
        ),
    ]
    how = t("wallet.pdf_how", provider=provider)
    captions = {
        "online": (t("wallet.pdf_check_online"), t("wallet.pdf_check_online_hint")),
        "offline": (t("wallet.pdf_check_offline"), t("wallet.pdf_check_offline_hint")),
    }
    app_texts = (
        [
            t("wallet_app.heading"),
            t("wallet.pdf_app_hint", date=format_date(data.wallet_offer[1].date(), language)),
        ]
        if data.wallet_offer
        else []
    )
    texts = (
        [b[0] for b in body]
        + app_texts
        + [
            how,
            *identifiers,
            *(c for pair in captions.values() for c in pair),
        ]
    )

    pdf = FPDF(orientation="portrait", unit="mm", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margins(18, 16, 18)
    pdf.set_creator("Tessera")
    pdf.set_title(f"{t('wallet.pdf_title')}: {shown(view.achievement)}")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.set_author(provider)
    pdf.set_lang(language)
    if created is not None:
        pdf.set_creation_date(created)
    setup_fonts(pdf, fonts, texts)
    pdf.set_text_shaping(
        use_shaping_engine=True, direction="rtl" if rtl else "ltr", language=language
    )
    pdf.add_page()
    usable = width - pdf.l_margin - pdf.r_margin

    def write(
        text: str,
        size: float,
        *,
        bold: bool,
        color: tuple[int, int, int],
        x: float,
        w: float,
        align: Align = Align.C,
        fit: bool = False,
        role: str = "P",
    ) -> None:
        with _tagged(pdf, role):
            _write(text, size, bold=bold, color=color, x=x, w=w, align=align, fit=fit)

    def _write(
        text: str,
        size: float,
        *,
        bold: bool,
        color: tuple[int, int, int],
        x: float,
        w: float,
        align: Align,
        fit: bool,
    ) -> None:
        pdf.set_font("main", style="B" if bold else "", size=size)
        while fit and size > 5 and pdf.get_string_width(text) > w - 1:
            size -= 0.25  # a URL must stay on one line to be typed
            pdf.set_font("main", style="B" if bold else "", size=size)
        # fpdf2 (2.8) leaves a fallback font (Ethiopic, Arabic) selected in the page after a
        # line that needed it and skips set_font when family, style and size are unchanged:
        # the next text would be drawn with the fallback's glyph numbers. Select it again.
        pdf.current_font_is_set_on_page = False
        pdf.set_text_color(*color)
        pdf.set_x(x)
        pdf.multi_cell(w, size * 0.47, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # A double frame, then the provider, the title, who, what and when.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8)
    pdf.rect(9, 9, width - 18, height - 18)
    pdf.set_line_width(0.2)
    pdf.rect(11, 11, width - 22, height - 22)
    pdf.set_y(24)
    for index, (text, size, bold, color, gap) in enumerate(body):
        if text:
            role = "H1" if index == 1 else "P"  # the title; the rest reads as paragraphs
            write(text, size, bold=bold, color=color, x=pdf.l_margin, w=usable, role=role)
            pdf.ln(gap)
    content_bottom = pdf.get_y()

    # How to check, at the foot of the page.
    pdf.set_font("main", size=8.5)
    lines = pdf.multi_cell(usable, 4, how, dry_run=True, output=MethodReturnValue.LINES)
    how_lines = len(lines) if isinstance(lines, list) else 3
    how_top = height - 20 - how_lines * 4 - 5
    # The two codes side by side ("check online" first in reading order), captions under
    # them. The link code is the primary one, as large as the space allows: an employer's
    # phone camera opens the page. The offline code is smaller (its denser symbol still
    # reads back from a 110 dpi scan; tests/export/test_export_pdf.py).
    caption_height = 16.0
    room = how_top - 6 - caption_height - (content_bottom + 8)
    sides = {"online": min(72.0, room), "offline": min(44.0, room * 0.6)}
    alt = {
        "online": t("wallet.verify_qr_alt"),
        "offline": f"{t('wallet.offline_qr')}: {t('wallet.offline_qr_hint')}",
    }
    symbols = {"online": link_qr(data.verification_url), "offline": make_qr(data.offline_qr)}
    order = ["offline", "online"] if rtl else ["online", "offline"]
    half = usable / 2
    caption_top = how_top - 4 - caption_height
    for position, kind in enumerate(order):
        side = sides[kind]
        left = pdf.l_margin + position * half
        with _tagged(pdf, "Figure", alt=alt[kind]):
            _draw_qr(pdf, symbols[kind], left + (half - side) / 2, caption_top - side - 1, side)
        pdf.set_y(caption_top)
        title, hint = captions[kind]
        write(title, 11 if kind == "online" else 9.5, bold=True, color=INK, x=left + 2, w=half - 4)
        write(hint, 8, bold=False, color=MUTED, x=left + 2, w=half - 4)
        if kind == "online":
            write(
                data.verification_url, 8, bold=False, color=ACCENT, x=left + 2, w=half - 4, fit=True
            )
    pdf.set_y(how_top)
    write(
        how,
        8.5,
        bold=False,
        color=MUTED,
        x=pdf.l_margin,
        w=usable,
        align=Align.R if rtl else Align.J,
    )
    pdf.ln(1.5)
    write("     ".join(identifiers), 7, bold=False, color=MUTED, x=pdf.l_margin, w=usable)
    if data.wallet_offer:
        # A page of its own, so the certificate's page and its two codes stay as they are.
        pdf.add_page()
        pdf.set_y(30)
        write(app_texts[0], 20, bold=True, color=INK, x=pdf.l_margin, w=usable, role="H1")
        side, top = 80.0, pdf.get_y() + 10
        with _tagged(pdf, "Figure", alt=t("wallet_app.qr_alt")):
            _draw_qr(pdf, make_qr(data.wallet_offer[0]), (width - side) / 2, top, side)
        pdf.set_y(top + side + 10)
        write(app_texts[1], 12, bold=False, color=MUTED, x=pdf.l_margin, w=usable)
    return bytes(pdf.output())


__all__ = [
    "PAPER_SIZES",
    "CertificateInput",
    "Fonts",
    "Paper",
    "certificate_pdf",
    "find_fonts",
]
