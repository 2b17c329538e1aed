"""Synthetic camera and microphone for headless runs, demos and benches.

The picture is built directly in yuv420p (what the encoders want) from a precomputed colour-bar
background, so a 720p frame costs a copy and a few slices on the event loop. Each frame carries
a wall-clock stamp, its number, and the number again as a block code that survives VP8/H.264,
so a bench can match a painted image to the moment it was captured.

For audio/video sync checks a video and an audio track can share one :class:`SourceClock` and
one :class:`Pulses` schedule: the picture turns white and a beep starts at the same instants of
that clock. Frames are delivered as a capture device delivers them: a picture at its instant,
a 20 ms block of sound once its last sample has been "captured".
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame
from numpy.typing import NDArray

from officer_console.video import glyphs
from officer_console.video.compositor import DEFAULT_TIMEZONE

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


class SourceClock:
    """The capture clock of one synthetic source: tracks sharing it have aligned ``pts``."""

    def __init__(self) -> None:
        self.start: float | None = None

    def begin(self) -> float:
        """The clock's origin (``time.monotonic()``), fixed by the first track that asks."""
        if self.start is None:
            self.start = time.monotonic()
        return self.start


@dataclass(frozen=True)
class Pulses:
    """A white flash and a beep at ``first + k * every`` seconds of the source clock.

    Pick ``first`` and ``every`` as whole video frame periods so each flash starts exactly on a
    frame; the beep then starts at the same instant, to the sample.
    """

    first: float = 0.5
    every: float = 23 / 30
    length: float = 0.1
    frequency: float = 1000.0
    amplitude: float = 0.5

    def active(self, t: NDArray[np.float64]) -> NDArray[np.bool_]:
        rel = t - self.first
        into = rel - np.floor(rel / self.every + 1e-9) * self.every
        return (rel >= -1e-9) & (into < self.length - 1e-9)

    def onsets(self, until: float) -> list[float]:
        """The pulse instants before ``until`` (seconds of the source clock)."""
        count = max(0, math.ceil((until - self.first) / self.every))
        return [self.first + k * self.every for k in range(count)]


async def _pace(track: MediaStreamTrack, due: float) -> None:
    delay = due - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
        if track.readyState != "live":
            raise MediaStreamError


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
        label: str = "民警",
        capture_log: dict[int, float] | None = None,
        *,
        clock: SourceClock | None = None,
        pulses: Pulses | None = None,
        timezone: str = DEFAULT_TIMEZONE,
    ) -> None:
        super().__init__()
        self.zone = ZoneInfo(timezone)
        if width % 2 or height % 2:
            raise ValueError("synthetic video needs even dimensions")
        self.width, self.height, self.fps = width, height, fps
        self.label = label.upper()
        self.capture_log = capture_log
        self.clock = clock or SourceClock()
        self.pulses = pulses
        self.frames = 0
        self._background = _background(width, height)
        self._scale = max(2, height // 180)

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = self.frames
        await _pace(self, self.clock.begin() + n / self.fps)
        self.frames += 1
        if self.pulses is not None and self.pulses.active(np.array([n / self.fps]))[0]:
            buf = np.full((self.height * 3 // 2, self.width), 128, dtype=np.uint8)
            buf[: self.height] = 235  # white
        else:
            buf = self._draw(n)
        frame = VideoFrame.from_ndarray(buf, format="yuv420p")
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
        stamp = datetime.fromtimestamp(now, self.zone).strftime("%Y-%m-%d %H:%M:%S")
        stamp += f".{int(now * 1000) % 1000:03d}"
        glyphs.stamp_yuv((y, u, v), stamp, 8 * s, glyphs.CODE_BLOCK + 6 * s, s)
        glyphs.stamp_yuv((y, u, v), f"{self.label} #{n}", 8 * s, glyphs.CODE_BLOCK + 16 * s, s)
        return buf


class ToneAudioTrack(MediaStreamTrack):
    """Paced 20 ms mono s16 frames: a quiet sine, or silence with ``frequency=0``.

    With ``pulses`` the sine is replaced by beeps (silence between them). Like a microphone,
    a frame is delivered once its last sample is due.
    """

    kind = "audio"

    def __init__(
        self,
        frequency: float = 440.0,
        sample_rate: int = 48_000,
        amplitude: float = 0.1,
        *,
        clock: SourceClock | None = None,
        pulses: Pulses | None = None,
        timezone: str = DEFAULT_TIMEZONE,
    ) -> None:
        super().__init__()
        self.zone = ZoneInfo(timezone)
        self.frequency, self.sample_rate, self.amplitude = frequency, sample_rate, amplitude
        self.clock = clock or SourceClock()
        self.pulses = pulses
        self.samples_per_frame = sample_rate // 50
        self.frames = 0

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = self.frames
        first = n * self.samples_per_frame
        end = first + self.samples_per_frame
        await _pace(self, self.clock.begin() + end / self.sample_rate)
        self.frames += 1
        t = np.arange(first, end, dtype=np.float64) / self.sample_rate
        if self.pulses is None:
            wave = self.amplitude * 32767 * np.sin(2 * math.pi * self.frequency * t)
        else:
            p = self.pulses
            beep = p.amplitude * 32767 * np.sin(2 * math.pi * p.frequency * t)
            wave = np.where(p.active(t), beep, 0.0)
        data = wave.astype(np.int16).reshape(1, -1)
        frame = AudioFrame.from_ndarray(data, format="s16", layout="mono")
        frame.sample_rate = self.sample_rate
        frame.pts = first
        frame.time_base = fractions.Fraction(1, self.sample_rate)
        return frame
