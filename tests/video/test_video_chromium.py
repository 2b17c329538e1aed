"""End to end: headless Chromium (fake camera and microphone) is the citizen.

It opens the gateway's citizen page, enters the SMS code, and the page does the rest (room
token, WebSocket hello, offer after ICE gathering). The console paints the browser's camera
and the browser plays the officer's picture; hang-up ends the call on both sides.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.codes import issue_code
from officer_console.gui.call.video_pane import VideoPane
from officer_console.gui.common.services import OpRunner
from officer_console.store.db.engine import transaction
from officer_console.video.call import VideoCall
from officer_console.video.evidence import RecordingTarget
from officer_console.video.media import MediaConfig
from officer_console.video.recorder import RecordingLayout
from officer_console.video.session import CallState
from tests.gateway.calls import claimed_call
from tests.gateway.world import build_world, live_gateway, settings_for
from tests.support import chromium
from tests.support.qtloop import until

Run = Callable[..., Any]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not chromium.available(), reason="needs /usr/bin/chromium"),
]


def test_browser_citizen_sees_the_officer_and_the_console_paints_the_browser(
    factory: sessionmaker[Session], qt_run: Run, tmp_path: Path, qtbot: Any
) -> None:
    world = build_world(factory)
    call = claimed_call(factory, world.squad_id)
    settings = settings_for(tmp_path)
    pane = VideoPane()
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.show()
    with live_gateway(factory, settings) as base:
        settings = replace(settings, gateway_url=base)
        runner = OpRunner(factory)
        video = VideoCall(
            settings,
            call.actor,
            runner,
            media=MediaConfig(width=640, height=480),
            layout=RecordingLayout(320, 240, 15),
        )
        seen: dict[str, Any] = {}

        async def scenario() -> None:
            session = await video.start(RecordingTarget(call.appointment_id))
            pane.attach(session)
            try:
                with transaction(factory) as s:
                    code = issue_code(s, call.actor, call.appointment_id).code
                async with chromium.open_page(f"{base}/join") as page:
                    await page.wait_for(
                        "document.readyState === 'complete'"
                        " && !!document.getElementById('join_phone')"
                    )
                    await page.js(
                        f"document.getElementById('join_phone').value = {json.dumps(call.phone)};"
                        f"document.getElementById('join_code').value = {json.dumps(code)};"
                        "document.getElementById('join_button').click(); true"
                    )
                    await until(lambda: session.state == CallState.CONNECTED)
                    await until(lambda: pane.view.frames_painted >= 30)
                    seen["console_sees"] = session.stats.resolution
                    seen["browser_sees"] = await page.wait_for(
                        "(() => { const v = document.getElementById('remote_video');"
                        " const q = v.getVideoPlaybackQuality();"
                        " return v.videoWidth > 0 && q.totalVideoFrames > 30"
                        " ? [v.videoWidth, v.videoHeight, q.totalVideoFrames] : null; })()"
                    )
                    seen["audio_frames"] = session.stats.audio_frames
                    seen["evidence_id"] = await video.hang_up()
                    seen["page_status"] = await page.wait_for(
                        "(() => { const t = document.getElementById('call_status').textContent;"
                        " return t.includes('结束') ? t : null; })()",
                        10,
                    )
            finally:
                await video.hang_up()
                pane.detach()

        try:
            qt_run(scenario(), 120)
        finally:
            runner.shutdown()
    assert seen["browser_sees"][:2] == [640, 480]  # the officer's picture, full size
    assert seen["console_sees"] != "—"
    assert seen["audio_frames"] > 0
    assert "民警已结束视频" in seen["page_status"]
    assert seen["evidence_id"] is not None
