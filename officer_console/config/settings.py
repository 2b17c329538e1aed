"""The settings, declared once: name, type, default, description and check.

One frozen dataclass shared by the console, the gateway and the admin tool; how values get
into it (file, environment, flags) is :mod:`officer_console.config.loading`. Secrets are never
fields here (:mod:`officer_console.credentials`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from officer_console.config.checks import (
    ALIYUN_TEMPLATE,
    AMI_CONTEXT,
    BUCKET,
    HOST,
    PRINTABLE,
    S3_PREFIX,
    S3_REGION,
    SIP_DOMAIN,
    TENCENT_REGION,
    Check,
    ami_channel,
    digits,
    http_url,
    in_range,
    one_of,
    pattern,
    port,
)
from officer_console.domain.sms_text import (
    DEFAULT_ALIYUN_TEMPLATE_CODE,
    DEFAULT_SIGN_NAME,
    DEFAULT_TENCENT_TEMPLATE_ID,
    DEFAULT_TEXT,
    VENDOR_PARAMS,
)

ENV_PREFIX = "OFFICER_CONSOLE_"


class ConfigError(Exception):
    """The configuration file or environment holds something unusable."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "officer-console"


def _meta(description: str, *, check: Check | None = None, strip: bool = False) -> dict[str, Any]:
    """Field metadata: a description; optionally a value ``check`` run at load time and
    ``strip`` (surrounding blanks removed, an environment value of only blanks is unset)."""
    meta: dict[str, Any] = {"description": description}
    if check is not None:
        meta["check"] = check
    if strip:
        meta["strip"] = True
    return meta


