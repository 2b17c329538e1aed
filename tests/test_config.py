"""Settings: defaults → TOML → environment; dispatch options checked at load, secrets refused."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from officer_console.config import ENV_PREFIX, ConfigError, Settings, load_settings
from officer_console.credentials import SECRET_NAMES
from officer_console.dispatch.templates import DEFAULT_SIGN_NAME, DEFAULT_TEXT


def _load(tmp_path: Path, toml: str | None = None, env: dict[str, str] | None = None) -> Settings:
    path = None
    if toml is not None:
        path = tmp_path / "config.toml"
        path.write_text(toml, encoding="utf-8")
    return load_settings(env=env or {}, config_file=path, data_dir=tmp_path)


# field, TOML literal, value from TOML, environment text, value from the environment
DISPATCH_FIELDS: list[tuple[str, str, Any, str, Any]] = [
    (
        "sms_template_text",
        '"验证码{code}，入口 {link}"',
        "验证码{code}，入口 {link}",
        "{squad}验证码{code}，{minutes}分钟内有效，入口 {link}",
        "{squad}验证码{code}，{minutes}分钟内有效，入口 {link}",
    ),
    ("sms_sign_name", '"历城交警"', "历城交警", "槐荫交警", "槐荫交警"),
    ("sms_template_code", '"SMS_100"', "SMS_100", "SMS_200", "SMS_200"),
    ("sms_template_id", "2233", "2233", "4455", "4455"),
    (
        "sms_param_order",
        '["link", "code", "squad"]',
        ("link", "code", "squad"),
        "squad, code, link",
        ("squad", "code", "link"),
    ),
    ("sms_sdk_app_id", '"1400000001"', "1400000001", "1400000002", "1400000002"),
    ("sms_region", '"ap-beijing"', "ap-beijing", "ap-shanghai", "ap-shanghai"),
    (
        "sms_base_url",
        '"http://127.0.0.1:9001"',
        "http://127.0.0.1:9001",
        "https://sms.internal.example",
        "https://sms.internal.example",
    ),
    ("dialer_scheme", '"sip"', "sip", "tel", "tel"),
    ("dialer_sip_domain", '"pbx.jj.local"', "pbx.jj.local", "10.0.0.5:5060", "10.0.0.5:5060"),
    ("dialer_prefix", '"9"', "9", "0", "0"),
    (
        "dialer_webhook_url",
        '"https://cc.example/call"',
        "https://cc.example/call",
        "http://10.1.1.1:8080/originate",
        "http://10.1.1.1:8080/originate",
    ),
    ("ami_host", '"pbx.jj.local"', "pbx.jj.local", "10.0.0.5", "10.0.0.5"),
    ("ami_port", "5039", 5039, "15038", 15038),
    ("ami_username", '"officer-console"', "officer-console", "oc2", "oc2"),
    ("ami_context", '"police-out"', "police-out", "from-internal", "from-internal"),
    (
        "ami_channel",
        '"SIP/{extension}"',
        "SIP/{extension}",
        "Local/{extension}@ext",
        "Local/{extension}@ext",
    ),
    ("ami_dial_prefix", '"9"', "9", "00", "00"),
    ("officer_extension", '"8001"', "8001", "8002", "8002"),
    (
        "join_link",
        '"https://jj.example.cn/join"',
        "https://jj.example.cn/join",
        "https://jj.example.cn/v",
        "https://jj.example.cn/v",
    ),
]


def test_defaults_are_the_former_environment_defaults() -> None:
    s = Settings()
    assert (s.sms_template_text, s.sms_sign_name) == (DEFAULT_TEXT, DEFAULT_SIGN_NAME)
    assert (s.sms_template_code, s.sms_template_id) == ("SMS_OFFICER_JOIN", "1000001")
    assert s.sms_param_order == ("code", "squad", "link")
    assert (s.sms_sdk_app_id, s.sms_region, s.sms_base_url) == ("", "ap-guangzhou", "")
    assert (s.dialer_scheme, s.dialer_sip_domain, s.dialer_prefix) == ("tel", "", "")
    assert s.dialer_webhook_url == ""
    assert (s.ami_host, s.ami_port, s.ami_username) == ("", 5038, "")
    assert (s.ami_context, s.ami_channel, s.ami_dial_prefix) == (
        "from-internal",
        "PJSIP/{extension}",
        "",
    )
    assert (s.officer_extension, s.join_link) == ("", "")


def test_every_former_environment_variable_is_a_setting() -> None:
    former = {
        "SMS_TEMPLATE_TEXT",
        "SMS_SIGN_NAME",
        "SMS_TEMPLATE_CODE",
        "SMS_TEMPLATE_ID",
        "SMS_PARAM_ORDER",
        "SMS_SDK_APP_ID",
        "SMS_REGION",
        "SMS_BASE_URL",
        "DIALER_SCHEME",
        "DIALER_SIP_DOMAIN",
        "DIALER_PREFIX",
        "DIALER_WEBHOOK_URL",
        "AMI_HOST",
        "AMI_PORT",
        "AMI_USERNAME",
        "AMI_CONTEXT",
        "AMI_CHANNEL",
        "AMI_DIAL_PREFIX",
        "OFFICER_EXTENSION",
        "JOIN_LINK",
    }
    names = {f.name.upper() for f in fields(Settings)}
    assert former <= names
    assert not set(SECRET_NAMES) & names  # secrets are never settings
    assert {row[0] for row in DISPATCH_FIELDS} == {n.lower() for n in former}
    for f in fields(Settings):
        assert f.metadata["description"]


@pytest.mark.parametrize("row", DISPATCH_FIELDS, ids=[r[0] for r in DISPATCH_FIELDS])
def test_toml_and_environment_set_each_dispatch_field_environment_wins(
    tmp_path: Path, row: tuple[str, str, Any, str, Any]
) -> None:
    name, toml, from_toml, env, from_env = row
    variable = ENV_PREFIX + name.upper()
    assert getattr(_load(tmp_path, f"{name} = {toml}\n"), name) == from_toml
    table = f"[officer_console]\n{name} = {toml}\n"
    assert getattr(_load(tmp_path, table), name) == from_toml
    assert getattr(_load(tmp_path, env={variable: env}), name) == from_env
    assert getattr(_load(tmp_path, table, env={variable: env}), name) == from_env
    # blank or empty environment values leave the file's value, as the factory did before
    assert getattr(_load(tmp_path, table, env={variable: ""}), name) == from_toml
    if isinstance(from_toml, str):
        assert getattr(_load(tmp_path, table, env={variable: "  "}), name) == from_toml
        assert getattr(_load(tmp_path, env={variable: f"  {env}\n"}), name) == from_env


def test_unknown_keys_are_still_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="未知配置项: sms_templte_text"):
        _load(tmp_path, 'sms_templte_text = "{code}{link}"\n')
    with pytest.raises(ConfigError, match="未知配置项: ami"):
        _load(tmp_path, '[officer_console.ami]\nhost = "pbx"\n')


@pytest.mark.parametrize("name", SECRET_NAMES)
@pytest.mark.parametrize("layout", ["top", "table", "nested", "ignored"])
def test_secrets_in_the_toml_file_are_refused(tmp_path: Path, name: str, layout: str) -> None:
    key = name.lower()
    text = {
        "top": f'{key} = "do-not-store"\n',
        "table": f'[officer_console]\n{key} = "do-not-store"\n',
        "nested": f'[officer_console.sms]\n{key} = "do-not-store"\n',
        # a top-level key beside the [officer_console] table is otherwise ignored
        "ignored": f'{key} = "do-not-store"\n[officer_console]\nsms_provider = "aliyun"\n',
    }[layout]
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    message = str(info.value)
    assert "不能写密钥" in message
    assert ENV_PREFIX + name in message
    assert "钥匙串" in message
    assert "do-not-store" not in message


@pytest.mark.parametrize("key", ["ami_password", "sms_access_key", "webhook_token", "db_passwd"])
def test_password_like_keys_are_refused_as_secrets(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match="不能保存密码或密钥") as info:
        _load(tmp_path, f'{key} = "hunter2"\n')
    assert "hunter2" not in str(info.value)


def test_secrets_in_the_environment_are_not_settings(tmp_path: Path) -> None:
    env = {ENV_PREFIX + name: "x" for name in SECRET_NAMES}
    settings = _load(tmp_path, env=env)
    assert "x" not in {str(getattr(settings, f.name)) for f in fields(Settings)}


INVALID: list[tuple[str, str, str]] = [
    ("sms_template_text", '"您的验证码已发送，请点击 {link}"', "必须包含变量：{code}"),
    ("sms_template_text", '"验证码{code}"', "必须包含变量：{link}"),
    ("sms_template_text", '"验证码{code}{link}{password}"', "未知变量"),
    ("sms_template_text", '"验证码{code}{link"', "花括号不匹配"),
    ("sms_sign_name", '"【济南交警】"', "签名"),
    ("sms_sign_name", '""', "签名不能为空"),
    ("sms_param_order", '["code", "link"]', "code、squad、link"),
    ("sms_template_code", '"SMS 1"', "阿里云短信模板编号"),
    ("sms_template_id", '"tpl-1"', "腾讯云短信模板 ID 只能包含数字"),
    ("sms_sdk_app_id", '"app1400"', "SdkAppId 只能包含数字"),
    ("sms_region", '"广州"', "ap-guangzhou"),
    ("sms_base_url", '"ftp://sms.example"', "http:// 或 https://"),
    ("dialer_scheme", '"skype"', "应为 tel 或 sip"),
    ("dialer_sip_domain", '"pbx local"', "SIP 域名"),
    ("dialer_prefix", '"9#"', "外线前缀只能包含数字"),
    ("dialer_webhook_url", '"cc.example/call"', "外呼接口地址应为以 http:// 或 https:// 开头"),
    ("dialer_webhook_url", '"javascript:alert(1)"', "http:// 或 https://"),
    ("ami_host", '"pbx\\r\\nAction: Logoff"', "主机名或 IP 地址"),
    ("ami_port", "0", "1–65535"),
    ("ami_port", "70000", "1–65535"),
    ("ami_port", '"abc"', "值无效"),
    ("ami_username", '"officer console"', "不能含空格"),
    ("ami_context", '""', "拨号方案上下文"),
    ("ami_channel", '"PJSIP/{ext}"', "{extension}"),
    ("ami_channel", '"PJSIP/{extension"', "花括号须成对"),
    ("ami_dial_prefix", '"+86"', "外线前缀只能包含数字"),
    ("officer_extension", '"80 01"', "民警分机号只能包含数字"),
    ("officer_extension", '"ext8001"', "民警分机号只能包含数字"),
    ("join_link", '"www.jj.example.cn/join"', "视频入口链接应为以 http:// 或 https:// 开头"),
]


@pytest.mark.parametrize(
    ("name", "toml", "fragment"), INVALID, ids=[f"{r[0]}-{i}" for i, r in enumerate(INVALID)]
)
def test_invalid_values_in_the_toml_file_are_reported_at_load(
    tmp_path: Path, name: str, toml: str, fragment: str
) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("{", r"\{").replace("(", r"\(")) as info:
        _load(tmp_path, f"{name} = {toml}\n")
    message = str(info.value)
    assert name in message
    assert "配置文件" in message  # says where the bad value came from


def test_invalid_environment_values_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="环境变量 OFFICER_CONSOLE_AMI_PORT") as info:
        _load(tmp_path, env={"OFFICER_CONSOLE_AMI_PORT": "65536"})
    assert "1–65535" in str(info.value)
    with pytest.raises(ConfigError, match="OFFICER_CONSOLE_SMS_TEMPLATE_TEXT"):
        _load(tmp_path, env={"OFFICER_CONSOLE_SMS_TEMPLATE_TEXT": "请点击 {link}"})
    with pytest.raises(ConfigError, match="OFFICER_CONSOLE_JOIN_LINK"):
        _load(tmp_path, env={"OFFICER_CONSOLE_JOIN_LINK": "file:///etc/passwd"})


def test_a_good_environment_value_repairs_a_bad_file_value(tmp_path: Path) -> None:
    settings = _load(tmp_path, "ami_port = 0\n", env={"OFFICER_CONSOLE_AMI_PORT": "5040"})
    assert settings.ami_port == 5040


def test_the_default_config_file_is_checked_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``load_settings()`` with no arguments (what the GUI calls) reads <data_dir>/config.toml."""
    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("OFFICER_CONSOLE_DATA_DIR", str(data))
    (data / "config.toml").write_text('officer_extension = "8001"\n', encoding="utf-8")
    assert load_settings().officer_extension == "8001"
    (data / "config.toml").write_text('dialer_webhook_url = "ftp://x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="dialer_webhook_url"):
        load_settings()
