"""Workstation settings written to ``<data_dir>/config.toml`` (or ``OFFICER_CONSOLE_CONFIG``).

Only a few keys are edited here; the rest of an existing file is kept. The file is plain text
on the workstation, so a database URL that carries a password is refused.

Who may change what: every signed-in user chooses their own devices (camera, microphone,
speaker). The workstation-wide settings — database, citizen gateway (the join link the SMS
carries), auto-lock and the TOTP requirement — need the admin role: for anyone else they are
shown read-only and never written. An admin's change is checked by the store
(:func:`~officer_console.store.people.admin_ops.record_settings_change`, which audits a refusal too)
and audited in the transaction during which the file is written; if the file cannot be written
the audit row rolls back.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import fields
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QWidget
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from officer_console.config import ENV_PREFIX, Settings
from officer_console.domain.errors import DomainError, ValidationError
from officer_console.gui.common import crash
from officer_console.gui.common.services import Services
from officer_console.gui.forms.ui_settings_dialog import Ui_SettingsDialog
from officer_console.store.people import admin_ops
from officer_console.video import devices
from officer_console.video.audio_bridge import InputLevelMeter, ToneTester
from officer_console.video.devices import DeviceChoice

TomlValue = str | int | bool | float | list[str] | tuple[str, ...]
# Workstation-wide keys this dialog edits; admins only (see the module docstring).
WORKSTATION_KEYS = ("database_url", "gateway_url", "inactivity_lock_minutes", "require_totp")
READ_ONLY_NOTE = "数据库、网关和安全设置影响整个工作站，只有管理员可以修改（此处只读）；您可以选择自己的音视频设备。"
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
    """``services`` gives the signed-in user: only an admin may edit workstation settings."""

    saved = Signal(Path)

    def __init__(
        self, settings: Settings, parent: QWidget | None = None, *, services: Services | None = None
    ) -> None:
        super().__init__(parent)
        self.ui = Ui_SettingsDialog()
        self.ui.setupUi(self)
        self._settings = settings
        self._services = services
        officer = services.officer if services else None
        self.is_admin = officer is not None and officer.role == "admin"
        self._saving = False
        self.path = config_path(settings)
        self.ui.database_url_edit.setText(settings.database_url)
        self.ui.gateway_url_edit.setText(settings.gateway_url)
        self.ui.inactivity_spin.setValue(settings.inactivity_lock_minutes)
        self.ui.require_totp_check.setChecked(settings.require_totp)
        self._meter: InputLevelMeter | None = None
        self._tester: ToneTester | None = None
        self._fill_devices(settings)
        self.ui.config_path_label.setText(
            self.tr(
                "Saved to {path}. Devices apply from the next call; other changes take effect "
                "after a restart."
            ).format(path=self.path)
        )
        self.ui.button_box.accepted.connect(self.save)
        self.ui.button_box.rejected.connect(self.reject)
        self.read_only_label = QLabel(READ_ONLY_NOTE, self)
        self.read_only_label.setObjectName("settings_read_only_label")
        self.read_only_label.setWordWrap(True)
        self.read_only_label.setStyleSheet(
            "color:#5d4037; background:#fff8e1; border:1px solid #ffe082; padding:4px;"
        )
        self.ui.main_layout.insertWidget(0, self.read_only_label)
        self.read_only_label.setVisible(not self.is_admin)
        if not self.is_admin:
            self._make_read_only()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _make_read_only(self) -> None:
        ui = self.ui
        for edit in (ui.database_url_edit, ui.gateway_url_edit):
            edit.setReadOnly(True)
            edit.setStyleSheet("background:#eeeeee; color:#616161;")
        ui.inactivity_spin.setReadOnly(True)
        ui.inactivity_spin.setStyleSheet("background:#eeeeee; color:#616161;")
        ui.inactivity_spin.setButtonSymbols(ui.inactivity_spin.ButtonSymbols.NoButtons)
        ui.require_totp_check.setEnabled(False)
        for group in (ui.database_group, ui.gateway_group, ui.security_group):
            group.setTitle(f"{group.title()}（仅管理员可修改）")

    # --- devices --------------------------------------------------------------------------
    def _fill_devices(self, settings: Settings) -> None:
        ui = self.ui
        default = self.tr("System default")
        self._fill(
            ui.camera_combo,
            devices.cameras(),
            settings.camera,
            default,
            (devices.SYNTHETIC, self.tr("Test card (no camera)")),
        )
        self._fill(
            ui.microphone_combo,
            devices.microphones(),
            settings.microphone,
            default,
            (devices.SYNTHETIC, self.tr("Test tone (no microphone)")),
        )
        self._fill(
            ui.speaker_combo,
            devices.speakers(),
            settings.speaker,
            default,
            (devices.SILENT, self.tr("No sound")),
        )
        ui.microphone_combo.currentIndexChanged.connect(self._watch_microphone)
        ui.speaker_test_button.clicked.connect(self.test_speaker)
        ui.speaker_combo.currentIndexChanged.connect(self._speaker_changed)
        self._speaker_changed()
        self._watch_microphone()

    def _fill(
        self,
        combo: QComboBox,
        choices: list[DeviceChoice],
        current: str,
        default: str,
        special: tuple[str, str],
    ) -> None:
        named_default = next((c.description for c in choices if c.is_default), "")
        if not choices:
            named_default = self.tr("none found")
        combo.addItem(f"{default}（{named_default}）" if named_default else default, "")
        for choice in choices:
            combo.addItem(choice.description, choice.id)
        combo.addItem(special[1], special[0])
        if combo.findData(current) < 0:  # configured but unplugged: keep it, say so
            combo.addItem(self.tr("{device} (not connected)").format(device=current), current)
        combo.setCurrentIndex(combo.findData(current))

    @staticmethod
    def _chosen(combo: QComboBox) -> str:
        return str(combo.currentData() or "")

    def _watch_microphone(self) -> None:
        if self._meter is not None:
            self._meter.stop()
            self._meter = None
        self.ui.microphone_level.setValue(0)
        choice = self._chosen(self.ui.microphone_combo)
        device = None if choice == devices.SYNTHETIC else devices.resolve_microphone(choice).device
        self.ui.microphone_level.setEnabled(device is not None)
        if device is not None:
            try:
                self._meter = InputLevelMeter(device, self.ui.microphone_level.setValue)
            except (OSError, ValueError):
                self.ui.microphone_level.setEnabled(False)

    def _speaker_changed(self) -> None:
        choice = self._chosen(self.ui.speaker_combo)
        usable = choice != devices.SILENT and devices.resolve_speaker(choice).device is not None
        self.ui.speaker_test_button.setEnabled(usable)

    def test_speaker(self) -> None:
        """One second of 440 Hz on the chosen speaker."""
        device = devices.resolve_speaker(self._chosen(self.ui.speaker_combo)).device
        if device is None:
            return
        if self._tester is not None:
            self._tester.stop()
        try:
            self._tester = ToneTester(device)
        except (OSError, ValueError) as exc:
            self.ui.settings_error_label.setText(
                self.tr("Could not play on {device}: {error}").format(
                    device=device.description(), error=exc
                )
            )

    def device_choices(self) -> dict[str, str]:
        ui = self.ui
        return {
            "camera": self._chosen(ui.camera_combo),
            "microphone": self._chosen(ui.microphone_combo),
            "speaker": self._chosen(ui.speaker_combo),
        }

    def _release_devices(self) -> None:
        for holder in (self._meter, self._tester):
            if holder is not None:
                holder.stop()
        self._meter = self._tester = None

    def done(self, result: int) -> None:
        self._release_devices()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._release_devices()
        super().closeEvent(event)

    def save_button(self) -> QWidget:
        return self.ui.button_box.button(QDialogButtonBox.StandardButton.Save)

    def workstation_changes(self) -> dict[str, TomlValue]:
        """The workstation-wide values the form now holds that differ from the settings."""
        url = self.ui.database_url_edit.text().strip()
        gateway = self.ui.gateway_url_edit.text().strip()
        check_database_url(url)
        if gateway and not gateway.startswith(("http://", "https://")):
            raise ValidationError("gateway_url", "网关地址应以 http:// 或 https:// 开头")
        form: dict[str, TomlValue] = {
            "database_url": url,
            "gateway_url": gateway or Settings().gateway_url,
            "inactivity_lock_minutes": self.ui.inactivity_spin.value(),
            "require_totp": self.ui.require_totp_check.isChecked(),
        }
        return {k: v for k, v in form.items() if v != getattr(self._settings, k)}

    def save(self) -> None:
        if self._saving:
            return
        try:
            changes = self.workstation_changes() if self.is_admin else {}
        except ValidationError as exc:
            self.ui.settings_error_label.setText(exc.message)
            return
        updates: dict[str, TomlValue] = {**changes, **self.device_choices()}
        if not changes or self._services is None:  # devices only: the user's own choice
            try:
                write_settings(self.path, updates)
            except (OSError, tomllib.TOMLDecodeError) as exc:
                self._write_failed(exc)
                return
            self._saved()
            return
        services, path = self._services, self.path
        actor = services.actor()
        role = services.officer.role if services.officer else ""
        audited = {
            k: (_url_for_audit(str(v)) if k == "database_url" else v) for k, v in changes.items()
        }

        def work(session: Session) -> None:
            admin_ops.record_settings_change(session, actor, role, audited)
            write_settings(path, updates)  # fails → the audit row rolls back

        self._saving = True
        self.save_button().setEnabled(False)
        services.runner.run(work, lambda _none: self._saved(), self._failed)

    def _saved(self) -> None:
        self._saving = False
        self.saved.emit(self.path)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._saving = False
        self.save_button().setEnabled(True)
        if isinstance(error, DomainError):
            self.ui.settings_error_label.setText(error.message)
        elif isinstance(error, OSError | tomllib.TOMLDecodeError):
            self._write_failed(error)
        else:
            crash.report(error)

    def _write_failed(self, exc: BaseException) -> None:
        self.ui.settings_error_label.setText(
            self.tr("Could not write {path}: {error}").format(path=self.path, error=exc)
        )


def _url_for_audit(url: str) -> str:
    """The database URL as audited: no password (refused anyway), no query secrets."""
    if not url:
        return ""
    parsed = make_url(url)
    return parsed.set(password=None, query={}).render_as_string(hide_password=True)
