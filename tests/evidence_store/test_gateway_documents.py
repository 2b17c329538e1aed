"""The gateway serves a decision another console process wrote to the S3 store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import load_settings
from officer_console.gateway.app import create_app
from officer_console.gateway.ratelimit import Limits
from tests.evidence_store.document_child import PDF
from tests.gateway.calls import claimed_call
from tests.gateway.world import Clock, build_world
from tests.servers.s3_server import S3Server

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zq3-tokentokentokentoken_9876543210"


async def test_the_gateway_serves_a_document_written_by_another_console(
    db_url: str,
    factory: sessionmaker[Session],
    s3_server: S3Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = build_world(factory)
    call = claimed_call(factory, world.squad_id)
    bucket = s3_server.bucket(lock=True)
    store_env = {
        **s3_server.env(),
        "OFFICER_CONSOLE_EVIDENCE_STORE": "s3",
        "OFFICER_CONSOLE_S3_ENDPOINT": s3_server.endpoint,
        "OFFICER_CONSOLE_S3_BUCKET": bucket,
        "OFFICER_CONSOLE_S3_RETENTION_DAYS": "1",
    }
    issued = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.evidence_store.document_child",
            db_url,
            str(tmp_path / "console"),
            str(call.appointment_id),
            str(call.actor.officer_id),
            TOKEN,
        ],
        cwd=ROOT,
        env={**os.environ, **store_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert issued.returncode == 0 and "issued" in issued.stdout, issued.stderr
    for name, value in store_env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(data_dir=tmp_path / "gateway")  # its own, empty data dir
    assert settings.evidence_store == "s3"
    app = create_app(factory, settings, clock=Clock(), limits=Limits.unlimited())
    async with TestClient(TestServer(app)) as client:
        resp = await client.get(f"/api/v1/documents/{TOKEN}")
        assert resp.status == 200 and resp.content_type == "application/pdf"
        assert await resp.read() == PDF
    assert not (tmp_path / "gateway" / "evidence").exists()
