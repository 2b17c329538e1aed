"""SMS templates, secrets (environment / keyring, never files) and the adapter factory, which
builds providers and dialers from :class:`Settings` (here also from a TOML file only)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from keyring.backends import fail

from officer_console.config import Settings, load_settings
from officer_console.credentials import get_secret
from officer_console.dispatch import factory as dispatch_factory
from officer_console.dispatch.dialers.ami import AmiDialer
from officer_console.dispatch.dialers.base import CallRequest, DialerError
from officer_console.dispatch.dialers.uri import UriDialer
from officer_console.dispatch.dialers.webhook import WebhookDialer
from officer_console.dispatch.outbox import OutboxSmsProvider
from officer_console.dispatch.sms.aliyun import AliyunSmsProvider
from officer_console.dispatch.sms.base import SmsError
from officer_console.dispatch.sms.tencent import TencentSmsProvider
from officer_console.dispatch.templates import MAX_SMS_CHARS, SmsTemplate
from tests.servers.ami_server import AMI_SECRET, AMI_USER, AmiServer
from tests.servers.sms_gateway import ALIYUN_KEYS, TENCENT_APP_ID, TENCENT_KEYS, SmsGateway

ALIYUN_KEY_ID, ALIYUN_SECRET = next(iter(ALIYUN_KEYS.items()))
TENCENT_KEY_ID, TENCENT_SECRET = next(iter(TENCENT_KEYS.items()))

# --- templates -----------------------------------------------------------------------------


def test_default_template_renders_the_brief_text() -> None:
    t = SmsTemplate()
    params = t.params(code="482913", squad="历下区大队", link="https://jj.cn/join")
    assert params == {"code": "482913", "squad": "历下区大队", "link": "https://jj.cn/join"}
    assert t.render(params) == (
        "【济南交警】历下区大队民警正在等候您进行远程违法处理视频，验证码482913，10分钟内有效。"
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


def _settings(tmp_path: Path, **kw: Any) -> Any:
    return load_settings(env={}, data_dir=tmp_path, **kw)


def _toml_settings(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(env=env or {}, config_file=path, data_dir=tmp_path)


ALIYUN_SECRETS = {
    "OFFICER_CONSOLE_SMS_ACCESS_KEY_ID": ALIYUN_KEY_ID,
    "OFFICER_CONSOLE_SMS_ACCESS_KEY_SECRET": ALIYUN_SECRET,
}
TENCENT_SECRETS = {
    "OFFICER_CONSOLE_SMS_SECRET_ID": TENCENT_KEY_ID,
    "OFFICER_CONSOLE_SMS_SECRET_KEY": TENCENT_SECRET,
}


def test_outbox_is_the_default_provider(tmp_path: Path) -> None:
    provider = dispatch_factory.build_sms_provider(_settings(tmp_path), None, env={})  # type: ignore[arg-type]
    assert isinstance(provider, OutboxSmsProvider)


def test_template_comes_from_settings(tmp_path: Path) -> None:
    assert dispatch_factory.build_template(_settings(tmp_path)) == SmsTemplate()
    settings = _settings(
        tmp_path,
        sms_template_text="验证码{code}，入口 {link}",
        sms_sign_name="历城交警",
        sms_template_code="SMS_9",
        sms_template_id="42",
        sms_param_order="link,code,squad",
    )
    assert dispatch_factory.build_template(settings) == SmsTemplate(
        text="验证码{code}，入口 {link}",
        sign_name="历城交警",
        aliyun_template_code="SMS_9",
        tencent_template_id="42",
        param_order=("link", "code", "squad"),
    )


def test_aliyun_needs_keys_and_says_where_to_put_them(tmp_path: Path) -> None:
    settings = _settings(tmp_path, sms_provider="aliyun")
    with pytest.raises(SmsError) as info:
        dispatch_factory.build_sms_provider(settings, None, env={})  # type: ignore[arg-type]
    assert "OFFICER_CONSOLE_SMS_ACCESS_KEY_ID" in info.value.message
    assert "钥匙串" in info.value.message
    provider = dispatch_factory.build_sms_provider(settings, None, env=ALIYUN_SECRETS)  # type: ignore[arg-type]
    assert isinstance(provider, AliyunSmsProvider)
    assert provider.config.base_url == "https://dysmsapi.aliyuncs.com"
    moved = _settings(tmp_path, sms_provider="aliyun", sms_base_url="http://127.0.0.1:9")
    provider = dispatch_factory.build_sms_provider(moved, None, env=ALIYUN_SECRETS)  # type: ignore[arg-type]
    assert isinstance(provider, AliyunSmsProvider)
    assert provider.config.base_url == "http://127.0.0.1:9"


def test_tencent_needs_app_id_and_keys(tmp_path: Path) -> None:
    settings = _settings(tmp_path, sms_provider="tencent")
    with pytest.raises(SmsError, match="SdkAppId") as info:
        dispatch_factory.build_sms_provider(settings, None, env=TENCENT_SECRETS)  # type: ignore[arg-type]
    assert "sms_sdk_app_id" in info.value.message
    assert "OFFICER_CONSOLE_SMS_SDK_APP_ID" in info.value.message
    settings = _settings(
        tmp_path, sms_provider="tencent", sms_sdk_app_id="1400000001", sms_template_id="777"
    )
    with pytest.raises(SmsError, match="OFFICER_CONSOLE_SMS_SECRET_ID"):
        dispatch_factory.build_sms_provider(settings, None, env={})  # type: ignore[arg-type]
    provider = dispatch_factory.build_sms_provider(settings, None, env=TENCENT_SECRETS)  # type: ignore[arg-type]
    assert isinstance(provider, TencentSmsProvider)
    assert provider.config.template_param_order == {"777": ("code", "squad", "link")}
    assert (provider.config.sdk_app_id, provider.config.region) == ("1400000001", "ap-guangzhou")
    assert provider.config.base_url == "https://sms.tencentcloudapi.com"


def test_the_factory_reads_no_option_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Options come from Settings only; the environment given to the factory holds secrets."""
    settings = _settings(tmp_path, sms_provider="tencent", dialer="webhook")
    options = {
        "OFFICER_CONSOLE_SMS_SDK_APP_ID": "1400000001",
        "OFFICER_CONSOLE_DIALER_WEBHOOK_URL": "https://cc.example/call",
    }
    for key, value in options.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SmsError, match="SdkAppId"):
        dispatch_factory.build_sms_provider(settings, None, env={**options, **TENCENT_SECRETS})  # type: ignore[arg-type]
    with pytest.raises(DialerError, match="外呼接口地址"):
        dispatch_factory.build_dialer(settings, env=options)


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
    with pytest.raises(DialerError, match="OFFICER_CONSOLE_AMI_HOST") as info:
        dispatch_factory.build_dialer(ami_settings, env={})
    assert "ami_host" in info.value.message
    ami_settings = _settings(tmp_path, dialer="ami", ami_host="pbx", ami_username="oc")
    with pytest.raises(DialerError, match="OFFICER_CONSOLE_AMI_SECRET"):
        dispatch_factory.build_dialer(ami_settings, env={})
    ami = dispatch_factory.build_dialer(ami_settings, env={"OFFICER_CONSOLE_AMI_SECRET": "pw"})
    assert isinstance(ami, AmiDialer) and ami.config.secret == "pw"
    assert (ami.config.host, ami.config.port, ami.config.username) == ("pbx", 5038, "oc")
    assert (ami.config.context, ami.config.channel_template) == (
        "from-internal",
        "PJSIP/{extension}",
    )
    hook_settings = _settings(tmp_path, dialer="webhook")
    with pytest.raises(DialerError, match="OFFICER_CONSOLE_DIALER_WEBHOOK_URL"):
        dispatch_factory.build_dialer(hook_settings, env={})
    hook_settings = _settings(
        tmp_path, dialer="webhook", dialer_webhook_url="https://cc.example/call"
    )
    hook = dispatch_factory.build_dialer(
        hook_settings, env={"OFFICER_CONSOLE_DIALER_WEBHOOK_SECRET": "hmac-key"}
    )
    assert isinstance(hook, WebhookDialer)
    assert (hook.config.url, hook.config.secret) == ("https://cc.example/call", "hmac-key")


