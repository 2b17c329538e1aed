"""Main window: shell login → window, title, role-dependent menus, status bar, errors, shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.domain.errors import ConflictError
from officer_console.evidence_store.redaction import remember
from officer_console.gui.common import crash
from officer_console.gui.common.services import Services
from officer_console.gui.shell import fonts, i18n
from officer_console.gui.shell.app import ConsoleShell
from officer_console.gui.shell.logging_setup import setup_logging
from officer_console.gui.shell.main_window import MainWindow
from officer_console.store.db.models import AuditEvent
from tests.support import console
from tests.support.builders import PASSWORD
from tests.support.console import FakeClock, make_services, seed_world
from tests.support.databases import SqliteTemplate
from tests.support.shots import shot


@pytest.fixture(autouse=True)
def _chinese(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "zh_CN")


@pytest.fixture
def sqlite_url(sqlite_template: SqliteTemplate, tmp_path: Path) -> str:
    return sqlite_template.fresh_url(tmp_path)


@pytest.fixture
def services(sqlite_url: str) -> Iterator[Services]:
    svc = make_services(sqlite_url, FakeClock())
    seed_world(svc, appointments=3)
    yield svc
    svc.close()


def _window(qtbot: QtBot, services: Services, number: str) -> MainWindow:
    console.signed_in(services, number)
    win = MainWindow(services)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_shell_signs_in_and_titles_the_window(
    qtbot: QtBot,
    qapp: QApplication,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services = make_services(db_url, FakeClock())
    seed_world(services, appointments=2)
    shell = ConsoleShell(qapp, services)
    shell.start()
    login = shell.login
    assert login is not None and login.isVisible()
    qtbot.waitUntil(lambda: "officer-console: ready" in capsys.readouterr().out, timeout=2_000)
    qtbot.keyClicks(login.ui.police_number_edit, "370102001")
    qtbot.keyClicks(login.ui.password_edit, PASSWORD)
    qtbot.keyClick(login.ui.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.window is not None, timeout=15_000)
    window = shell.window
    assert window is not None
    assert window.objectName() == "main_window"
    assert window.windowTitle() == "远程交互执法办案平台 — 李明（370102001）· 历下区大队 · 办案民警"
    assert not login.isVisible()
    kind = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    assert window.db_label.text() == f"数据库：{kind}"

    shell.shutdown()
    shell.shutdown()  # idempotent
    assert not window.isVisible()
    with pytest.raises(RuntimeError, match="shut down"):
        services.runner.run(lambda s: None)
    check = make_services(db_url)
    try:
        with check.factory() as s:
            actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions[-1] == "session.logout"
    finally:
        check.close()


def _sign_in(qtbot: QtBot, shell: ConsoleShell, number: str) -> MainWindow:
    login = shell.login
    assert login is not None and login.isVisible()
    assert login.ui.police_number_edit.text() == ""  # nothing left from the previous user
    qtbot.keyClicks(login.ui.police_number_edit, number)
    qtbot.keyClicks(login.ui.password_edit, PASSWORD)
    qtbot.keyClick(login.ui.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.window is not None, timeout=15_000)
    assert shell.window is not None
    return shell.window


def test_sign_out_returns_to_login_and_another_role_signs_in(
    qtbot: QtBot, qapp: QApplication, services: Services
) -> None:
    shell = ConsoleShell(qapp, services)
    shell.start()
    try:
        officer_window = _sign_in(qtbot, shell, "370102001")
        assert "办案民警" in officer_window.windowTitle()
        file_menu = officer_window.findChild(QMenu, "file_menu")
        assert file_menu is not None
        assert "退出登录" in [a.text() for a in file_menu.actions()]
        officer_window.window_actions.sign_out.trigger()  # File → 退出登录
        qtbot.waitUntil(lambda: shell.login is not None and shell.login.isVisible(), timeout=5_000)
        assert shell.window is None and services.officer is None
        assert not officer_window.isVisible()
        assert not shell._shut_down and not shell._quitting  # the program keeps running
        services.runner.run(lambda s: None).result(timeout=5)  # runner still alive

        lead_window = _sign_in(qtbot, shell, "370102900")
        assert "带班领导" in lead_window.windowTitle()
        assert services.officer is not None and services.officer.role == "shift_lead"
        lead_window.lock("manual")  # the lock screen's button signs out too
        assert lead_window.lock_screen.ui.lock_exit_button.text() == "退出登录"
        shot(lead_window.lock_screen, "lock_screen")
        qtbot.mouseClick(lead_window.lock_screen.ui.lock_exit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: shell.login is not None and shell.login.isVisible(), timeout=5_000)
        assert shell.window is None

        admin_window = _sign_in(qtbot, shell, "900001")
        assert admin_window.findChild(QMenu, "admin_menu") is not None
        with services.factory() as s:
            rows = s.execute(
                select(AuditEvent.action, AuditEvent.actor)
                .where(AuditEvent.action.in_(("login", "session.logout")))
                .order_by(AuditEvent.id)
            ).all()
        assert [tuple(r) for r in rows] == [
            ("login", "370102001"),
            ("session.logout", "370102001"),
            ("login", "370102900"),
            ("session.logout", "370102900"),
            ("login", "900001"),
        ]
    finally:
        shell.shutdown()


@pytest.mark.parametrize(
    ("number", "admin"),
    [("370102001", False), ("370102900", False), ("900002", False), ("900001", True)],
)
def test_administration_menu_only_for_admins(
    qtbot: QtBot, services: Services, number: str, admin: bool
) -> None:
    window = _window(qtbot, services, number)
    try:
        menus = [a.text() for a in window.menuBar().actions()]
        assert (window.findChild(QMenu, "admin_menu") is not None) is admin
        if admin:
            assert menus == ["文件(&F)", "管理(&A)", "设置(&S)", "帮助(&H)"]
            assert window.window_actions.users is not None
            assert window.window_actions.users.text() == "用户管理…"
        else:
            assert menus == ["文件(&F)", "设置(&S)", "帮助(&H)"]
            assert window.window_actions.users is None
    finally:
        console.close_window(window)


def test_status_bar_shows_database_connection_and_workstation(
    qtbot: QtBot, services: Services
) -> None:
    window = _window(qtbot, services, "370102001")
    try:
        assert window.db_label.text() == "数据库：SQLite"
        assert window.workstation_label.text() == "工作站：ws-gui"
        window.set_connected(False)
        assert window.connection_label.text() == "连接中断"
        window.check_connection()
        qtbot.waitUntil(lambda: window.connection_label.text() == "已连接", timeout=5_000)
    finally:
        console.close_window(window)


def test_domain_errors_warn_and_bugs_open_the_crash_dialog(
    qtbot: QtBot, services: Services
) -> None:
    window = _window(qtbot, services, "370102001")
    try:
        services.runner.unhandled_error.emit(ConflictError("该预约已被其他民警认领"))
        box = window.findChild(QMessageBox, "domain_error_box")
        assert box is not None and box.isVisible()
        assert box.text() == "该预约已被其他民警认领"
        assert box.icon() == QMessageBox.Icon.Warning
        box.close()

        def boom(_session: object) -> None:
            raise RuntimeError("unexpected 13812345678")

        services.runner.run(boom)
        qtbot.waitUntil(
            lambda: any(w.objectName() == "crash_dialog" for w in QApplication.topLevelWidgets()),
            timeout=5_000,
        )
        dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "crash_dialog")
        assert isinstance(dialog, crash.CrashDialog)
        texts = console.widget_texts(dialog)
        assert "错误类型：RuntimeError" in texts
        assert any("抱歉" in t for t in texts)
        assert "13812345678" not in dialog.details  # masked like the log
        copy = dialog.findChild(QPushButton, "crash_copy_button")
        assert copy is not None
        qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
        assert "RuntimeError" in QGuiApplication.clipboard().text()
        dialog.close()
    finally:
        console.close_window(window)


class _Emitter(QObject):
    flag = Signal(bool)
    payload = Signal(object)


def test_many_python_signal_emits_under_qasync_survive(qapp: QApplication) -> None:
    """docs/pitfalls.md: PySide6 6.12.0 on Python 3.11 aborts after a few thousand emits."""
    emitter = _Emitter()
    received = {"flag": 0, "payload": 0}
    emitter.flag.connect(lambda _v: received.__setitem__("flag", received["flag"] + 1))
    emitter.payload.connect(lambda _v: received.__setitem__("payload", received["payload"] + 1))
    loop = qasync.QEventLoop(qapp)
    calls = 0

    def bump() -> None:
        nonlocal calls
        calls += 1

    async def storm() -> None:
        for i in range(20_000):
            emitter.flag.emit(i % 2 == 0)
            emitter.payload.emit(True)
            if i % 4 == 0:
                await asyncio.sleep(0)
        threads = [
            threading.Thread(target=lambda: [loop.call_soon_threadsafe(bump) for _ in range(2_500)])
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        while calls < 10_000:
            await asyncio.sleep(0.01)

    try:
        loop.run_until_complete(asyncio.wait_for(storm(), timeout=120))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    assert received == {"flag": 20_000, "payload": 20_000}
    assert calls == 10_000


def test_log_file_masks_personal_data(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        path = setup_logging(tmp_path, fault_log=False)
        logging.getLogger("officer_console.test").info(
            "call %s for %s", "13812345678", "110105199001011237"
        )
        text = path.read_text(encoding="utf-8")
        assert "138****5678" in text and "13812345678" not in text
        assert "110105199001011237" not in text
        remember("AKIDCONSOLETEST1", "console-secret-value-0123")
        logging.getLogger("botocore.auth").warning(
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIDCONSOLETEST1/20261207/x/s3/"
            "aws4_request, Signature=00ffee; refused for console-secret-value-0123"
        )
        text = path.read_text(encoding="utf-8")
        assert "Credential=***" in text and "Signature=***" in text  # the line is there, masked
        assert "AKIDCONSOLETEST1" not in text and "console-secret-value-0123" not in text
        path = setup_logging(tmp_path, json_format=True, fault_log=False)
        logging.getLogger("officer_console.test").warning("phone 13912345678")
        last = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
        assert last["level"] == "WARNING" and last["msg"] == "phone 139****5678"
    finally:
        for handler in list(root.handlers):
            if handler not in before[0]:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(before[1])


def test_cjk_font_is_found_and_preferred() -> None:
    assert fonts.pick_family(["DejaVu Sans", "WenQuanYi Zen Hei"]) == "WenQuanYi Zen Hei"
    assert fonts.pick_family(["DejaVu Sans"], ["Some CJK Font"]) == "Some CJK Font"
    assert fonts.pick_family(["DejaVu Sans"]) is None
    assert "fonts-wqy-zenhei" in fonts.FontCheck(None).hint
    assert fonts.check_cjk_font().ok  # fonts-wqy-zenhei is installed here
