"""The AMI dialer against a local server that speaks Asterisk's manager protocol."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from officer_console.dispatch.dialers.ami import AmiConfig, AmiDialer
from officer_console.dispatch.dialers.ami_protocol import format_action, read_message
from officer_console.dispatch.dialers.base import CallRequest, CallResult, DialerError
from tests.servers.ami_server import AMI_SECRET, AMI_USER, AmiServer

REQUEST = CallRequest("13812345678", "A-42", "8001")


def config(port: int, *, secret: str = AMI_SECRET) -> AmiConfig:
    return AmiConfig(
        host="127.0.0.1",
        port=port,
        username=AMI_USER,
        secret=secret,
        context="officer-out",
        dial_prefix="9",
        ring_timeout=0.2,
        connect_timeout=0.5,
        response_timeout=0.3,
        event_grace=0.2,
    )


async def _call(server: AmiServer, req: CallRequest = REQUEST, **kw: str) -> CallResult:
    async with server:
        return await AmiDialer(config(server.port, **kw)).place_call(req)


def run(server: AmiServer, req: CallRequest = REQUEST, **kw: str) -> CallResult:
    return asyncio.run(_call(server, req, **kw))


def test_originate_success_sends_the_right_fields() -> None:
    server = AmiServer(reason=4)
    result = run(server)
    assert result.status == "originated", result.message_zh
    assert "138****5678" in result.message_zh
    assert server.logins == [(AMI_USER, True)]
    [action] = server.originates
    assert action["Channel"] == "PJSIP/8001"
    assert action["Exten"] == "913812345678"
    assert action["Context"] == "officer-out"
    assert action["Priority"] == "1"
    assert action["Async"] == "true"
    assert action["Timeout"] == "200"
    assert action["CallerID"] == '"Appt A-42" <8001>'
    assert server.logoffs == 1


def test_authentication_failure_is_clear() -> None:
    server = AmiServer()
    result = run(server, secret="wrong")
    assert result.status == "failed"
    assert "用户名或密码错误" in result.message_zh
    assert not result.retryable
    assert server.logins == [(AMI_USER, False)]
    assert server.originates == []


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (0, "无法呼叫分机 8001"),
        (1, "挂断"),
        (3, "振铃超时无人接听"),
        (5, "正忙"),
        (8, "线路拥塞"),
        (2, "原因码 2"),
    ],
    ids=["failure", "hangup", "ring-timeout", "busy", "congestion", "other"],
)
def test_failure_reasons_are_mapped(reason: int, text: str) -> None:
    result = run(AmiServer(reason=reason))
    assert result.status == "failed"
    assert text in result.message_zh
    assert result.retryable
    assert result.detail == f"reason {reason}"


def test_originate_refused_by_pbx() -> None:
    result = run(AmiServer(mode="originate_error"))
    assert result.status == "failed"
    assert "拒绝了呼叫请求" in result.message_zh
    assert "Originate failed" in result.message_zh


@pytest.mark.parametrize(
    ("mode", "text", "retryable"),
    [
        ("silent", "登录超时", True),
        ("silent_after_login", "呼叫状态未知", False),
        ("no_event", "未在规定时间内收到呼叫结果", False),
    ],
    ids=["silent", "silent_after_login", "no_event"],
)
def test_server_that_never_answers_times_out(mode: str, text: str, retryable: bool) -> None:
    started = time.monotonic()
    result = run(AmiServer(mode=mode))
    assert time.monotonic() - started < 2.5
    assert result.status == "failed"
    assert text in result.message_zh
    assert result.retryable is retryable


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = asyncio.run(AmiDialer(config(port)).place_call(REQUEST))
    assert result.status == "failed"
    assert "无法连接电话交换机" in result.message_zh
    assert result.retryable


def test_injection_attempt_is_refused_before_connecting() -> None:
    server = AmiServer()
    evil = CallRequest("13812345678", "A1\r\nAction: Hangup", "8001")
    result = run(server, evil)
    assert result.status == "failed"
    assert server.logins == []
    with pytest.raises(DialerError):
        format_action([("Exten", "1\r\nAction: Hangup")])


def test_invalid_phone_and_missing_extension() -> None:
    assert run(AmiServer(), CallRequest("12", "A1", "8001")).status == "failed"
    result = run(AmiServer(), CallRequest("13812345678", "A1", ""))
    assert "民警分机号" in result.message_zh


def test_read_message_parses_key_values() -> None:
    async def parse() -> dict[str, str]:
        reader = asyncio.StreamReader()
        reader.feed_data(b"\r\nResponse: Success\r\nActionID: 7\r\nMessage: a: b\r\n\r\n")
        return await read_message(reader)

    assert asyncio.run(parse()) == {"response": "Success", "actionid": "7", "message": "a: b"}


def test_config_defaults_and_secret_hidden() -> None:
    cfg = AmiConfig(host="pbx.local", username="oc", secret="pbx-secret", port=5039)
    assert (cfg.host, cfg.port, cfg.channel_template) == ("pbx.local", 5039, "PJSIP/{extension}")
    assert cfg.context == "from-internal"
    assert "pbx-secret" not in repr(cfg)
    with pytest.raises(DialerError):
        AmiConfig(host="", username="", secret="")
