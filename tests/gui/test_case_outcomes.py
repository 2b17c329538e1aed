"""Every way a case can end, from the case panel, seen live on a second workstation; the
permission refusals; and the reads one dispatch click costs — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.gui.case import details as case_details
from officer_console.gui.case import dispatch_panel
from officer_console.gui.case.panel import CasePanel
from officer_console.gui.common.services import Services
from officer_console.gui.queue.pane import QueuePane
from officer_console.gui.shell import i18n
from officer_console.store.appointments import casefile
from officer_console.store.db.models import Appointment, AuditEvent
from tests.support import console, queue_world
from tests.support.answer import answer_yes

OFFICER, COLLEAGUE, LEAD = "370102001", "370102002", "370102900"
WAIT = 15_000


@pytest.fixture(autouse=True)
def _source_language(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "en")


class Opener:
    def __call__(self, uri: str) -> bool:
        return True


@pytest.fixture
def desks(db_url: str) -> Iterator[tuple[Services, Services, list[int]]]:
    """Our workstation (officer 李明, who claimed three cases) and another one (the lead)."""
    clock = console.FakeClock()
    ours, other = console.make_services(db_url, clock), console.make_services(db_url)
    ids = console.seed_world(ours, appointments=4).appointment_ids
    for appointment_id in ids[:3]:
        queue_world.claim_as(ours, OFFICER, appointment_id)
    queue_world.sign_in(ours, OFFICER)
    queue_world.sign_in(other, LEAD)
    yield ours, other, ids
    ours.close()
    other.close()


def _panel(qtbot: QtBot, services: Services) -> CasePanel:
    panel = CasePanel(services, opener=Opener())
    qtbot.addWidget(panel)
    panel.resize(640, 1000)
    panel.show()
    return panel


def _open(qtbot: QtBot, panel: CasePanel, appointment_id: int) -> None:
    panel.show_appointment(appointment_id)
    qtbot.waitUntil(
        lambda: panel.case is not None and panel.case.appointment.id == appointment_id,
        timeout=WAIT,
    )


def _watching(qtbot: QtBot, services: Services) -> QueuePane:
    """The other workstation's queue on the 'Open' (active) view."""
    pane = QueuePane(services)
    qtbot.addWidget(pane)
    pane.resize(1000, 400)
    pane.show()
    pane.status_filter.setCurrentIndex(1)  # 未办结 / Open: the active statuses only
    qtbot.waitUntil(lambda: pane.model.rowCount() == 4 and pane.watcher.running, timeout=WAIT)
    if services.engine.dialect.name == "postgresql":
        qtbot.waitUntil(lambda: pane.watcher.listening, timeout=WAIT)
    qtbot.wait(50)
    return pane


def _status(services: Services, appointment_id: int) -> tuple[str, int | None]:
    with services.factory() as s:
        appt = s.get(Appointment, appointment_id)
        assert appt is not None
        return appt.status, appt.officer_id


