"""The wizard reachable in the console: the real main window (queue + case panel) at 1366×768,
an appointment in a call → 开始办理 → the inquiry page in the live call area beside the video;
browsing another row leaves it there; a hearing request ends the appointment as 转窗口办理 in
the queue; a co-sign request opens the second window's dock live; the waiting room shows
「当事人已在等候」. SQLite and PostgreSQL.

The call itself is not run here (tests/gui/test_procedure_call.py runs the wizard over a real
call, tests/gui/test_live_case.py the pinned call): the case panel is pinned with its own
``call_started`` signal and the panel gets the in-process citizen channel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from officer_console.gui.case.panel import CasePanel
from officer_console.gui.common.services import Services
from officer_console.gui.procedure.panel import ProcedurePanel
from officer_console.gui.queue.model import QueueModel
from officer_console.gui.queue.pane import QueuePane
from officer_console.gui.shell import i18n
from officer_console.gui.shell.main_window import MainWindow
from officer_console.paths import resource
from officer_console.store.appointments import catalogue, lifecycle
from officer_console.store.db.engine import make_engine, transaction
from officer_console.store.db.models import (
    Appointment,
    AppointmentViolation,
    Citizen,
    Licence,
    Squad,
    VideoSession,
    ViolationRecord,
)
from officer_console.store.gateway import rooms
from tests.gui.test_live_case import _start_call, live_desk
from tests.support import builders, console, queue_world, shots
from tests.support.answer import answer_yes
from tests.support.case_documents import case_documents
from tests.support.procedure_gui import FakeChannel, Officer, sign_record, walk_simple_case
from tests.support.procedure_world import World, build
from tests.support.qtloop import qt_run, until

__all__ = ["qt_run"]

Run = Callable[..., Any]

WAIT = 15_000


@pytest.fixture(autouse=True)
def _source_language(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "zh_CN")


class Opener:
    def __call__(self, uri: str) -> bool:
        return True


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    svc = console.make_services(db_url)
    yield svc
    svc.close()


def _window(qtbot: QtBot, services: Services) -> tuple[MainWindow, CasePanel, QueuePane]:
    window = MainWindow(services, panes=lambda s: (QueuePane(s), CasePanel(s, opener=Opener())))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    case, queue = window.case_panel, window.queue_pane
    assert isinstance(case, CasePanel) and isinstance(queue, QueuePane)
    return window, case, queue


def _open(qtbot: QtBot, case: CasePanel, appointment_id: int) -> None:
    case.show_appointment(appointment_id)
    qtbot.waitUntil(
        lambda: case.case is not None and case.case.appointment.id == appointment_id,
        timeout=WAIT,
    )


def _other_row(services: Services, world: World) -> int:
    with transaction(services.factory) as s:
        squad = s.get(Squad, world.squad_id)
        assert squad is not None
        start = datetime.now(UTC) + timedelta(minutes=40)
        (other,) = builders.appointments(s, squad, 1, start=start, first_citizen=9100)
    return other


def _live_procedure(
    qtbot: QtBot, services: Services, world: World
) -> tuple[MainWindow, CasePanel, QueuePane, ProcedurePanel, Officer]:
    queue_world.sign_in(services, world.lead.police_number)
    window, case, queue = _window(qtbot, services)
    _open(qtbot, case, world.appointment_id)
    case.handling.call_started.emit(world.appointment_id)  # the call pins its case
    panel = case.handling.procedure.panel
    docs = case_documents(services.settings.data_dir)  # the unit's certificate: the demo PKI
    panel.documents = panel.intents.documents = docs
    panel.set_channel(FakeChannel())
    officer = Officer(panel, lambda p: qtbot.waitUntil(p, timeout=WAIT))
    officer.wait(panel.start_button.isEnabled)  # 视频中, the assigned officer
    return window, case, queue, panel, officer


def _fully_visible(widget: QWidget) -> bool:
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


def test_start_browse_and_hearing_stop_from_the_console(
    qtbot: QtBot, services: Services, db_url: str
) -> None:
    world = build(services.factory, ("1721",))  # 2000 yuan: the hearing right applies
    other = _other_row(services, world)
    window, case, queue, panel, officer = _live_procedure(qtbot, services, world)
    assert panel.objectName() == "procedure_panel"
    assert case.call_area.isAncestorOf(panel)  # beside the video, in the live call area
    officer.click("start_procedure_button")
    officer.wait(lambda: officer.page() == "inquiry")
    qtbot.waitUntil(  # published once on the hub: the live case reloaded as 办理中
        lambda: case.case is not None and case.case.appointment.status == "in_procedure",
        timeout=WAIT,
    )
    QApplication.processEvents()
    assert (window.width(), window.height()) == (1366, 768)
    for name in ("video_pane", "hangup_button", "procedure_panel", "complete_inquiry_button"):
        widget = window.findChild(QWidget, name)
        assert widget is not None and _fully_visible(widget), name
    if db_url.startswith("sqlite") and shots.REQUESTED is not None:
        window.grab().save(str(shots.REQUESTED / "live_case_procedure_inquiry_1366.png"))
    # Browsing another row: the wizard stays with the live case, on the same page.
    typed = panel.pages["inquiry"].findChild(QWidget, "id_last4")
    assert typed is not None
    officer.type("id_last4", world.id_last4)
    case.show_appointment(other)
    qtbot.waitUntil(lambda: case.browse.case is not None, timeout=WAIT)
    assert case.stack.currentWidget() is case.browse_view
    assert case.call_area.isAncestorOf(panel) and panel.isVisible()
    assert panel.appointment_id == world.appointment_id and officer.page() == "inquiry"
    assert typed.text() == world.id_last4  # nothing reset under the officer's hands
    case.show_live_case()
    # The hearing request: the appointment ends as 转窗口办理, visible in the queue.
    officer.click("snapshot_button")
    officer.wait(lambda: panel.pages["inquiry"].snapshot_id is not None)  # type: ignore[attr-defined]
    officer.tick("name_confirmed")
    for row in range(panel.pages["inquiry"].qa_table.rowCount()):  # type: ignore[attr-defined]
        officer.answer(row, "是")
    officer.complete("inquiry", "record")
    sign_record(officer, "notice")
    officer.type("statement", "我要求举行听证。")
    officer.choose("hearing_requested")
    officer.complete("notice", "done")
    assert "转窗口办理" in panel.done_text.text()

    def queue_status() -> str:
        row = queue.model.row_of(world.appointment_id)
        return "" if row < 0 else str(queue.model.index(row, QueueModel.COL_STATUS).data())

    qtbot.waitUntil(lambda: queue_status() == "转窗口办理", timeout=WAIT)
    qtbot.waitUntil(
        lambda: case.case is not None and case.case.appointment.status == "handed_over",
        timeout=WAIT,
    )
    with services.factory() as s:
        appt = s.get(Appointment, world.appointment_id)
        assert appt is not None and appt.status == "handed_over"
    window.close_for_shutdown()


def test_cosign_request_opens_the_second_windows_dock(
    qtbot: QtBot, services: Services, db_url: str
) -> None:
    world = build(services.factory, ("1721",))  # general procedure: a second officer
    window, _case, _queue, panel, officer = _live_procedure(qtbot, services, world)
    assistant = console.make_services(db_url)
    try:
        queue_world.sign_in(assistant, world.assist.police_number)
        second, _c, _q = _window(qtbot, assistant)
        dock = second.cosign_dock
        assert dock.inbox.objectName() == "cosign_requests" and not dock.isVisible()
        walk_simple_case(officer, world.id_last4)
        ruling = panel.pages["ruling"]
        officer.wait(lambda: ruling.assist_combo.count() >= 2)  # type: ignore[attr-defined]
        index = ruling.assist_combo.findData(world.assist.officer_id)  # type: ignore[attr-defined]
        ruling.assist_combo.setCurrentIndex(index)  # type: ignore[attr-defined]
        officer.click("cosign_request_button")
        # Arrives live on the assisting officer's window: the dock opens, the badge counts.
        qtbot.waitUntil(lambda: dock.isVisible() and len(dock.inbox.items) == 1, timeout=WAIT)
        assert "拟罚款2000元" in dock.inbox.items[0].summary
        assert dock.badge.isVisible() and dock.badge.text() == "会签请求 1"
        second.lock()  # the lock page: no summary stays behind it
        assert not dock.isVisible() and dock.inbox.items == [] and not dock.badge.isVisible()
        second.unlock()
        qtbot.waitUntil(lambda: dock.isVisible() and len(dock.inbox.items) == 1, timeout=WAIT)
        dock.inbox.password.setText(builders.PASSWORD)
        assert dock.windowTitle() == "会签请求" and dock.inbox.title() == ""  # one title
        dock.inbox.approve_button.click()
        # the success message stays in view with the emptied dock, then the dock goes
        qtbot.waitUntil(lambda: "已同意会签" in dock.inbox.message.text(), timeout=WAIT)
        qtbot.waitUntil(lambda: dock.inbox.items == [], timeout=WAIT)
        assert dock.isVisible() and "已同意会签" in second.statusBar().currentMessage()
        qtbot.waitUntil(lambda: not dock.isVisible(), timeout=WAIT)
        officer.wait(lambda: "已会签" in ruling.cosign_status.text())  # type: ignore[attr-defined]
        second.close_for_shutdown()
    finally:
        assistant.close()
    window.close_for_shutdown()


def test_waiting_citizen_shows_in_the_live_case(
    qtbot: QtBot, services: Services, db_url: str
) -> None:
    world = build(services.factory, status="contacting")
    queue_world.sign_in(services, world.lead.police_number)
    _window_, case, _queue = _window(qtbot, services)
    waiting = case.handling.waiting
    chimes: list[bool] = []
    waiting.chime = lambda: chimes.append(True)  # silent under tests; the call is made
    _open(qtbot, case, world.appointment_id)
    assert not waiting.isVisible()
    arrived = datetime.now(UTC) - timedelta(seconds=75)
    with transaction(services.factory) as s:  # the citizen's verified code: the waiting room
        room = rooms.open_waiting_room(s, world.appointment_id, now=datetime.now(UTC))
        rooms.mark_citizen(s, room, arrived)
    waiting.poll()
    qtbot.waitUntil(waiting.isVisible, timeout=WAIT)
    assert waiting.objectName() == "citizen_waiting_label"
    assert "当事人已在等候 01:1" in waiting.text()  # 01:15 and ticking
    first = waiting.text()
    qtbot.waitUntil(lambda: waiting.text() != first, timeout=5_000)
    waiting.poll()
    qtbot.wait(300)
    assert chimes == [True]  # once per arrival, not per poll
    assert case.handling.start_video_button.isEnabled()  # 开始视频 connects at once
    # The gateway's message during the call says the same; the citizen leaving clears it.
    waiting.on_message({"type": "peer_left", "role": "citizen"})
    assert not waiting.isVisible()
    waiting.on_message({"type": "waiting", "since": arrived.isoformat()})
    assert waiting.isVisible() and chimes == [True]
    # The case leaves 联系中 (here: the lifecycle's 开始视频): the poll stops, the label goes.
    with transaction(services.factory) as s:
        lifecycle.open_video(s, world.appointment_id, world.lead)
        s.execute(update(VideoSession).values(citizen_waiting_since=None))
    services.hub.publish([(world.appointment_id, None)])
    qtbot.waitUntil(lambda: not waiting.isVisible(), timeout=WAIT)
    _window_.close_for_shutdown()


def _violations_for_the_call(factory: sessionmaker[Session], appointment_id: int) -> None:
    """The call's booking gets a catalogued violation and the citizen a licence (the wizard
    handles the booking's violations)."""
    with transaction(factory) as s:
        admin = builders.officer(s, None, "370102990", role="admin", name="管理员")
        catalogue.import_catalogue_file(
            s, builders.actor_for(admin), resource("catalogue", "violations_370100.csv")
        )
        appt = s.get(Appointment, appointment_id)
        assert appt is not None
        citizen = s.get(Citizen, appt.citizen_id)
        assert citizen is not None
        s.add(
            Licence(
                citizen_id=citizen.id,
                licence_number=citizen.id_number,
                file_number="370100123457",
                licence_class="C1",
                first_issue_date=date(2015, 6, 10),
                issuing_authority="济南市公安局交通警察支队车辆管理所",
                cycle_points=0,
            )
        )
        record = ViolationRecord(
            vehicle_id=appt.vehicle_id,
            region="370100",
            code="1625",
            occurred_at=datetime(2026, 11, 20, 1, 15, tzinfo=UTC),
            location="经十路与舜耕路路口",
            fine=200,
            points=6,
            source_ref=f"live-{appointment_id}",
        )
        s.add(record)
        s.flush()
        s.add(AppointmentViolation(appointment_id=appointment_id, violation_id=record.id))


