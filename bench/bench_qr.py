"""QR sizes and speed for the learner exports (run by hand: ``python3 bench/bench_qr.py``).

Prints, for credential shapes learners get, the offline payload's size and its QR version at
error correction M as zxing-cpp reads it back, next to the baseline the issue measured (the
whole credential deflated and Base45-encoded, as the EU Digital COVID Certificate does); the
verification link's version for origins of growing length; and the time to encode, draw and
decode a QR and to render a certificate PDF.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "export")]

import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402

from service.contexts import ContextStore  # noqa: E402
from service.export import qr  # noqa: E402
from service.export.binary import base45_encode  # noqa: E402
from service.export.offline_qr import PREFIX, encode_offline  # noqa: E402
from service.export.pdf import CertificateInput, certificate_pdf, find_fonts  # noqa: E402
from service.proofs import Canonicalizer, sign  # noqa: E402

SHARED = ROOT.parent / "shared" / "contexts"


def read_version(text: str) -> int:
    image = Image.open(io.BytesIO(qr.png(qr.make_qr(text), scale=3)))
    found = zxingcpp.read_barcodes(image.convert("L"))
    extra: Any = found[0].extra
    assert found[0].text == text
    return int(extra["Version"])


def timed(label: str, runs: int, work: Any) -> None:
    start = time.perf_counter()
    for _ in range(runs):
        work()
    print(f"  {label:44} {1000 * (time.perf_counter() - start) / runs:8.1f} ms")


def main() -> None:
    from datetime import UTC, datetime

    from export_support import key_issuer, module_credential, web_issuer
    from factories import open_badge_credential, small_credential

    with tempfile.TemporaryDirectory() as directory:
        store = ContextStore(Path(directory))
        store.install_from_dir(SHARED)
        canonicalizer = Canonicalizer(loader=store.document_loader())
        web, did_key = web_issuer(), key_issuer()
        now = datetime(2025, 7, 1, tzinfo=UTC)
        shapes = {
            "small VC 2.0 (did:key)": (
                sign(
                    small_credential(did_key.did),
                    signer=did_key.signer,
                    canonicalizer=canonicalizer,
                    created=now,
                ),
                did_key,
            ),
            "Open Badges 3.0 (did:key)": (
                sign(
                    open_badge_credential(did_key.did),
                    signer=did_key.signer,
                    canonicalizer=canonicalizer,
                    created=now,
                ),
                did_key,
            ),
            "module credential (did:web, status)": (module_credential(canonicalizer, web), web),
            "  … learner name in Arabic": (
                module_credential(canonicalizer, web, learner="ليلى حداد"),
                web,
            ),
            "  … 43-character name, result": (
                module_credential(
                    canonicalizer,
                    web,
                    learner="Maria Fernanda González de la Cruz Rodríguez",
                    result="Pass (87/100)",
                ),
                web,
            ),
        }
        print("offline QR (TSR1) vs whole credential deflated + Base45, QR version at level M")
        print(
            f"  {'credential':38} {'JSON B':>7} {'TSR1 B':>7} {'chars':>6} {'ver':>4} {'DCC-style ver':>14}"
        )
        for label, (credential, issuer) in shapes.items():
            text = encode_offline(credential, signer=issuer.signer)
            binary = (len(text) - len(PREFIX)) * 2 // 3
            whole = "HC1:" + base45_encode(zlib.compress(json.dumps(credential).encode(), 9))
            print(
                f"  {label:38} {len(json.dumps(credential)):7} {binary:7} {len(text):6} "
                f"{read_version(text):4} {qr.make_qr(whole).version:14}"
            )
        print(
            "\nverification link, QR version at level M (lower case; capitals only past version 5)"
        )
        for origin in (
            "https://tessera.example",
            "https://credentials.example.org",
            "https://verify.vocational-training-centre-hamburg.de",
            "https://credentials.vocational-training-centre-hamburg.example.org",
        ):
            url = qr.verification_url(origin, "0b3c6d0e-6a0a-4c1e-9a55-5f1f6c3a2b10")
            print(
                f"  {len(url):3} chars  version {qr.make_qr(url).version} -> {qr.link_qr(url).version}  {url}"
            )
        credential, issuer = shapes["module credential (did:web, status)"]
        text = encode_offline(credential, signer=issuer.signer)
        png = qr.png(qr.make_qr(text), scale=4)
        print("\ntimings (mean)")
        timed(
            "encode + sign offline payload",
            200,
            lambda: encode_offline(credential, signer=issuer.signer),
        )
        timed("QR symbol for the offline payload", 20, lambda: qr.make_qr(text))
        timed("PNG of it", 20, lambda: qr.png(qr.make_qr(text)))
        timed(
            "zxing-cpp decode of the PNG",
            50,
            lambda: zxingcpp.read_barcodes(Image.open(io.BytesIO(png))),
        )
        url = qr.verification_url("https://credentials.example.org", credential["id"])
        fonts = find_fonts()
        for language in ("en", "ar"):
            data = CertificateInput(credential, url, text, language, "a4")
            timed(
                f"certificate PDF ({language})",
                5,
                lambda data=data: certificate_pdf(data, fonts=fonts),
            )


if __name__ == "__main__":
    main()
