"""Login dialog driven through its real widgets, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pyotp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.gui.common.services import Services
from officer_console.gui.shell import i18n
from officer_console.gui.shell.login_dialog import LoginDialog
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import AuditEvent, Officer
from officer_console.store.people import accounts, admin_ops
from tests.support.builders import PASSWORD
from tests.support.console import FakeClock, make_services, seed_world
from tests.support.shots import shot

ADMIN = Actor(police_number="900001", officer_id=None, workstation="ws-test")


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    svc = make_services(db_url, FakeClock())
    seed_world(svc, appointments=0)
    yield svc
    svc.close()


@pytest.fixture(autouse=True)
def _chinese(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "zh_CN")


def _dialog(qtbot: QtBot, services: Services) -> LoginDialog:
    dialog = LoginDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _attempt(qtbot: QtBot, dialog: LoginDialog, number: str, password: str, totp: str = "") -> None:
    dialog.ui.police_number_edit.clear()
    qtbot.keyClicks(dialog.ui.police_number_edit, number)
    qtbot.keyClicks(dialog.ui.password_edit, password)
    if totp:
        qtbot.keyClicks(dialog.ui.totp_edit, totp)
    # The op runner's one thread is kept busy until the check below, so the sign-in cannot
    # finish (cheap test hashes take a millisecond) before the button is looked at.
    gate = threading.Event()
    dialog._services.runner.run(lambda _s: gate.wait(15), write=False)
    try:
        qtbot.mouseClick(dialog.ui.login_button, Qt.MouseButton.LeftButton)
        assert not dialog.ui.login_button.isEnabled()  # disabled while argon2 runs off-thread
    finally:
        gate.set()
    qtbot.waitUntil(dialog.ui.login_button.isEnabled, timeout=15_000)


def test_success_emits_the_officer(qtbot: QtBot, services: Services) -> None:
    dialog = _dialog(qtbot, services)
    assert dialog.objectName() == "login_dialog"
    with qtbot.waitSignal(dialog.logged_in, timeout=15_000) as signal:
        _attempt(qtbot, dialog, "370102001", PASSWORD)
    info = signal.args[0]
    assert (info.police_number, info.name, info.role, info.squad_name) == (
        "370102001",
        "李明",
        "officer",
        "历下区大队",
    )
    assert dialog.ui.password_edit.text() == ""


def test_wrong_password_shows_the_message(qtbot: QtBot, services: Services) -> None:
    dialog = _dialog(qtbot, services)
    _attempt(qtbot, dialog, "370102001", "wrong-password-1")
    assert dialog.ui.login_error_label.text() == accounts.LOGIN_FAILED
    assert dialog.ui.password_edit.text() == ""
    dialog.ui.police_number_edit.clear()
    qtbot.mouseClick(dialog.ui.login_button, Qt.MouseButton.LeftButton)
    assert dialog.ui.login_error_label.text() == "请输入警号和密码。"


def test_five_failures_lock_until_an_admin_unlocks(qtbot: QtBot, services: Services) -> None:
    dialog = _dialog(qtbot, services)
    _attempt(qtbot, dialog, "370102999", "not-the-password")  # unknown number
    unknown = dialog.ui.login_error_label.text()
    for _ in range(5):
        _attempt(qtbot, dialog, "370102001", "not-the-password")
        assert dialog.ui.login_error_label.text() == unknown  # wrong password, then locked
    _attempt(qtbot, dialog, "370102001", PASSWORD)  # right password, still locked
    assert dialog.ui.login_error_label.text() == unknown == accounts.LOGIN_FAILED
    shot(dialog, "login_dialog_error")
    with transaction(services.factory) as s:
        admin_ops.unlock(s, ADMIN, "admin", "370102001")
    with qtbot.waitSignal(dialog.logged_in, timeout=15_000):
        _attempt(qtbot, dialog, "370102001", PASSWORD)
    with transaction(services.factory) as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.count("account.lock") == 1
    assert actions.count("account.unlock") == 1


def test_totp_is_asked_for_once_enrolled(qtbot: QtBot, services: Services) -> None:
    with transaction(services.factory) as s:
        secret = admin_ops.enrol_totp(s, ADMIN, "admin", "370102001").secret
    dialog = _dialog(qtbot, services)
    assert dialog.ui.totp_edit.isVisible()
    _attempt(qtbot, dialog, "370102001", PASSWORD)
    assert "动态口令" in dialog.ui.login_error_label.text()
    code = pyotp.TOTP(secret).at(services.clock())
    with qtbot.waitSignal(dialog.logged_in, timeout=15_000):
        _attempt(qtbot, dialog, "370102001", PASSWORD, code)


def test_required_totp_is_labelled_and_enforced(qtbot: QtBot, db_url: str) -> None:
    services = make_services(db_url, FakeClock(), require_totp=True)
    try:
        seed_world(services, appointments=0)
        dialog = _dialog(qtbot, services)
        assert dialog.ui.totp_label.text() == "动态口令（必填）"
        _attempt(qtbot, dialog, "370102001", PASSWORD)
        assert "绑定动态口令" in dialog.ui.login_error_label.text()
        with transaction(services.factory) as s:
            assert (
                s.scalar(select(Officer.failed_logins).where(Officer.police_number == "370102001"))
                == 0
            )
    finally:
        services.close()
