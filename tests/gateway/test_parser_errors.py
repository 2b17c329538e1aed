"""Requests aiohttp refuses before any handler (oversized or malformed header lines) still
get the JSON error shape, on a real socket."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from tests.gateway.world import build_world, live_gateway, settings_for


def test_oversized_and_malformed_headers_get_the_json_shape(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    build_world(factory)
    with live_gateway(factory, settings_for(tmp_path)) as url:
        host, port = url.removeprefix("http://").split(":")
        for request in (
            b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
            b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        ):
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                sock.sendall(request)
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
            head, _, payload = data.partition(b"\r\n\r\n")
            assert head.startswith((b"HTTP/1.1 4", b"HTTP/1.0 4")), head
            assert b"application/json" in head.lower(), head
            error = json.loads(payload)["error"]
            assert error["code"] and error["message"]
