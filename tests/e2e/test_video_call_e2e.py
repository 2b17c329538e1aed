"""The whole video call, as an officer and a citizen would do it.

The officer works the real case panel: "一键呼叫并发送验证码" sends the code as an SMS through the
outbox provider, "开始视频" opens the room. The citizen is headless Chromium with a fake camera
and microphone on the gateway's ``/join`` page: types the phone number, reads "the SMS" in the
page's demo inbox (``/api/v1/demo/sms``, the gateway runs in demo mode), types the code and
joins. The console paints the browser's camera and receives its audio, the browser plays the
officer's picture; the pane's hang-up ends the call on the page and stores the recording as
evidence — on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.gui.call.video_pane import STATE_TEXT, VideoPane
from officer_console.store.db.models import Appointment, AuditEvent, EvidenceFile, SmsMessage
from officer_console.video.evidence import verify_evidence
from officer_console.video.recording_files import sha256_file
from officer_console.video.session import CallState
from tests.gui.test_case_actions import _source_language, officer_desk
from tests.support import chromium
from tests.support.gui_gc import gc_on_gui_thread
from tests.support.qtloop import qt_run, until

__all__ = ["_source_language", "gc_on_gui_thread", "qt_run"]

Run = Callable[..., Any]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not chromium.available(), reason="needs /usr/bin/chromium"),
]

CODE_IN_SMS = re.compile(r"验证码(\d{6})")
# The <video> element showing the officer: its size and decoded frames once it plays.
REMOTE_VIDEO = (
    "(() => { const v = document.getElementById('remote_video');"
    " const q = v.getVideoPlaybackQuality();"
    " const audio = v.srcObject ? v.srcObject.getAudioTracks().length : 0;"
    " return v.videoWidth > 0 && q.totalVideoFrames > 30 && !v.paused"
    " ? [v.videoWidth, v.videoHeight, q.totalVideoFrames, audio] : null; })()"
)


def _status(factory: sessionmaker[Session], appointment_id: int) -> str:
    with factory() as s:
        appt = s.get(Appointment, appointment_id)
        assert appt is not None
        return appt.status


def test_citizen_in_chromium_joins_with_the_sms_code_and_sees_the_officer(
    qtbot: QtBot, db_url: str, engine: Engine, qt_run: Run, tmp_path: Path
) -> None:
    # the gateway runs in demo mode: the page has the SMS inbox
    with officer_desk(qtbot, engine, db_url, tmp_path) as desk:
        factory, call, settings, base = desk.factory, desk.call, desk.settings, desk.base
        services, opener, panel = desk.services, desk.opener, desk.panel
        assert settings.sms_provider == "outbox" and settings.dialer == "uri"
        handling = panel.handling
        dispatch_button = panel.findChild(QPushButton, "dispatch_button")
        start_video_button = panel.findChild(QPushButton, "start_video_button")
        pane = panel.findChild(VideoPane, "video_pane")
        assert dispatch_button is handling.dispatch_button
        assert start_video_button is handling.start_video_button
        assert pane is handling.video_pane
        dp = handling.dispatch_panel
        assert dp is not None
        seen: dict[str, Any] = {}

        def status() -> str:
            return panel.case.appointment.status if panel.case else ""

        async def scenario() -> None:
            try:
                panel.show_appointment(call.appointment_id)
                await until(lambda: panel.case is not None and dispatch_button.isEnabled())
                assert not start_video_button.isEnabled()  # claimed: call the citizen first
                qtbot.mouseClick(dispatch_button, Qt.MouseButton.LeftButton)
                await until(lambda: dp.step_state("sms") == "sent")
                await until(start_video_button.isEnabled)  # contacting now

                async with chromium.open_page(f"{base}/join") as page:
                    # the citizen's phone: the demo inbox shows "the SMS" for the number typed
                    await page.wait_for(
                        "(() => { const e = (id) => document.getElementById(id);"
                        " return document.readyState === 'complete' && !!e('demo_sms')"
                        " && !e('panel_join').hidden && !e('demo_sms').hidden; })()"
                    )
                    await page.type_into("join_phone", call.phone)
                    await page.click("demo_sms")
                    sms = await page.wait_for(
                        "(() => { const p = document.getElementById('demo_sms_text');"
                        " return !p.hidden && /验证码\\d{6}/.test(p.textContent)"
                        " ? p.textContent : null; })()"
                    )
                    found = CODE_IN_SMS.search(sms)
                    assert found is not None, sms
                    seen["sms"], seen["code"] = sms, found.group(1)
                    await page.type_into("join_code", seen["code"])

                    # the officer opens the room: recording starts, the case goes in_call
                    qtbot.mouseClick(start_video_button, Qt.MouseButton.LeftButton)
                    assert not start_video_button.isEnabled()  # never twice
                    await until(lambda: pane.session is not None)
                    session = pane.session
                    assert session is not None
                    seen["session"] = session
                    await until(lambda: status() == "in_call")

                    await page.click("join_button")
                    await page.wait_for("!document.getElementById('call').hidden")
                    await until(lambda: session.state == CallState.CONNECTED)
                    await until(lambda: pane.view.frames_painted >= 30)
                    await until(lambda: session.stats.resolution != "—")
                    await until(lambda: session.stats.audio_frames > 0)
                    seen["painted"] = pane.view.frames_painted
                    seen["resolution"] = session.stats.resolution
                    seen["audio_frames"] = session.stats.audio_frames
                    await until(lambda: seen["resolution"] in pane.quality_label.text())
                    seen["state_label"] = pane.state_label.text()
                    seen["browser_sees"] = await page.wait_for(REMOTE_VIDEO)
                    seen["page_connected"] = await page.js(
                        "document.getElementById('call_status').textContent"
                    )

                    # the officer hangs up in the pane: the page shows the end
                    case_in_call = panel.case
                    qtbot.mouseClick(pane.hangup_button, Qt.MouseButton.LeftButton)
                    seen["page_status"] = await page.wait_for(
                        "(() => { const t = document.getElementById('call_status').textContent;"
                        " return t.includes('结束') ? t : null; })()",
                        10,
                    )
                    await until(lambda: handling.call is None)
                    seen["message"] = handling.message.text()
                    # the hang-up reloads the case with its new status
                    await until(lambda: panel.case is not case_in_call)
            finally:
                await handling.close_call()

        try:
            qt_run(scenario(), 60)
        finally:
            panel.shutdown()
            services.runner.shutdown()

    # the code came from the outbox, through the page's demo inbox
    assert opener.opened == [f"tel:+86{call.phone}"]
    with factory() as s:
        (sms_row,) = s.scalars(select(SmsMessage)).all()
        assert sms_row.provider == "outbox" and sms_row.phone == call.phone
        assert sms_row.body == seen["sms"] and seen["code"] in sms_row.body
    # both directions carried media
    assert seen["painted"] >= 30
    assert seen["resolution"] == "640x480", seen["resolution"]  # Chromium's fake camera
    assert seen["audio_frames"] > 0
    assert seen["state_label"] == STATE_TEXT[CallState.CONNECTED]
    width, height, frames, audio_tracks = seen["browser_sees"]
    assert (width, height) == (320, 240) and frames > 30 and audio_tracks == 1
    assert "视频已接通" in seen["page_connected"]
    # hang-up: the page ended, the recording is evidence, the trail is audited
    assert "民警已结束视频" in seen["page_status"]
    assert "录像已存证" in seen["message"], seen["message"]
    assert seen["session"].state == CallState.CLOSED
    with factory() as s:
        row = s.scalars(select(EvidenceFile)).one()
        assert row.kind == "recording" and row.appointment_id == call.appointment_id
        path = settings.evidence_dir / row.path
        assert path.stat().st_size > 0
        assert row.sha256 == sha256_file(path) and verify_evidence(row, settings.evidence_dir)
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        for action in ("video.room_open", "recording.start", "video.citizen_admit"):
            assert action in actions, actions
        assert actions.index("video.room_open") < actions.index("recording.start")
        assert actions.index("recording.start") < actions.index("recording.stop")
        assert actions.index("recording.stop") < actions.index("recording.hash")
        statuses = [
            (e.detail or {}).get("to")
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(("appointment.dispatch", "appointment.open_video")))
                .order_by(AuditEvent.id)
            )
        ]
        assert statuses == ["contacting", "in_call"]
    assert _status(factory, call.appointment_id) == "in_call"
