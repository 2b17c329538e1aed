"""Checks over a whole :class:`Settings`, once every source has been applied.

A value can only be judged with the others (the SMS template against its vendor codes, the
evidence backend against its required paths), and the message names where each value came
from, so the officer or administrator knows which file or variable to fix.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from urllib.parse import urlsplit

from officer_console.config.checks import Check
from officer_console.config.settings import ENV_PREFIX, ConfigError, Settings
from officer_console.domain.sms_text import SmsError, SmsText


def check_settings(settings: Settings, sources: dict[str, str]) -> None:
    """Every check; ``sources`` maps a field to where its value came from (Chinese)."""
    check_values(settings, sources)
    check_evidence_store(settings, sources)


def check_values(settings: Settings, sources: dict[str, str]) -> None:
    """Run every field's check and the SMS template's own; raise one clear ConfigError."""
    for f in fields(Settings):
        check: Check | None = f.metadata.get("check")
        if check is None:
            continue
        value = getattr(settings, f.name)
        problem = check(value)
        if problem:
            where = sources.get(f.name, "默认值")
            raise ConfigError(f"配置项 {f.name}（{where}）的值无效：{problem}。当前值：{value!r}")
    try:
        SmsText(
            text=settings.sms_template_text,
            sign_name=settings.sms_sign_name,
            aliyun_template_code=settings.sms_template_code,
            tencent_template_id=settings.sms_template_id,
            param_order=settings.sms_param_order,
        )
    except SmsError as exc:
        names = ("sms_template_text", "sms_sign_name", "sms_param_order")
        where = "、".join(f"{n}（{sources[n]}）" for n in names if n in sources) or "默认值"
        raise ConfigError(f"短信模板配置无效：{exc.message.rstrip('。')}。来源：{where}") from exc


def check_evidence_store(settings: Settings, sources: dict[str, str]) -> None:
    """The backend's required settings (one clear ConfigError, Chinese)."""
    kind = settings.evidence_store
    where = sources.get("evidence_store", "默认值")
    if kind == "path":
        if not settings.evidence_path:
            raise ConfigError(
                f"证据存储为 path（{where}）时必须设置 evidence_path（网络共享挂载目录）"
            )
        if not Path(settings.evidence_path).expanduser().is_absolute():
            raise ConfigError(f"evidence_path 应为绝对路径。当前值：{settings.evidence_path!r}")
    if urlsplit(settings.s3_endpoint).username is not None:
        raise ConfigError(
            "s3_endpoint 中不能包含用户名或密钥：访问密钥请设置环境变量"
            f" {ENV_PREFIX}S3_ACCESS_KEY_ID / {ENV_PREFIX}S3_SECRET_ACCESS_KEY 或保存到系统钥匙串"
        )
    if kind == "s3" and not settings.s3_bucket:
        raise ConfigError(f"证据存储为 s3（{where}）时必须设置 s3_bucket（存储桶名）")
    if settings.s3_ca_bundle and not Path(settings.s3_ca_bundle).expanduser().is_file():
        raise ConfigError(f"找不到 s3_ca_bundle 指定的 CA 证书文件: {settings.s3_ca_bundle}")
