"""The case panel's "办理" box with real widgets: dispatch through the outbox, the video call
through a real gateway on loopback with an in-process citizen, hang-up evidence, lock, config
errors — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings, load_settings
from officer_console.gui.case import actions as case_actions
from officer_console.gui.case.panel import CasePanel
from officer_console.gui.common.services import OpRunner, Services
from officer_console.gui.shell import i18n
from officer_console.store.db.engine import make_engine, session_factory
from officer_console.store.db.models import (
    Appointment,
    AuditEvent,
    EvidenceFile,
    Officer,
    SmsMessage,
)
from officer_console.store.people import accounts
from officer_console.video.call import VideoCall
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.evidence import RecordingTarget, verify_evidence
from officer_console.video.media import MediaConfig
from officer_console.video.recorder import RecordingLayout
from officer_console.video.recording_files import sha256_file
from officer_console.video.session import CallState
from tests.gateway.calls import Call, claimed_call
from tests.gateway.world import build_world, live_gateway
from tests.support import console, queue_world
from tests.support.qtloop import qt_run, until
from tests.video.test_video_gateway import citizen_joins

__all__ = ["qt_run"]

OFFICER, COLLEAGUE = "370102001", "370102002"
WAIT = 15_000
Run = Callable[..., Any]


@pytest.fixture(autouse=True)
def _source_language(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "en")


class Opener:
    def __init__(self) -> None:
        self.opened: list[str] = []

    def __call__(self, uri: str) -> bool:
        self.opened.append(uri)
        return True


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[Services, int]]:
    svc = console.make_services(db_url)
    ids = console.seed_world(svc, appointments=2).appointment_ids
    queue_world.add_case_details(svc, ids[0])
    queue_world.claim_as(svc, OFFICER, ids[0])
    yield svc, ids[0]
    svc.close()


def _panel(qtbot: QtBot, services: Services, opener: Opener | None = None) -> CasePanel:
    panel = CasePanel(services, opener=opener or Opener())
    qtbot.addWidget(panel)
    panel.resize(640, 1000)
    panel.show()
    return panel


def _open(qtbot: QtBot, panel: CasePanel, appointment_id: int) -> None:
    panel.show_appointment(appointment_id)
    qtbot.waitUntil(lambda: panel.case is not None, timeout=WAIT)


def _status(factory: sessionmaker[Session], appointment_id: int) -> str:
    with factory() as s:
        appt = s.get(Appointment, appointment_id)
        assert appt is not None
        return appt.status


def _named(root: QWidget, name: str) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget) if w.objectName() == name]


def test_dispatch_only_for_the_assigned_officer_through_the_outbox(
    qtbot: QtBot, world: tuple[Services, int]
) -> None:
    services, appointment_id = world
    queue_world.sign_in(services, COLLEAGUE)
    opener = Opener()
    panel = _panel(qtbot, services, opener)
    handling = panel.handling
    try:
        assert len(_named(panel, "dispatch_button")) == 1
        _open(qtbot, panel, appointment_id)
        qtbot.waitUntil(lambda: handling.dispatch_panel.countdown_label.text() != "", timeout=WAIT)  # type: ignore[union-attr]
        assert not handling.dispatch_button.isEnabled()
        assert not handling.start_video_button.isEnabled()
        assert handling.video_hint.text() == "只有认领该预约的民警可以开始视频"

        queue_world.sign_in(services, OFFICER)
        panel.show_appointment(-1)
        _open(qtbot, panel, appointment_id)
        qtbot.waitUntil(handling.dispatch_button.isEnabled, timeout=WAIT)
        assert not handling.start_video_button.isEnabled()  # claimed, not contacting yet
        assert "联系中" in handling.video_hint.text()
        qtbot.mouseClick(handling.dispatch_button, Qt.MouseButton.LeftButton)
        dp = handling.dispatch_panel
        assert dp is not None
        qtbot.waitUntil(
            lambda: (
                [dp.step_state(s) for s in ("code", "sms", "call")]
                == ["sent", "sent", "handed_off"]
            ),
            timeout=WAIT,
        )
        qtbot.waitUntil(lambda: dp.log_model.rowCount() == 1, timeout=WAIT)
        assert dp.log_model.index(0, 2).data() == "已发送"
        assert opener.opened == [f"tel:+86{queue_world.FULL_PHONE}"]
        with services.factory() as s:
            assert len(list(s.scalars(select(SmsMessage.id)))) == 1  # the outbox
        # the case reloads: contacting now, so the video may start
        qtbot.waitUntil(handling.start_video_button.isEnabled, timeout=WAIT)
        assert panel.case is not None and panel.case.appointment.status == "contacting"
        assert len(_named(panel, "dispatch_button")) == 1
    finally:
        panel.shutdown()


def test_without_a_running_loop_the_start_explains_itself(
    qtbot: QtBot, world: tuple[Services, int]
) -> None:
    services, appointment_id = world
    queue_world.set_fields(services, appointment_id, status="contacting")
    queue_world.sign_in(services, OFFICER)
    panel = _panel(qtbot, services)
    handling = panel.handling
    try:
        _open(qtbot, panel, appointment_id)
        assert handling.start_video_button.isEnabled()
        qtbot.mouseClick(handling.start_video_button, Qt.MouseButton.LeftButton)
        assert handling.message.isVisible() and handling.message.text() == case_actions.NO_LOOP
        assert handling.call is None and handling.start_video_button.isEnabled()
        assert _status(services.factory, appointment_id) == "contacting"
    finally:
        panel.shutdown()


def test_incomplete_configuration_is_shown_and_dispatch_stays_disabled(
    qtbot: QtBot, db_url: str
) -> None:
    services = console.make_services(db_url, sms_provider="carrier-pigeon")
    try:
        console.seed_world(services, appointments=1)
        queue_world.sign_in(services, OFFICER)
        panel = _panel(qtbot, services)
        buttons = _named(panel, "dispatch_button")
        assert len(buttons) == 1 and isinstance(buttons[0], QPushButton)
        assert not buttons[0].isEnabled()
        assert "carrier-pigeon" in buttons[0].toolTip()
        assert "carrier-pigeon" in panel.handling.config_error.text()
        assert panel.handling.dispatch_panel is None
        panel.handling._on_resend()  # the pane's re-send has nothing to send with
        assert "无法重新发送验证码" in panel.handling.message.text()
        panel.shutdown()
        panel.shutdown()  # idempotent
    finally:
        services.close()


def test_clear_for_lock_leaves_no_personal_data_in_the_handling_box(
    qtbot: QtBot, world: tuple[Services, int]
) -> None:
    services, appointment_id = world
    queue_world.sign_in(services, OFFICER)
    panel = _panel(qtbot, services)
    pii = console.citizen_pii(services)
    dp = panel.handling.dispatch_panel
    assert dp is not None
    try:
        _open(qtbot, panel, appointment_id)
        qtbot.waitUntil(panel.handling.dispatch_button.isEnabled, timeout=WAIT)
        qtbot.mouseClick(panel.handling.dispatch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dp.log_model.rowCount() == 1, timeout=WAIT)
        assert console.pii_found(panel, pii)  # the masked phone in the message log
        panel.clear_for_lock()
        assert console.pii_found(panel, pii) == []
        assert dp.log_model.rowCount() == 0 and dp.countdown_label.text() == ""
        assert not panel.handling.dispatch_button.isEnabled()
        assert not panel.handling.start_video_button.isEnabled()
    finally:
        panel.shutdown()


@dataclass(frozen=True)
class Desk:
    """An officer signed in at a case panel: a claimed appointment, a live gateway."""

    factory: sessionmaker[Session]
    call: Call
    settings: Settings
    base: str  # the gateway's URL
    services: Services
    opener: Opener
    panel: CasePanel


@contextmanager
def officer_desk(qtbot: QtBot, engine: Engine, db_url: str, tmp_path: Path) -> Iterator[Desk]:
    """The panel's calls are small (320x240 at 15 fps) so two run side by side in tests."""
    factory = session_factory(engine)
    world = build_world(factory)
    call = claimed_call(factory, world.squad_id)
    settings = load_settings(env={}, database_url=db_url, data_dir=tmp_path / "data")
    with live_gateway(factory, settings) as base:
        settings = replace(settings, gateway_url=base)
        services = Services(settings, engine, factory, OpRunner(factory))
        with factory() as s:
            officer = s.get(Officer, call.actor.officer_id)
            assert officer is not None
            services.officer = accounts.officer_info(s, officer)
        opener = Opener()
        panel = _panel(qtbot, services, opener)
        panel.handling.make_call = lambda: VideoCall(
            settings,
            services.actor(),
            services.runner,
            media=MediaConfig(width=320, height=240),
            layout=RecordingLayout(320, 240, 15),
        )
        yield Desk(factory, call, settings, base, services, opener, panel)


