"""The video pane on a live in-process call: painting, labels, buttons, the drop banner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from officer_console.gui.call.video_pane import VideoPane
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.media import LocalMedia, MediaConfig
from officer_console.video.recorder import EvidenceRecorder, RecordingLayout
from officer_console.video.session import CallSession, CallState
from officer_console.video.signaling import LoopbackSignaling
from tests.support.pulse import SPEAKER, PulseServer
from tests.support.qtloop import qt_run, until  # noqa: F401  (fixture)

Run = Callable[..., Any]


def test_idle_pane_has_its_names_and_disabled_call_buttons(qtbot: QtBot) -> None:
    pane = VideoPane()
    qtbot.addWidget(pane)
    assert pane.objectName() == "video_pane"
    assert pane.state_label.text() == "未连接"
    assert not pane.mute_button.isEnabled() and not pane.hangup_button.isEnabled()
    assert not pane.recording_label.isVisibleTo(pane)
    assert not pane.banner.isVisibleTo(pane)


def test_live_call_is_painted_and_the_controls_work(
    qtbot: QtBot,
    qt_run: Run,  # noqa: F811
    tmp_path: Path,
) -> None:
    pane = VideoPane()
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.show()
    console_end, citizen_end = LoopbackSignaling.pair()
    recorder = EvidenceRecorder(tmp_path / "rec.mp4", RecordingLayout(320, 240, 15))
    recorder.start()
    session = CallSession(
        console_end,
        LocalMedia(MediaConfig(width=320, height=240)),
        recorder=recorder,
        stats_interval=0.25,
    )
    citizen = SyntheticCitizen(citizen_end)
    pane.attach(session)
    seen: dict[str, Any] = {}
    resend: list[bool] = []
    hangups: list[bool] = []
    pane.resend_code_requested.connect(lambda: resend.append(True))
    pane.hangup_requested.connect(lambda: hangups.append(True))

    async def scenario() -> None:
        try:
            await session.start()
            assert pane.state_label.text() == "正在连接…"
            await citizen.join()
            await until(lambda: session.state == CallState.CONNECTED)
            painted = pane.view.frames_painted
            await asyncio.sleep(2.0)
            seen["fps_painted"] = (pane.view.frames_painted - painted) / 2.0
            seen["state"] = pane.state_label.text()
            seen["quality"] = pane.quality_label.text()
            seen["recording"] = pane.recording_label.isVisible()
            seen["duration"] = pane.duration_label.text()
            pane.mute_button.click()
            pane.camera_button.click()
            seen["gates"] = (session.media.muted, session.media.camera_off)
            seen["texts"] = (pane.mute_button.text(), pane.camera_button.text())
            pane.hangup_button.click()
            await citizen.drop()
            await until(lambda: session.state == CallState.FAILED)
            await asyncio.sleep(0.1)
            seen["banner"] = pane.banner.isVisible()
            seen["failed_state"] = pane.state_label.text()
            pane.resend_button.click()
            await citizen.join()
            await until(lambda: session.state == CallState.CONNECTED)
            await asyncio.sleep(0.1)
            seen["banner_after"] = pane.banner.isVisible()
        finally:
            await session.close()
            await citizen.close()
        await asyncio.sleep(0.1)

    qt_run(scenario())
    assert seen["fps_painted"] > 20
    assert pane.view.paints >= pane.view.frames_painted
    assert seen["state"] == "已连接"
    assert "fps" in seen["quality"] and "640x480" in seen["quality"]
    assert seen["recording"] is True
    assert seen["duration"].startswith("通话 00:0")
    assert seen["gates"] == (True, True)
    assert seen["texts"] == ("取消静音", "打开摄像头")
    assert hangups == [True]
    assert seen["banner"] is True and seen["failed_state"] == "对方网络中断"
    assert resend == [True]
    assert seen["banner_after"] is False
    assert pane.state_label.text() == "通话已结束"
    assert not pane.recording_label.isVisible()
    assert not pane.hangup_button.isEnabled()
    pane.detach()


def test_the_pane_names_the_devices_warns_and_mutes_the_speaker(
    qtbot: QtBot,
    qt_run: Run,  # noqa: F811
    sound: PulseServer,
) -> None:
    pane = VideoPane()
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.show()
    console_end, citizen_end = LoopbackSignaling.pair()
    media = LocalMedia(MediaConfig(camera="", speaker=SPEAKER, width=320, height=240))
    session = CallSession(console_end, media)
    citizen = SyntheticCitizen(citizen_end, width=320, height=240)
    pane.attach(session)
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        try:
            await session.start()
            seen["speaker_idle"] = pane.speaker_button.isEnabled()
            await citizen.join()
            await until(lambda: session.state == CallState.CONNECTED)
            seen["speaker_live"] = pane.speaker_button.isEnabled()
            pane.speaker_button.click()
            seen["speaker_muted"] = media.speaker_muted
            seen["speaker_text"] = pane.speaker_button.text()
            media.camera_failed("摄像头出错：设备已断开")  # a second warning arrives live
            seen["warning"] = pane.device_warning_label.text()
        finally:
            await session.close()
            await citizen.close()

    assert pane.device_warning_label.isVisibleTo(pane)
    assert pane.devices_label.text() == "摄像头：测试画面 · 麦克风：测试音 · 扬声器：Null Output"
    qt_run(scenario())
    assert seen["speaker_idle"] is True  # connecting already counts as live
    assert seen["speaker_live"] is True
    assert seen["speaker_muted"] is True and seen["speaker_text"] == "打开声音"
    assert seen["warning"].splitlines() == [
        "⚠ 未检测到摄像头，对方看到的是测试画面",
        "⚠ 摄像头出错：设备已断开，已改为测试画面",
    ]
    pane.detach()


def test_statistics_never_move_the_layout(qtbot: QtBot) -> None:
    """Changing numbers keep their labels' widths: nothing beside them jumps sideways."""
    from officer_console.video.stats import CallStats

    pane = VideoPane()
    qtbot.addWidget(pane)
    pane.resize(600, 480)
    pane.show()
    before = (pane.quality_label.width(), pane.duration_label.width(), pane.hangup_button.x())
    for rtt, loss, fps, w, h in ((5.0, 0.0, 7.0, 320, 240), (1234.0, 12.5, 30.0, 1920, 1080)):
        pane._on_stats(CallStats(rtt_ms=rtt, loss_pct=loss, fps=fps, width=w, height=h))
        pane.duration_label.setText("通话 1:23:45")
        qtbot.wait(20)
        after = (pane.quality_label.width(), pane.duration_label.width(), pane.hangup_button.x())
        assert after == before, (w, after, before)

    # 挂断 is red only while there is a call to end
    def red(button: QPushButton) -> bool:
        image = button.grab().toImage()
        colour = image.pixelColor(6, image.height() // 2)  # beside the text
        return colour.red() - colour.green() > 80  # disabled: grey (#f4f4f4)

    assert not pane.hangup_button.isEnabled() and not red(pane.hangup_button)
    pane.hangup_button.setEnabled(True)  # as during a call
    assert red(pane.hangup_button)
