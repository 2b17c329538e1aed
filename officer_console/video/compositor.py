"""Side-by-side picture and mixed sound for the evidence recording (worker thread only).

Both directions go into one ordinary video track and one audio track, so any player shows the
whole conversation; a burned-in wall-clock time and a "CONNECTION LOST" slate make gaps visible
to a reviewer without extra tools. Everything is numpy on packed yuv420p, no Qt.
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np
from av import AudioFrame, AudioResampler, VideoFrame
from av.video.reformatter import VideoReformatter
from numpy.typing import NDArray

from officer_console.video import glyphs

SIDES = ("citizen", "officer")
LABELS = {"citizen": "CITIZEN", "officer": "OFFICER"}
_GAP, _NONE = object(), object()


def _planes(buf: NDArray[np.uint8], height: int) -> tuple[NDArray[np.uint8], ...]:
    """Y, U, V views into a packed yuv420p buffer (the ``from_ndarray`` layout)."""
    width = buf.shape[1]
    y = buf[:height]
    u = buf[height : height + height // 4].reshape(height // 2, width // 2)
    v = buf[height + height // 4 :].reshape(height // 2, width // 2)
    return y, u, v


def _fit(src_w: int, src_h: int, box_w: int, box_h: int) -> tuple[int, int]:
    scale = min(box_w / src_w, box_h / src_h)
    return max(2, int(src_w * scale) & ~1), max(2, int(src_h * scale) & ~1)


class Canvas:
    """Two tiles side by side (citizen left, officer right) in one yuv420p picture."""

    def __init__(self, tile_width: int, tile_height: int) -> None:
        self.tile_w, self.tile_h = tile_width & ~1, tile_height & ~1
        self.width, self.height = self.tile_w * 2, self.tile_h
        self._buf = np.empty((self.height * 3 // 2, self.width), dtype=np.uint8)
        self._scale = max(1, self.tile_h // 240)
        self._last: dict[str, object] = {}
        self._reformatter = VideoReformatter()

    def compose(
        self, frames: dict[str, VideoFrame | None], gaps: set[str], wall: float
    ) -> VideoFrame:
        y, u, v = _planes(self._buf, self.height)
        for index, side in enumerate(SIDES):
            x0 = index * self.tile_w
            frame = frames.get(side)
            key: object = _GAP if side in gaps else frame if frame is not None else _NONE
            if self._last.get(side) is key:
                continue  # same content as the last tick: the tile is already in place
            self._last[side] = key
            ty, tu, tv = (
                p[:, x0 // d : (x0 + self.tile_w) // d] for p, d in ((y, 1), (u, 2), (v, 2))
            )
            ty[:], tu[:], tv[:] = 16, 128, 128
            if side in gaps:
                self._slate(ty, tu, tv, "CONNECTION LOST")
            elif frame is None:
                self._slate(ty, tu, tv, "NO VIDEO", alarm=False)
            else:
                self._place(frame, ty, tu, tv)
            glyphs.stamp_yuv(
                (ty, tu, tv),
                LABELS[side],
                6 * self._scale,
                self.tile_h - 12 * self._scale,
                self._scale,
            )
        # Same length every tick, so the stamp's box fully covers the previous one.
        stamp = time.strftime("%Y-%m-%d %H:%M:%S%z", time.localtime(wall))
        glyphs.stamp_yuv((y, u, v), stamp, 6 * self._scale, 6 * self._scale, self._scale)
        return VideoFrame.from_ndarray(self._buf, format="yuv420p")

    def _place(
        self,
        frame: VideoFrame,
        ty: NDArray[np.uint8],
        tu: NDArray[np.uint8],
        tv: NDArray[np.uint8],
    ) -> None:
        fw, fh = _fit(frame.width, frame.height, self.tile_w, self.tile_h)
        # Our own scaler: frame.reformat() would share the frame's with the view's thread.
        resized = self._reformatter.reformat(frame, width=fw, height=fh, format="yuv420p")
        scaled = np.asarray(resized.to_ndarray(), np.uint8)
        sy, su, sv = _planes(scaled, fh)
        ox, oy = ((self.tile_w - fw) // 2) & ~1, ((self.tile_h - fh) // 2) & ~1
        ty[oy : oy + fh, ox : ox + fw] = sy
        tu[oy // 2 : (oy + fh) // 2, ox // 2 : (ox + fw) // 2] = su
        tv[oy // 2 : (oy + fh) // 2, ox // 2 : (ox + fw) // 2] = sv

    def _slate(
        self,
        ty: NDArray[np.uint8],
        tu: NDArray[np.uint8],
        tv: NDArray[np.uint8],
        text: str,
        *,
        alarm: bool = True,
    ) -> None:
        if alarm:  # dark red stripes: unmistakable even in a thumbnail
            stripes = (np.add.outer(np.arange(ty.shape[0]), np.arange(ty.shape[1])) // 24) % 2
            ty[:] = np.where(stripes == 1, 60, 35).astype(np.uint8)
            tv[:] = 170
        scale = self._scale * 2
        tw, th = glyphs.text_size(text, scale)
        glyphs.stamp(ty, text, (self.tile_w - tw) // 2, (self.tile_h - th) // 2, scale)


class AudioMixer:
    """Mixes both sides into mono s16 at ``rate``, clocked by the recording's ticks.

    Each side has its own jitter cushion: it is read only once ``prime`` seconds are buffered,
    an underrun pads silence and re-primes, and a backlog beyond ``limit`` seconds is trimmed,
    so network jitter and clock drift never shift one side against the picture for long.
    """

    def __init__(self, rate: int = 48_000, prime: float = 0.06, limit: float = 0.4) -> None:
        self.rate = rate
        self._prime = int(rate * prime)
        self._limit = int(rate * limit)
        self._buffers: dict[str, deque[NDArray[np.int16]]] = {s: deque() for s in SIDES}
        self._counts = dict.fromkeys(SIDES, 0)
        self._primed = dict.fromkeys(SIDES, False)
        self._resamplers: dict[str, AudioResampler] = {}
        self.underruns = 0
        self.trimmed = 0

    def push(self, side: str, frame: AudioFrame) -> None:
        resampler = self._resamplers.get(side)
        if resampler is None:
            resampler = self._resamplers[side] = AudioResampler("s16", "mono", self.rate)
        for out in resampler.resample(frame):
            samples = out.to_ndarray().reshape(-1).astype(np.int16, copy=False)
            self._buffers[side].append(samples)
            self._counts[side] += len(samples)
        while self._counts[side] > self._limit:
            dropped = self._buffers[side].popleft()
            self._counts[side] -= len(dropped)
            self.trimmed += len(dropped)

    def reset(self, side: str) -> None:
        self._buffers[side].clear()
        self._counts[side] = 0
        self._primed[side] = False
        self._resamplers.pop(side, None)

    def _take(self, side: str, count: int) -> NDArray[np.int16] | None:
        if not self._primed[side]:
            if self._counts[side] < self._prime:
                return None
            self._primed[side] = True
        out = np.zeros(count, dtype=np.int16)
        filled = 0
        buf = self._buffers[side]
        while filled < count and buf:
            chunk = buf[0]
            n = min(count - filled, len(chunk))
            out[filled : filled + n] = chunk[:n]
            if n == len(chunk):
                buf.popleft()
            else:
                buf[0] = chunk[n:]
            filled += n
        self._counts[side] -= filled
        if filled < count:
            self.underruns += 1
            self._primed[side] = False
        return out

    def mix(self, count: int) -> AudioFrame:
        total = np.zeros(count, dtype=np.int32)
        for side in SIDES:
            part = self._take(side, count)
            if part is not None:
                total += part
        mixed = np.clip(total, -32768, 32767).astype(np.int16).reshape(1, -1)
        frame = AudioFrame.from_ndarray(mixed, format="s16", layout="mono")
        frame.sample_rate = self.rate
        return frame
