"""Build the configured SMS provider, dialer and dispatch service from :class:`Settings`.

Every non-secret option comes from ``Settings`` (TOML file or ``OFFICER_CONSOLE_<NAME>``,
checked when the settings are loaded); only the secrets are looked up here, through
:func:`~officer_console.credentials.get_secret` (environment, then the OS keyring). The
``env`` arguments are where those secrets are read (default: the process environment).
Anything missing is reported as one clear Chinese message naming where to put it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Literal, Protocol

from sqlalchemy.orm import Session, sessionmaker

from officer_console.credentials import ENV_PREFIX, KEYRING_SERVICE, env_name, get_secret
from officer_console.dispatch.dialers.ami import AmiConfig, AmiDialer
from officer_console.dispatch.dialers.base import Dialer, DialerError
from officer_console.dispatch.dialers.uri import Opener as UriOpener
from officer_console.dispatch.dialers.uri import UriDialer
from officer_console.dispatch.dialers.webhook import WebhookConfig, WebhookDialer
from officer_console.dispatch.outbox import OutboxSmsProvider
from officer_console.dispatch.service import DispatchService
from officer_console.dispatch.sms import aliyun, tencent
from officer_console.dispatch.sms.aliyun import AliyunSmsConfig, AliyunSmsProvider
from officer_console.dispatch.sms.base import SmsError, SmsProvider
from officer_console.dispatch.sms.tencent import TencentSmsConfig, TencentSmsProvider
from officer_console.dispatch.templates import SmsTemplate

__all__ = [
    "build_dialer",
    "build_dispatch_service",
    "build_join_link",
    "build_sms_provider",
    "build_template",
]

log = logging.getLogger("officer_console.dispatch.factory")

Opener = UriOpener  # tel:/sip: opener: bool or OpenOutcome, directly or awaitable


class Settings(Protocol):
    """What dispatch reads of the console's settings (``officer_console.config.Settings``
    has all of it). A protocol, so this layer never imports the configuration from above."""

    @property
    def sms_provider(self) -> str: ...
    @property
    def sms_template_text(self) -> str: ...
    @property
    def sms_sign_name(self) -> str: ...
    @property
    def sms_template_code(self) -> str: ...
    @property
    def sms_template_id(self) -> str: ...
    @property
    def sms_param_order(self) -> tuple[str, ...]: ...
    @property
    def sms_sdk_app_id(self) -> str: ...
    @property
    def sms_region(self) -> str: ...
    @property
    def sms_base_url(self) -> str: ...
    @property
    def code_valid_minutes(self) -> int: ...
    @property
    def join_link(self) -> str: ...
    @property
    def gateway_url(self) -> str: ...
    @property
    def officer_extension(self) -> str: ...
    @property
    def dialer(self) -> str: ...
    @property
    def dialer_scheme(self) -> str: ...
    @property
    def dialer_sip_domain(self) -> str: ...
    @property
    def dialer_prefix(self) -> str: ...
    @property
    def dialer_webhook_url(self) -> str: ...
    @property
    def ami_host(self) -> str: ...
    @property
    def ami_username(self) -> str: ...
    @property
    def ami_port(self) -> int: ...
    @property
    def ami_context(self) -> str: ...
    @property
    def ami_channel(self) -> str: ...
    @property
    def ami_dial_prefix(self) -> str: ...


def _where(*names: str) -> str:
    """Where a setting goes: the TOML key(s) and the environment variable(s)."""
    keys = " 和 ".join(names)
    variables = " 和 ".join(ENV_PREFIX + n.upper() for n in names)
    return f"请在配置文件中设置 {keys}，或设置环境变量 {variables}"


def _required_secret(
    name: str, what: str, env: Mapping[str, str] | None, error: type[Exception]
) -> str:
    value = get_secret(name, env=env)
    if not value:
        raise error(
            f"未配置{what}：请设置环境变量 {env_name(name)}，"
            f"或保存到系统钥匙串（服务名 {KEYRING_SERVICE}，条目 {name}）。"
            "密钥不能写在配置文件中。"
        )
    return value


def build_template(settings: Settings) -> SmsTemplate:
    """The SMS template: ``sms_template_text``, ``sms_sign_name``, the vendor ids and order."""
    return SmsTemplate(
        text=settings.sms_template_text,
        sign_name=settings.sms_sign_name,
        aliyun_template_code=settings.sms_template_code,
        tencent_template_id=settings.sms_template_id,
        param_order=settings.sms_param_order,
    )


def build_join_link(settings: Settings) -> str:
    """``join_link``, or the gateway's ``/join`` page when it is not set."""
    return settings.join_link or settings.gateway_url.rstrip("/") + "/join"


