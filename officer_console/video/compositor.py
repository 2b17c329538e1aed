"""Side-by-side picture and mixed sound for the evidence recording (worker thread only).

Both directions go into one ordinary video track and one audio track, so any player shows the
whole conversation; a burned-in wall-clock time (the squad's local time, with its UTC offset) and a
「连接中断」 slate make gaps visible to a reviewer without extra tools. Everything is numpy on packed yuv420p, no Qt.
"""

from __future__ import annotations

import fractions
from collections import deque
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from av import AudioFrame, AudioResampler, VideoFrame
from av.video.reformatter import VideoReformatter
from numpy.typing import NDArray

from officer_console.video import glyphs

SIDES = ("citizen", "officer")
LABELS = {"citizen": "当事人", "officer": "民警"}
DEFAULT_TIMEZONE = "Asia/Shanghai"  # config.Settings.timezone's default
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


def burn_in_time(wall: float, zone: ZoneInfo) -> str:
    """``2026-12-07 17:38:05+0800``: local time with its offset, never the host's zone."""
    return datetime.fromtimestamp(wall, zone).strftime("%Y-%m-%d %H:%M:%S%z")


class Canvas:
    """Two tiles side by side (citizen left, officer right) in one yuv420p picture."""

    def __init__(self, tile_width: int, tile_height: int, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.zone = ZoneInfo(timezone)
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
                self._slate(ty, tu, tv, "连接中断")
            elif frame is None:
                self._slate(ty, tu, tv, "无视频", alarm=False)
            else:
                self._place(frame, ty, tu, tv)
            glyphs.stamp_yuv(
                (ty, tu, tv),
                LABELS[side],
                6 * self._scale,
                self.tile_h - 17 * self._scale,
                self._scale,
            )
        # Same length every tick, so the stamp's box fully covers the previous one.
        stamp = burn_in_time(wall, self.zone)
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


class StreamClock:
    """Places one track's frames on the recording's timeline by their own timestamps.

    ``position = pts + offset`` where ``offset`` is the smallest ``arrival − pts`` seen over
    the last ``window`` seconds — the frames that came through fastest. A frame delayed by the
    event loop, the network or a burst still lands where its timestamp says, so audio and
    video captured at the same instant share a position whatever their arrival jitter, and
    a slowly drifting source clock is followed. ``arrival`` is when the frame's *last*
    instant was captured: a picture's own instant, the end of a block of sound (a microphone
    delivers a block once it is full).

    A jump of more than ``jump`` seconds (a re-joined peer's new RTP base, a wrap) re-anchors
    on arrival; so do ``patience`` frames in a row that land before ``horizon`` (the part of
    the timeline already written: the source now arrives persistently later than before).
    Without timestamps, sound is clocked by its sample count and a picture by its arrival.
    """

    def __init__(self, window: float = 2.0, jump: float = 0.5, patience: int = 3) -> None:
        self.window, self.jump, self.patience = window, jump, patience
        self.offset: float | None = None
        self.resets = 0
        self._mins: deque[tuple[float, float]] = deque()  # (arrival, value), values rising
        self._late = 0
        self._counted = 0.0

    def reset(self) -> None:
        self.offset = None
        self._mins.clear()
        self._late = 0

    def place(self, arrival: float, pts: float | None, duration: float, horizon: float) -> float:
        """Timeline position (s) of the frame's first instant."""
        if pts is None:
            if not duration:
                return arrival
            pts, self._counted = self._counted, self._counted + duration
        value = arrival - duration - pts
        if self.offset is None or abs(value - self.offset) > self.jump:
            self._mins.clear()
        while self._mins and self._mins[-1][1] >= value:
            self._mins.pop()
        self._mins.append((arrival, value))
        while self._mins[0][0] < arrival - self.window:
            self._mins.popleft()
        self.offset = self._mins[0][1]
        if pts + self.offset >= horizon:
            self._late = 0
        else:
            self._late += 1
            if self._late >= self.patience:
                self._mins.clear()
                self._mins.append((arrival, value))
                self.offset = value
                self._late = 0
                self.resets += 1
        return pts + self.offset


class VideoTimeline:
    """Each side's pictures by timeline position; a tick shows the last one due by then."""

    def __init__(self) -> None:
        self._pending: dict[str, deque[tuple[float, VideoFrame]]] = {s: deque() for s in SIDES}
        self._gaps: deque[tuple[float, str, bool]] = deque()
        self.latest: dict[str, VideoFrame | None] = dict.fromkeys(SIDES)
        self.gaps: set[str] = set()
        self.shown_until = -1.0  # pictures positioned before this can only be shown late

    def add(self, side: str, position: float, frame: VideoFrame) -> None:
        pending = self._pending[side]
        if pending and position < pending[-1][0]:  # re-anchored backwards: keep the order
            position = pending[-1][0]
        pending.append((position, frame))

    def gap(self, side: str, position: float, opened: bool) -> None:
        self._gaps.append((position, side, opened))

    def advance(self, until: float) -> None:
        """Take every picture and gap change positioned up to ``until`` seconds, in order."""
        while self._gaps and self._gaps[0][0] <= until:
            at, side, opened = self._gaps.popleft()
            self._take(side, at)
            if opened:
                self.gaps.add(side)
                self.latest[side] = None  # the stale picture goes with the connection
            else:
                self.gaps.discard(side)
        for side in SIDES:
            self._take(side, until)
        self.shown_until = until

    def _take(self, side: str, until: float) -> None:
        pending = self._pending[side]
        while pending and pending[0][0] <= until:
            self.latest[side] = pending.popleft()[1]


class AudioMixer:
    """Mixes both sides into mono s16 at ``rate`` on the recording's timeline.

    Each block is written at the position its :class:`StreamClock` gives; consecutive blocks
    of a side stay back to back while they are within ``tolerance`` of that position, so the
    sound has no clicks from jitter and still never drifts from the picture. Silence fills
    what no block covers; a block (part) that comes after its place was mixed is dropped
    and counted in ``late``.
    """

    def __init__(self, rate: int = 48_000, tolerance: float = 0.01) -> None:
        self.rate = rate
        self._tolerance = round(rate * tolerance)
        self._blocks: dict[str, deque[tuple[int, NDArray[np.int16]]]] = {s: deque() for s in SIDES}
        self._next: dict[str, int | None] = dict.fromkeys(SIDES)
        self._resamplers: dict[str, AudioResampler] = {}
        self.cursor = 0  # first sample (since the recording's start) not mixed yet
        self.late = 0
        self.realigned = 0

    def push(self, side: str, frame: AudioFrame, position: float) -> None:
        resampler = self._resamplers.get(side)
        if resampler is None:
            resampler = self._resamplers[side] = AudioResampler("s16", "mono", self.rate)
        parts = [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]
        if not parts:
            return
        samples = np.concatenate(parts).astype(np.int16, copy=False)
        start = round(position * self.rate)
        expected = self._next[side]
        if expected is not None:
            if abs(start - expected) <= self._tolerance:
                start = expected
            else:
                self.realigned += 1
        self._next[side] = start + len(samples)
        if start < self.cursor:
            cut = min(len(samples), self.cursor - start)
            self.late += cut
            samples, start = samples[cut:], start + cut
        if len(samples):
            self._blocks[side].append((start, samples))

    def reset(self, side: str) -> None:
        """A new connection: its first block is placed afresh (what is buffered still plays)."""
        self._next[side] = None
        self._resamplers.pop(side, None)

    def mix(self, end: int) -> AudioFrame | None:
        """The sound from ``cursor`` to sample ``end``, timestamped; None if nothing is due."""
        count = end - self.cursor
        if count <= 0:
            return None
        total = np.zeros(count, dtype=np.int32)
        part = np.empty(count, dtype=np.int16)
        for blocks in self._blocks.values():
            if not blocks or blocks[0][0] >= end:
                continue
            part[:] = 0
            keep: list[tuple[int, NDArray[np.int16]]] = []
            while blocks and blocks[0][0] < end:
                start, samples = blocks.popleft()
                lo, hi = max(start, self.cursor), min(start + len(samples), end)
                if hi > lo:  # a later block overwrites an overlap (it was re-anchored)
                    part[lo - self.cursor : hi - self.cursor] = samples[lo - start : hi - start]
                if start + len(samples) > end:
                    keep.append((end, samples[end - start :]))
            blocks.extendleft(reversed(keep))
            total += part
        mixed = np.clip(total, -32768, 32767).astype(np.int16).reshape(1, -1)
        frame = AudioFrame.from_ndarray(mixed, format="s16", layout="mono")
        frame.sample_rate = self.rate
        frame.pts, frame.time_base = self.cursor, fractions.Fraction(1, self.rate)
        self.cursor = end
        return frame
