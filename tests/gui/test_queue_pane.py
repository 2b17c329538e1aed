"""QueuePane with real widgets: claim race between two workstations, reassign, filters, lock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from officer_console.gui.common.services import Services
from officer_console.gui.queue.model import QueueModel
from officer_console.gui.queue.pane import QueuePane
from officer_console.gui.queue.reassign_dialog import ReassignDialog
from officer_console.gui.shell import i18n
from officer_console.store.db.models import Appointment, AuditEvent
from tests.support import console, queue_world
from tests.support.shots import shot

OFFICER, COLLEAGUE, LEAD = "370102001", "370102002", "370102900"


@pytest.fixture(autouse=True)
def _source_language(qapp: QApplication) -> None:
    """Chrome in English source strings (the catalogue may lag); data stays Chinese."""
    i18n.install_translators(qapp, "en")


@pytest.fixture
def make_services(db_url: str) -> Iterator[Callable[[str], Services]]:
    """Services signed in as one officer; several share one database like workstations."""
    made: list[Services] = []
    world: list[console.World] = []

    def make(police_number: str) -> Services:
        svc = console.make_services(db_url)
        if not world:
            world.append(console.seed_world(svc, appointments=6))
        queue_world.sign_in(svc, police_number)
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.close()


@pytest.fixture
def make_pane(
    qtbot: QtBot, make_services: Callable[[str], Services]
) -> Iterator[Callable[[str], QueuePane]]:
    panes: list[QueuePane] = []

    def make(police_number: str) -> QueuePane:
        pane = QueuePane(make_services(police_number))
        qtbot.addWidget(pane)
        pane.resize(1100, 600)
        pane.show()
        qtbot.waitUntil(
            lambda: pane.model.rowCount() == 6 and not pane.model.loading, timeout=5_000
        )
        panes.append(pane)
        return pane

    yield make
    for pane in panes:
        pane.shutdown()


def _officer_text(pane: QueuePane, row: int) -> str:
    return str(pane.model.index(row, QueueModel.COL_OFFICER).data())


def test_pane_shows_the_squad_queue_with_its_controls(
    make_pane: Callable[[str], QueuePane],
) -> None:
    pane = make_pane(OFFICER)
    assert pane.objectName() == "queue_pane"
    for name in (
        "queue_view",
        "claim_button",
        "day_filter",
        "status_filter",
        "officer_filter",
        "plate_search",
        "count_label",
        "queue_message",
    ):
        assert pane.findChild(QWidget, name) is getattr(pane, name)
    assert pane.claim_button.shortcut().toString() == "Ctrl+Return"
    assert not pane.claim_button.isEnabled()  # nothing selected
    assert pane.model.index(0, QueueModel.COL_STATUS).data() == "待认领"
    assert "6" in pane.count_label.text()
    days = [pane.day_filter.itemText(i) for i in range(pane.day_filter.count())]
    assert days[:3] == ["All upcoming", "Today", "Tomorrow"] and len(days) == 8


def test_officers_never_see_reassign(make_pane: Callable[[str], QueuePane]) -> None:
    pane = make_pane(OFFICER)
    assert not pane.reassign_button.isVisible()
    assert pane.findChild(QPushButton, "reassign_button") is None
    assert all(b.objectName() != "reassign_button" for b in pane.findChildren(QPushButton))


def test_selection_enables_claim_and_opens_the_case(
    qtbot: QtBot, make_pane: Callable[[str], QueuePane]
) -> None:
    pane = make_pane(OFFICER)
    selected: list[int] = []
    pane.appointment_selected.connect(selected.append)
    pane.queue_view.selectRow(2)
    assert pane.claim_button.isEnabled()
    first = pane.model.row_at(2).id  # type: ignore[union-attr]
    assert selected == [first]
    pane.queue_view.setFocus()
    qtbot.keyClick(pane.queue_view, Qt.Key.Key_Return)  # Enter opens the case panel again
    assert selected == [first, first]
    pane.queue_view.clearSelection()
    assert selected[-1] == -1 and not pane.claim_button.isEnabled()


@pytest.mark.both_backends  # claims: row locks differ between the backends
def test_claim_race_between_two_workstations(
    qtbot: QtBot, make_pane: Callable[[str], QueuePane]
) -> None:
    a, b = make_pane(OFFICER), make_pane(COLLEAGUE)
    for pane in (a, b):
        pane.queue_view.selectRow(0)
        assert pane.claim_button.isEnabled()
    target = a.model.row_at(0).id  # type: ignore[union-attr]
    qtbot.mouseClick(a.claim_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(b.claim_button, Qt.MouseButton.LeftButton)  # both in flight at once

    def settled() -> bool:
        return all(p.queue_message.isVisible() for p in (a, b))

    qtbot.waitUntil(settled, timeout=10_000)
    winners = [p for p in (a, b) if p.queue_message.kind == "info"]
    losers = [p for p in (a, b) if p.queue_message.kind == "error"]
    assert len(winners) == 1 and len(losers) == 1
    winner, loser = winners[0], losers[0]
    name = winner.services.officer.name  # type: ignore[union-attr]
    assert loser.queue_message.text() == f"认领失败：该预约已被 {name} 认领"
    qtbot.waitUntil(lambda: _officer_text(loser, 0) == name, timeout=5_000)
    qtbot.waitUntil(lambda: _officer_text(winner, 0) == f"{name}（我）", timeout=5_000)
    assert loser.model.row_at(0).id == target  # type: ignore[union-attr]
    assert loser.queue_view.selectionModel().isRowSelected(0)  # selection kept
    assert not loser.claim_button.isEnabled()
    with winner.services.factory() as s:
        claims = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "appointment.claim")
        )
        owner = s.scalar(select(Appointment.officer_id).where(Appointment.id == target))
    assert claims == 1 and owner == winner.officer_id


def test_ctrl_return_claims(qtbot: QtBot, make_pane: Callable[[str], QueuePane]) -> None:
    pane = make_pane(OFFICER)
    pane.queue_view.selectRow(1)
    pane.queue_view.setFocus()
    qtbot.keyClick(pane.queue_view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _officer_text(pane, 1) == "李明（我）", timeout=5_000)
    assert pane.model.index(1, QueueModel.COL_STATUS).data() == "已认领"


def _reassign_dialog(qtbot: QtBot, pane: QueuePane) -> ReassignDialog:
    qtbot.mouseClick(pane.reassign_button, Qt.MouseButton.LeftButton)
    shown = [d for d in pane.findChildren(QDialog, "reassign_dialog") if d.isVisible()]
    assert len(shown) == 1  # an earlier, closed dialog may not be deleted yet
    dialog = shown[0]
    assert isinstance(dialog, ReassignDialog)
    qtbot.waitUntil(
        lambda: dialog.officer_combo.count() > 0 and dialog.ok_button.isEnabled(), timeout=5_000
    )
    return dialog


def test_shift_lead_reassigns_several_rows_with_a_reason(
    qtbot: QtBot, make_pane: Callable[[str], QueuePane]
) -> None:
    pane = make_pane(LEAD)
    assert pane.reassign_button.isVisible() and not pane.reassign_button.isEnabled()
    pane.queue_view.selectRow(0)
    qtbot.mouseClick(
        pane.queue_view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        pane.queue_view.visualRect(pane.model.index(2, 0)).center(),
    )
    assert len(pane.selected_rows()) == 2 and pane.reassign_button.isEnabled()
    dialog = _reassign_dialog(qtbot, pane)
    assert dialog.officer_combo.currentIndex() == -1  # nobody pre-selected
    assert dialog.officer_combo.currentText() == "" and dialog.squad_combo.currentIndex() == -1
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.reassign_error.isVisible, timeout=5_000)
    assert dialog.reassign_error.text() == "Choose where to reassign to."  # (English in here)
    shot(dialog, "reassign_dialog")
    dialog.officer_combo.setCurrentIndex(dialog.officer_combo.findText("赵强（370102002）"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # no reason yet
    qtbot.waitUntil(lambda: dialog.reassign_error.text() == "请填写改派原因", timeout=5_000)
    assert dialog.isVisible()
    dialog.reason_edit.insert("李明请假")  # QTest types ASCII only
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    qtbot.waitUntil(
        lambda: _officer_text(pane, 0) == _officer_text(pane, 2) == "赵强", timeout=5_000
    )
    assert pane.queue_message.kind == "info" and "赵强" in pane.queue_message.text()
    assert [i.row() for i in pane.queue_view.selectionModel().selectedRows()] == [0, 2]
    with pane.services.factory() as s:
        reasons = s.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "appointment.reassign")
        ).all()
    assert [d["reason"] for d in reasons] == ["李明请假", "李明请假"]


def test_reassign_to_another_squad_removes_the_rows(
    qtbot: QtBot, make_pane: Callable[[str], QueuePane]
) -> None:
    pane = make_pane(LEAD)
    pane.queue_view.selectRow(1)
    moved = pane.model.row_at(1).id  # type: ignore[union-attr]
    dialog = _reassign_dialog(qtbot, pane)
    dialog.to_squad_radio.setChecked(True)
    assert dialog.squad_combo.currentIndex() == -1 and dialog.squad_combo.isEnabled()
    dialog.squad_combo.setCurrentIndex(dialog.squad_combo.findText("市中区大队"))
    dialog.reason_edit.insert("辖区调整")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 5, timeout=5_000)
    assert moved not in pane.model.ids()


@pytest.mark.parametrize("number", ["900001", "900002"])  # admin, auditor: no squad of their own
def test_admins_and_auditors_pick_a_squad_and_read_its_queue(
    qtbot: QtBot, make_pane: Callable[[str], QueuePane], number: str
) -> None:
    pane = make_pane(number)  # waits until the first squad's six rows are shown
    picker = pane.squad_picker
    assert picker is not None and picker.objectName() == "squad_picker"
    assert [picker.itemText(i) for i in range(picker.count())] == ["历下区大队", "市中区大队"]
    assert picker.currentText() == "历下区大队"
    assert pane.read_only and not pane.claim_button.isVisible()
    assert pane.findChild(QPushButton, "reassign_button") is None
    assert not pane.queue_message.isVisible()  # no "no squad" notice, and nothing green
    pane.queue_view.selectRow(0)
    assert not pane.claim_button.isEnabled()
    if number == "900002":
        shot(pane, "queue_squad_picker_auditor")
    picker.setCurrentIndex(picker.findText("市中区大队"))
    picker.activated.emit(picker.currentIndex())
    qtbot.waitUntil(lambda: pane.model.rowCount() == 0 and not pane.model.loading, timeout=5_000)
    assert pane.squad_id == pane.model.squad_id == pane.watcher.squad_id
    picker.setCurrentIndex(picker.findText("历下区大队"))
    picker.activated.emit(picker.currentIndex())
    qtbot.waitUntil(lambda: pane.model.rowCount() == 6, timeout=5_000)


def test_reassign_to_the_same_officer_is_refused(
    qtbot: QtBot, make_pane: Callable[[str], QueuePane]
) -> None:
    pane = make_pane(LEAD)
    pane.queue_view.selectRow(0)
    dialog = _reassign_dialog(qtbot, pane)
    dialog.officer_combo.setCurrentIndex(dialog.officer_combo.findText("赵强（370102002）"))
    dialog.reason_edit.insert("first")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _officer_text(pane, 0) == "赵强", timeout=5_000)
    pane.queue_view.selectRow(0)
    dialog = _reassign_dialog(qtbot, pane)
    dialog.officer_combo.setCurrentIndex(dialog.officer_combo.findText("赵强（370102002）"))
    dialog.reason_edit.insert("again")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.reassign_error.isVisible, timeout=5_000)
    assert "无需改派" in dialog.reassign_error.text() and dialog.isVisible()
    with pane.services.factory() as s:
        reasons = s.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "appointment.reassign")
        ).all()
    assert [d["reason"] for d in reasons] == ["first"]  # the no-op is not logged as a change


def test_filters_status_officer_and_plate(
    qtbot: QtBot, make_pane: Callable[[str], QueuePane]
) -> None:
    pane = make_pane(OFFICER)
    pane.queue_view.selectRow(3)
    qtbot.mouseClick(pane.claim_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _officer_text(pane, 3) == "李明（我）", timeout=5_000)
    mine = pane.model.row_at(3)
    assert mine is not None
    pane.officer_filter.setCurrentIndex(pane.officer_filter.findText("Mine"))
    qtbot.waitUntil(lambda: pane.model.ids() == [mine.id], timeout=5_000)
    pane.officer_filter.setCurrentIndex(0)
    pane.status_filter.setCurrentIndex(pane.status_filter.findText("待认领"))
    qtbot.waitUntil(lambda: pane.model.rowCount() == 5 and not pane.model.loading, timeout=5_000)
    pane.status_filter.setCurrentIndex(0)
    qtbot.keyClicks(pane.plate_search, mine.plate[-4:])
    qtbot.waitUntil(lambda: pane.model.ids() == [mine.id], timeout=5_000)
    assert pane.officer_filter.count() == 2 + 3  # 全部, 我的, three officers of the squad


def test_clear_for_lock_leaves_no_personal_data(
    qtbot: QtBot, make_pane: Callable[[str], QueuePane]
) -> None:
    pane = make_pane(OFFICER)
    pii: list[Any] = console.citizen_pii(pane.services)
    pane.plate_search.insert(pane.model.row_at(5).plate)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1 and not pane.model.loading, timeout=5_000)
    pane.queue_view.selectRow(0)
    assert console.pii_found(pane, pii)
    selected: list[int] = []
    pane.appointment_selected.connect(selected.append)
    pane.clear_for_lock()
    assert console.pii_found(pane, pii) == []
    assert pane.model.rowCount() == 0 and selected == [-1]
    qtbot.wait(300)  # late answers and timers must not bring rows back while locked
    assert pane.model.rowCount() == 0 and not pane.watcher.running
    pane.restore_after_lock()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 6, timeout=5_000)
    assert pane.watcher.running
