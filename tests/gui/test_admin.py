"""Administration dialogs driven through their widgets; the database reflects every action."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.config import load_settings
from officer_console.domain.errors import PermissionDenied, ValidationError
from officer_console.gui.admin.schedules import SchedulesDialog
from officer_console.gui.admin.users import UsersDialog
from officer_console.gui.common.services import Services
from officer_console.gui.shell import i18n
from officer_console.gui.shell.main_window import MainWindow
from officer_console.gui.shell.settings_dialog import SettingsDialog, dumps_toml
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import AuditEvent, Officer, SlotSchedule
from officer_console.store.people import accounts, admin_ops
from officer_console.store.people.admin_ops import ScheduleRow
from officer_console.video import devices
from tests.support import console
from tests.support.builders import PASSWORD
from tests.support.console import FakeClock, make_services, seed_world
from tests.support.shots import shot

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _chinese(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "zh_CN")


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    svc = make_services(db_url, FakeClock())
    seed_world(svc, appointments=0)
    console.signed_in(svc, "900001")
    yield svc
    svc.close()


@pytest.fixture
def users(qtbot: QtBot, services: Services) -> Iterator[UsersDialog]:
    window = MainWindow(services)
    window.show()
    assert window.window_actions.users is not None
    window.window_actions.users.trigger()  # opened the way an admin opens it
    dialog = window.findChild(QDialog, "users_dialog")
    assert isinstance(dialog, UsersDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 5, timeout=5_000)
    yield dialog
    console.close_window(window)


def _officer(services: Services, number: str) -> Officer | None:
    with services.factory() as s:
        return s.scalar(select(Officer).where(Officer.police_number == number))


def _message(qtbot: QtBot, dialog: UsersDialog | SchedulesDialog, text: str) -> None:
    qtbot.waitUntil(lambda: dialog.message_label.text() == text, timeout=15_000)


def test_admin_creates_a_user_through_the_form(
    qtbot: QtBot, users: UsersDialog, services: Services
) -> None:
    qtbot.keyClicks(users.new_number_edit, "370102050")
    users.new_name_edit.insert("周杰")  # QTest.keyClicks aborts on non-Latin-1 characters
    users.new_squad_combo.setCurrentIndex(users.new_squad_combo.findData("370102"))
    users.new_role_combo.setCurrentIndex(users.new_role_combo.findData("shift_lead"))
    qtbot.keyClicks(users.new_password_edit, "password")
    qtbot.keyClicks(users.new_password_repeat_edit, "password")
    qtbot.mouseClick(users.create_button, LEFT)
    _message(qtbot, users, "密码过于常见，请换一个不易被猜到的密码")
    assert _officer(services, "370102050") is None

    users.new_password_edit.clear()
    users.new_password_repeat_edit.clear()
    qtbot.keyClicks(users.new_password_edit, "Qu1et-Harbour-77")
    qtbot.keyClicks(users.new_password_repeat_edit, "Qu1et-Harbour-7")
    qtbot.mouseClick(users.create_button, LEFT)
    assert users.message_label.text() == "两次输入的密码不一致。"

    qtbot.keyClick(users.new_password_repeat_edit, Qt.Key.Key_7)
    qtbot.mouseClick(users.create_button, LEFT)
    _message(qtbot, users, "账号 370102050 已创建。")
    qtbot.waitUntil(lambda: users.table.rowCount() == 6, timeout=5_000)
    created = _officer(services, "370102050")
    assert created is not None
    assert (created.name, created.role, created.squad_id is not None) == (
        "周杰",
        "shift_lead",
        True,
    )
    assert accounts.verify_password(created.password_hash, "Qu1et-Harbour-77")
    assert users.new_number_edit.text() == users.new_password_edit.text() == ""


def test_admin_unlocks_resets_disables_and_changes_role(
    qtbot: QtBot, users: UsersDialog, services: Services
) -> None:
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            accounts.login(
                services.factory, police_number="370102002", password="nope-nope", workstation="w"
            )
    users.reload()
    qtbot.waitUntil(lambda: any(u.locked for u in users.users), timeout=5_000)
    assert users.locked_label.isVisible()  # the lockout is told to the admin
    assert "370102002" in users.locked_label.text() and "锁定于" in users.locked_label.text()
    shot(users, "users_dialog_locked")
    users.select_user("370102002")
    assert users.selected_label.text().startswith("370102002")
    assert users.unlock_button.isEnabled()
    qtbot.mouseClick(users.unlock_button, LEFT)
    _message(qtbot, users, "账号 370102002 已解锁。")
    officer = _officer(services, "370102002")
    assert officer is not None and officer.locked_at is None and officer.failed_logins == 0
    accounts.login(services.factory, police_number="370102002", password=PASSWORD, workstation="w")

    users.select_user("370102002")
    qtbot.keyClicks(users.reset_edit, "Brand-New-Secret-9")
    qtbot.mouseClick(users.reset_button, LEFT)
    _message(qtbot, users, "370102002 的密码已重置。")
    officer = _officer(services, "370102002")
    assert officer is not None and accounts.verify_password(
        officer.password_hash, "Brand-New-Secret-9"
    )

    assert not users.locked_label.isVisible()

    users.select_user("370102002")
    qtbot.mouseClick(users.disable_button, LEFT)  # asks first: cancel changes nothing
    dialog = users.disable_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.objectName() == "disable_account_dialog"
    assert not dialog.confirm_button.isEnabled()  # no reason yet
    dialog.reject()
    officer = _officer(services, "370102002")
    assert officer is not None and not officer.disabled
    users.select_user("370102002")
    qtbot.mouseClick(users.disable_button, LEFT)
    dialog = users.disable_dialog
    assert dialog is not None
    dialog.reason_edit.setText("调离本单位")  # keyClicks types ASCII only
    assert dialog.confirm_button.isEnabled()
    shot(dialog, "disable_account_dialog")
    qtbot.mouseClick(dialog.confirm_button, LEFT)
    _message(qtbot, users, "账号 370102002 已停用。")
    officer = _officer(services, "370102002")
    assert officer is not None and officer.disabled
    with services.factory() as s:
        row = s.scalars(select(AuditEvent).where(AuditEvent.action == "account.disable")).one()
        assert row.detail == {"reason": "调离本单位"}
    with pytest.raises(ValidationError, match="原因"), transaction(services.factory) as s:
        admin_ops.set_disabled(s, services.actor(), "admin", "370102001", True)  # no reason

    users.select_user("370102002")
    users.role_combo.setCurrentIndex(users.role_combo.findData("shift_lead"))
    qtbot.mouseClick(users.role_button, LEFT)
    _message(qtbot, users, "370102002 的角色已改为带班领导。")
    officer = _officer(services, "370102002")
    assert officer is not None and officer.role == "shift_lead"

    users.select_user("900001")  # the admin's own account
    users.role_combo.setCurrentIndex(users.role_combo.findData("officer"))
    qtbot.mouseClick(users.role_button, LEFT)
    _message(qtbot, users, "不能取消自己的管理员角色，请由另一位管理员操作")


def test_totp_enrolment_is_shown_once(qtbot: QtBot, users: UsersDialog, services: Services) -> None:
    users.select_user("370102001")
    qtbot.mouseClick(users.enrol_button, LEFT)
    qtbot.waitUntil(users.totp_view.isVisible, timeout=5_000)
    text = users.totp_view.toPlainText()
    officer = _officer(services, "370102001")
    assert officer is not None and officer.totp_secret and officer.totp_required
    assert officer.totp_secret in text
    assert "otpauth://totp/Officer%20Console%3A370102001?secret=" in text
    qtbot.waitUntil(lambda: users.table.item(0, 6) is not None, timeout=5_000)
    users.select_user("370102002")
    assert not users.totp_view.isVisible() and users.totp_view.toPlainText() == ""


def test_non_admins_are_refused_and_audited(qtbot: QtBot, services: Services) -> None:
    console.signed_in(services, "370102900")  # a shift lead opening the dialog anyway
    dialog = UsersDialog(services)
    qtbot.addWidget(dialog)
    _message(qtbot, dialog, "只有管理员可以执行此操作")
    assert dialog.table.rowCount() == 0
    lead = services.actor()
    with pytest.raises(PermissionDenied), transaction(services.factory) as s:
        admin_ops.unlock(s, lead, "shift_lead", "370102001")
    with services.factory() as s:
        denied = list(s.scalars(select(AuditEvent.action).where(AuditEvent.outcome == "denied")))
    assert denied == ["user.list", "account.unlock"]


# --- schedules -------------------------------------------------------------------------------


@pytest.fixture
def schedules(qtbot: QtBot, services: Services) -> SchedulesDialog:
    dialog = SchedulesDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.squad_combo.count() == 2, timeout=5_000)
    return dialog


def _fill(
    dialog: SchedulesDialog, weekday: int, start: str, end: str, *, slot: int = 30, cap: int = 2
) -> None:
    dialog.weekday_combo.setCurrentIndex(weekday)
    dialog.start_edit.setTime(QTime.fromString(start, "HH:mm"))
    dialog.end_edit.setTime(QTime.fromString(end, "HH:mm"))
    dialog.slot_spin.setValue(slot)
    dialog.capacity_spin.setValue(cap)


def test_schedules_add_validate_edit_remove(
    qtbot: QtBot, schedules: SchedulesDialog, services: Services
) -> None:
    assert schedules.squad_combo.currentText() == "历下区大队（370102）"
    _fill(schedules, 0, "09:00", "12:00")
    qtbot.mouseClick(schedules.add_button, LEFT)
    _message(qtbot, schedules, "时段已新增。")
    qtbot.waitUntil(lambda: schedules.table.rowCount() == 1, timeout=5_000)

    _fill(schedules, 0, "11:00", "13:00")
    qtbot.mouseClick(schedules.add_button, LEFT)
    _message(qtbot, schedules, "与周一 09:00–12:00 的时段重叠")
    _fill(schedules, 1, "14:00", "13:00")
    qtbot.mouseClick(schedules.add_button, LEFT)
    _message(qtbot, schedules, "结束时间应晚于开始时间")
    _fill(schedules, 1, "13:00", "13:20")
    qtbot.mouseClick(schedules.add_button, LEFT)
    _message(qtbot, schedules, "开始到结束的时间不足一个时段")

    schedules.table.selectRow(0)
    assert schedules.weekday_combo.currentText() == "周一"
    schedules.capacity_spin.setValue(5)
    qtbot.mouseClick(schedules.save_button, LEFT)
    _message(qtbot, schedules, "时段已保存。")
    qtbot.waitUntil(lambda: schedules.rows[0].capacity == 5, timeout=5_000)
    schedules.table.selectRow(0)
    qtbot.mouseClick(schedules.remove_button, LEFT)
    _message(qtbot, schedules, "时段已删除。")
    qtbot.waitUntil(lambda: schedules.table.rowCount() == 0, timeout=5_000)
    with services.factory() as s:
        row = s.scalars(select(SlotSchedule)).one()
        actions = list(
            s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("schedule.%")))
        )
    assert (row.capacity, row.active) == (5, False)
    assert actions == ["schedule.create", "schedule.update", "schedule.delete"]


@pytest.mark.parametrize(
    ("slot", "capacity", "message"),
    [
        (5, 2, "每个时段应为 10–120 分钟"),
        (121, 2, "每个时段应为 10–120 分钟"),
        (30, 0, "每个时段可预约人数应为 1–20 人"),
        (30, 21, "每个时段可预约人数应为 1–20 人"),
    ],
)
def test_schedule_ranges_are_checked_by_the_store(slot: int, capacity: int, message: str) -> None:
    row = ScheduleRow(0, 1, 2, time(9), time(12), slot, capacity)
    with pytest.raises(ValidationError, match=message):
        admin_ops.validate_schedule(row, [])


# --- settings --------------------------------------------------------------------------------


def test_settings_dialog_writes_the_toml(qtbot: QtBot, tmp_path: Path, services: Services) -> None:
    settings = load_settings(env={}, data_dir=tmp_path)
    (tmp_path / "config.toml").write_text('region_code = "370100"\n', encoding="utf-8")
    dialog = SettingsDialog(settings, services=services)  # signed in as the admin
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.objectName() == "settings_dialog"
    assert dialog.ui.camera_combo.isEnabled()
    assert dialog.ui.camera_combo.currentText() == "系统默认（未检测到）"  # no camera here
    assert "下一次视频通话" in dialog.ui.devices_hint_label.text()
    save = dialog.ui.button_box.button(QDialogButtonBox.StandardButton.Save)
    assert isinstance(save, QPushButton)

    url = dialog.findChild(QLineEdit, "database_url_edit")
    assert url is not None
    qtbot.keyClicks(url, "postgresql+psycopg://officer:secret@db/console")
    qtbot.mouseClick(save, LEFT)
    assert "包含密码" in dialog.ui.settings_error_label.text()
    assert "secret" not in (tmp_path / "config.toml").read_text(encoding="utf-8")

    url.clear()
    qtbot.keyClicks(url, "postgresql+psycopg://officer@db/console?sslmode=verify-full")
    dialog.ui.gateway_url_edit.setText("https://gateway.example:8443")
    dialog.ui.inactivity_spin.setValue(12)
    dialog.ui.require_totp_check.setChecked(True)
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(save, LEFT)
    table = tomllib.loads((tmp_path / "config.toml").read_text(encoding="utf-8"))
    assert table["inactivity_lock_minutes"] == 12
    reloaded = load_settings(env={}, data_dir=tmp_path)
    assert reloaded.database_url == "postgresql+psycopg://officer@db/console?sslmode=verify-full"
    assert (reloaded.gateway_url, reloaded.inactivity_lock_minutes, reloaded.require_totp) == (
        "https://gateway.example:8443",
        12,
        True,
    )
    assert reloaded.region_code == "370100"  # other keys kept
    with services.factory() as s:
        row = s.scalars(select(AuditEvent).where(AuditEvent.action == "settings.change")).one()
    assert row.detail is not None
    assert row.detail["changed"] == [
        "database_url",
        "gateway_url",
        "inactivity_lock_minutes",
        "require_totp",
    ]
    assert row.detail["values"]["database_url"] == "postgresql+psycopg://officer@db/console"


@pytest.mark.parametrize("number", ["370102001", "370102900", "900002"])
def test_non_admins_see_workstation_settings_read_only(
    qtbot: QtBot, tmp_path: Path, services: Services, number: str
) -> None:
    """Officer, shift lead and auditor: devices editable; database/gateway/security not."""
    console.signed_in(services, number)
    settings = load_settings(env={}, data_dir=tmp_path)
    dialog = SettingsDialog(settings, services=services)
    qtbot.addWidget(dialog)
    dialog.show()
    ui = dialog.ui
    assert dialog.read_only_label.isVisible()
    assert ui.database_url_edit.isReadOnly() and ui.gateway_url_edit.isReadOnly()
    assert ui.inactivity_spin.isReadOnly() and not ui.require_totp_check.isEnabled()
    assert "仅管理员" in ui.security_group.title()
    assert ui.camera_combo.isEnabled() and ui.speaker_combo.isEnabled()
    if number == "370102001":
        shot(dialog, "settings_dialog_officer")
    # Even if the widgets were changed behind the UI's back, nothing workstation-wide is saved.
    ui.database_url_edit.setText("sqlite:////tmp/elsewhere.db")
    ui.inactivity_spin.setValue(0)
    ui.require_totp_check.setChecked(False)
    ui.speaker_combo.setCurrentIndex(ui.speaker_combo.findData(devices.SILENT))
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button(), LEFT)
    table = tomllib.loads((tmp_path / "config.toml").read_text(encoding="utf-8"))
    assert table["speaker"] == devices.SILENT
    assert not set(table) & {"database_url", "inactivity_lock_minutes", "require_totp"}
    # The store refuses a non-admin change itself, and audits the refusal.
    with pytest.raises(PermissionDenied), transaction(services.factory) as s:
        admin_ops.record_settings_change(
            s,
            services.actor(),
            services.officer.role,
            {"require_totp": False},  # type: ignore[union-attr]
        )
    with services.factory() as s:
        denied = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "settings.change", AuditEvent.outcome == "denied"
            )
        ).all()
    assert len(denied) == 1


def test_toml_writer_escapes_and_types() -> None:
    text = dumps_toml({"a": 'say "hi"\\n', "b": True, "c": 3, "d": ["x", "y"]})
    assert tomllib.loads(text) == {"a": 'say "hi"\\n', "b": True, "c": 3, "d": ["x", "y"]}