def test_real_call_beside_the_procedure_panel_at_1366(
    qtbot: QtBot, db_url: str, qt_run: Run, tmp_path: Path
) -> None:
    """A real call (gateway on loopback, in-process citizen): 开始办理 on 视频中, the inquiry page
    beside the live video, the ID snapshot taken from the incoming video over the channel."""
    engine = make_engine(db_url)
    with live_desk(qtbot, engine, db_url, tmp_path) as desk:
        _violations_for_the_call(desk.factory, desk.call.appointment_id)
        panel, handling = desk.panel, desk.panel.handling
        window = MainWindow(desk.services, panes=lambda s: (QueuePane(s), panel))
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        wizard = handling.procedure.panel

        async def scenario() -> None:
            citizen = await _start_call(desk)
            try:
                assert handling.procedure.channel is not None  # the call's CallChannel
                await until(wizard.start_button.isEnabled)
                wizard.start_button.click()
                await until(lambda: wizard.stack.currentWidget() is wizard.pages["inquiry"])
                wizard.findChild(QPushButton, "snapshot_button").click()
                await until(lambda: wizard.pages["inquiry"].snapshot_id is not None)  # type: ignore[attr-defined]
                await until(lambda: window.queue_pane.model.rowCount() >= 4)  # type: ignore[attr-defined]
                await asyncio.sleep(0.3)  # layouts settle
                assert (window.width(), window.height()) == (1366, 768)
                assert panel.call_area.isAncestorOf(wizard)
                for name in ("video_pane", "hangup_button", "procedure_panel"):
                    widget = window.findChild(QWidget, name)
                    assert widget is not None and _fully_visible(widget), name
                if db_url.startswith("sqlite"):
                    target = shots.shots_dir(tmp_path) / "live_case_procedure_1366.png"
                    assert window.grab().save(str(target))
                handling.video_pane.hangup_button.click()
                answer_yes(handling.confirm_box, "hangup_confirm")  # 办理中: it asks first
                await until(lambda: handling.call is None)
                assert handling.procedure.channel is None and wizard.channel is None
            finally:
                await handling.close_call()
                await citizen.close()

        try:
            qt_run(scenario(), 120)
        finally:
            window.close_for_shutdown()
            desk.services.runner.shutdown()
    engine.dispose()
