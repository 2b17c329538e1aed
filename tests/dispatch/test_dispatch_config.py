"""SMS templates, secrets (environment / keyring, never files) and the adapter factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from keyring.backends import fail

from officer_console.config import load_settings
from officer_console.dispatch import factory as dispatch_factory
from officer_console.dispatch.dialers.ami import AmiDialer
from officer_console.dispatch.dialers.base import DialerError
from officer_console.dispatch.dialers.uri import UriDialer
from officer_console.dispatch.dialers.webhook import WebhookDialer
from officer_console.dispatch.outbox import OutboxSmsProvider
from officer_console.dispatch.secrets import get_secret
from officer_console.dispatch.sms.aliyun import AliyunSmsProvider
from officer_console.dispatch.sms.base import SmsError
from officer_console.dispatch.sms.tencent import TencentSmsProvider
from officer_console.dispatch.templates import MAX_SMS_CHARS, SmsTemplate

# --- templates -----------------------------------------------------------------------------


def test_default_template_renders_the_brief_text() -> None:
    t = SmsTemplate()
    params = t.params(code="482913", squad="历下区大队", link="https://jj.cn/join")
    assert params == {"code": "482913", "squad": "历下区大队", "link": "https://jj.cn/join"}
    assert t.render(params) == (
        "【济南交警】您预约的历下区大队远程违法处理视频即将开始，验证码482913，10分钟内有效。"
        "请点击 https://jj.cn/join 输入验证码进入视频。如非本人操作请忽略。"
    )


def test_vendor_template_ids_and_positional_order() -> None:
    t = SmsTemplate(param_order=("squad", "code", "link"), tencent_template_id="2233")
    msg = t.message(
        provider="tencent",
        phone="13800000000",
        code="482913",
        squad="s",
        link="l",
        idempotency_key="k",
    )
    assert msg.template_code == "2233"
    assert list(msg.params) == ["squad", "code", "link"]
    aliyun = t.message(
        provider="aliyun", phone="13800000000", code="1", squad="s", link="l", idempotency_key="k"
    )
    assert aliyun.template_code == "SMS_OFFICER_JOIN"
    assert "482913" not in repr(msg)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"text": "验证码{code}"}, "{link}"),
        ({"text": "{code}{link}{secret}"}, "未知变量"),
        ({"text": "{code}{link"}, "格式错误"),
        ({"sign_name": "【济南交警】"}, "签名"),
        ({"param_order": ("code", "link")}, "顺序"),
        ({"text": "{code}{link}" + "字" * MAX_SMS_CHARS}, "过长"),
    ],
)
def test_bad_templates_are_refused_when_configured(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(SmsError, match=fragment):
        SmsTemplate(**kwargs)


def test_overlong_values_are_refused_before_sending() -> None:
    with pytest.raises(SmsError, match="过长"):
        SmsTemplate().message(
            provider="aliyun",
            phone="13800000000",
            code="123456",
            squad="队" * 250,
            link="l",
            idempotency_key="k",
        )


# --- secrets -------------------------------------------------------------------------------


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, values: dict[tuple[str, str], str]) -> None:
        super().__init__()
        self.values = values

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


class _BrokenKeyring(_MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("no D-Bus session")


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> _MemoryKeyring:
    backend = _MemoryKeyring({("officer-console", "SMS_ACCESS_KEY_SECRET"): "from-keyring"})
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
    return backend


def test_environment_wins_over_keyring(memory_keyring: _MemoryKeyring) -> None:
    env = {"OFFICER_CONSOLE_SMS_ACCESS_KEY_SECRET": "from-env"}
    assert get_secret("SMS_ACCESS_KEY_SECRET", env=env) == "from-env"
    assert get_secret("SMS_ACCESS_KEY_SECRET", env={}) == "from-keyring"
    assert get_secret("AMI_SECRET", env={}) is None


def test_broken_fail_and_file_backends_read_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = _BrokenKeyring({})
    monkeypatch.setattr(keyring, "get_keyring", lambda: broken)
    assert get_secret("AMI_SECRET", env={}) is None
    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)
    assert get_secret("AMI_SECRET", env={}) is None
    plaintext = type("PlaintextKeyring", (_MemoryKeyring,), {"__module__": "keyrings.alt.file"})
    monkeypatch.setattr(
        keyring, "get_keyring", lambda: plaintext({("officer-console", "AMI_SECRET"): "x"})
    )
    assert get_secret("AMI_SECRET", env={}) is None


def test_secret_names_are_checked() -> None:
    with pytest.raises(ValueError, match="upper-case"):
        get_secret("../etc/passwd")


# --- factory -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_real_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)


def _settings(tmp_path: Path, **kw: str) -> Any:
    return load_settings(env={}, data_dir=tmp_path, **kw)


def test_outbox_is_the_default_provider(tmp_path: Path) -> None:
    provider = dispatch_factory.build_sms_provider(_settings(tmp_path), None, env={})  # type: ignore[arg-type]
    assert isinstance(provider, OutboxSmsProvider)


def test_aliyun_needs_keys_and_says_where_to_put_them(tmp_path: Path) -> None:
    settings = _settings(tmp_path, sms_provider="aliyun")
    with pytest.raises(SmsError) as info:
        dispatch_factory.build_sms_provider(settings, None, env={})  # type: ignore[arg-type]
    assert "OFFICER_CONSOLE_SMS_ACCESS_KEY_ID" in info.value.message
    assert "钥匙串" in info.value.message
    env = {
        "OFFICER_CONSOLE_SMS_ACCESS_KEY_ID": "LTAI1",
        "OFFICER_CONSOLE_SMS_ACCESS_KEY_SECRET": "s",
        "OFFICER_CONSOLE_SMS_BASE_URL": "http://127.0.0.1:9",
    }
    provider = dispatch_factory.build_sms_provider(settings, None, env=env)  # type: ignore[arg-type]
    assert isinstance(provider, AliyunSmsProvider)
    assert provider.config.base_url == "http://127.0.0.1:9"


def test_tencent_needs_app_id_and_keys(tmp_path: Path) -> None:
    settings = _settings(tmp_path, sms_provider="tencent")
    with pytest.raises(SmsError, match="SdkAppId"):
        dispatch_factory.build_sms_provider(settings, None, env={})  # type: ignore[arg-type]
    env = {
        "OFFICER_CONSOLE_SMS_SDK_APP_ID": "1400000001",
        "OFFICER_CONSOLE_SMS_SECRET_ID": "AKID",
        "OFFICER_CONSOLE_SMS_SECRET_KEY": "k",
        "OFFICER_CONSOLE_SMS_TEMPLATE_ID": "777",
    }
    provider = dispatch_factory.build_sms_provider(settings, None, env=env)  # type: ignore[arg-type]
    assert isinstance(provider, TencentSmsProvider)
    assert provider.config.template_param_order == {"777": ("code", "squad", "link")}


def test_unknown_provider_and_dialer(tmp_path: Path) -> None:
    with pytest.raises(SmsError, match="未知的短信服务"):
        dispatch_factory.build_sms_provider(_settings(tmp_path, sms_provider="x"), None, env={})  # type: ignore[arg-type]
    with pytest.raises(DialerError, match="未知的呼叫方式"):
        dispatch_factory.build_dialer(_settings(tmp_path, dialer="fax"), env={})


def test_dialers_from_settings(tmp_path: Path) -> None:
    with pytest.raises(DialerError, match="opener"):
        dispatch_factory.build_dialer(_settings(tmp_path), env={})
    uri = dispatch_factory.build_dialer(_settings(tmp_path), opener=lambda u: True, env={})
    assert isinstance(uri, UriDialer)
    ami_settings = _settings(tmp_path, dialer="ami")
    with pytest.raises(DialerError, match="OFFICER_CONSOLE_AMI_HOST"):
        dispatch_factory.build_dialer(ami_settings, env={})
    ami_env = {"OFFICER_CONSOLE_AMI_HOST": "pbx", "OFFICER_CONSOLE_AMI_USERNAME": "oc"}
    with pytest.raises(DialerError, match="OFFICER_CONSOLE_AMI_SECRET"):
        dispatch_factory.build_dialer(ami_settings, env=ami_env)
    ami = dispatch_factory.build_dialer(
        ami_settings, env={**ami_env, "OFFICER_CONSOLE_AMI_SECRET": "pw"}
    )
    assert isinstance(ami, AmiDialer) and ami.config.secret == "pw"
    hook_settings = _settings(tmp_path, dialer="webhook")
    with pytest.raises(DialerError, match="WEBHOOK_URL"):
        dispatch_factory.build_dialer(hook_settings, env={})
    hook = dispatch_factory.build_dialer(
        hook_settings, env={"OFFICER_CONSOLE_DIALER_WEBHOOK_URL": "https://cc.example/call"}
    )
    assert isinstance(hook, WebhookDialer)


def test_dispatch_service_uses_gateway_join_link(tmp_path: Path) -> None:
    settings = _settings(tmp_path, gateway_url="https://jj.example.cn/")
    service = dispatch_factory.build_dispatch_service(
        settings,
        None,  # type: ignore[arg-type]
        opener=lambda u: True,
        env={"OFFICER_CONSOLE_OFFICER_EXTENSION": "8001"},
    )
    assert service.join_link == "https://jj.example.cn/join"
    assert service.sms.name == "outbox" and service.dialer.name == "uri"
