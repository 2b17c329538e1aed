"""The served page, the OpenAPI document's coverage, the access log, and the entry point."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from aiohttp.test_utils import TestClient
from sqlalchemy.orm import Session, sessionmaker

from officer_console.gateway.app import create_app
from officer_console.gateway.openapi import document
from officer_console.store.db.engine import make_engine
from officer_console.store.db.schema import migrate
from tests.gateway.world import build_world, live_gateway, settings_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/", "/join", "/citizen/"])
async def test_citizen_page_is_served(client: TestClient, path: str) -> None:
    resp = await client.get(path)
    assert resp.status == 200 and resp.content_type == "text/html"
    text = await resp.text()
    assert "预约办理" in text and "进入视频" in text and 'name="viewport"' in text
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.asyncio
async def test_assets_and_no_traversal(client: TestClient) -> None:
    js = await client.get("/citizen/app.js")
    assert js.status == 200 and "RTCPeerConnection" in await js.text()
    assert (await client.get("/citizen/style.css")).status == 200
    for bad in ("/citizen/..%2F..%2Fpyproject.toml", "/citizen/secret.txt", "/citizen/index.htm"):
        resp = await client.get(bad)
        assert resp.status == 404 and "error" in await resp.json()


def test_openapi_describes_every_route(factory: sessionmaker[Session], tmp_path: Path) -> None:
    app = create_app(factory, settings_for(tmp_path))
    served = set()
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter", "")
        if path.startswith("/api/"):
            served.add(
                path.replace("{squad_id:[0-9]{1,12}}", "{squad_id}").split(":")[0].rstrip("/")
            )
    spec = document()
    described = {p for p in spec["paths"]}
    normalised = {p.split("{")[0] for p in served}
    assert normalised <= {p.split("{")[0] for p in described}, served - described
    for item in spec["paths"].values():
        for op in item.values():
            assert op["summary"] and op["responses"]
    json.dumps(spec)  # serialisable


def test_access_log_is_json_without_pii(
    factory: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    build_world(factory)
    caplog.set_level(logging.INFO, logger="officer_console.gateway.access")
    with live_gateway(factory, settings_for(tmp_path)) as url:
        requests.get(f"{url}/api/v1/demo/sms?phone=13812345678", timeout=10)
        requests.get(f"{url}/api/v1/documents/SECRETtokenSECRETtoken123", timeout=10)
        requests.get(f"{url}/api/v1/nothing/13812345678/11010519491231002X", timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name == "officer_console.gateway.access"]
    assert len(lines) >= 3
    text = "\n".join(lines)
    for secret in ("13812345678", "SECRETtoken", "11010519491231002X", "phone="):
        assert secret not in text
    entries = [json.loads(line) for line in lines]
    assert {e["status"] for e in entries} >= {404}
    assert any(e["path"] == "/api/v1/documents/***" for e in entries)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_entry_point_serves_health_and_refuses_unmigrated(tmp_path: Path) -> None:
    exe = [
        sys.executable,
        "-c",
        "import sys; from officer_console.cli import gateway_main; sys.exit(gateway_main())",
    ]
    env = {**os.environ, "OFFICER_CONSOLE_DATA_DIR": str(tmp_path / "data")}
    env["OFFICER_CONSOLE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.db'}"
    done = subprocess.run(
        [*exe, "--port", "0"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 2 and "officer-admin migrate" in done.stderr
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    env["OFFICER_CONSOLE_DATABASE_URL"] = url
    port = _free_port()
    proc = subprocess.Popen([*exe, "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                resp = requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gateway did not come up"
                time.sleep(0.2)
        assert resp.status_code == 200 and resp.json()["status"] == "ok"
        assert resp.json()["demo"] is False
        spec = requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5).json()
        assert spec["openapi"].startswith("3.")
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
