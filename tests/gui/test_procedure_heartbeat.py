"""The console's heartbeat from the real panel (store/procedure/presence.py): a call channel
attached → the room's ``console_alive_at`` is refreshed at once and every BEAT_SECONDS; the
call detached (hang-up) or the panel shut down → no more beats, so presence lapses after FRESH.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.gui.common.services import Services
from officer_console.gui.procedure.panel import ProcedurePanel
from officer_console.store.db.engine import read_session
from officer_console.store.db.models import VideoSession
from officer_console.store.procedure import presence
from tests.support import console, queue_world
from tests.support.case_documents import case_documents
from tests.support.procedure_gui import FakeChannel
from tests.support.procedure_world import build


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    svc = console.make_services(db_url)
    yield svc
    svc.close()


def _alive(services: Services, appointment_id: int) -> datetime | None:
    with read_session(services.factory) as s:
        return s.scalar(
            select(VideoSession.console_alive_at).where(
                VideoSession.appointment_id == appointment_id, VideoSession.status == "open"
            )
        )


def test_the_panel_beats_while_a_call_is_attached(qtbot: QtBot, services: Services) -> None:
    world = build(services.factory)
    queue_world.sign_in(services, world.lead.police_number)
    panel = ProcedurePanel(services, documents=case_documents(services.settings.data_dir))
    qtbot.addWidget(panel)
    beat = panel.heartbeat
    beat._timer.setInterval(200)  # the real 5 s would only slow the test down
    assert _alive(services, world.appointment_id) is None
    panel.set_appointment(world.appointment_id, "in_call", assigned=True)
    panel.set_channel(FakeChannel())  # the call attached: a beat at once, then every interval
    qtbot.waitUntil(lambda: _alive(services, world.appointment_id) is not None, timeout=10_000)
    first = _alive(services, world.appointment_id)
    qtbot.waitUntil(lambda: (_alive(services, world.appointment_id) or first) > first)  # type: ignore[operator]
    with read_session(services.factory) as s:
        assert presence.citizen_on_video(s, world.appointment_id)
    panel.set_channel(None)  # hung up: no more beats
    assert not beat._timer.isActive()
    qtbot.wait(300)  # a beat already queued on the runner may still land
    stopped = _alive(services, world.appointment_id)
    qtbot.wait(800)
    assert _alive(services, world.appointment_id) == stopped
    assert stopped is not None
    with read_session(services.factory) as s:  # without beats the room stops counting
        assert not presence.citizen_on_video(
            s, world.appointment_id, now=stopped + presence.FRESH * 2
        )
    panel.set_channel(FakeChannel())
    assert beat._timer.isActive()
    panel.shutdown()
    assert not beat._timer.isActive()
