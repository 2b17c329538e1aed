"""Workstation settings written to ``<data_dir>/config.toml`` (or ``OFFICER_CONSOLE_CONFIG``).

Only a few keys are edited here; the rest of an existing file is kept. The file is plain text
on the workstation, so a database URL that carries a password is refused.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import fields
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from officer_console.config import ENV_PREFIX, Settings
from officer_console.domain.errors import ValidationError
from officer_console.gui.forms.ui_settings_dialog import Ui_SettingsDialog

TomlValue = str | int | bool | float | list[str] | tuple[str, ...]
HEADER = "# Officer Console settings (keys as in officer_console/config.py). Written by the\n# settings dialog; no passwords here — use the environment or a password file.\n"


def config_path(settings: Settings) -> Path:
    explicit = os.environ.get(ENV_PREFIX + "CONFIG")
    return Path(explicit) if explicit else settings.data_dir / "config.toml"


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    for raw, code in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        escaped = escaped.replace(raw, code)
    return f'"{escaped}"'


def _toml_value(value: TomlValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_string(str(v)) for v in value) + "]"
    return _toml_string(str(value))


def dumps_toml(values: dict[str, TomlValue]) -> str:
    """A tiny TOML writer for flat tables of strings, numbers, booleans and string lists."""
    return "".join(f"{key} = {_toml_value(values[key])}\n" for key in sorted(values))


def read_config(path: Path) -> dict[str, TomlValue]:
    if not path.is_file():
        return {}
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    inner = table.get("officer_console", table)
    return {k: v for k, v in inner.items() if not isinstance(v, dict)}


def check_database_url(url: str) -> None:
    if not url:
        return
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValidationError(
            "database_url", "数据库地址格式不正确（应为 SQLAlchemy URL）"
        ) from exc
    if parsed.password:
        raise ValidationError(
            "database_url",
            "数据库地址中包含密码，不能保存到配置文件（工作站上的明文文件）。请去掉密码："
            "可通过环境变量 OFFICER_CONSOLE_DATABASE_URL 提供完整地址，或使用 PostgreSQL 密码文件"
            "（~/.pgpass，Windows 为 %APPDATA%\\postgresql\\pgpass.conf）；系统密钥环（keyring）"
            "保存数据库密码的功能将在后续版本提供。",
        )


def write_settings(path: Path, updates: dict[str, TomlValue]) -> None:
    """Merge ``updates`` into the file, atomically (write a temp file, then rename)."""
    known = {f.name for f in fields(Settings)}
    unknown = set(updates) - known
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    values = read_config(path)
    values.update(updates)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(HEADER + dumps_toml(values), encoding="utf-8")
    tmp.replace(path)


class SettingsDialog(QDialog):
    saved = Signal(Path)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_SettingsDialog()
        self.ui.setupUi(self)
        self.path = config_path(settings)
        self.ui.database_url_edit.setText(settings.database_url)
        self.ui.gateway_url_edit.setText(settings.gateway_url)
        self.ui.inactivity_spin.setValue(settings.inactivity_lock_minutes)
        self.ui.require_totp_check.setChecked(settings.require_totp)
        unavailable = self.tr("Not available yet")
        for combo in (self.ui.camera_combo, self.ui.microphone_combo, self.ui.speaker_combo):
            combo.addItem(unavailable)
            combo.setEnabled(False)
        self.ui.config_path_label.setText(
            self.tr("Saved to {path}. Changes take effect after a restart.").format(path=self.path)
        )
        self.ui.button_box.accepted.connect(self.save)
        self.ui.button_box.rejected.connect(self.reject)

    def save_button(self) -> QWidget:
        return self.ui.button_box.button(QDialogButtonBox.StandardButton.Save)

    def save(self) -> None:
        url = self.ui.database_url_edit.text().strip()
        gateway = self.ui.gateway_url_edit.text().strip()
        try:
            check_database_url(url)
            if gateway and not gateway.startswith(("http://", "https://")):
                raise ValidationError("gateway_url", "网关地址应以 http:// 或 https:// 开头")
            write_settings(
                self.path,
                {
                    "database_url": url,
                    "gateway_url": gateway or Settings().gateway_url,
                    "inactivity_lock_minutes": self.ui.inactivity_spin.value(),
                    "require_totp": self.ui.require_totp_check.isChecked(),
                },
            )
        except ValidationError as exc:
            self.ui.settings_error_label.setText(exc.message)
            return
        except (OSError, tomllib.TOMLDecodeError) as exc:
            self.ui.settings_error_label.setText(
                self.tr("Could not write {path}: {error}").format(path=self.path, error=exc)
            )
            return
        self.saved.emit(self.path)
        self.accept()