def test_sip_uri_dialer_from_settings(tmp_path: Path) -> None:
    opened: list[str] = []
    settings = _settings(tmp_path, dialer_scheme="sip")
    with pytest.raises(DialerError, match="dialer_sip_domain"):
        dispatch_factory.build_dialer(settings, opener=opened.append, env={})
    settings = _settings(
        tmp_path, dialer_scheme="sip", dialer_sip_domain="pbx.jj.local", dialer_prefix="9"
    )
    dialer = dispatch_factory.build_dialer(
        settings, opener=lambda uri: opened.append(uri) is None, env={}
    )
    result = asyncio.run(dialer.place_call(CallRequest("13800000000", "1")))
    assert result.status == "handed_off"
    assert opened == ["sip:913800000000@pbx.jj.local"]


def test_dispatch_service_uses_gateway_join_link(tmp_path: Path) -> None:
    settings = _settings(tmp_path, gateway_url="https://jj.example.cn/", officer_extension="8001")
    service = dispatch_factory.build_dispatch_service(
        settings,
        None,  # type: ignore[arg-type]
        opener=lambda u: True,
        env={},
    )
    assert service.join_link == "https://jj.example.cn/join"
    assert service.sms.name == "outbox" and service.dialer.name == "uri"
    assert service._extension == "8001"
    explicit = _settings(tmp_path, join_link="https://jj.example.cn/v?from=sms")
    service = dispatch_factory.build_dispatch_service(
        explicit,
        None,  # type: ignore[arg-type]
        opener=lambda u: True,
        env={},
    )
    assert service.join_link == "https://jj.example.cn/v?from=sms"


