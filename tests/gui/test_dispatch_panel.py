"""The dispatch panel driven through its real widgets (outbox + a recording URI opener)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from officer_console.config import load_settings
from officer_console.dispatch.dialers.uri import UriDialer
from officer_console.dispatch.dialers.xdg import XdgOpener
from officer_console.dispatch.outbox import OutboxSmsProvider
from officer_console.dispatch.service import DispatchService
from officer_console.gui.case.dispatch_panel import DispatchPanel
from officer_console.gui.common.services import OpRunner, Services
from officer_console.store.appointments import queue
from officer_console.store.db.engine import make_engine, session_factory, transaction
from officer_console.store.db.models import AuditEvent, Officer, SmsMessage
from officer_console.store.people.accounts import OfficerInfo
from tests.support import builders
from tests.support.shots import shot
from tests.support.softphone import softphone

PHONE = "13800000000"
WAIT = 15_000


@dataclass
class Opener:
    results: list[bool] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)

    def __call__(self, uri: str) -> bool:
        self.opened.append(uri)
        return self.results.pop(0) if self.results else True


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Setup:
    services: Services
    panel: DispatchPanel
    opener: Opener
    clock: Clock
    appointment_id: int
    version: int
    other_id: int  # someone else's appointment


@pytest.fixture
def setup(qtbot: QtBot, db_url: str) -> Iterator[Setup]:
    slot = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    engine = make_engine(db_url)
    factory = session_factory(engine)
    with transaction(factory) as s:
        squad = builders.squad(s)
        me = builders.officer(s, squad, "370102001", name="李明")
        other = builders.officer(s, squad, "370102002", name="赵强")
        mine, theirs = builders.appointments(s, squad, 2, start=slot)
        version = queue.claim(s, builders.actor_for(me), squad.id, mine)
        queue.claim(s, builders.actor_for(other), squad.id, theirs)
        officer = s.get(Officer, me.id)
        assert officer is not None
        info = OfficerInfo(me.id, me.police_number, me.name, "officer", squad.id, squad.name, False)
    clock = Clock(slot - timedelta(minutes=5))
    settings = load_settings(env={}, database_url=db_url, workstation="ws-gui")
    services = Services(settings, engine, factory, OpRunner(factory), officer=info, clock=clock)
    opener = Opener()
    service = DispatchService(factory, OutboxSmsProvider(factory), UriDialer(opener), clock=clock)
    panel = DispatchPanel(services, service)
    qtbot.addWidget(panel)
    panel.show()
    yield Setup(services, panel, opener, clock, mine, version, theirs)
    panel.shutdown()
    services.close()


def _load(qtbot: QtBot, st: Setup, appointment_id: int | None = None) -> None:
    st.panel.set_appointment(appointment_id or st.appointment_id, st.version)
    qtbot.waitUntil(lambda: st.panel.countdown_label.text() != "", timeout=WAIT)


def _texts(st: Setup) -> str:
    labels = " ".join(w.text() for w in st.panel.findChildren(QLabel))
    model = st.panel.message_log.model()
    cells = " ".join(
        str(model.index(r, c).data())
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    )
    return labels + " " + cells


def test_click_dispatch_shows_every_step_and_logs_the_message(qtbot: QtBot, setup: Setup) -> None:
    st = setup
    assert st.panel.objectName() == "dispatch_panel"
    assert st.panel.dispatch_button.shortcut().toString() == "Ctrl+D"
    _load(qtbot, st)
    assert "还有 05:00" in st.panel.countdown_label.text()
    assert st.panel.dispatch_button.isEnabled()
    assert not st.panel.retry_button.isVisible()
    with qtbot.waitSignal(st.panel.appointment_changed, timeout=WAIT) as changed:
        qtbot.mouseClick(st.panel.dispatch_button, Qt.MouseButton.LeftButton)
        assert not st.panel.dispatch_button.isEnabled()  # busy while it runs
    assert changed.args == [st.appointment_id]
    qtbot.waitUntil(
        lambda: (
            [st.panel.step_state(s) for s in ("code", "sms", "call")]
            == ["sent", "sent", "handed_off"]
        ),
        timeout=WAIT,
    )
    qtbot.waitUntil(lambda: st.panel.log_model.rowCount() == 1, timeout=WAIT)
    assert st.opener.opened == [f"tel:+86{PHONE}"]
    model = st.panel.message_log.model()
    assert model.index(0, 1).data() == "138****0000"
    assert model.index(0, 2).data() == "已发送"
    assert "已交软电话" in st.panel.step_labels["call"].text()
    assert "已生成" in st.panel.step_labels["code"].text()
    assert not st.panel.error_label.isVisible()
    with st.services.factory() as s:
        body = s.scalars(select(SmsMessage.body)).one()
    code = body.split("验证码")[1][:6]
    shown = _texts(st)
    assert PHONE not in shown and code not in shown  # masked phone, never the code
    qtbot.waitUntil(st.panel.dispatch_button.isEnabled, timeout=WAIT)  # re-dispatch allowed


def test_failed_call_offers_retry_of_only_that_step(qtbot: QtBot, setup: Setup) -> None:
    st = setup
    st.opener.results.append(False)
    _load(qtbot, st)
    qtbot.mouseClick(st.panel.dispatch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: st.panel.step_state("call") == "failed", timeout=WAIT)
    qtbot.waitUntil(st.panel.retry_button.isEnabled, timeout=WAIT)
    assert st.panel.retry_button.isVisible()
    assert st.panel.step_state("sms") == "sent"
    assert "软电话" in st.panel.error_label.text()
    qtbot.mouseClick(st.panel.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: st.panel.step_state("call") == "handed_off", timeout=WAIT)
    qtbot.waitUntil(lambda: not st.panel.retry_button.isVisible(), timeout=WAIT)
    assert len(st.opener.opened) == 2
    with st.services.factory() as s:
        assert s.scalar(select(func.count()).select_from(SmsMessage)) == 1


def test_someone_elses_appointment_cannot_be_dispatched(qtbot: QtBot, setup: Setup) -> None:
    _load(qtbot, setup, setup.other_id)
    assert not setup.panel.dispatch_button.isEnabled()
    setup.panel.set_appointment(None, None)
    assert setup.panel.countdown_label.text() == ""
    assert setup.panel.step_state("sms") == "idle"


def test_countdown_follows_the_clock(qtbot: QtBot, setup: Setup) -> None:
    _load(qtbot, setup)
    setup.clock.now += timedelta(minutes=7, seconds=30)
    qtbot.waitUntil(lambda: "已开始 02:30" in setup.panel.countdown_label.text(), timeout=3000)
    setup.clock.now += timedelta(hours=1)
    qtbot.waitUntil(lambda: "已结束" in setup.panel.countdown_label.text(), timeout=3000)


def test_runs_as_a_task_on_the_qasync_loop(qtbot: QtBot, setup: Setup) -> None:
    """In the console the dispatch is a task on the Qt thread's qasync loop."""
    st = setup
    _load(qtbot, st)
    app = QApplication.instance()
    loop = qasync.QEventLoop(app)
    opener_threads: list[bool] = []
    original = st.opener.__call__

    def on_gui_thread(uri: str) -> bool:
        from PySide6.QtCore import QThread

        opener_threads.append(QThread.currentThread() == st.panel.thread())
        return original(uri)

    st.panel.dispatch.dialer = UriDialer(on_gui_thread)

    async def scenario() -> None:
        qtbot.mouseClick(st.panel.dispatch_button, Qt.MouseButton.LeftButton)
        assert st.panel._tasks  # a task on this loop, not the private worker thread
        while st.panel._tasks or st.panel.step_state("call") != "handed_off":
            await asyncio.sleep(0.02)
        assert st.panel.step_state("sms") == "sent"

    try:
        loop.run_until_complete(asyncio.wait_for(scenario(), WAIT / 1000))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    assert opener_threads == [True]


