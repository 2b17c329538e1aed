"""A real RFC 3161 timestamp server on localhost (HTTP, application/timestamp-query), signing
with a TSA certificate issued by the test's demo CA — pyHanko's DummyTimeStamper does the
token, the wire protocol is real."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

from officer_console.documents.democa import DemoPki


def _tsa_identity(pki: DemoPki) -> tuple[asn1_x509.Certificate, keys.PrivateKeyInfo]:
    """A TSA certificate under its own root (the demo CA's key is not kept), root written
    next to the demo CA so validators can be given both."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA Root")])
    now = datetime.now(UTC) - timedelta(minutes=5)
    ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # Dummy TSA: RSA only
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (pki.directory / "tsa-root.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        keys.PrivateKeyInfo.load(der_key),
    )


@contextmanager
def running_tsa(pki: DemoPki) -> Iterator[str]:
    """Yield the URL of a live TSA; requests are answered until the block ends."""
    cert, key = _tsa_identity(pki)
    stamper = DummyTimeStamper(tsa_cert=cert, tsa_key=key)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, object] = {}

    async def handle(request: web.Request) -> web.Response:
        req = tsp.TimeStampReq.load(await request.read())
        resp = await stamper.async_request_tsa_response(req)
        return web.Response(body=resp.dump(), content_type="application/timestamp-reply")

    async def start() -> None:
        app = web.Application()
        app.router.add_post("/tsa", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        holder["runner"] = runner
        holder["port"] = runner.addresses[0][1]
        started.set()

    def main() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"http://127.0.0.1:{holder['port']}/tsa"
    finally:
        runner = holder["runner"]
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)  # type: ignore[attr-defined]
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def tsa_root(pki: DemoPki) -> Path:
    return pki.directory / "tsa-root.pem"
