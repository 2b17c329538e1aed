"""Typed settings, declared once: name, type, default, description.

Sources, later wins: defaults → TOML file (``OFFICER_CONSOLE_CONFIG`` or ``<data_dir>/config.toml``)
→ environment (``OFFICER_CONSOLE_<NAME>``). Every path is injectable so tests and ``--demo``
never touch a user's real data.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "OFFICER_CONSOLE_"


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "officer-console"


def _meta(description: str) -> dict[str, Any]:
    return {"description": description}


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
        default="", metadata=_meta("camera device id; empty → system default, synthetic → test card")
    )
    microphone: str = field(
        default="", metadata=_meta("microphone device id; empty → system default, synthetic → tone")
    )
    speaker: str = field(
        default="", metadata=_meta("speaker device id; empty → system default, none → silent")
    )
    workstation: str = field(default="", metadata=_meta("workstation name in audit rows"))
    log_json: bool = field(default=False, metadata=_meta("structured JSON logs"))

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


def load_settings(
    env: dict[str, str] | None = None, config_file: Path | None = None, **overrides: Any
) -> Settings:
    """Build settings from defaults, the TOML file, the environment and explicit overrides."""
    env = dict(os.environ if env is None else env)
    base = Settings()
    values: dict[str, Any] = {}
    data_dir_raw = overrides.get("data_dir") or env.get(ENV_PREFIX + "DATA_DIR")
    data_dir = Path(str(data_dir_raw)).expanduser() if data_dir_raw else base.data_dir
    path = config_file or (
        Path(env[ENV_PREFIX + "CONFIG"]) if env.get(ENV_PREFIX + "CONFIG") else None
    )
    if path is None and (data_dir / "config.toml").is_file():
        path = data_dir / "config.toml"
    if path is not None:
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"找不到配置文件: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"配置文件格式错误 {path}: {exc}") from exc
        table = table.get("officer_console", table)
        known = {f.name for f in fields(Settings)}
        for key, raw in table.items():
            if key not in known:
                raise ConfigError(f"配置文件中有未知配置项: {key}")
            values[key] = _coerce(key, getattr(base, key), raw)
    for f in fields(Settings):
        raw_env = env.get(ENV_PREFIX + f.name.upper())
        if raw_env is not None and raw_env != "":
            values[f.name] = _coerce(f.name, getattr(base, f.name), raw_env)
    for key, raw in overrides.items():
        if raw is not None:
            values[key] = _coerce(key, getattr(base, key), raw)
    return replace(base, **values)
