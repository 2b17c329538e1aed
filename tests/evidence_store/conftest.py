"""An S3-protocol server (moto_server, a child process on loopback) for the whole run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from officer_console.evidence_store.s3 import S3Config, S3Store
from tests.servers.s3_server import KEY_ID, KEY_SECRET, REGION, S3Server, start_s3_server


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_s3_server(tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        yield server
    finally:
        server.stop()


def s3_config(server: S3Server, bucket: str, **extra: object) -> S3Config:
    values: dict[str, object] = {
        "endpoint": server.endpoint,
        "bucket": bucket,
        "region": REGION,
        "access_key_id": KEY_ID,
        "secret_access_key": KEY_SECRET,
        "retention_days": 1,
        **extra,
    }
    return S3Config(**values)  # type: ignore[arg-type]


@pytest.fixture
def s3_store(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> S3Store:
    """A store on a fresh bucket without object lock (objects can be altered by the test)."""
    state = tmp_path_factory.mktemp("uploads")
    return S3Store(s3_config(s3_server, s3_server.bucket()), state_dir=state)


@pytest.fixture
def locked_store(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> S3Store:
    """A store on a fresh bucket with object lock: objects retained 1 day, compliance mode."""
    state = tmp_path_factory.mktemp("uploads")
    return S3Store(s3_config(s3_server, s3_server.bucket(lock=True)), state_dir=state)
