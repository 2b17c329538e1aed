"""Build the configured SMS provider, dialer and dispatch service from :class:`Settings`.

``Settings`` names the adapter (``sms_provider``, ``dialer``); the adapters' own options are
read from ``OFFICER_CONSOLE_*`` environment variables (``Settings`` has no fields for them
yet) and their secrets through :func:`~officer_console.dispatch.secrets.get_secret`. Anything
missing is reported as one clear Chinese message naming where to put it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings
from officer_console.dispatch.dialers.ami import AmiConfig, AmiDialer
from officer_console.dispatch.dialers.base import Dialer, DialerError
from officer_console.dispatch.dialers.uri import UriDialer
from officer_console.dispatch.dialers.webhook import WebhookConfig, WebhookDialer
from officer_console.dispatch.outbox import OutboxSmsProvider
from officer_console.dispatch.secrets import KEYRING_SERVICE, env_name, get_secret
from officer_console.dispatch.service import DispatchService
from officer_console.dispatch.sms.aliyun import AliyunSmsConfig, AliyunSmsProvider
from officer_console.dispatch.sms.base import SmsError, SmsProvider
from officer_console.dispatch.sms.tencent import TencentSmsConfig, TencentSmsProvider
from officer_console.dispatch.templates import DEFAULT_SIGN_NAME, DEFAULT_TEXT, SmsTemplate

__all__ = ["build_dialer", "build_dispatch_service", "build_sms_provider", "build_template"]

log = logging.getLogger("officer_console.dispatch.factory")

Opener = Callable[[str], bool]


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def _opt(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get(env_name(name), "").strip() or default


def _required_secret(name: str, what: str, env: Mapping[str, str], error: type[Exception]) -> str:
    value = get_secret(name, env=env)
    if not value:
        raise error(
            f"未配置{what}：请设置环境变量 {env_name(name)}，"
            f"或保存到系统钥匙串（服务名 {KEYRING_SERVICE}，条目 {name}）。"
        )
    return value


def build_template(env: Mapping[str, str] | None = None) -> SmsTemplate:
    """The SMS template from ``OFFICER_CONSOLE_SMS_TEMPLATE_TEXT`` / ``_SIGN_NAME`` / ids."""
    e = _env(env)
    order = tuple(x.strip() for x in _opt(e, "SMS_PARAM_ORDER", "code,squad,link").split(","))
    return SmsTemplate(
        text=_opt(e, "SMS_TEMPLATE_TEXT", DEFAULT_TEXT),
        sign_name=_opt(e, "SMS_SIGN_NAME", DEFAULT_SIGN_NAME),
        aliyun_template_code=_opt(e, "SMS_TEMPLATE_CODE", "SMS_OFFICER_JOIN"),
        tencent_template_id=_opt(e, "SMS_TEMPLATE_ID", "1000001"),
        param_order=order,
    )


def build_sms_provider(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    template: SmsTemplate | None = None,
    env: Mapping[str, str] | None = None,
) -> SmsProvider:
    """``outbox`` (demo), ``aliyun`` or ``tencent``; raises SmsError naming what is missing."""
    e = _env(env)
    template = template or build_template(e)
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
                    "SMS_ACCESS_KEY_ID", "阿里云短信 AccessKey ID", e, SmsError
                ),
                access_key_secret=_required_secret(
                    "SMS_ACCESS_KEY_SECRET", "阿里云短信 AccessKey Secret", e, SmsError
                ),
                base_url=_opt(e, "SMS_BASE_URL", "https://dysmsapi.aliyuncs.com"),
            )
        )
    if kind == "tencent":
        app_id = _opt(e, "SMS_SDK_APP_ID")
        if not app_id:
            raise SmsError(
                f"未配置腾讯云短信应用 SdkAppId：请设置环境变量 {env_name('SMS_SDK_APP_ID')}。"
            )
        return TencentSmsProvider(
            TencentSmsConfig(
                secret_id=_required_secret("SMS_SECRET_ID", "腾讯云短信 SecretId", e, SmsError),
                secret_key=_required_secret("SMS_SECRET_KEY", "腾讯云短信 SecretKey", e, SmsError),
                sdk_app_id=app_id,
                region=_opt(e, "SMS_REGION", "ap-guangzhou"),
                base_url=_opt(e, "SMS_BASE_URL", "https://sms.tencentcloudapi.com"),
                template_param_order={template.tencent_template_id: template.param_order},
            )
        )
    raise SmsError(f"未知的短信服务“{settings.sms_provider}”：应为 outbox、aliyun 或 tencent。")


def build_dialer(
    settings: Settings, *, opener: Opener | None = None, env: Mapping[str, str] | None = None
) -> Dialer:
    """``uri`` (needs the GUI's ``opener``), ``ami`` or ``webhook``; raises DialerError."""
    e = _env(env)
    kind = settings.dialer.strip().lower()
    if kind == "uri":
        if opener is None:
            raise DialerError("软电话呼叫需要图形界面提供打开链接的方式（opener）。")
        scheme = _opt(e, "DIALER_SCHEME", "tel")
        if scheme not in ("tel", "sip"):
            raise DialerError(f"不支持的呼叫协议：{scheme}（应为 tel 或 sip）")
        uri_scheme: Literal["tel", "sip"] = "sip" if scheme == "sip" else "tel"
        return UriDialer(
            opener,
            scheme=uri_scheme,
            sip_domain=_opt(e, "DIALER_SIP_DOMAIN"),
            dial_prefix=_opt(e, "DIALER_PREFIX"),
        )
    if kind == "ami":
        host, user = _opt(e, "AMI_HOST"), _opt(e, "AMI_USERNAME")
        if not host or not user:
            raise DialerError(
                f"未配置电话交换机：请设置环境变量 {env_name('AMI_HOST')} 和 {env_name('AMI_USERNAME')}。"
            )
        base = AmiConfig.from_env(
            {
                **dict(e),
                env_name("AMI_SECRET"): _required_secret(
                    "AMI_SECRET", "电话交换机（AMI）密码", e, DialerError
                ),
            }
        )
        return AmiDialer(base)
    if kind == "webhook":
        url = _opt(e, "DIALER_WEBHOOK_URL")
        if not url:
            raise DialerError(
                f"未配置外呼接口地址：请设置环境变量 {env_name('DIALER_WEBHOOK_URL')}。"
            )
        return WebhookDialer(
            WebhookConfig(url, secret=get_secret("DIALER_WEBHOOK_SECRET", env=e) or "")
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
    e = _env(env)
    template = build_template(e)
    return DispatchService(
        factory,
        build_sms_provider(settings, factory, template=template, env=e),
        build_dialer(settings, opener=opener, env=e),
        template=template,
        join_link=_opt(e, "JOIN_LINK", settings.gateway_url.rstrip("/") + "/join"),
        valid_minutes=settings.code_valid_minutes,
        officer_extension=_opt(e, "OFFICER_EXTENSION"),
    )
