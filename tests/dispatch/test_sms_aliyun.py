"""Aliyun SendSms against the local gateway, which re-computes every ACS3 signature."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from officer_console.dispatch.sms.aliyun import AliyunSmsConfig, AliyunSmsProvider
from officer_console.dispatch.sms.base import RetryPolicy, SmsError, SmsMessage
from tests.servers.sms_gateway import ALIYUN_KEYS, SmsGateway

KEY_ID, SECRET = next(iter(ALIYUN_KEYS.items()))
PHONE = "13812345678"


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    with SmsGateway(slow_seconds=0.6) as gw:
        yield gw


def make_provider(
    base_url: str,
    *,
    key_id: str = KEY_ID,
    secret: str = SECRET,
    sleeps: list[float] | None = None,
    clock_offset: timedelta = timedelta(0),
) -> AliyunSmsProvider:
    config = AliyunSmsConfig(
        key_id,
        secret,
        base_url=base_url,
        connect_timeout=0.5,
        read_timeout=0.25,
        retry=RetryPolicy(attempts=3, backoff=0.01),
    )
    return AliyunSmsProvider(
        config,
        sleep=(sleeps if sleeps is not None else []).append,
        clock=lambda: datetime.now(UTC) + clock_offset,
    )


def message(phone: str = PHONE, key: str = "dispatch-1") -> SmsMessage:
    return SmsMessage(
        phone=phone,
        template_code="SMS_123456",
        params={"code": "482913", "squad": "济南 交警*一中队~&=+", "link": "https://x/j?a=1&b=2"},
        sign_name="济南交警",
        idempotency_key=key,
    )


def test_success_is_recorded_once_with_out_id(gateway: SmsGateway) -> None:
    result = make_provider(gateway.url).send(message())
    assert result.accepted, result.message_zh
    assert result.provider_message_id
    assert result.error_code is None
    assert gateway.count("aliyun") == 1
    [sms] = gateway.accepted
    assert sms.phone == PHONE
    assert sms.template == "SMS_123456"
    assert sms.sign_name == "济南交警"
    assert sms.params == message().params
    assert sms.idempotency_key == "dispatch-1"
    assert sms.message_id == result.provider_message_id


def test_message_repr_masks_phone_and_hides_code() -> None:
    text = repr(message())
    assert "138****5678" in text
    assert PHONE not in text
    assert "482913" not in text


def test_wrong_secret_is_rejected_by_server_and_not_retried(gateway: SmsGateway) -> None:
    sleeps: list[float] = []
    result = make_provider(gateway.url, secret="wrong", sleeps=sleeps).send(message())
    assert not result.accepted
    assert result.error_code == "SignatureDoesNotMatch"
    assert "AccessKey Secret 不正确" in result.message_zh
    assert not result.retryable
    assert gateway.count("aliyun") == 1
    assert not gateway.requests[0].authenticated
    assert sleeps == []
    assert gateway.accepted == []


def test_unknown_access_key_id(gateway: SmsGateway) -> None:
    result = make_provider(gateway.url, key_id="LTAInobody").send(message())
    assert result.error_code == "InvalidAccessKeyId.NotFound"
    assert "AccessKey ID 不存在" in result.message_zh


def test_clock_skew_is_reported(gateway: SmsGateway) -> None:
    result = make_provider(gateway.url, clock_offset=timedelta(hours=1)).send(message())
    assert result.error_code == "InvalidTimeStamp.Expired"
    assert "校准系统时间" in result.message_zh


ALIYUN_CASES = [
    ("rate_limit", "isv.BUSINESS_LIMIT_CONTROL", "流控", True),
    ("bad_template", "isv.SMS_TEMPLATE_ILLEGAL", "短信模板不合法", False),
    ("missing_params", "isv.TEMPLATE_MISSING_PARAMETERS", "缺少变量", False),
    ("balance", "isv.AMOUNT_NOT_ENOUGH", "余额不足", False),
    ("bad_phone", "isv.MOBILE_NUMBER_ILLEGAL", "手机号码格式不正确", False),
    ("bad_sign", "isv.SMS_SIGNATURE_ILLEGAL", "短信签名不合法", False),
    ("unknown_code", "isv.SOMETHING_NEW", "错误码 isv.SOMETHING_NEW", False),
    ("vendor_internal", "isp.SYSTEM_ERROR", "系统错误", True),
]


@pytest.mark.parametrize(
    ("mode", "code", "text", "retryable"), ALIYUN_CASES, ids=[c[0] for c in ALIYUN_CASES]
)
def test_vendor_errors_are_mapped_and_never_retried(
    gateway: SmsGateway, mode: str, code: str, text: str, retryable: bool
) -> None:
    gateway.script("aliyun", mode)
    result = make_provider(gateway.url).send(message())
    assert not result.accepted
    assert result.error_code == code
    assert text in result.message_zh
    assert result.retryable is retryable
    assert gateway.count("aliyun") == 1
    assert gateway.accepted == []


def test_5xx_is_retried_with_backoff_and_sends_once(gateway: SmsGateway) -> None:
    gateway.script("aliyun", "http_500", "http_503")
    sleeps: list[float] = []
    result = make_provider(gateway.url, sleeps=sleeps).send(message())
    assert result.accepted, result.message_zh
    assert result.attempts == 3
    assert sleeps == [0.01, 0.02]
    assert gateway.count("aliyun") == 3
    assert all(r.authenticated for r in gateway.requests)  # fresh nonce on every attempt
    assert len(gateway.accepted) == 1


def test_5xx_gives_up_after_bounded_attempts(gateway: SmsGateway) -> None:
    gateway.script("aliyun", "http_500", "http_500", "http_500", "http_500")
    result = make_provider(gateway.url).send(message())
    assert not result.accepted
    assert result.error_code == "HTTP_500"
    assert result.retryable
    assert "共尝试 3 次" in result.message_zh
    assert gateway.count("aliyun") == 3


def test_read_timeout_is_not_retried_and_reported_unknown(gateway: SmsGateway) -> None:
    gateway.script("aliyun", "slow")
    sleeps: list[float] = []
    result = make_provider(gateway.url, sleeps=sleeps).send(message(key="dispatch-7"))
    assert not result.accepted
    assert result.outcome_unknown
    assert not result.retryable
    assert result.error_code == "OUTCOME_UNKNOWN"
    assert "核实" in result.message_zh
    assert "dispatch-7" in result.message_zh
    assert gateway.count("aliyun") == 1
    assert len(gateway.accepted) == 1  # the vendor did send it: a retry would have duplicated
    assert sleeps == []


def test_connection_dropped_after_send_is_not_retried(gateway: SmsGateway) -> None:
    gateway.script("aliyun", "drop")
    result = make_provider(gateway.url).send(message())
    assert result.outcome_unknown
    assert gateway.count("aliyun") == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_retried_boundedly() -> None:
    sleeps: list[float] = []
    result = make_provider(f"http://127.0.0.1:{free_port()}", sleeps=sleeps).send(message())
    assert not result.accepted
    assert result.error_code == "NETWORK_UNREACHABLE"
    assert result.retryable
    assert not result.outcome_unknown
    assert result.attempts == 3
    assert sleeps == [0.01, 0.02]
    assert "短信未发出" in result.message_zh


def test_invalid_phone_never_reaches_the_vendor(gateway: SmsGateway) -> None:
    result = make_provider(gateway.url).send(message(phone="12345"))
    assert result.error_code == "INVALID_PHONE"
    assert gateway.count("aliyun") == 0


def test_phone_with_country_prefix_is_normalised(gateway: SmsGateway) -> None:
    result = make_provider(gateway.url).send(message(phone="+86 138-1234-5678"))
    assert result.accepted
    assert gateway.accepted[0].phone == PHONE


def test_config_checks_and_secret_not_in_repr() -> None:
    config = AliyunSmsConfig("LTAIabc", "s3cr3t-value")
    assert config.base_url == "https://dysmsapi.aliyuncs.com"
    assert "s3cr3t-value" not in repr(config)
    with pytest.raises(SmsError, match="AccessKey"):
        AliyunSmsConfig("", "")
    with pytest.raises(SmsError, match="接口地址无效"):
        AliyunSmsConfig("a", "b", base_url="dysmsapi.aliyuncs.com")


def test_idempotency_key_is_required() -> None:
    with pytest.raises(ValueError, match="idempotency_key"):
        message(key="")
