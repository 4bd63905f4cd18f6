"""A local TLS terminator for the conformance run: https://localhost:PORT -> http://127.0.0.1:TARGET.

The VC Data Model and Bitstring Status List suites fetch over https only, so the runner puts
this in front of `tessera serve`. The certificate is self-signed, made at run time for
``localhost`` and never written anywhere but the run's scratch directory; the suite process
alone is told to accept it (``NODE_TLS_REJECT_UNAUTHORIZED=0``).

Run as ``python3 tls_proxy.py CERT KEY LISTEN_PORT TARGET_PORT``; it prints ``ready`` once
listening. :func:`make_certificate` writes the certificate and key.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_certificate(cert_path: Path, key_path: Path) -> None:
    """A one-day self-signed P-256 certificate for localhost and 127.0.0.1, marked as its own
    CA so that a client can trust exactly it (``--ca-file``, ``ssl`` ``cafile``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError):
            writer.close()


async def serve(cert: Path, key: Path, listen_port: int, target_port: int) -> None:
    """Accept TLS on ``listen_port`` and relay each connection to ``target_port`` in plain TCP."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            upstream_r, upstream_w = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, upstream_w), _pipe(upstream_r, client_w))

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port, ssl=context)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    cert_arg, key_arg, listen_arg, target_arg = sys.argv[1:5]
    asyncio.run(serve(Path(cert_arg), Path(key_arg), int(listen_arg), int(target_arg)))
