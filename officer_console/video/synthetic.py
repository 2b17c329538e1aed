"""Synthetic camera and microphone for headless runs, demos and benches.

The picture is built directly in yuv420p (what the encoders want) from a precomputed colour-bar
background, so a 720p frame costs a copy and a few slices on the event loop. Each frame carries
a wall-clock stamp, its number, and the number again as a block code that survives VP8/H.264,
so a bench can match a painted image to the moment it was captured.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame
from numpy.typing import NDArray

from officer_console.video import glyphs

VIDEO_CLOCK = 90_000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
# (Y, U, V) of the classic bars: white, yellow, cyan, green, magenta, red, blue, black.
_BARS = (
    (180, 128, 128),
    (168, 44, 136),
    (145, 147, 44),
    (133, 63, 52),
    (63, 193, 204),
    (51, 109, 212),
    (28, 212, 120),
    (16, 128, 128),
)


def _background(width: int, height: int) -> NDArray[np.uint8]:
    """Packed yuv420p (height*3/2 rows) colour bars, the layout ``from_ndarray`` expects."""
    buf = np.empty((height * 3 // 2, width), dtype=np.uint8)
    y = buf[:height]
    u = buf[height : height + height // 4].reshape(height // 2, width // 2)
    v = buf[height + height // 4 :].reshape(height // 2, width // 2)
    for i, (cy, cu, cv) in enumerate(_BARS):
        x0, x1 = i * width // len(_BARS), (i + 1) * width // len(_BARS)
        y[:, x0:x1] = cy
        u[:, x0 // 2 : x1 // 2] = cu
        v[:, x0 // 2 : x1 // 2] = cv
    y[height * 3 // 4 :, :] = np.linspace(16, 235, width, dtype=np.uint8)[None, :]
    u[height * 3 // 8 :, :] = 128
    v[height * 3 // 8 :, :] = 128
    return buf


class SyntheticVideoTrack(MediaStreamTrack):
    """A paced test pattern: colour bars, a moving box, a timestamp and a frame code."""

    kind = "video"

    def __init__(
        self,
        width: int = 640,
        height: int = 480,
        fps: int = 30,
        label: str = "OFFICER",
        capture_log: dict[int, float] | None = None,
    ) -> None:
        super().__init__()
        if width % 2 or height % 2:
            raise ValueError("synthetic video needs even dimensions")
        self.width, self.height, self.fps = width, height, fps
        self.label = label.upper()
        self.capture_log = capture_log
        self.frames = 0
        self._background = _background(width, height)
        self._start: float | None = None
        self._scale = max(2, height // 180)

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = self.frames
        if self._start is None:
            self._start = time.monotonic()
        else:
            delay = self._start + n / self.fps - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
                if self.readyState != "live":
                    raise MediaStreamError
        self.frames += 1
        frame = VideoFrame.from_ndarray(self._draw(n), format="yuv420p")
        frame.pts = n * VIDEO_CLOCK // self.fps
        frame.time_base = VIDEO_TIME_BASE
        if self.capture_log is not None:
            self.capture_log[n] = time.monotonic()
        return frame

    def _draw(self, n: int) -> NDArray[np.uint8]:
        w, h, s = self.width, self.height, self._scale
        buf = self._background.copy()
        y = buf[:h]
        u = buf[h : h + h // 4].reshape(h // 2, w // 2)
        v = buf[h + h // 4 :].reshape(h // 2, w // 2)
        box = h // 6
        bx = int((w - box) * (0.5 + 0.5 * math.sin(n / self.fps * 1.3)))
        by = int((h * 3 // 4 - box) * (0.5 + 0.5 * math.cos(n / self.fps * 0.9)))
        y[by : by + box, bx : bx + box] = 82
        u[by // 2 : (by + box) // 2, bx // 2 : (bx + box) // 2] = 90
        glyphs.write_code(y, n % (1 << glyphs.CODE_BITS))
        code_w = glyphs.CODE_BITS * glyphs.CODE_BLOCK // 2
        u[: glyphs.CODE_BLOCK // 2, :code_w] = 128
        v[: glyphs.CODE_BLOCK // 2, :code_w] = 128
        now = time.time()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        stamp += f".{int(now * 1000) % 1000:03d}"
        glyphs.stamp_yuv((y, u, v), stamp, 8 * s, glyphs.CODE_BLOCK + 6 * s, s)
        glyphs.stamp_yuv((y, u, v), f"{self.label} #{n}", 8 * s, glyphs.CODE_BLOCK + 16 * s, s)
        return buf


class ToneAudioTrack(MediaStreamTrack):
    """Paced 20 ms mono s16 frames: a quiet sine, or silence with ``frequency=0``."""

    kind = "audio"

    def __init__(
        self, frequency: float = 440.0, sample_rate: int = 48_000, amplitude: float = 0.1
    ) -> None:
        super().__init__()
        self.frequency, self.sample_rate, self.amplitude = frequency, sample_rate, amplitude
        self.samples_per_frame = sample_rate // 50
        self.frames = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = self.frames
        if self._start is None:
            self._start = time.monotonic()
        else:
            delay = self._start + n * self.samples_per_frame / self.sample_rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
                if self.readyState != "live":
                    raise MediaStreamError
        self.frames += 1
        first = n * self.samples_per_frame
        t = (np.arange(first, first + self.samples_per_frame) / self.sample_rate).astype(np.float64)
        wave = self.amplitude * 32767 * np.sin(2 * math.pi * self.frequency * t)
        data = wave.astype(np.int16).reshape(1, -1)
        frame = AudioFrame.from_ndarray(data, format="s16", layout="mono")
        frame.sample_rate = self.sample_rate
        frame.pts = first
        frame.time_base = fractions.Fraction(1, self.sample_rate)
        return frame