def build_sms_provider(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    template: SmsTemplate | None = None,
    env: Mapping[str, str] | None = None,
) -> SmsProvider:
    """``outbox`` (demo), ``aliyun`` or ``tencent``; raises SmsError naming what is missing."""
    template = template or build_template(settings)
    kind = settings.sms_provider.strip().lower()
    if kind == "outbox":
        log.warning("SMS outbox selected: messages are stored, not sent (demo/development only)")
        return OutboxSmsProvider(
            factory, template=template, valid_minutes=settings.code_valid_minutes
        )
    if kind == "aliyun":
        return AliyunSmsProvider(
            AliyunSmsConfig(
                access_key_id=_required_secret(
                    "SMS_ACCESS_KEY_ID", "阿里云短信 AccessKey ID", env, SmsError
                ),
                access_key_secret=_required_secret(
                    "SMS_ACCESS_KEY_SECRET", "阿里云短信 AccessKey Secret", env, SmsError
                ),
                base_url=settings.sms_base_url or aliyun.ENDPOINT,
            )
        )
    if kind == "tencent":
        if not settings.sms_sdk_app_id:
            raise SmsError(f"未配置腾讯云短信应用 SdkAppId：{_where('sms_sdk_app_id')}。")
        return TencentSmsProvider(
            TencentSmsConfig(
                secret_id=_required_secret("SMS_SECRET_ID", "腾讯云短信 SecretId", env, SmsError),
                secret_key=_required_secret(
                    "SMS_SECRET_KEY", "腾讯云短信 SecretKey", env, SmsError
                ),
                sdk_app_id=settings.sms_sdk_app_id,
                region=settings.sms_region,
                base_url=settings.sms_base_url or tencent.ENDPOINT,
                template_param_order={template.tencent_template_id: template.param_order},
            )
        )
    raise SmsError(f"未知的短信服务“{settings.sms_provider}”：应为 outbox、aliyun 或 tencent。")


def build_dialer(
    settings: Settings, *, opener: Opener | None = None, env: Mapping[str, str] | None = None
) -> Dialer:
    """``uri`` (needs the GUI's ``opener``), ``ami`` or ``webhook``; raises DialerError."""
    kind = settings.dialer.strip().lower()
    if kind == "uri":
        if opener is None:
            raise DialerError("软电话呼叫需要图形界面提供打开链接的方式（opener）。")
        scheme = settings.dialer_scheme
        if scheme not in ("tel", "sip"):
            raise DialerError(f"不支持的呼叫协议：{scheme}（应为 tel 或 sip）")
        if scheme == "sip" and not settings.dialer_sip_domain:
            raise DialerError(f"使用 sip: 呼叫时必须配置 SIP 域名：{_where('dialer_sip_domain')}。")
        uri_scheme: Literal["tel", "sip"] = "sip" if scheme == "sip" else "tel"
        return UriDialer(
            opener,
            scheme=uri_scheme,
            sip_domain=settings.dialer_sip_domain,
            dial_prefix=settings.dialer_prefix,
        )
    if kind == "ami":
        if not settings.ami_host or not settings.ami_username:
            raise DialerError(f"未配置电话交换机：{_where('ami_host', 'ami_username')}。")
        return AmiDialer(
            AmiConfig(
                host=settings.ami_host,
                username=settings.ami_username,
                secret=_required_secret("AMI_SECRET", "电话交换机（AMI）密码", env, DialerError),
                port=settings.ami_port,
                context=settings.ami_context,
                channel_template=settings.ami_channel,
                dial_prefix=settings.ami_dial_prefix,
            )
        )
    if kind == "webhook":
        if not settings.dialer_webhook_url:
            raise DialerError(f"未配置外呼接口地址：{_where('dialer_webhook_url')}。")
        return WebhookDialer(
            WebhookConfig(
                settings.dialer_webhook_url,
                secret=get_secret("DIALER_WEBHOOK_SECRET", env=env) or "",
            )
        )
    raise DialerError(f"未知的呼叫方式“{settings.dialer}”：应为 uri、ami 或 webhook。")


def build_dispatch_service(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    opener: Opener | None = None,
    env: Mapping[str, str] | None = None,
) -> DispatchService:
    """The service the console uses: provider, dialer, template and join link from settings."""
    template = build_template(settings)
    return DispatchService(
        factory,
        build_sms_provider(settings, factory, template=template, env=env),
        build_dialer(settings, opener=opener, env=env),
        template=template,
        join_link=build_join_link(settings),
        valid_minutes=settings.code_valid_minutes,
        officer_extension=settings.officer_extension,
    )
