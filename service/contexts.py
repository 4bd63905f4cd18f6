"""Pinned JSON-LD context store and the strict, offline document loader.

Every context URL that Tessera will process maps to the sha256 of the document we trust,
taken over its RFC 8785 canonical JSON (``schemas/contexts.json``, plus operator pins added
with ``tessera contexts add``). A canonical pin fixes the document's meaning exactly while
surviving formatting: the bytes a URL serves often differ in whitespace or key order from a
repository or npm copy of the same context. The third-party documents themselves are
installed into ``<data_dir>/contexts/`` from an offline bundle or their canonical URLs, and
checked against the pin on the way in *and* on every load. While signing or verifying, the loader answers only from that store: an unknown
URL raises :class:`UntrustedContextError` naming it, and nothing leaves the process.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.resources
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785

from service.errors import ContextIntegrityError, TesseraError, UntrustedContextError


def _schemas_dir() -> Path:
    """The project's ``schemas/`` folder: installed as ``service/schemas`` package data (see
    setup.py), or, in a source checkout, the top-level folder beside ``service/``."""
    installed = importlib.resources.files("service") / "schemas"
    if installed.joinpath("contexts.json").is_file():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parent.parent / "schemas"
    if (checkout / "contexts.json").is_file():
        return checkout
    raise FileNotFoundError(
        f"Tessera's schemas/ folder is missing (looked in {installed} and {checkout}); "
        "reinstall the package: pip install tessera (or pip install . in a checkout)."
    )


SCHEMAS_DIR = _schemas_dir()
MANIFEST_PATH = SCHEMAS_DIR / "contexts.json"
BUNDLED_DIR = SCHEMAS_DIR / "contexts"
OPERATOR_PINS = "pins.json"

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
ED25519_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
TESSERA_V1 = "https://w3id.org/tessera/contexts/v1"

#: Upper bound on a context document we are willing to install (the largest pinned one is ~30 KB).
MAX_CONTEXT_BYTES = 1024 * 1024

JsonObject = dict[str, Any]
DocumentLoader = Callable[[str, Any], JsonObject]
Fetch = Callable[[str], bytes]


@dataclass(frozen=True)
class Pin:
    """One trusted context: its URL, the sha256 of its RFC 8785 canonical JSON (see
    :func:`context_digest`), and where its file comes from."""

    url: str
    sha256: str
    file: str
    bundled: bool = False  # the project's own context, shipped in schemas/contexts/
    operator: bool = False  # added by `tessera contexts add`


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        duplicated = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"duplicate key(s) {', '.join(map(repr, duplicated))}")
    return dict(pairs)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_strictly(url: str, data: bytes) -> Any:
    """JSON with nothing two readers could disagree on (duplicate keys, NaN, bad UTF-8)."""
    try:
        return json.loads(
            data,
            object_pairs_hook=_refuse_duplicate_keys,
            parse_constant=_refuse_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ContextIntegrityError(f"Context file for {url} is not valid JSON: {exc}") from exc


def context_digest(url: str, data: bytes) -> str:
    """The pin of a context file: sha256 over the RFC 8785 canonical form of its JSON.

    Two files that differ only in formatting (whitespace, key order, escapes) get the same
    digest; any change of a key or value gives another. Raises :class:`ContextIntegrityError`
    for bytes that are not strict JSON.
    """
    document = _parse_strictly(url, data)
    try:
        return sha256_hex(bytes(rfc8785.dumps(document)))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ContextIntegrityError(
            f"Context file for {url} cannot be canonicalized: {exc}"
        ) from exc


def load_manifest(path: Path = MANIFEST_PATH) -> list[Pin]:
    """Read the project's context manifest."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [
        Pin(
            url=row["url"],
            sha256=row["sha256"],
            file=row["file"],
            bundled=row.get("bundled", False),
        )
        for row in raw["contexts"]
    ]


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _parse_context(url: str, data: bytes) -> JsonObject:
    document = _parse_strictly(url, data)
    if not isinstance(document, dict) or "@context" not in document:
        raise ContextIntegrityError(
            f"Context file for {url} is not a JSON-LD context document (no top-level @context)."
        )
    return document


