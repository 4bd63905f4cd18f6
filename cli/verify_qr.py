"""``tessera verify --qr IMAGE``: every QR code in a photo, a scan or a PDF certificate, read by
the verification page's reader and checked.

- an offline QR (``TSR1:``) is verified with no network, from the saved DID documents;
- a verification link (``…/v/{id}``) is followed, as the page it opens does: the credential
  behind it is fetched over https by the service's strict rules (no redirects, size and time
  limits, only from the link's own host) and verified by the full pipeline. With ``--offline``
  it is not contacted, and the command says what to do instead.

Exit codes, as ``tessera verify``'s: 0 every credential found verified, 1 one did not or could
not be checked here (a link offline, a link that could not be fetched), 2 nothing to verify (no
QR code, or none that holds a credential).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import typer

from cli.common import EXIT_NOT_VERIFIED, EXIT_OK, EXIT_UNUSABLE, fail, print_json
from service.errors import FetchError, TesseraError

if TYPE_CHECKING:
    from service.verification.pipeline import VerificationResult, Verifier
    from service.verification.remote import HttpClient


def read_qr_codes(path: Path) -> list[str]:
    """The text of every QR code in a picture (a photo of a printed page, a screenshot) or in
    the first pages of a PDF certificate: the verification page's reader
    (:func:`service.verification.intake.qr_texts`), with the same limits."""
    from service.verification.intake import qr_texts

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TesseraError(f"{path} cannot be read: {exc.strerror}.") from None
    try:
        return qr_texts(data)
    except TesseraError as exc:
        raise TesseraError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class Finding:
    """What one QR code held and what came of checking it: ``result`` is None when there was
    nothing to verify (``checkable`` says whether a connection would have helped)."""

    text: str
    kind: str
    message: str
    result: VerificationResult | None = None
    checkable: bool = False

    def to_json(self) -> dict[str, Any]:
        if self.result is not None:
            return {"qr": self.text, "kind": self.kind, **self.result.to_json()}
        return {"qr": self.text, "kind": self.kind, "checked": False, "detail": self.message}


def verify_qr_image(
    path: Path,
    *,
    documents: Sequence[Mapping[str, Any]],
    now: datetime,
    output: str,
    render: Callable[[VerificationResult], str],
    verifier: Verifier,
    client: HttpClient | None,
) -> int:
    """Decode ``path``, verify every QR code in it and print the findings; the exit code
    (module docstring). ``client`` is None with ``--offline``: links are then not followed."""
    try:
        texts = read_qr_codes(path)
    except TesseraError as exc:
        fail(str(exc))
    if not texts:
        fail(
            f"No QR code found in {path}. Photograph it flat, in focus and filling more of the frame."
        )
    findings = [
        _check(text, documents=documents, now=now, verifier=verifier, client=client)
        for text in texts
    ]
    for finding in findings if output == "text" else ():
        if finding.message:
            typer.echo(finding.message)
        if finding.result is not None:
            typer.echo(render(finding.result))
    if output == "json":
        print_json([f.to_json() for f in findings])
    verdicts = [f.result.verified for f in findings if f.result is not None]
    if verdicts:
        return EXIT_OK if all(verdicts) else EXIT_NOT_VERIFIED
    return EXIT_NOT_VERIFIED if any(f.checkable for f in findings) else EXIT_UNUSABLE


def _check(
    text: str,
    *,
    documents: Sequence[Mapping[str, Any]],
    now: datetime,
    verifier: Verifier,
    client: HttpClient | None,
) -> Finding:
    from service.export import qr
    from service.export.offline_qr import PREFIX

    if text.startswith(PREFIX):
        from service.verification.offline import SavedKeys, verify_offline

        result = verify_offline(
            text,
            keys=SavedKeys(documents),
            now=now,
            clock_skew=verifier.clock_skew,
            trust=verifier.trust,
            status=verifier.status,
        )
        return Finding(text, "offline-credential", _offline_summary(text), result)
    if qr.short_id_from_url(text) is None:
        return Finding(text, "other", f"This QR code holds no Tessera credential: {text[:200]}")
    return _follow_link(text, now=now, verifier=verifier, client=client)


def _follow_link(
    link: str, *, now: datetime, verifier: Verifier, client: HttpClient | None
) -> Finding:
    """The credential behind a verification link, fetched from the link's own host and
    verified; or, offline or when it cannot be fetched, why not and what to do."""
    from service.verification.pipeline import verify_credential
    from service.verification.remote import fetch_json

    heading = f"This QR code is a verification link: {link}\n"
    if client is None:
        return Finding(
            link,
            "verification-link",
            heading + "A link is checked online, and --offline allows no connection. Run the "
            "command again without --offline, or open the link in a browser; with no network at "
            "all, verify the certificate's offline QR code or the credential file instead.",
            checkable=True,
        )
    host = (urlsplit(link).netloc or "").lower()
    try:
        document = fetch_json(
            link, client=client, allowed_hosts={host}, what="The credential behind the link"
        )
    except FetchError as exc:
        return Finding(
            link,
            "verification-link",
            f"{heading}{exc} Open the link in a browser, or verify the certificate's offline QR "
            "code or the credential file instead.",
            checkable=True,
        )
    result = verify_credential(document, verifier=verifier, now=now)
    return Finding(
        link, "verification-link", f"{heading}The credential behind it, from {host}:", result
    )


def _offline_summary(text: str) -> str:
    """What the offline QR states, as the credential view words any credential."""
    from service.credentials.view import CredentialView
    from service.export.offline_qr import decode_offline

    try:
        payload = decode_offline(text)
    except TesseraError:
        return ""
    return "\n".join(CredentialView.of(payload.to_json(), "en").lines())


__all__ = ["Finding", "read_qr_codes", "verify_qr_image"]
