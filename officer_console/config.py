"""Typed settings, declared once: name, type, default, description.

Sources, later wins: defaults → TOML file (``OFFICER_CONSOLE_CONFIG`` or ``<data_dir>/config.toml``)
→ environment (``OFFICER_CONSOLE_<NAME>``). Every path is injectable so tests and ``--demo``
never touch a user's real data. Values are checked when loaded, so a bad file is reported at
start-up; secrets (vendor keys, PBX and webhook passwords) are never settings: they come from
the environment or the OS keyring only (:mod:`officer_console.credentials`) and are
refused in the TOML file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from officer_console.credentials import KEYRING_SERVICE, SECRET_NAMES
from officer_console.domain.sms_text import (
    DEFAULT_ALIYUN_TEMPLATE_CODE,
    DEFAULT_SIGN_NAME,
    DEFAULT_TENCENT_TEMPLATE_ID,
    DEFAULT_TEXT,
    VENDOR_PARAMS,
    SmsError,
    SmsText,
)

ENV_PREFIX = "OFFICER_CONSOLE_"

Check = Callable[[Any], str | None]  # the problem in Chinese, or None when the value is fine


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


# --- value checks (dispatch settings) -------------------------------------------------------

_DIGITS = re.compile(r"[0-9]{1,16}")
_HOST = re.compile(r"[A-Za-z0-9.:-]{1,253}")  # host name, IPv4 or IPv6 address
_SIP_DOMAIN = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")
_PRINTABLE = re.compile(r"[!-~]{1,128}")  # ASCII, no blanks or line breaks (AMI is line-based)
_AMI_CONTEXT = re.compile(r"[A-Za-z0-9_.-]{1,80}")
_ALIYUN_TEMPLATE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TENCENT_REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")


def _http_url(what: str) -> Check:
    def check(value: str) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if (
            parts.scheme not in {"http", "https"}
            or not parts.hostname
            or any(c.isspace() for c in value)
        ):
            return f"{what}应为以 http:// 或 https:// 开头的完整网址"
        return None

    return check


def _digits(what: str, *, required: bool = False) -> Check:
    def check(value: str) -> str | None:
        if not value and not required:
            return None
        if not _DIGITS.fullmatch(value):
            return f"{what}只能包含数字（1–16 位）"
        return None

    return check


def _pattern(regex: re.Pattern[str], problem: str, *, required: bool = False) -> Check:
    def check(value: str) -> str | None:
        if not value and not required:
            return None
        return None if regex.fullmatch(value) else problem

    return check


def _one_of(*choices: str) -> Check:
    def check(value: str) -> str | None:
        return None if value in choices else f"应为 {' 或 '.join(choices)}"

    return check


_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_S3_REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")
_S3_PREFIX = re.compile(r"[A-Za-z0-9_./-]{1,200}")


def _range(low: int, high: int, what: str) -> Check:
    def check(value: int) -> str | None:
        return None if low <= value <= high else f"{what}应为 {low}–{high} 之间的整数"

    return check


def _check_evidence_store(settings: Settings, sources: dict[str, str]) -> None:
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


def _port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else "端口应为 1–65535 之间的整数"


def _ami_channel(value: str) -> str | None:
    if not _PRINTABLE.fullmatch(value):
        return "通道模板不能为空，也不能含空格或换行（如 PJSIP/{extension}）"
    try:
        value.format(extension="8001")
    except (KeyError, IndexError, AttributeError, ValueError):
        return "通道模板只能使用变量 {extension}（民警分机号），花括号须成对，如 PJSIP/{extension}"
    return None


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
            check=_pattern(
                _ALIYUN_TEMPLATE,
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
            check=_digits("腾讯云短信模板 ID ", required=True),
            strip=True,
        ),
    )
    sms_param_order: tuple[str, ...] = field(
        default=VENDOR_PARAMS, metadata=_meta("Tencent positional parameter order")
    )
    sms_sdk_app_id: str = field(
        default="",
        metadata=_meta(
            "Tencent SMS SdkAppId", check=_digits("腾讯云短信应用 SdkAppId "), strip=True
        ),
    )
    sms_region: str = field(
        default="ap-guangzhou",
        metadata=_meta(
            "Tencent SMS region",
            check=_pattern(_TENCENT_REGION, "腾讯云短信地域应形如 ap-guangzhou", required=True),
            strip=True,
        ),
    )
    sms_base_url: str = field(
        default="",
        metadata=_meta(
            "SMS API endpoint; empty → the vendor's public endpoint",
            check=_http_url("短信接口地址"),
            strip=True,
        ),
    )
    dialer_scheme: str = field(
        default="tel",
        metadata=_meta("uri dialer: tel | sip", check=_one_of("tel", "sip"), strip=True),
    )
    dialer_sip_domain: str = field(
        default="",
        metadata=_meta(
            "uri dialer: SIP domain (sip scheme)",
            check=_pattern(_SIP_DOMAIN, "SIP 域名只能包含字母、数字、. 和 -（可带 :端口）"),
            strip=True,
        ),
    )
    dialer_prefix: str = field(
        default="",
        metadata=_meta(
            "uri dialer: outside-line prefix (sip scheme)",
            check=_digits("外线前缀"),
            strip=True,
        ),
    )
    dialer_webhook_url: str = field(
        default="",
        metadata=_meta(
            "webhook dialer: click-to-call URL", check=_http_url("外呼接口地址"), strip=True
        ),
    )
    ami_host: str = field(
        default="",
        metadata=_meta(
            "ami dialer: Asterisk host",
            check=_pattern(_HOST, "电话交换机地址应为主机名或 IP 地址"),
            strip=True,
        ),
    )
    ami_port: int = field(default=5038, metadata=_meta("ami dialer: AMI port", check=_port))
    ami_username: str = field(
        default="",
        metadata=_meta(
            "ami dialer: AMI user (password: keyring/env AMI_SECRET)",
            check=_pattern(_PRINTABLE, "AMI 用户名不能含空格或换行"),
            strip=True,
        ),
    )
    ami_context: str = field(
        default="from-internal",
        metadata=_meta(
            "ami dialer: dialplan context",
            check=_pattern(_AMI_CONTEXT, "拨号方案上下文只能包含字母、数字、_ . -", required=True),
            strip=True,
        ),
    )
    ami_channel: str = field(
        default="PJSIP/{extension}",
        metadata=_meta("ami dialer: officer's channel template", check=_ami_channel, strip=True),
    )
    ami_dial_prefix: str = field(
        default="",
        metadata=_meta("ami dialer: outside-line prefix", check=_digits("外线前缀"), strip=True),
    )
    officer_extension: str = field(
        default="",
        metadata=_meta(
            "this workstation's phone extension", check=_digits("民警分机号"), strip=True
        ),
    )
    join_link: str = field(
        default="",
        metadata=_meta(
            "link in the SMS; empty → gateway_url + /join",
            check=_http_url("短信中的视频入口链接"),
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
            check=_http_url("时间戳服务器地址"),
            strip=True,
        ),
    )
    seal_image: str = field(default="", metadata=_meta("PNG seal image; empty → drawn seal"))
    verify_base_url: str = field(
        default="",
        metadata=_meta(
            "verification page in the QR code; empty → gateway_url + /verify",
            check=_http_url("文书核验网址"),
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
            check=_one_of("local", "path", "s3"),
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
            check=_http_url("对象存储地址"),
            strip=True,
        ),
    )
    s3_bucket: str = field(
        default="",
        metadata=_meta(
            "s3 store: bucket",
            check=_pattern(_BUCKET, "存储桶名只能包含小写字母、数字、. 和 -（3–63 个字符）"),
            strip=True,
        ),
    )
    s3_region: str = field(
        default="us-east-1",
        metadata=_meta(
            "s3 store: region",
            check=_pattern(_S3_REGION, "对象存储地域应形如 us-east-1 或 cn-north-1", required=True),
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
            check=_pattern(_S3_PREFIX, "对象前缀只能包含字母、数字、/ _ . -"),
            strip=True,
        ),
    )
    s3_retention_days: int = field(
        default=3650,
        metadata=_meta(
            "s3 store: object-lock retention (compliance mode), days; 0 → bucket default",
            check=_range(0, 36500, "对象锁定保留天数"),
        ),
    )
    s3_part_size_mb: int = field(
        default=16,
        metadata=_meta("s3 store: multipart part size, MiB", check=_range(5, 1024, "分片大小")),
    )
    evidence_upload_retry_seconds: int = field(
        default=30,
        metadata=_meta(
            "retry interval of pending evidence uploads", check=_range(2, 3600, "上传重试间隔")
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


def _coerce(name: str, target: Any, raw: Any) -> Any:
    """Turn a TOML or environment value into the declared type, with a clear error."""
    default = target
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, Path):
            return Path(str(raw)).expanduser()
        if isinstance(default, tuple):
            if isinstance(raw, list | tuple):
                return tuple(str(x) for x in raw)
            return tuple(x.strip() for x in str(raw).split(",") if x.strip())
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"配置项 {name} 的值无效: {raw!r}") from exc


class ConfigError(Exception):
    """The configuration file or environment holds something unusable."""


_STRIPPED = {f.name: bool(f.metadata.get("strip")) for f in fields(Settings)}
_SECRET_LOOKING = re.compile(r"secret|password|passwd|pwd|token|private_key|access_key", re.I)


def _toml_keys(table: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, key) of every key in the document, nested tables included."""
    for key, value in table.items():
        yield prefix + key, key
        if isinstance(value, dict):
            yield from _toml_keys(value, f"{prefix}{key}.")
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from _toml_keys(item, f"{prefix}{key}.")