class ContextStore:
    """The local, pinned context store under ``directory``.

    Files are stored verbatim under their pin (``<digest>.jsonld``), so two URLs can never
    share a file by accident and a file can never change under a pin.
    """

    def __init__(self, directory: Path, *, manifest: Iterable[Pin] | None = None) -> None:
        self.directory = directory
        self._manifest = list(manifest) if manifest is not None else load_manifest()
        self._parsed: dict[str, JsonObject] = {}
        self._pins: dict[str, Pin] | None = None
        self._installed: set[str] = set()
        self._lock = threading.Lock()

    # -- pins ---------------------------------------------------------------------------

    def pins(self) -> dict[str, Pin]:
        """Every trusted URL: the project manifest, then operator pins (which cannot override).

        Read once per store and refreshed by :meth:`add`; a pin added by another process is
        seen after a restart (verification is a hot path: no file reads per call).
        """
        pins = self._pins
        if pins is None:
            pins = {pin.url: pin for pin in self._manifest}
            for pin in self._operator_pins():
                pins.setdefault(pin.url, pin)
            self._pins = pins
        return pins

    def _operator_pins(self) -> list[Pin]:
        path = self.directory / OPERATOR_PINS
        if not path.exists():
            return []
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [Pin(url=u, sha256=h, file=f"{h}.jsonld", operator=True) for u, h in rows.items()]

    def is_trusted(self, url: str) -> bool:
        return url in self.pins()

    def is_installed(self, url: str) -> bool:
        if url in self._installed:
            return True
        pin = self.pins().get(url)
        installed = pin is not None and (pin.bundled or self._stored_path(pin).exists())
        if installed:
            self._installed.add(url)
        return installed

    def missing(self) -> list[str]:
        """Trusted URLs whose documents are not installed yet."""
        return [url for url in self.pins() if not self.is_installed(url)]

    def _stored_path(self, pin: Pin) -> Path:
        if pin.bundled:
            return BUNDLED_DIR / pin.file
        return self.directory / f"{pin.sha256}.jsonld"

    # -- installing ---------------------------------------------------------------------

    def install_from_dir(self, source: Path) -> list[str]:
        """Install every non-bundled manifest context from an offline bundle directory.

        A file is found by its manifest name or, failing that, by its digest among the
        directory's files. A file with the manifest name but other bytes is refused with
        :class:`ContextIntegrityError`; nothing is installed unless all are found and valid.
        Returns the installed URLs.
        """
        if not source.is_dir():
            raise TesseraError(f"Context bundle {source} is not a directory.")
        by_hash: dict[str, Path] = {}
        for path in sorted(source.iterdir()):
            if path.is_file() and path.stat().st_size <= MAX_CONTEXT_BYTES:
                try:
                    by_hash.setdefault(context_digest(str(path), path.read_bytes()), path)
                except ContextIntegrityError:
                    continue  # a README or other non-JSON file in the bundle

        staged: list[tuple[Pin, bytes]] = []
        for pin in self._manifest:
            if pin.bundled:
                continue
            named = source / pin.file
            if named.is_file():
                data = named.read_bytes()
                self._check(pin, data, origin=str(named))
            elif pin.sha256 in by_hash:
                data = by_hash[pin.sha256].read_bytes()
            else:
                raise ContextIntegrityError(
                    f"The bundle {source} has no file for {pin.url} (expected {pin.file} or any "
                    f"file with sha256 {pin.sha256})."
                )
            staged.append((pin, data))
        for pin, data in staged:
            _write_atomically(self._stored_path(pin), data)
        return [pin.url for pin, _ in staged]

    def install_from_web(self, fetch: Fetch) -> list[str]:
        """Fetch every non-bundled manifest context from its canonical URL, check, install."""
        staged = []
        for pin in self._manifest:
            if pin.bundled:
                continue
            data = fetch(pin.url)
            self._check(pin, data, origin=pin.url)
            staged.append((pin, data))
        for pin, data in staged:
            _write_atomically(self._stored_path(pin), data)
        return [pin.url for pin, _ in staged]

    def add(self, url: str, data: bytes) -> Pin:
        """Trust one more context (operator decision), pinned to the digest of ``data``."""
        if not url.startswith("https://"):
            raise TesseraError(f"Context URL {url!r} must be an absolute https:// URL.")
        if len(data) > MAX_CONTEXT_BYTES:
            raise ContextIntegrityError(f"Context file for {url} is larger than 1 MiB.")
        _parse_context(url, data)
        existing = self.pins().get(url)
        digest = context_digest(url, data)
        if existing is not None and existing.sha256 != digest:
            raise ContextIntegrityError(
                f"{url} is already pinned to sha256 {existing.sha256}; the file given has "
                f"{digest}. A pinned context never changes: use a new URL for a new version."
            )
        pin = Pin(url=url, sha256=digest, file=f"{digest}.jsonld", operator=True)
        _write_atomically(self._stored_path(pin), data)
        pins_path = self.directory / OPERATOR_PINS
        rows = json.loads(pins_path.read_text(encoding="utf-8")) if pins_path.exists() else {}
        rows[url] = digest
        _write_atomically(pins_path, (json.dumps(rows, indent=2, sort_keys=True) + "\n").encode())
        self._pins = None
        return pin

    @staticmethod
    def _check(pin: Pin, data: bytes, *, origin: str) -> None:
        digest = context_digest(pin.url, data)
        if pin.operator and sha256_hex(data) == pin.sha256:
            return  # an operator pin made before pins were canonical: the exact bytes, stricter
        if digest != pin.sha256:
            raise ContextIntegrityError(
                f"Refusing {origin} for {pin.url}: the sha256 of its canonical JSON is "
                f"{digest}, but the pinned value is {pin.sha256}. The file was changed or is "
                "another version; get the exact published file."
            )

    # -- loading ------------------------------------------------------------------------

    def get(self, url: str) -> JsonObject:
        """The parsed context document for a trusted URL (checked against its pin once).

        Callers get a private deep copy: PyLD rewrites ``@context`` URLs in place.
        """
        with self._lock:
            cached = self._parsed.get(url)
        if cached is None:
            pin = self.pins().get(url)
            if pin is None:
                raise UntrustedContextError(url)
            path = self._stored_path(pin)
            if not path.exists():
                raise UntrustedContextError(
                    url,
                    f"JSON-LD context {url!r} is trusted but not installed in {self.directory}. "
                    "Run `tessera contexts install` (or `--from DIR` for an offline bundle).",
                )
            data = path.read_bytes()
            self._check(pin, data, origin=str(path))
            cached = _parse_context(url, data)
            with self._lock:
                self._parsed[url] = cached
        return copy.deepcopy(cached)

    def document_loader(self) -> DocumentLoader:
        """A PyLD document loader that serves only pinned, installed contexts.

        The remote documents are tagged ``static`` so PyLD's resolver caches them.
        """

        def load(url: str, options: Any = None) -> JsonObject:
            return {
                "contentType": "application/ld+json",
                "contextUrl": None,
                "documentUrl": url,
                "document": self.get(url),
                "tag": "static",
            }

        return load


__all__ = [
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "DATA_INTEGRITY_V2",
    "ED25519_2020_V1",
    "MULTIKEY_V1",
    "OPEN_BADGES_V3",
    "TESSERA_V1",
    "ContextStore",
    "DocumentLoader",
    "Pin",
    "context_digest",
    "load_manifest",
    "sha256_hex",
]