def test_each_outcome_from_the_case_panel_leaves_the_active_view_everywhere(
    qtbot: QtBot, desks: tuple[Services, Services, list[int]]
) -> None:
    ours, other, ids = desks
    ours.clock.advance(days=1)  # type: ignore[attr-defined]  # every slot has ended
    watcher = _watching(qtbot, other)
    panel = _panel(qtbot, ours)
    outcomes = panel.handling.outcomes
    try:
        # 未到场: the slot ended, so no contact attempt is needed
        _open(qtbot, panel, ids[0])
        assert not outcomes.reassign_button.isVisible()  # officers never see 改派
        qtbot.waitUntil(outcomes.no_show_button.isEnabled, timeout=WAIT)
        qtbot.mouseClick(outcomes.no_show_button, Qt.MouseButton.LeftButton)
        assert _status(ours, ids[0])[0] != "no_show"  # it asks first
        answer_yes(outcomes.confirm_box, "no_show_confirm")
        qtbot.waitUntil(lambda: _status(ours, ids[0])[0] == "no_show", timeout=WAIT)
        qtbot.waitUntil(lambda: watcher.model.row_of(ids[0]) < 0, timeout=WAIT)
        qtbot.waitUntil(
            lambda: panel.case is not None and panel.case.appointment.status == "no_show",
            timeout=WAIT,
        )
        assert panel.case is not None and panel.case.history[-1].action == "未到场"
        assert "未到场" in panel.handling.message.text()
        assert not outcomes.no_show_button.isEnabled()  # closed: nothing more to do

        # 转窗口办理: a reason from the list; 其他 needs the text
        _open(qtbot, panel, ids[1])
        qtbot.waitUntil(outcomes.hand_over_button.isEnabled, timeout=WAIT)
        qtbot.mouseClick(outcomes.hand_over_button, Qt.MouseButton.LeftButton)
        dialog = outcomes.hand_over_dialog
        qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
        dialog.reason_combo.setCurrentIndex(dialog.reason_combo.findData("other"))
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible() and "具体原因" in dialog.error.text()
        dialog.text_edit.setText("当事人要求到窗口缴款")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _status(ours, ids[1])[0] == "handed_over", timeout=WAIT)
        qtbot.waitUntil(lambda: watcher.model.row_of(ids[1]) < 0, timeout=WAIT)
        qtbot.waitUntil(
            lambda: panel.case is not None and panel.case.appointment.status == "handed_over",
            timeout=WAIT,
        )
        last = panel.case.history[-1]  # type: ignore[union-attr]
        assert (last.action, last.detail) == (
            "转窗口办理",
            "已认领 → 转窗口办理（其他：当事人要求到窗口缴款）",
        )

        # 释放: back to the squad queue, nobody assigned (still in the active view)
        _open(qtbot, panel, ids[2])
        qtbot.waitUntil(outcomes.release_button.isEnabled, timeout=WAIT)
        qtbot.mouseClick(outcomes.release_button, Qt.MouseButton.LeftButton)
        answer_yes(outcomes.confirm_box, "release_confirm")
        qtbot.waitUntil(lambda: _status(ours, ids[2]) == ("waiting", None), timeout=WAIT)
        row = watcher.model.row_of(ids[2])
        qtbot.waitUntil(
            lambda: watcher.model.row_at(watcher.model.row_of(ids[2])).status == "waiting",  # type: ignore[union-attr]
            timeout=WAIT,
        )
        assert row >= 0
        for entry in panel.case.history if panel.case else ():
            assert "." not in entry.action and entry.actor != "citizen"
    finally:
        panel.shutdown()
        watcher.shutdown()


def test_an_officer_cannot_end_a_colleagues_case_and_the_refusal_is_audited(
    qtbot: QtBot, desks: tuple[Services, Services, list[int]]
) -> None:
    ours, _other, ids = desks
    ours.clock.advance(days=1)  # type: ignore[attr-defined]
    queue_world.sign_in(ours, COLLEAGUE)
    panel = _panel(qtbot, ours)
    outcomes = panel.handling.outcomes
    try:
        _open(qtbot, panel, ids[0])
        for button in (outcomes.no_show_button, outcomes.hand_over_button):
            assert not button.isEnabled()
        assert not outcomes.release_button.isEnabled()
        outcomes._no_show(ids[0])  # forced past the disabled button: the store refuses
        qtbot.waitUntil(
            lambda: "只有认领该预约的民警" in panel.handling.message.text(), timeout=WAIT
        )
        assert _status(ours, ids[0])[0] == "claimed"
        with ours.factory() as s:
            denied = s.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "appointment.no_show", AuditEvent.outcome == "denied"
                )
            ).all()
        assert len(denied) == 1
    finally:
        panel.shutdown()


