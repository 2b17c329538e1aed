"""With ``-v`` botocore logs signed requests at debug level: no credential may reach the log.

A real S3-protocol server (moto_server on loopback), the store built from settings as the
gateway builds it, and the gateway's own logging set-up at DEBUG."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from officer_console.cli import configure_gateway_logging
from officer_console.evidence_store import open_store
from officer_console.evidence_store.redaction import redact
from tests.gateway.world import settings_for
from tests.servers.s3_server import KEY_ID, KEY_SECRET, S3Server, start_s3_server


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_s3_server(tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    configure_gateway_logging(verbose=True, stream=stream)
    try:
        yield stream
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:], root.level = saved[0], saved[1]


def test_botocore_debug_lines_carry_no_credentials(
    s3_server: S3Server, debug_log: io.StringIO, tmp_path: Path
) -> None:
    settings = dataclasses.replace(
        settings_for(tmp_path),
        evidence_store="s3",
        s3_endpoint=s3_server.endpoint,
        s3_bucket=s3_server.bucket(),
    )
    store = open_store(settings, env=s3_server.env())
    data = b"%PDF-1.4 decision"
    store.put_bytes("decisions/d1.pdf", data)
    assert store.read("decisions/d1.pdf") == data
    url = s3_server.client().generate_presigned_url(
        "get_object", Params={"Bucket": settings.s3_bucket, "Key": "x"}, ExpiresIn=60
    )
    logging.getLogger("officer_console.test").info("link %s", url)
    try:
        raise RuntimeError(f"refused for {KEY_ID} / {KEY_SECRET}")
    except RuntimeError:
        logging.getLogger("officer_console.test").exception("store error")
    out = debug_log.getvalue()
    # the debug lines that used to leak are there, masked (so this test can fail)
    assert "Credential=***" in out and "AWSAccessKeyId=***" in out
    assert "botocore" in out and "Signature=***" in out
    assert KEY_ID not in out and KEY_SECRET not in out
    assert not re.search(r"Signature=[^*]", out)
    assert not re.search(r"Signature:\s*\n[0-9a-f]{16}", out)


def test_redact_patterns() -> None:
    line = (
        "headers={'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261207/"
        "us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0123abcd', "
        "'X-Amz-Security-Token': b'FQoGZXIvYXdzEBEaDNz'}"
    )
    out = redact(line)
    assert "AKIAEXAMPLE" not in out and "0123abcd" not in out and "FQoGZXIvYXdzEBEaDNz" not in out
    assert "SignedHeaders=host" in out  # the rest of the line stays readable
