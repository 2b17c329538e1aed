"""Inactivity lock: no personal data left in the widget tree; unlock re-authenticates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.gui.case.panel import CasePanel
from officer_console.gui.common.services import Services
from officer_console.gui.queue.pane import QueuePane
from officer_console.gui.shell import i18n
from officer_console.gui.shell.lock import UNLOCK_FAILED
from officer_console.gui.shell.main_window import MainWindow
from officer_console.store.appointments import queue
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import Appointment, AuditEvent, Citizen
from tests.support import console
from tests.support.builders import PASSWORD
from tests.support.console import (
    FakeClock,
    World,
    citizen_pii,
    make_services,
    pii_found,
    seed_world,
)
from tests.support.shots import shot


@pytest.fixture(autouse=True)
def _chinese(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "zh_CN")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(db_url: str, clock: FakeClock) -> Iterator[Services]:
    svc = make_services(db_url, clock, inactivity_lock_minutes=30)
    yield svc
    svc.close()


@pytest.fixture
def world(services: Services) -> World:
    world = seed_world(services, appointments=6)
    console.signed_in(services, "370102001")
    with transaction(services.factory) as s:  # one appointment is ours, so we may reveal it
        queue.claim(s, services.actor(), world.squad_id, world.appointment_ids[0])
    return world


@pytest.fixture
def window(qtbot: QtBot, services: Services, world: World) -> Iterator[MainWindow]:
    win = MainWindow(services)
    win.show()
    qtbot.waitExposed(win)
    yield win
    console.close_window(win)


def _unlock(qtbot: QtBot, window: MainWindow, password: str) -> None:
    ui = window.lock_screen.ui
    qtbot.keyClicks(ui.lock_password_edit, password)
    qtbot.mouseClick(ui.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(ui.unlock_button.isEnabled, timeout=15_000)


def _audit_actions(services: Services) -> list[str]:
    with services.factory() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_idle_lock_hides_all_personal_data_and_unlock_restores(
    qtbot: QtBot, services: Services, world: World, window: MainWindow, clock: FakeClock
) -> None:
    pii = citizen_pii(services)
    qtbot.waitUntil(lambda: bool(pii_found(window, pii)), timeout=10_000)  # the walker sees it
    pane, case = window.queue_pane, window.case_panel
    assert isinstance(pane, QueuePane) and isinstance(case, CasePanel)
    mine = world.appointment_ids[0]
    pane.queue_view.selectRow(pane.model.row_of(mine))
    qtbot.waitUntil(case.reveal_button.isEnabled, timeout=10_000)
    qtbot.mouseClick(case.reveal_button, Qt.MouseButton.LeftButton)
    with services.factory() as s:
        full_phone = s.scalar(select(Citizen.phone).join(Appointment).where(Appointment.id == mine))
    assert full_phone
    qtbot.waitUntil(lambda: full_phone in pii_found(window, pii), timeout=10_000)

    window.inactivity.timer.setInterval(20)
    clock.advance(minutes=29)
    qtbot.wait(100)
    assert not window.locked
    clock.advance(minutes=2)
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)

    assert window.stack.currentWidget() is window.lock_screen
    assert window.lock_screen.objectName() == "lock_screen"
    assert pii_found(window, pii) == []
    for top in QApplication.topLevelWidgets():
        if top.isVisible():
            assert pii_found(top, pii) == []

    _unlock(qtbot, window, "wrong-password")
    assert window.locked
    assert window.lock_screen.ui.lock_error_label.text() == UNLOCK_FAILED  # no 警号, no count
    shot(window, "lock_screen_error")
    assert window.lock_screen.ui.lock_password_edit.text() == ""
    _unlock(qtbot, window, PASSWORD)
    qtbot.waitUntil(lambda: not window.locked, timeout=5_000)
    assert window.stack.currentWidget() is window.splitter
    # The selection and the right panel come back (the reveal does not: it must be redone).
    qtbot.waitUntil(
        lambda: case.case is not None and case.case.appointment.id == mine, timeout=10_000
    )
    qtbot.waitUntil(
        lambda: pane.current_row() is not None and pane.current_row().id == mine,  # type: ignore[union-attr]
        timeout=10_000,
    )
    assert full_phone not in pii_found(window, pii)
    shot(window, "unlocked_selection_restored")
    qtbot.waitUntil(lambda: bool(pii_found(window, pii)), timeout=10_000)
    qtbot.waitUntil(lambda: "session.unlock" in _audit_actions(services), timeout=5_000)
    actions = _audit_actions(services)
    assert actions.count("session.lock") == 1
    assert "session.unlock" in actions


def test_input_postpones_the_lock(qtbot: QtBot, window: MainWindow, clock: FakeClock) -> None:
    clock.advance(minutes=20)
    qtbot.keyClick(window.stack.currentWidget(), Qt.Key.Key_Shift)
    clock.advance(minutes=20)
    window.inactivity.check()
    assert not window.locked
    clock.advance(minutes=11)
    window.inactivity.check()
    assert window.locked


def test_lock_action_and_shortcut_lock_on_demand(
    qtbot: QtBot, window: MainWindow, services: Services
) -> None:
    action = window.window_actions.lock
    assert action.shortcut().toString() == "Ctrl+Shift+L"
    assert action.text() == "锁定"
    window.activateWindow()
    qtbot.keyClick(
        window,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: window.locked, timeout=2_000)
    assert not window.window_actions.settings.isEnabled()
    assert "已手动锁定" in window.lock_screen.ui.lock_info_label.text()
    _unlock(qtbot, window, PASSWORD)
    qtbot.waitUntil(lambda: not window.locked, timeout=5_000)
    assert window.window_actions.settings.isEnabled()


def test_lock_closes_other_windows(window: MainWindow) -> None:
    window.window_actions.settings.trigger()
    dialog = window.findChild(QDialog, "settings_dialog")
    assert dialog is not None and dialog.isVisible()
    window.lock("manual")
    assert not dialog.isVisible()
