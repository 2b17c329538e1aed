"""Tencent SendSms against the local gateway, which re-computes every TC3 signature."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from officer_console.dispatch.sms.base import RetryPolicy, SmsError, SmsMessage
from officer_console.dispatch.sms.tencent import TencentSmsConfig, TencentSmsProvider
from tests.servers.sms_gateway import TENCENT_APP_ID, TENCENT_KEYS, SmsGateway

SECRET_ID, SECRET_KEY = next(iter(TENCENT_KEYS.items()))
PHONE = "13912345678"


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    with SmsGateway(slow_seconds=0.6) as gw:
        yield gw


def make_provider(
    base_url: str,
    *,
    secret_id: str = SECRET_ID,
    secret_key: str = SECRET_KEY,
    sleeps: list[float] | None = None,
    clock_offset: float = 0.0,
    order: dict[str, tuple[str, ...]] | None = None,
) -> TencentSmsProvider:
    config = TencentSmsConfig(
        secret_id,
        secret_key,
        sdk_app_id=TENCENT_APP_ID,
        base_url=base_url,
        template_param_order=order or {},
        connect_timeout=0.5,
        read_timeout=0.25,
        retry=RetryPolicy(attempts=3, backoff=0.01),
    )
    return TencentSmsProvider(
        config,
        sleep=(sleeps if sleeps is not None else []).append,
        clock=lambda: time.time() + clock_offset,
    )


def message(phone: str = PHONE, key: str = "dispatch-2") -> SmsMessage:
    return SmsMessage(
        phone=phone,
        template_code="1234567",
        params={"code": "482913", "squad": "历下大队", "minutes": "10"},
        sign_name="济南交警",
        idempotency_key=key,
    )


def test_success_sends_e164_number_and_session_context(gateway: SmsGateway) -> None:
    result = make_provider(gateway.url).send(message())
    assert result.accepted, result.message_zh
    assert (result.provider_message_id or "").startswith("5000:")
    [sms] = gateway.accepted
    assert sms.phone == "+86" + PHONE
    assert sms.params == ["482913", "历下大队", "10"]
    assert sms.idempotency_key == "dispatch-2"
    assert sms.sign_name == "济南交警"
    request = gateway.requests[0]
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    assert request.params["SmsSdkAppId"] == TENCENT_APP_ID


def test_template_param_order_is_configurable(gateway: SmsGateway) -> None:
    provider = make_provider(gateway.url, order={"1234567": ("squad", "code")})
    assert provider.send(message()).accepted
    assert gateway.accepted[0].params == ["历下大队", "482913"]
    bad = make_provider(gateway.url, order={"1234567": ("nope",)})
    with pytest.raises(SmsError, match="缺少参数"):
        bad.send(message())


def test_wrong_secret_gets_200_auth_failure_and_clear_message(gateway: SmsGateway) -> None:
    sleeps: list[float] = []
    result = make_provider(gateway.url, secret_key="wrong", sleeps=sleeps).send(message())
    assert not result.accepted
    assert result.error_code == "AuthFailure.SignatureFailure"
    assert "SecretKey 不正确" in result.message_zh
    assert not result.retryable
    assert gateway.count("tencent") == 1
    assert sleeps == []


def test_unknown_secret_id_and_expired_timestamp(gateway: SmsGateway) -> None:
    result = make_provider(gateway.url, secret_id="AKIDnobody").send(message())
    assert result.error_code == "AuthFailure.SecretIdNotFound"
    result = make_provider(gateway.url, clock_offset=-900).send(message())
    assert result.error_code == "AuthFailure.SignatureExpire"
    assert "校准系统时间" in result.message_zh


TENCENT_CASES = [
    ("rate_limit", "LimitExceeded.PhoneNumberDailyLimit", "号码天级流控", False),
    ("rate_limit_30s", "LimitExceeded.PhoneNumberThirtySecondLimit", "30秒内", True),
    ("bad_template", "FailedOperation.TemplateIncorrectOrUnapproved", "短信模板未审核", False),
    (
        "missing_params",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
        "模板参数",
        False,
    ),
    ("balance", "FailedOperation.InsufficientBalanceInSmsPackage", "套餐包余量不足", False),
    ("bad_phone", "InvalidParameterValue.IncorrectPhoneNumber", "手机号码格式不正确", False),
    ("bad_sign", "FailedOperation.SignatureIncorrectOrUnapproved", "短信签名未审核", False),
    ("unknown_code", "FailedOperation.SomethingNew", "错误码 FailedOperation.SomethingNew", False),
    ("vendor_internal", "InternalError.BackendTimeout", "内部错误", True),
]


@pytest.mark.parametrize(
    ("mode", "code", "text", "retryable"), TENCENT_CASES, ids=[c[0] for c in TENCENT_CASES]
)
def test_vendor_errors_are_mapped_and_never_retried(
    gateway: SmsGateway, mode: str, code: str, text: str, retryable: bool
) -> None:
    gateway.script("tencent", mode)
    result = make_provider(gateway.url).send(message())
    assert not result.accepted
    assert result.error_code == code
    assert text in result.message_zh
    assert result.retryable is retryable
    assert gateway.count("tencent") == 1
    assert gateway.accepted == []


def test_5xx_is_retried_and_sends_once(gateway: SmsGateway) -> None:
    gateway.script("tencent", "http_503", "http_500")
    sleeps: list[float] = []
    result = make_provider(gateway.url, sleeps=sleeps).send(message())
    assert result.accepted, result.message_zh
    assert sleeps == [0.01, 0.02]
    assert gateway.count("tencent") == 3
    assert len(gateway.accepted) == 1


def test_5xx_without_json_gives_up(gateway: SmsGateway) -> None:
    gateway.script("tencent", "http_503", "http_503", "http_503")
    result = make_provider(gateway.url).send(message())
    assert result.error_code == "HTTP_503"
    assert result.retryable
    assert gateway.count("tencent") == 3


def test_read_timeout_is_not_retried(gateway: SmsGateway) -> None:
    gateway.script("tencent", "slow")
    result = make_provider(gateway.url).send(message(key="dispatch-9"))
    assert result.outcome_unknown
    assert not result.retryable
    assert "dispatch-9" in result.message_zh
    assert gateway.count("tencent") == 1
    assert len(gateway.accepted) == 1


def test_connection_drop_is_not_retried(gateway: SmsGateway) -> None:
    gateway.script("tencent", "drop")
    result = make_provider(gateway.url).send(message())
    assert result.outcome_unknown
    assert gateway.count("tencent") == 1


def test_connection_refused_is_retried_boundedly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    result = make_provider(f"http://127.0.0.1:{port}", sleeps=sleeps).send(message())
    assert result.error_code == "NETWORK_UNREACHABLE"
    assert result.retryable
    assert result.attempts == 3
    assert sleeps == [0.01, 0.02]


def test_config_requires_app_id() -> None:
    config = TencentSmsConfig(
        "AKIDabc", "very-secret", sdk_app_id="1400000009", region="ap-beijing"
    )
    assert config.region == "ap-beijing"
    assert "very-secret" not in repr(config)
    with pytest.raises(SmsError, match="SdkAppId"):
        TencentSmsConfig("AKIDabc", "very-secret", sdk_app_id="")