@dataclass(frozen=True)
class Settings:
    """All settings of the console, the gateway and the admin tool."""

    data_dir: Path = field(default_factory=_default_data_dir, metadata=_meta("数据目录"))
    database_url: str = field(
        default="", metadata=_meta("SQLAlchemy URL; empty → SQLite in data_dir")
    )
    timezone: str = field(default="Asia/Shanghai", metadata=_meta("squads' local time zone"))
    region_code: str = field(default="370100", metadata=_meta("catalogue region (division code)"))
    decision_number_format: str = field(
        default="{division}{year}{serial:07d}", metadata=_meta("decision document number format")
    )
    inactivity_lock_minutes: int = field(default=30, metadata=_meta("lock after idle minutes"))
    login_max_failures: int = field(default=5, metadata=_meta("failures before account lock"))
    login_failure_window_minutes: int = field(default=15, metadata=_meta("failure window"))
    require_totp: bool = field(default=False, metadata=_meta("require a TOTP second factor"))
    code_valid_minutes: int = field(default=10, metadata=_meta("verification code validity"))
    code_max_attempts: int = field(default=5, metadata=_meta("wrong tries before a code is void"))
    gateway_url: str = field(default="http://127.0.0.1:8470", metadata=_meta("citizen gateway"))
    gateway_host: str = field(default="127.0.0.1", metadata=_meta("gateway bind host"))
    gateway_port: int = field(default=8470, metadata=_meta("gateway bind port"))
    sms_provider: str = field(default="outbox", metadata=_meta("outbox | aliyun | tencent"))
    dialer: str = field(default="uri", metadata=_meta("uri | ami | webhook"))
    ice_servers: tuple[str, ...] = field(default=(), metadata=_meta("STUN/TURN URLs"))
    camera: str = field(
        default="",
        metadata=_meta("camera device id; empty → system default, synthetic → test card"),
    )
    microphone: str = field(
        default="", metadata=_meta("microphone device id; empty → system default, synthetic → tone")
    )
    speaker: str = field(
        default="", metadata=_meta("speaker device id; empty → system default, none → silent")
    )
    # Dispatch (SMS + call). Secrets are not settings: see officer_console.credentials.
    sms_template_text: str = field(
        default=DEFAULT_TEXT,
        metadata=_meta(
            "SMS text as approved by the vendor: {code} {link} required, {squad} {minutes}",
            strip=True,
        ),
    )
    sms_sign_name: str = field(
        default=DEFAULT_SIGN_NAME, metadata=_meta("SMS signature, without 【】", strip=True)
    )
    sms_template_code: str = field(
        default=DEFAULT_ALIYUN_TEMPLATE_CODE,
        metadata=_meta(
            "Aliyun TemplateCode",
            check=pattern(
                ALIYUN_TEMPLATE,
                "阿里云短信模板编号只能包含字母、数字、_ 和 -（如 SMS_123456789）",
                required=True,
            ),
            strip=True,
        ),
    )
    sms_template_id: str = field(
        default=DEFAULT_TENCENT_TEMPLATE_ID,
        metadata=_meta(
            "Tencent TemplateId",
            check=digits("腾讯云短信模板 ID ", required=True),
            strip=True,
        ),
    )
    sms_param_order: tuple[str, ...] = field(
        default=VENDOR_PARAMS, metadata=_meta("Tencent positional parameter order")
    )
    sms_sdk_app_id: str = field(
        default="",
        metadata=_meta(
            "Tencent SMS SdkAppId", check=digits("腾讯云短信应用 SdkAppId "), strip=True
        ),
    )
    sms_region: str = field(
        default="ap-guangzhou",
        metadata=_meta(
            "Tencent SMS region",
            check=pattern(TENCENT_REGION, "腾讯云短信地域应形如 ap-guangzhou", required=True),
            strip=True,
        ),
    )
    sms_base_url: str = field(
        default="",
        metadata=_meta(
            "SMS API endpoint; empty → the vendor's public endpoint",
            check=http_url("短信接口地址"),
            strip=True,
        ),
    )
    dialer_scheme: str = field(
        default="tel",
        metadata=_meta("uri dialer: tel | sip", check=one_of("tel", "sip"), strip=True),
    )
    dialer_sip_domain: str = field(
        default="",
        metadata=_meta(
            "uri dialer: SIP domain (sip scheme)",
            check=pattern(SIP_DOMAIN, "SIP 域名只能包含字母、数字、. 和 -（可带 :端口）"),
            strip=True,
        ),
    )
    dialer_prefix: str = field(
        default="",
        metadata=_meta(
            "uri dialer: outside-line prefix (sip scheme)",
            check=digits("外线前缀"),
            strip=True,
        ),
    )
    dialer_webhook_url: str = field(
        default="",
        metadata=_meta(
            "webhook dialer: click-to-call URL", check=http_url("外呼接口地址"), strip=True
        ),
    )
    ami_host: str = field(
        default="",
        metadata=_meta(
            "ami dialer: Asterisk host",
            check=pattern(HOST, "电话交换机地址应为主机名或 IP 地址"),
            strip=True,
        ),
    )
    ami_port: int = field(default=5038, metadata=_meta("ami dialer: AMI port", check=port))
    ami_username: str = field(
        default="",
        metadata=_meta(
            "ami dialer: AMI user (password: keyring/env AMI_SECRET)",
            check=pattern(PRINTABLE, "AMI 用户名不能含空格或换行"),
            strip=True,
        ),
    )
    ami_context: str = field(
        default="from-internal",
        metadata=_meta(
            "ami dialer: dialplan context",
            check=pattern(AMI_CONTEXT, "拨号方案上下文只能包含字母、数字、_ . -", required=True),
            strip=True,
        ),
    )
    ami_channel: str = field(
        default="PJSIP/{extension}",
        metadata=_meta("ami dialer: officer's channel template", check=ami_channel, strip=True),
    )
    ami_dial_prefix: str = field(
        default="",
        metadata=_meta("ami dialer: outside-line prefix", check=digits("外线前缀"), strip=True),
    )
    officer_extension: str = field(
        default="",
        metadata=_meta(
            "this workstation's phone extension", check=digits("民警分机号"), strip=True
        ),
    )
    join_link: str = field(
        default="",
        metadata=_meta(
            "link in the SMS; empty → gateway_url + /join",
            check=http_url("短信中的视频入口链接"),
            strip=True,
        ),
    )
    # Statutory documents (docs/documents.md). The PKCS#12 password is a secret:
    # environment OFFICER_CONSOLE_SIGNING_P12_PASSWORD or keyring entry SIGNING_P12_PASSWORD.
    signing_p12: str = field(
        default="",
        metadata=_meta("unit PKCS#12 for document signatures; empty → demo PKI in data_dir"),
    )
    signing_trust_roots: tuple[str, ...] = field(
        default=(), metadata=_meta("PEM CA certificates trusted when verifying documents")
    )
    timestamp_url: str = field(
        default="",
        metadata=_meta(
            "RFC 3161 timestamp server (PAdES B-LTA with signing_trust_roots; B-T, B-B fallback)",
            check=http_url("时间戳服务器地址"),
            strip=True,
        ),
    )
    seal_image: str = field(default="", metadata=_meta("PNG seal image; empty → drawn seal"))
    verify_base_url: str = field(
        default="",
        metadata=_meta(
            "verification page in the QR code; empty → gateway_url + /verify",
            check=http_url("文书核验网址"),
            strip=True,
        ),
    )
    workstation: str = field(default="", metadata=_meta("workstation name in audit rows"))
    log_json: bool = field(default=False, metadata=_meta("structured JSON logs"))
    # Evidence store (docs/evidence.md). S3 keys are secrets: S3_ACCESS_KEY_ID/…_SECRET_…
    evidence_store: str = field(
        default="local",
        metadata=_meta(
            "local | path | s3 — where recordings and documents are kept",
            check=one_of("local", "path", "s3"),
            strip=True,
        ),
    )
    evidence_path: str = field(
        default="", metadata=_meta("path store: the mounted share's directory", strip=True)
    )
    s3_endpoint: str = field(
        default="",
        metadata=_meta(
            "s3 store: endpoint URL (MinIO/Ceph); empty → AWS",
            check=http_url("对象存储地址"),
            strip=True,
        ),
    )
    s3_bucket: str = field(
        default="",
        metadata=_meta(
            "s3 store: bucket",
            check=pattern(BUCKET, "存储桶名只能包含小写字母、数字、. 和 -（3–63 个字符）"),
            strip=True,
        ),
    )
    s3_region: str = field(
        default="us-east-1",
        metadata=_meta(
            "s3 store: region",
            check=pattern(S3_REGION, "对象存储地域应形如 us-east-1 或 cn-north-1", required=True),
            strip=True,
        ),
    )
    s3_tls_verify: bool = field(default=True, metadata=_meta("s3 store: verify TLS"))
    s3_ca_bundle: str = field(
        default="", metadata=_meta("s3 store: CA bundle file for an intranet CA", strip=True)
    )
    s3_prefix: str = field(
        default="",
        metadata=_meta(
            "s3 store: key prefix",
            check=pattern(S3_PREFIX, "对象前缀只能包含字母、数字、/ _ . -"),
            strip=True,
        ),
    )
    s3_retention_days: int = field(
        default=3650,
        metadata=_meta(
            "s3 store: object-lock retention (compliance mode), days; 0 → bucket default",
            check=in_range(0, 36500, "对象锁定保留天数"),
        ),
    )
    s3_part_size_mb: int = field(
        default=16,
        metadata=_meta("s3 store: multipart part size, MiB", check=in_range(5, 1024, "分片大小")),
    )
    evidence_upload_retry_seconds: int = field(
        default=30,
        metadata=_meta(
            "retry interval of pending evidence uploads", check=in_range(2, 3600, "上传重试间隔")
        ),
    )

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'officer-console.db'}"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def workstation_name(self) -> str:
        return self.workstation or os.uname().nodename
