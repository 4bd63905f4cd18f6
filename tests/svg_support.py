"""SVG rendering for tests that read QR codes back from our SVG files.

resvg (through the ``resvg-py`` wheel) is a complete, standards-following SVG renderer that
installs with pip, so these tests need no system tool such as librsvg's ``rsvg-convert``.
"""

from __future__ import annotations

import io

import resvg_py
from PIL import Image


def svg_to_png(svg: bytes, *, width: int = 600) -> bytes:
    """``svg`` rendered ``width`` pixels wide on a white background, as PNG bytes."""
    png = resvg_py.svg_to_bytes(
        svg_string=svg.decode("utf-8"), width=width, background="white", skip_system_fonts=True
    )
    return bytes(png)


def rasterize_svg(svg: bytes, *, width: int = 600) -> Image.Image:
    """``svg`` rendered ``width`` pixels wide on a white background, as a Pillow image."""
    return Image.open(io.BytesIO(svg_to_png(svg, width=width)))