def _refuse_secrets(document: dict[str, Any], path: Path, known: set[str]) -> None:
    """Secrets live in the environment or the keyring, never in a plain file."""
    for dotted, key in _toml_keys(document):
        name = key.upper()
        if name in SECRET_NAMES:
            raise ConfigError(
                f"配置文件 {path} 中不能写密钥 {dotted}（配置文件是工作站上的明文文件）："
                f"请改为设置环境变量 {ENV_PREFIX}{name}，"
                f"或保存到系统钥匙串（服务名 {KEYRING_SERVICE}，条目 {name}），并从配置文件中删除。"
            )
        if key not in known and _SECRET_LOOKING.search(key):
            raise ConfigError(
                f"配置文件 {path} 中的 {dotted} 像是密码或密钥，配置文件中不能保存密码或密钥："
                f"请从配置文件中删除，改用环境变量或系统钥匙串（服务名 {KEYRING_SERVICE}）。"
            )


def _convert(name: str, base: Settings, raw: Any, where: str) -> Any:
    try:
        value = _coerce(name, getattr(base, name), raw)
    except ConfigError as exc:
        raise ConfigError(f"配置项 {name}（{where}）的值无效: {raw!r}") from exc
    if _STRIPPED.get(name) and isinstance(value, str):
        value = value.strip()
    return value