# --- configured only through the TOML file, against the local servers ----------------------


def _send(provider: Any, template: SmsTemplate, vendor: str) -> Any:
    message = template.message(
        provider=vendor,
        phone="13812345678",
        code="482913",
        squad="历城大队",
        link="https://jj.example.cn/join",
        idempotency_key="toml-1",
    )
    return provider.send(message)


def test_aliyun_configured_in_toml_reaches_the_gateway(tmp_path: Path) -> None:
    with SmsGateway() as gw:
        settings = _toml_settings(
            tmp_path,
            "[officer_console]\n"
            'sms_provider = "aliyun"\n'
            f'sms_base_url = "{gw.url}"\n'
            'sms_template_code = "SMS_TOML_01"\n'
            'sms_sign_name = "历城交警"\n'
            'sms_template_text = "验证码{code}，请点击 {link} 进入视频。"\n',
        )
        provider = dispatch_factory.build_sms_provider(settings, None, env=ALIYUN_SECRETS)  # type: ignore[arg-type]
        template = dispatch_factory.build_template(settings)
        result = _send(provider, template, "aliyun")
        assert result.accepted, result.message_zh
        [sms] = gw.accepted
    assert (sms.vendor, sms.template, sms.sign_name) == ("aliyun", "SMS_TOML_01", "历城交警")
    assert sms.params == {
        "code": "482913",
        "squad": "历城大队",
        "link": "https://jj.example.cn/join",
    }


def test_tencent_configured_in_toml_reaches_the_gateway(tmp_path: Path) -> None:
    with SmsGateway() as gw:
        settings = _toml_settings(
            tmp_path,
            'sms_provider = "tencent"\n'
            f'sms_base_url = "{gw.url}"\n'
            f"sms_sdk_app_id = {TENCENT_APP_ID}\n"  # a TOML integer is accepted
            'sms_region = "ap-beijing"\n'
            "sms_template_id = 2233\n"
            'sms_param_order = ["link", "code", "squad"]\n',
        )
        provider = dispatch_factory.build_sms_provider(settings, None, env=TENCENT_SECRETS)  # type: ignore[arg-type]
        result = _send(provider, dispatch_factory.build_template(settings), "tencent")
        assert result.accepted, result.message_zh
        [sms] = gw.accepted
        [request] = [r for r in gw.requests if r.authenticated]
    assert (sms.vendor, sms.template, sms.sign_name) == ("tencent", "2233", "济南交警")
    assert sms.params == ["https://jj.example.cn/join", "482913", "历城大队"]
    assert request.params["SmsSdkAppId"] == TENCENT_APP_ID
    assert request.headers["x-tc-region"] == "ap-beijing"


def test_ami_configured_in_toml_reaches_the_pbx(tmp_path: Path) -> None:
    async def call() -> tuple[Any, AmiServer]:
        async with AmiServer() as pbx:
            settings = _toml_settings(
                tmp_path,
                'dialer = "ami"\n'
                'ami_host = "127.0.0.1"\n'
                f"ami_port = {pbx.port}\n"
                f'ami_username = "{AMI_USER}"\n'
                'ami_context = "police-out"\n'
                'ami_channel = "SIP/{extension}"\n'
                'ami_dial_prefix = "9"\n'
                'officer_extension = "8001"\n',
            )
            dialer = dispatch_factory.build_dialer(
                settings, env={"OFFICER_CONSOLE_AMI_SECRET": AMI_SECRET}
            )
            req = CallRequest("13800000000", "17", settings.officer_extension)
            return await dialer.place_call(req), pbx

    result, pbx = asyncio.run(call())
    assert result.status == "originated", result.message_zh
    [originate] = pbx.originates
    assert originate["Channel"] == "SIP/8001"
    assert originate["Exten"] == "913800000000"
    assert originate["Context"] == "police-out"
