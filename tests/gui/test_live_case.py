"""The live call is pinned to its appointment: browsing never mixes another citizen into it,
the call keeps running, the way back is one click; a shift lead's 改派 during the call asks and
ends it cleanly; quitting during a recorded call asks; the live case fits 1366×768. Real
gateway on loopback, in-process citizen, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings, load_settings
from officer_console.domain.masking import mask_name
from officer_console.gui.case.panel import CasePanel
from officer_console.gui.common.services import OpRunner, Services
from officer_console.gui.queue.pane import QueuePane
from officer_console.gui.shell import i18n
from officer_console.gui.shell.main_window import MainWindow
from officer_console.store.db.engine import make_engine, session_factory, transaction
from officer_console.store.db.models import Appointment, Citizen, EvidenceFile, Officer, Squad
from officer_console.store.people import accounts
from officer_console.video.call import VideoCall
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.media import MediaConfig
from officer_console.video.recorder import RecordingLayout
from officer_console.video.session import CallState
from tests.gateway.calls import Call, claimed_call
from tests.gateway.world import NOW, build_world, live_gateway
from tests.support import builders
from tests.support.qtloop import qt_run, until
from tests.support.shots import REQUESTED
from tests.video.test_video_gateway import citizen_joins

__all__ = ["qt_run"]

Run = Callable[..., Any]
OTHERS = ("李四", "王五", "赵六")
SHOTS = str(REQUESTED or "")  # a directory: save screenshots there (tests/support/shots.py)


@pytest.fixture(autouse=True)
def _source_language(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "zh_CN")


class Opener:
    def __call__(self, uri: str) -> bool:
        return True


@dataclass(frozen=True)
class Desk:
    factory: sessionmaker[Session]
    call: Call
    base: str
    services: Services
    panel: CasePanel
    others: list[int]
    colleague: int


@contextmanager
def live_desk(
    qtbot: QtBot, engine: Engine, db_url: str, tmp_path: Path, *, role: str = "officer"
) -> Iterator[Desk]:
    factory = session_factory(engine)
    world = build_world(factory)
    call = claimed_call(factory, world.squad_id)
    with transaction(factory) as s:
        squad = s.get(Squad, world.squad_id)
        assert squad is not None
        others = builders.appointments(
            s, squad, 3, start=NOW + timedelta(minutes=30), first_citizen=8000
        )
        for appointment_id, name in zip(others, OTHERS, strict=True):
            appt = s.get(Appointment, appointment_id)
            assert appt is not None
            s.execute(update(Citizen).where(Citizen.id == appt.citizen_id).values(name=name))
        colleague = builders.officer(s, squad, "370102555", name="赵强").id
        # today's queue (the default view starts today): the call now, the others after it
        start = datetime.now(UTC).replace(second=0, microsecond=0)
        for i, appointment_id in enumerate([call.appointment_id, *others]):
            s.execute(
                update(Appointment)
                .where(Appointment.id == appointment_id)
                .values(
                    slot_start=start + timedelta(minutes=30 * i),
                    slot_end=start + timedelta(minutes=30 * i + 30),
                )
            )
        s.execute(update(Officer).where(Officer.id == call.actor.officer_id).values(role=role))
    settings: Settings = load_settings(env={}, database_url=db_url, data_dir=tmp_path / "data")
    with live_gateway(factory, settings) as base:
        settings = replace(settings, gateway_url=base)
        services = Services(settings, engine, factory, OpRunner(factory))
        with factory() as s:
            officer = s.get(Officer, call.actor.officer_id)
            assert officer is not None
            services.officer = accounts.officer_info(s, officer)
        panel = CasePanel(services, opener=Opener())
        qtbot.addWidget(panel)
        panel.resize(640, 1000)
        panel.show()
        panel.handling.make_call = lambda: VideoCall(
            settings,
            services.actor(),
            services.runner,
            media=MediaConfig(width=320, height=240),
            layout=RecordingLayout(320, 240, 15),
        )
        yield Desk(factory, call, base, services, panel, others, colleague)


async def _start_call(desk: Desk) -> SyntheticCitizen:
    """Dispatch, start the video, the citizen joins: a connected, recorded call."""
    panel, handling = desk.panel, desk.panel.handling
    dp = handling.dispatch_panel
    assert dp is not None
    panel.show_appointment(desk.call.appointment_id)
    await until(lambda: panel.case is not None and dp.dispatch_button.isEnabled())
    dp.dispatch_button.click()
    await until(handling.start_video_button.isEnabled)
    handling.start_video_button.click()
    await until(lambda: handling.video_pane.session is not None)
    await until(lambda: panel.case is not None and panel.case.appointment.status == "in_call")
    citizen = await citizen_joins(desk.base, desk.factory, desk.call)
    session = handling.video_pane.session
    assert session is not None
    await until(lambda: session.state == CallState.CONNECTED)
    await until(lambda: handling.video_pane.view.frames_painted >= 3)
    return citizen


def _texts(root: QWidget) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(w.text() for w in root.findChildren(QLabel) if w.isVisible())


def test_browsing_three_rows_never_touches_the_live_call(
    qtbot: QtBot, db_url: str, qt_run: Run, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    seen: dict[str, Any] = {}
    with live_desk(qtbot, engine, db_url, tmp_path) as desk:
        panel, handling = desk.panel, desk.panel.handling

        async def scenario() -> None:
            citizen = await _start_call(desk)
            try:
                session = handling.video_pane.session
                call = handling.call
                ours = panel.case.citizen.name_masked  # type: ignore[union-attr]
                assert panel.pinned == desk.call.appointment_id
                assert "视频通话中" in panel.live_header.text() and ours in panel.live_header.text()
                for other, name in zip(desk.others, OTHERS, strict=True):
                    panel.show_appointment(other)
                    await until(
                        lambda o=other: (
                            panel.browse.case is not None  # type: ignore[misc]
                            and panel.browse.case.appointment.id == o
                        )
                    )
                    assert panel.stack.currentWidget() is panel.browse_view
                    assert panel.active_case_button.isVisible()
                    # the browse view: the other citizen, read-only (no actions, no reveal)
                    assert panel.browse._fields["name"].text() == mask_name(name)
                    assert panel.browse_view.findChildren(QWidget, "dispatch_button") == []
                    assert not panel.browse.reveal_button.isVisible()
                    # the live case: still only the call's citizen, the same running call
                    assert panel.case is not None
                    assert panel.case.appointment.id == desk.call.appointment_id
                    assert panel.live._fields["name"].text() == ours
                    live_text = _texts(panel.live_view) + panel.live_header.text()
                    assert mask_name(name) not in live_text
                    assert handling.call is call and handling.video_pane.session is session
                    assert handling.appointment is not None
                    assert handling.appointment.id == desk.call.appointment_id
                    assert session is not None and session.state == CallState.CONNECTED
                painted = handling.video_pane.view.frames_painted
                await until(lambda: handling.video_pane.view.frames_painted >= painted + 5)
                qtbot.mouseClick(panel.active_case_button, Qt.MouseButton.LeftButton)
                assert panel.stack.currentWidget() is panel.live_view
                seen["live_header"] = panel.live_header.text()
                handling.video_pane.hangup_button.click()
                await until(lambda: handling.call is None)
                assert panel.pinned is None
                # after the call: another case shows nothing of the old call
                panel.show_appointment(desk.others[0])
                await until(
                    lambda: panel.case is not None and panel.case.appointment.id == desk.others[0]
                )
                pane = handling.video_pane
                assert pane.session is None and pane.duration_label.text() == "00:00"
                assert not pane.recording_label.isVisible()
                assert pane.view.frames_painted == 0 or pane.view.remote() is None
            finally:
                await handling.close_call()
                await citizen.close()

        try:
            qt_run(scenario(), 120)
        finally:
            panel.shutdown()
            desk.services.runner.shutdown()
    assert "视频通话中" in seen["live_header"]
    engine.dispose()


def test_shift_lead_reassigns_during_a_live_call_after_confirming_the_hang_up(
    qtbot: QtBot, db_url: str, qt_run: Run, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    with live_desk(qtbot, engine, db_url, tmp_path, role="shift_lead") as desk:
        panel, handling = desk.panel, desk.panel.handling
        outcomes = handling.outcomes

        async def scenario() -> None:
            citizen = await _start_call(desk)
            try:
                await until(outcomes.reassign_button.isEnabled)
                outcomes.reassign_button.click()
                box = panel.findChild(QMessageBox, "end_call_confirm")
                assert box is not None and box.isVisible()
                assert handling.call is not None  # nothing happens before the answer
                box.button(QMessageBox.StandardButton.Yes).click()
                await until(lambda: handling.call is None)
                await until(lambda: hasattr(outcomes, "reassign_dialog"))
                dialog = outcomes.reassign_dialog
                await until(dialog.ok_button.isEnabled)
                combo = dialog.officer_combo
                combo.setCurrentIndex(combo.findData(desk.colleague))
                dialog.reason_edit.setText("带班领导接手，原民警外出")
                dialog.ok_button.click()
                await until(
                    lambda: (
                        panel.case is not None
                        and panel.case.appointment.officer_id == desk.colleague
                    )
                )
            finally:
                await handling.close_call()
                await citizen.close()

        try:
            qt_run(scenario(), 120)
        finally:
            panel.shutdown()
            desk.services.runner.shutdown()
        with desk.factory() as s:
            appt = s.get(Appointment, desk.call.appointment_id)
            assert appt is not None
            assert (appt.status, appt.officer_id) == ("contacting", desk.colleague)
            recording = s.scalars(select(EvidenceFile)).one()  # the call ended cleanly
            assert recording.appointment_id == desk.call.appointment_id
    engine.dispose()


def _fully_visible(widget: QWidget) -> bool:
    """Not clipped by a scroll area or the window: visible region == the whole widget."""
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


@pytest.mark.parametrize("size", [(1366, 768), (1400, 900)])
def test_live_case_fits_the_screen_and_quitting_during_the_call_asks(
    qtbot: QtBot, db_url: str, qt_run: Run, tmp_path: Path, size: tuple[int, int]
) -> None:
    engine = make_engine(db_url)
    with live_desk(qtbot, engine, db_url, tmp_path) as desk:
        panel, handling = desk.panel, desk.panel.handling
        window = MainWindow(desk.services, panes=lambda s: (QueuePane(s), panel))
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        quits: list[bool] = []
        window.quit_requested.connect(lambda: quits.append(True))
        shots = Path(SHOTS) if SHOTS else None

        async def scenario() -> None:
            citizen = await _start_call(desk)
            try:
                await until(lambda: window.queue_pane.model.rowCount() >= 4)  # type: ignore[attr-defined]
                await asyncio.sleep(0.2)  # layouts settle (no nested processEvents in a task)
                if shots is not None:
                    w, h = size
                    window.grab().save(str(shots / f"live_case_{w}x{h}.png"))
                for name in ("video_pane", "hangup_button", "procedure_slot", "live_case_header"):
                    widget = panel.findChild(QWidget, name)
                    assert widget is not None and _fully_visible(widget), name
                if shots is not None:
                    panel.show_appointment(desk.others[1])
                    await until(lambda: panel.browse.case is not None)
                    window.grab().save(str(shots / f"browse_during_call_{w}x{h}.png"))
                    panel.show_live_case()
                # quitting asks while the recorded call runs
                window.findChild(type(window.window_actions.quit), "quit_action").trigger()
                box = window.findChild(QMessageBox, "quit_confirm_box")
                assert box is not None and box.isVisible() and quits == []
                if shots is not None and size == (1366, 768):
                    await asyncio.sleep(0.2)
                    box.grab().save(str(shots / "quit_during_call.png"))
                box.button(QMessageBox.StandardButton.Cancel).click()
                assert quits == [] and handling.call is not None  # the call goes on
                window.window_actions.quit.trigger()
                box = window.findChild(QMessageBox, "quit_confirm_box")
                assert box is not None
                box.button(QMessageBox.StandardButton.Yes).click()
                assert quits == [True]
                await window.end_calls()  # what the shell's quit path does next
                assert handling.call is None
            finally:
                await handling.close_call()
                await citizen.close()

        try:
            qt_run(scenario(), 120)
        finally:
            window.close_for_shutdown()
            desk.services.runner.shutdown()
        with desk.factory() as s:
            assert len(s.scalars(select(EvidenceFile)).all()) == 1  # recording finished
    engine.dispose()