@pytest.mark.skipif(shutil.which("xdg-open") is None, reason="needs xdg-utils")
def test_failing_softphone_asks_for_manual_dial_and_copies_after_reveal(
    qtbot: QtBot, setup: Setup, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    st = setup
    phone = softphone(tmp_path, 1)
    # A long timeout: on a loaded machine the failing handler may take seconds to fail.
    st.panel.dispatch.dialer = UriDialer(XdgOpener(phone.env, timeout=30))
    _load(qtbot, st)
    assert not st.panel.manual_dial.isVisible()
    qtbot.mouseClick(st.panel.dispatch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: st.panel.step_state("call") == "failed", timeout=WAIT)
    qtbot.waitUntil(st.panel.manual_dial.isVisible, timeout=WAIT)
    assert phone.calls() == [f"tel:+86{PHONE}"]
    dial = st.panel.manual_dial
    assert dial.label.text() == "请手动拨打：138****0000"
    qtbot.waitUntil(  # the step fails first; the message comes with the dispatch's outcome
        lambda: "请手动拨打 138****0000" in st.panel.error_label.text(), timeout=WAIT
    )
    assert "已交软电话" not in st.panel.step_labels["call"].text()
    assert PHONE not in _texts(st)
    st.panel.resize(640, 420)
    shot(st.panel, "dispatch_manual_dial")
    QApplication.clipboard().clear()
    qtbot.mouseClick(dial.copy_button, Qt.MouseButton.LeftButton)  # audited reveal + copy
    qtbot.waitUntil(lambda: QApplication.clipboard().text() == PHONE, timeout=WAIT)
    assert PHONE in dial.label.text() and dial.copy_button.text() == "复制号码"
    with st.services.factory() as s:
        reveals = s.scalars(select(AuditEvent).where(AuditEvent.action == "citizen.reveal")).all()
        assert [r.outcome for r in reveals] == ["ok"]
    st.panel.set_appointment(None, None)  # another case, or the screen locks
    assert QApplication.clipboard().text() == ""
    assert PHONE not in dial.label.text()
    out, err = capfd.readouterr()
    assert PHONE not in out + err  # the softphone's own output never reached the terminal


@pytest.mark.skipif(shutil.which("xdg-open") is None, reason="needs xdg-utils")
def test_working_softphone_is_handed_off(qtbot: QtBot, setup: Setup, tmp_path: Path) -> None:
    st = setup
    phone = softphone(tmp_path, 0)
    st.panel.dispatch.dialer = UriDialer(XdgOpener(phone.env))
    _load(qtbot, st)
    qtbot.mouseClick(st.panel.dispatch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: st.panel.step_state("call") == "handed_off", timeout=WAIT)
    assert phone.calls() == [f"tel:+86{PHONE}"]
    assert not st.panel.manual_dial.isVisible()
