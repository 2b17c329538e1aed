"""A local click-to-call endpoint that checks the HMAC-SHA256 body signature.

Answers 401 for a missing or wrong signature (like a real call centre), records the accepted
calls, and can be scripted to fail (``http_500``, ``http_400``, ``slow``, ``drop``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from typing import Any

from tests.servers.http_base import BaseHandler, LocalHttpServer

WEBHOOK_SECRET = "webhook-test-secret"


class _Handler(BaseHandler):
    def do_POST(self) -> None:
        server: WebhookServer = self.server.owner
        server.handle(self)


class WebhookServer(LocalHttpServer):
    """``with WebhookServer() as wh:``; POST to ``wh.url + "/call"``."""

    handler = _Handler

    def __init__(self, *, secret: str = WEBHOOK_SECRET, slow_seconds: float = 1.0) -> None:
        super().__init__()
        self.secret = secret
        self.slow_seconds = slow_seconds
        self.received = 0
        self.calls: list[dict[str, Any]] = []
        self._script: deque[str] = deque()
        self._lock = threading.Lock()

    def script(self, *modes: str) -> None:
        with self._lock:
            self._script.extend(modes)

    def handle(self, h: BaseHandler) -> None:
        body = h.read_body()
        with self._lock:
            self.received += 1
            mode = self._script.popleft() if self._script else "ok"
        if h.path != "/call":
            h.reply(404, b'{"error": "not found"}')
            return
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(h.headers.get("X-Signature", ""), expected):
            h.reply(401, b'{"error": "bad signature"}')
            return
        call = json.loads(body)
        if mode in {"http_500", "http_400"}:
            h.reply(int(mode[-3:]), b'{"error": "scripted"}')
            return
        with self._lock:
            self.calls.append(call)
        if mode == "drop":
            h.drop()
            return
        if mode == "slow":
            time.sleep(self.slow_seconds)
        h.reply(200, json.dumps({"call_id": f"c{len(self.calls)}"}).encode())