def _check_values(settings: Settings, sources: dict[str, str]) -> None:
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


def load_settings(
    env: dict[str, str] | None = None, config_file: Path | None = None, **overrides: Any
) -> Settings:
    """Build settings from defaults, the TOML file, the environment and explicit overrides."""
    env = dict(os.environ if env is None else env)
    base = Settings()
    by_name = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    data_dir_raw = overrides.get("data_dir") or env.get(ENV_PREFIX + "DATA_DIR")
    data_dir = Path(str(data_dir_raw)).expanduser() if data_dir_raw else base.data_dir
    path = config_file or (
        Path(env[ENV_PREFIX + "CONFIG"]) if env.get(ENV_PREFIX + "CONFIG") else None
    )
    if path is None and (data_dir / "config.toml").is_file():
        path = data_dir / "config.toml"
    if path is not None:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"找不到配置文件: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"配置文件格式错误 {path}: {exc}") from exc
        _refuse_secrets(document, path, set(by_name))
        table = document.get("officer_console", document)
        for key, raw in table.items():
            if key not in by_name:
                raise ConfigError(f"配置文件中有未知配置项: {key}")
            sources[key] = f"配置文件 {path}"
            values[key] = _convert(key, base, raw, sources[key])
    for f in by_name.values():
        env_key = ENV_PREFIX + f.name.upper()
        raw_env = env.get(env_key)
        if raw_env is not None and raw_env != "":
            value = _convert(f.name, base, raw_env, f"环境变量 {env_key}")
            if _STRIPPED[f.name] and value == "":
                continue  # blanks only: unset, as before these were settings
            values[f.name] = value
            sources[f.name] = f"环境变量 {env_key}"
    for key, raw in overrides.items():
        if raw is not None:
            sources[key] = "启动参数"
            values[key] = _convert(key, base, raw, sources[key])
    settings = replace(base, **values)
    _check_values(settings, sources)
    _check_evidence_store(settings, sources)
    return settings
