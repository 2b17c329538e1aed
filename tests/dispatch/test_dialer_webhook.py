"""The webhook dialer against a local endpoint that checks the HMAC body signature."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator

import pytest

from officer_console.dispatch.dialers.base import CallRequest, CallResult, DialerError
from officer_console.dispatch.dialers.webhook import WebhookConfig, WebhookDialer, sign_body
from officer_console.dispatch.transport import RetryPolicy
from tests.servers.webhook_server import WEBHOOK_SECRET, WebhookServer

REQUEST = CallRequest("13812345678", "A-42", "8001")


@pytest.fixture
def server() -> Iterator[WebhookServer]:
    with WebhookServer(slow_seconds=0.6) as srv:
        yield srv


def call(
    url: str, *, secret: str = WEBHOOK_SECRET, sleeps: list[float] | None = None
) -> CallResult:
    config = WebhookConfig(
        url,
        secret=secret,
        connect_timeout=0.5,
        read_timeout=0.25,
        retry=RetryPolicy(attempts=3, backoff=0.01, retry_5xx=False),
    )
    dialer = WebhookDialer(config, sleep=(sleeps if sleeps is not None else []).append)
    return asyncio.run(dialer.place_call(REQUEST))


def test_signed_request_originates(server: WebhookServer) -> None:
    result = call(server.url + "/call")
    assert result.status == "originated", result.message_zh
    [body] = server.calls
    assert body["caller"] == "8001"
    assert body["callee"] == "+8613812345678"
    assert body["appointment_id"] == "A-42"
    assert len(body["request_id"]) == 32
    assert "138****5678" in result.message_zh


def test_wrong_secret_is_rejected_by_server(server: WebhookServer) -> None:
    result = call(server.url + "/call", secret="wrong")
    assert result.status == "failed"
    assert "签名或密钥错误" in result.message_zh
    assert not result.retryable
    assert server.calls == []


def test_5xx_is_not_retried_for_calls(server: WebhookServer) -> None:
    server.script("http_500")
    result = call(server.url + "/call")
    assert result.status == "failed"
    assert result.retryable
    assert server.received == 1


def test_4xx_other_than_auth(server: WebhookServer) -> None:
    server.script("http_400")
    result = call(server.url + "/call")
    assert result.status == "failed"
    assert "HTTP 400" in result.message_zh
    assert not result.retryable


def test_read_timeout_is_unknown_and_not_retried(server: WebhookServer) -> None:
    server.script("slow")
    result = call(server.url + "/call")
    assert result.status == "failed"
    assert "可能已经发起" in result.message_zh
    assert not result.retryable
    assert server.received == 1


def test_connection_refused_is_retried() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    result = call(f"http://127.0.0.1:{port}/call", sleeps=sleeps)
    assert result.status == "failed"
    assert result.retryable
    assert "已尝试 3 次" in result.message_zh
    assert sleeps == [0.01, 0.02]


def test_signature_helper_and_config_checks() -> None:
    body = json.dumps({"a": 1}).encode()
    assert sign_body("k", body).startswith("sha256=")
    assert len(sign_body("k", body)) == len("sha256=") + 64
    with pytest.raises(DialerError):
        WebhookConfig("not a url")
    assert "s3cret" not in repr(WebhookConfig("https://cc.example/call", secret="s3cret"))


def test_missing_extension_is_refused_before_sending(server: WebhookServer) -> None:
    config = WebhookConfig(server.url + "/call", secret=WEBHOOK_SECRET)
    result = asyncio.run(WebhookDialer(config).place_call(CallRequest("13812345678", "A-1")))
    assert result.status == "failed"
    assert "民警分机号" in result.message_zh
    assert server.received == 0