def test_shift_lead_reassigns_from_the_case_panel(
    qtbot: QtBot, desks: tuple[Services, Services, list[int]]
) -> None:
    ours, _other, ids = desks
    queue_world.sign_in(ours, LEAD)
    panel = _panel(qtbot, ours)
    outcomes = panel.handling.outcomes
    try:
        _open(qtbot, panel, ids[0])
        assert outcomes.reassign_button.isVisible()
        qtbot.waitUntil(outcomes.reassign_button.isEnabled, timeout=WAIT)
        assert not outcomes.no_show_button.isEnabled()  # not the lead's own case
        qtbot.mouseClick(outcomes.reassign_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: hasattr(outcomes, "reassign_dialog"), timeout=WAIT)
        dialog = outcomes.reassign_dialog
        qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=WAIT)
        colleague = queue_world.officer_id(ours, COLLEAGUE)
        dialog.officer_combo.setCurrentIndex(dialog.officer_combo.findData(colleague))
        dialog.reason_edit.setText("李明外出处警")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _status(ours, ids[0]) == ("claimed", colleague), timeout=WAIT)
        qtbot.waitUntil(
            lambda: panel.case is not None and panel.case.appointment.officer_id == colleague,
            timeout=WAIT,
        )
        assert panel.case.history[-1].action == "改派"  # type: ignore[union-attr]
    finally:
        panel.shutdown()


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    counts = {"case_file": 0, "snapshot": 0}

    def wrap(key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            counts[key] += 1
            return fn(*args, **kwargs)

        return counted

    monkeypatch.setattr(
        case_details.casefile, "load_case_file", wrap("case_file", casefile.load_case_file)
    )
    monkeypatch.setattr(dispatch_panel, "snapshot", wrap("snapshot", dispatch_panel.snapshot))
    return counts


def test_one_dispatch_click_reads_the_case_file_and_the_snapshot_once(
    qtbot: QtBot, desks: tuple[Services, Services, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, _other, ids = desks
    counts = _counting(monkeypatch)
    queue = QueuePane(ours)  # the window's wiring: selection → case panel, live updates
    qtbot.addWidget(queue)
    queue.show()
    panel = _panel(qtbot, ours)
    queue.appointment_selected.connect(lambda i: panel.show_appointment(None if i < 0 else i))
    dp = panel.handling.dispatch_panel
    assert dp is not None
    try:
        qtbot.waitUntil(lambda: queue.model.row_of(ids[0]) >= 0, timeout=WAIT)
        queue.queue_view.selectRow(queue.model.row_of(ids[0]))
        qtbot.waitUntil(dp.dispatch_button.isEnabled, timeout=WAIT)
        qtbot.wait(1500)  # settled: the watcher's baseline and any first echo are done
        counts.update(case_file=0, snapshot=0)
        qtbot.mouseClick(dp.dispatch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: panel.case is not None and panel.case.appointment.status == "contacting",
            timeout=WAIT,
        )
        qtbot.waitUntil(lambda: dp.log_model.rowCount() == 1, timeout=WAIT)
        qtbot.wait(2500)  # the live-update echo of our own change (1 s poll on SQLite)
        assert counts == {"case_file": 1, "snapshot": 1}
    finally:
        panel.shutdown()
        queue.shutdown()


def test_no_show_before_the_slot_starts_is_refused_with_the_reason(
    qtbot: QtBot, desks: tuple[Services, Services, list[int]]
) -> None:
    ours, _other, ids = desks
    with ours.factory() as s:
        appt = s.get(Appointment, ids[0])
        assert appt is not None
        start = appt.slot_start
    ours.clock.now = start - timedelta(minutes=1)  # type: ignore[attr-defined]
    panel = _panel(qtbot, ours)
    try:
        _open(qtbot, panel, ids[0])
        assert not panel.handling.outcomes.no_show_button.isEnabled()
        ours.clock.now = start + timedelta(minutes=1)  # type: ignore[attr-defined]  # started
        panel.handling.outcomes.refresh()
        assert panel.handling.outcomes.no_show_button.isEnabled()
        qtbot.mouseClick(panel.handling.outcomes.no_show_button, Qt.MouseButton.LeftButton)
        answer_yes(panel.handling.outcomes.confirm_box, "no_show_confirm")
        qtbot.waitUntil(lambda: "至少联系" in panel.handling.message.text(), timeout=WAIT)
        assert _status(ours, ids[0])[0] == "claimed"
    finally:
        panel.shutdown()
