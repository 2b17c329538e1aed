"""Build :class:`Settings` from its sources: defaults → TOML file → environment → flags.

The file is ``OFFICER_CONSOLE_CONFIG`` or ``<data_dir>/config.toml`` (keys at the top level or
in an ``[officer_console]`` table); the environment is ``OFFICER_CONSOLE_<NAME>``. Each value is
converted to its field's type as it is read, so the error names the file or variable; secrets
written into the file are refused with where to put them instead.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from officer_console.config.settings import ENV_PREFIX, ConfigError, Settings
from officer_console.config.validation import check_settings
from officer_console.credentials import KEYRING_SERVICE, SECRET_NAMES


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
    check_settings(settings, sources)
    return settings