def test_start_video_connects_paints_survives_a_drop_and_stores_evidence(
    qtbot: QtBot, db_url: str, qt_run: Run, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    with officer_desk(qtbot, engine, db_url, tmp_path) as desk:
        factory, call, settings, base = desk.factory, desk.call, desk.settings, desk.base
        services, panel = desk.services, desk.panel
        handling = panel.handling
        dp = handling.dispatch_panel
        assert dp is not None
        seen: dict[str, Any] = {}

        def status() -> str:
            return panel.case.appointment.status if panel.case else ""

        async def scenario() -> None:
            citizens: list[SyntheticCitizen] = []
            try:
                panel.show_appointment(call.appointment_id)
                await until(lambda: panel.case is not None and dp.dispatch_button.isEnabled())
                assert not handling.start_video_button.isEnabled()  # claimed
                qtbot.mouseClick(dp.dispatch_button, Qt.MouseButton.LeftButton)
                await until(handling.start_video_button.isEnabled)  # contacting now
                qtbot.mouseClick(handling.start_video_button, Qt.MouseButton.LeftButton)
                assert not handling.start_video_button.isEnabled()  # never twice
                await until(lambda: handling.video_pane.session is not None)
                session = handling.video_pane.session
                assert session is not None
                seen["session"] = session
                await until(lambda: status() == "in_call")
                citizens.append(await citizen_joins(base, factory, call))
                await until(lambda: session.state == CallState.CONNECTED)
                view = handling.video_pane.view
                await until(lambda: view.frames_painted >= 10)
                seen["painted"] = view.frames_painted
                # the citizen drops; the pane's re-send dispatches a new code (contacting)
                await citizens[0].drop()
                await until(lambda: session.state == CallState.FAILED)
                assert handling.video_pane.banner.isVisible()
                await until(dp.dispatch_button.isEnabled)
                sent = dp.log_model.rowCount()
                qtbot.mouseClick(handling.video_pane.resend_button, Qt.MouseButton.LeftButton)
                await until(lambda: dp.log_model.rowCount() == sent + 1)
                await until(lambda: status() == "contacting")
                citizens.append(await citizen_joins(base, factory, call))
                await until(lambda: session.state == CallState.CONNECTED)
                await until(lambda: status() == "in_call")  # back in the call
                painted = view.frames_painted
                await until(lambda: view.frames_painted >= painted + 5)
                qtbot.mouseClick(handling.video_pane.hangup_button, Qt.MouseButton.LeftButton)
                await until(lambda: handling.call is None)
                seen["message"] = handling.message.text()
                await until(handling.start_video_button.isEnabled)  # may call again
            finally:
                await handling.close_call()
                for citizen in citizens:
                    await citizen.close()

        try:
            qt_run(scenario(), 120)
        finally:
            panel.shutdown()
            services.runner.shutdown()

    assert seen["painted"] >= 10
    assert "录像已存证" in seen["message"]
    assert seen["session"].state == CallState.CLOSED
    with factory() as s:
        row = s.scalars(select(EvidenceFile)).one()
        assert row.kind == "recording" and row.appointment_id == call.appointment_id
        path = settings.evidence_dir / row.path
        assert row.sha256 == sha256_file(path) and verify_evidence(row, settings.evidence_dir)
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions.index("video.room_open") < actions.index("recording.start")
        assert actions.index("recording.stop") < actions.index("recording.hash")
        statuses = [
            (e.detail or {}).get("to")
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(("appointment.dispatch", "appointment.open_video")))
                .order_by(AuditEvent.id)
            )
        ]
        assert statuses == ["contacting", "in_call", "contacting", "in_call"]
    assert _status(factory, call.appointment_id) == "in_call"
    engine.dispose()


def test_shutdown_hangs_up_a_running_call(
    qtbot: QtBot, db_url: str, qt_run: Run, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    with officer_desk(qtbot, engine, db_url, tmp_path) as desk:
        factory, call, settings = desk.factory, desk.call, desk.settings
        services, panel = desk.services, desk.panel
        handling = panel.handling
        video = VideoCall(
            settings, services.actor(), services.runner, media=MediaConfig(width=160, height=120)
        )

        async def scenario() -> None:
            # a call started as the button would, then the window's shutdown path
            session = await video.start(RecordingTarget(call.appointment_id))
            handling.call, handling.call_appointment = video, call.appointment_id
            handling.video_pane.attach(session)
            panel.shutdown()
            panel.shutdown()  # idempotent
            await until(lambda: handling.call is None)
            assert session.state == CallState.CLOSED

        try:
            qt_run(scenario(), 60)
        finally:
            services.runner.shutdown()
    with factory() as s:
        assert len(list(s.scalars(select(EvidenceFile.id)))) == 1
    engine.dispose()
