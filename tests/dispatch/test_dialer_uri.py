"""The URI dialer builds correct tel:/sip: URIs and reports a missing softphone clearly."""

from __future__ import annotations

import asyncio

import pytest

from officer_console.dispatch.dialers.base import CallRequest, DialerError
from officer_console.dispatch.dialers.uri import UriDialer, build_call_uri


@pytest.mark.parametrize("phone", ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678"])
def test_tel_uri_is_global_number(phone: str) -> None:
    assert build_call_uri(phone) == "tel:+8613812345678"


def test_sip_uri_with_prefix_and_domain() -> None:
    uri = build_call_uri("13812345678", scheme="sip", sip_domain="pbx.jn.local", dial_prefix="9")
    assert uri == "sip:913812345678@pbx.jn.local"


def test_handed_off_to_opener() -> None:
    opened: list[str] = []
    dialer = UriDialer(lambda uri: opened.append(uri) is None)
    result = asyncio.run(dialer.place_call(CallRequest("13812345678", "A1", "8001")))
    assert result.status == "handed_off"
    assert result.ok
    assert opened == ["tel:+8613812345678"]
    assert "138****5678" in result.message_zh
    assert "13812345678" not in result.message_zh


def test_opener_refusal_and_exception_are_failures() -> None:
    def boom(uri: str) -> bool:
        raise RuntimeError(uri)

    for opener in (lambda _: False, boom):
        result = asyncio.run(UriDialer(opener).place_call(CallRequest("13812345678", "A1")))
        assert result.status == "failed"
        assert "请手动拨打 138****5678" in result.message_zh
        assert result.retryable


def test_invalid_phone_never_reaches_opener() -> None:
    opened: list[str] = []
    dialer = UriDialer(lambda uri: opened.append(uri) is None)
    result = asyncio.run(dialer.place_call(CallRequest("110", "A1")))
    assert result.status == "failed"
    assert not result.retryable
    assert opened == []


def test_sip_needs_a_valid_domain() -> None:
    with pytest.raises(DialerError):
        UriDialer(lambda _: True, scheme="sip")
    with pytest.raises(DialerError):
        UriDialer(lambda _: True, scheme="sip", sip_domain="pbx\r\nevil")
