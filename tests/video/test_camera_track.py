"""The camera path below the device: Qt video frames → aiortc frames, latest only; a failing
camera swapped for the test card mid-call with rising timestamps and a warning.

No camera exists on these machines, so frames are fed to the ``QVideoSink`` the camera would
feed (``QVideoSink.setVideoFrame``); the QCamera itself is the one part not exercised here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QColor, QImage
from PySide6.QtMultimedia import QVideoFrame, QVideoSink

from officer_console.video.camera import VideoSinkTrack, video_frame_from_qt
from officer_console.video.media import GatedTrack, LocalMedia, MediaConfig
from officer_console.video.synthetic import SyntheticVideoTrack

Run = Callable[..., Any]


def qt_frame(width: int, height: int, rgb: tuple[int, int, int]) -> QVideoFrame:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(*rgb))
    return QVideoFrame(image)


def test_a_qt_frame_becomes_a_bgra_frame_of_the_same_picture(qapp: Any) -> None:
    frame = video_frame_from_qt(qt_frame(321, 240, (200, 40, 10)))  # odd width: trimmed
    assert frame is not None and (frame.width, frame.height) == (320, 240)
    b, g, r, _ = frame.to_ndarray(format="bgra")[120, 160]
    assert (int(r), int(g), int(b)) == (200, 40, 10)
    assert video_frame_from_qt(QVideoFrame()) is None


def test_the_sink_track_hands_out_the_latest_frame_only(qt_run: Run) -> None:
    sink = QVideoSink()
    track = VideoSinkTrack(sink)

    async def scenario() -> tuple[Any, Any]:
        waiting = asyncio.ensure_future(track.recv())
        await asyncio.sleep(0.05)
        sink.setVideoFrame(qt_frame(64, 48, (255, 0, 0)))
        first = await asyncio.wait_for(waiting, 2)
        for colour in ((0, 255, 0), (0, 0, 255), (255, 255, 255)):
            sink.setVideoFrame(qt_frame(64, 48, colour))
            await asyncio.sleep(0.02)
        latest = await asyncio.wait_for(track.recv(), 2)
        stopped = asyncio.ensure_future(track.recv())
        await asyncio.sleep(0.05)
        track.stop()
        await asyncio.gather(stopped, return_exceptions=True)
        assert stopped.exception() is not None  # MediaStreamError wakes the reader
        return first, latest

    first, latest = qt_run(scenario())
    assert first.to_ndarray(format="bgra")[0, 0][2] == 255
    assert tuple(int(c) for c in latest.to_ndarray(format="bgra")[0, 0][:3]) == (255, 255, 255)
    assert latest.pts > first.pts
    assert (track.frames_received, track.frames_skipped) == (4, 2)


def test_a_swapped_source_keeps_timestamps_rising_and_wakes_the_reader(qt_run: Run) -> None:
    gated = GatedTrack(VideoSinkTrack(QVideoSink()))  # a "camera" that never delivers

    async def scenario() -> list[int]:
        waiting = asyncio.ensure_future(gated.recv())
        await asyncio.sleep(0.1)
        gated.replace_source(SyntheticVideoTrack(160, 120, 30, label="NO CAMERA"))
        frames = [await asyncio.wait_for(waiting, 2)]
        frames += [await gated.recv() for _ in range(3)]
        gated.replace_source(SyntheticVideoTrack(160, 120, 30))  # starts again from pts 0
        frames += [await gated.recv() for _ in range(3)]
        gated.stop()
        return [int(f.pts) for f in frames]

    pts = qt_run(scenario())
    assert pts == sorted(pts) and len(set(pts)) == len(pts)
    assert pts[4] == pts[3] + 3000  # one 30 fps frame after the last one of the old source


def test_a_camera_failure_mid_call_becomes_a_warning_and_a_test_card(qt_run: Run) -> None:
    media = LocalMedia(MediaConfig(width=160, height=120))
    heard: list[str] = []
    media.warning_added = heard.append

    async def scenario() -> Any:
        await media.video.recv()
        media.camera_failed("摄像头出错：设备已断开")  # what CameraTrack reports on errorOccurred
        frame = await media.video.recv()
        media.stop()
        return frame

    frame = qt_run(scenario())
    assert heard == ["摄像头出错：设备已断开，已改为测试画面"]
    assert media.warnings == heard and media.camera_name == "测试画面"
    assert (frame.width, frame.height) == (160, 120)
