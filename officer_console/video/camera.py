"""The officer's camera through QtMultimedia, as an aiortc video track.

``QCamera`` → ``QMediaCaptureSession`` → ``QVideoSink``; every new frame replaces the one
waiting to be sent (latest frame only: a slow encoder skips frames instead of adding delay).
The conversion (``QVideoFrame.toImage`` → bgra ndarray → ``av.VideoFrame``) happens on the GUI
thread when the sink signals; at 720p that is a few milliseconds per frame. Frames are stamped
with the capture clock in 90 kHz units so the recorder and the encoder see real timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import time
from collections.abc import Callable

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import VideoFrame
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import (
    QCamera,
    QCameraDevice,
    QCameraFormat,
    QMediaCaptureSession,
    QVideoFrame,
    QVideoSink,
)

log = logging.getLogger("officer_console.video.camera")
VIDEO_TIME_BASE = fractions.Fraction(1, 90_000)


def video_frame_from_qt(frame: QVideoFrame) -> VideoFrame | None:
    """A Qt video frame as a bgra ``av.VideoFrame`` (None for an invalid frame)."""
    if not frame.isValid():
        return None
    image = frame.toImage()
    if image.isNull():
        return None
    if image.format() != QImage.Format.Format_RGB32:
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    width, height = image.width() - image.width() % 2, image.height() - image.height() % 2
    rows = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    pixels = rows.reshape(image.height(), image.bytesPerLine())[:height, : width * 4]
    return VideoFrame.from_ndarray(pixels.reshape(height, width, 4).copy(), format="bgra")


class VideoSinkTrack(MediaStreamTrack):
    """Frames arriving at a ``QVideoSink`` (from a camera, or anything else) for aiortc."""

    kind = "video"

    def __init__(self, sink: QVideoSink) -> None:
        super().__init__()
        self.sink = sink
        self.frames_received = 0
        self.frames_skipped = 0
        self._latest: VideoFrame | None = None
        self._ready = asyncio.Event()
        self._start: float | None = None
        sink.videoFrameChanged.connect(self._on_frame)

    def _on_frame(self, frame: QVideoFrame) -> None:
        if self.readyState != "live":
            return
        converted = video_frame_from_qt(frame)
        if converted is None:
            return
        now = time.monotonic()
        if self._start is None:
            self._start = now
        converted.pts = int((now - self._start) * 90_000)
        converted.time_base = VIDEO_TIME_BASE
        if self._latest is not None:
            self.frames_skipped += 1
        self._latest = converted
        self.frames_received += 1
        self._ready.set()

    async def recv(self) -> VideoFrame:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            frame = self._latest
            if frame is not None:
                self._latest = None
                self._ready.clear()
                return frame
            await self._ready.wait()

    def stop(self) -> None:
        super().stop()
        self._ready.set()  # wake a waiting recv(), which then raises
        with contextlib.suppress(RuntimeError, TypeError):
            self.sink.videoFrameChanged.disconnect(self._on_frame)


def best_format(device: QCameraDevice, width: int, height: int, fps: int) -> QCameraFormat | None:
    """The camera mode closest to the wanted size that reaches the frame rate, if any."""
    formats = list(device.videoFormats())
    if not formats:
        return None

    def cost(fmt: QCameraFormat) -> tuple[int, int]:
        size = fmt.resolution()
        too_slow = 1 if fmt.maxFrameRate() + 0.5 < fps else 0
        return too_slow, abs(size.width() * size.height() - width * height)

    return min(formats, key=cost)


class CameraTrack(VideoSinkTrack):
    """A real camera; ``on_error`` gets the officer-facing message when the device fails."""

    def __init__(
        self,
        device: QCameraDevice,
        width: int,
        height: int,
        fps: int,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._capture = QMediaCaptureSession()
        super().__init__(QVideoSink())
        self.camera = QCamera(device)
        fmt = best_format(device, width, height, fps)
        if fmt is not None:
            self.camera.setCameraFormat(fmt)
        self._on_error = on_error
        self.camera.errorOccurred.connect(self._failed)
        self._capture.setCamera(self.camera)
        self._capture.setVideoSink(self.sink)
        self.camera.start()

    def _failed(self, _error: QCamera.Error, text: str) -> None:
        log.warning("camera error: %s", text)
        if self._on_error is not None:
            self._on_error(f"摄像头出错：{text or '无法读取画面'}")

    def stop(self) -> None:
        if self.readyState == "live":
            self.camera.stop()
        super().stop()
