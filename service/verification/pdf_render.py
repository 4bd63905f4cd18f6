"""Rasterize the first pages of an untrusted PDF with PDFium (``pypdfium2``), in a child
process that the parent starts with ``python -I path/to/pdf_render.py``.

This file is a script as much as a module: it imports nothing from ``service`` (the child
must not load the service, and must not find a different copy of it on ``sys.path``), and
it sets its own resource limits before it reads a byte of the PDF. PDFium is C++: a
decompression bomb (a small file whose streams inflate to gigabytes) or a huge embedded
image cannot be interrupted from Python, and PDFium aborts the process when an allocation
fails. So the limits are the kernel's (``RLIMIT_AS`` for memory, ``RLIMIT_CPU`` for time),
and a child that dies of them takes nothing else with it. The parent
(:func:`service.verification.intake.pdf_page_images`) adds a wall-clock timeout.

Protocol: the PDF on standard input; arguments ``MAX_PAGES DPI MAX_PIXELS``. For each page
rendered, standard output gets ``width`` and ``height`` (4 bytes each, big-endian) followed
by ``width * height`` bytes of 8-bit grayscale, row by row. The exit status is
:data:`OK`, :data:`NOT_A_PDF` or :data:`ENCRYPTED`; anything else (a signal, a crash, a
limit) means the PDF could not be rendered within the limits.
"""

from __future__ import annotations

import math
import resource
import struct
import sys

OK = 0
NOT_A_PDF = 3
ENCRYPTED = 4


def limit_resources(*, memory_bytes: int, cpu_seconds: int) -> None:
    """Cap this process's address space and CPU time; forbid writing files."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def render_pages(pdf: bytes, *, max_pages: int, dpi: float, max_pixels: int) -> list[bytes]:
    """Each of the first ``max_pages`` pages as header + grayscale pixels (see the module
    docstring). A page whose size at ``dpi`` would exceed ``max_pixels`` is rendered at the
    largest resolution that fits, so a page that claims to be a kilometre wide costs no more
    than an A4 one."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        sys.exit(ENCRYPTED if code == pdfium_c.FPDF_ERR_PASSWORD else NOT_A_PDF)
    pages = []
    for index in range(min(len(document), max_pages)):
        page = document[index]
        width, height = page.get_size()  # in points (1/72 in)
        width, height = max(width, 1.0), max(height, 1.0)
        scale = min(dpi / 72, (max_pixels / (width * height)) ** 0.5)
        while math.ceil(width * scale) * math.ceil(height * scale) > max_pixels:
            scale *= 0.99  # PDFium rounds each side up
        bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=False)
        if bitmap.n_channels != 1:  # pragma: no cover - PDFium honours grayscale
            sys.exit(5)
        rows = memoryview(bitmap.buffer).cast("B")
        pixels = b"".join(
            bytes(rows[y * bitmap.stride : y * bitmap.stride + bitmap.width])
            for y in range(bitmap.height)
        )
        pages.append(struct.pack(">II", bitmap.width, bitmap.height) + pixels)
        page.close()
    document.close()
    return pages


def main() -> None:
    max_pages, dpi, max_pixels, memory_bytes, cpu_seconds = sys.argv[1:6]
    limit_resources(memory_bytes=int(memory_bytes), cpu_seconds=int(cpu_seconds))
    pdf = sys.stdin.buffer.read()
    pages = render_pages(pdf, max_pages=int(max_pages), dpi=float(dpi), max_pixels=int(max_pixels))
    for page in pages:
        sys.stdout.buffer.write(page)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
