"""Evidence recording of the whole call, encoded on a worker thread.

``MediaRecorder`` re-encodes inside the event loop (CPU 40 → 143 %, loop lag p99 15–43 ms at
720p — FACTS.md), so consumers only ``push`` frames into a bounded queue (drop-oldest, counted)
and one thread composes, encodes and muxes. The file is fragmented MP4 with a keyframe every
``gop_seconds``: a killed process leaves every completed fragment playable. A JSON sidecar next
to it says whether the recording closed cleanly, and lists the gaps (the files and reading them
back: :mod:`officer_console.video.recording_files`).

Timing: every frame is placed on the recording's timeline (seconds since ``start``) by its own
timestamp, anchored to when frames of its track arrive (``StreamClock``), and the worker
writes each stretch of timeline ``latency`` seconds after it happened, once late frames are
in. Picture and sound captured at the same instant so get the same timestamp in the file,
whatever the jitter in between; a tick shows the picture nearest to its instant (± half a
frame). Mixing sound by arrival order instead put it a jitter cushion (~60 ms) behind.
"""

from __future__ import annotations

import contextlib
import fractions
import logging
import os
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
from av import AudioFrame, VideoFrame

from officer_console.video.compositor import (
    DEFAULT_TIMEZONE,
    SIDES,
    AudioMixer,
    Canvas,
    StreamClock,
    VideoTimeline,
)
from officer_console.video.recording_files import sha256_file, write_sidecar

log = logging.getLogger("officer_console.video.recorder")

MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"


class RecordingError(Exception):
    """The recording could not be written; the message is for the officer."""


@dataclass(frozen=True)
class RecordingLayout:
    tile_width: int = 640
    tile_height: int = 480
    fps: int = 15
    sample_rate: int = 48_000
    gop_seconds: float = 1.0
    preset: str = "veryfast"
    crf: int = 26
    fsync_seconds: float = 5.0
    latency: float = 0.2  # wait for late frames; the file is written this far behind the call
    timezone: str = DEFAULT_TIMEZONE  # the burned-in clock: the squad's local time


@dataclass(frozen=True)
class Gap:
    side: str
    start_s: float
    end_s: float | None
    reason: str


@dataclass(frozen=True)
class RecordingResult:
    path: Path
    sha256: str
    size: int
    duration_s: float
    started_at: datetime
    ended_at: datetime
    gaps: tuple[Gap, ...]
    dropped: int
    late_ticks: int
    video_frames: int

    def detail(self) -> dict[str, Any]:
        """For the audit row and the sidecar: plain JSON values."""
        return {
            "file": self.path.name,
            "sha256": self.sha256,
            "size": self.size,
            "duration_s": round(self.duration_s, 3),
            "gaps": [gap_detail(g) for g in self.gaps],
            "dropped": self.dropped,
            "late_ticks": self.late_ticks,
        }


def gap_detail(gap: Gap) -> dict[str, Any]:
    """A gap for the sidecar: start and length in seconds of the recording (length None = open)."""
    length = None if gap.end_s is None else round(gap.end_s - gap.start_s, 3)
    return {**asdict(gap), "length_s": length}


@dataclass
class _Counters:
    dropped: int = 0
    late_ticks: int = 0
    video_frames: int = 0
    pushed: int = 0
    late_audio_samples: int = 0


class EvidenceRecorder:
    """``start`` → ``push``/``mark_gap``/``end_gap`` from any thread → ``stop`` (blocking)."""

    def __init__(
        self,
        path: Path,
        layout: RecordingLayout | None = None,
        *,
        queue_limit: int = 240,
        metadata: dict[str, Any] | None = None,
        stall_gap_s: float = 1.0,
    ) -> None:
        self.path = path
        self.layout = layout or RecordingLayout()
        self.counters = _Counters()
        self.metadata = dict(metadata or {})
        self._queue: deque[tuple[str, VideoFrame | AudioFrame, float]] = deque()
        self._gap_events: list[tuple[str, bool, float]] = []
        self._limit = queue_limit
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._opened = threading.Event()
        self._error: BaseException | None = None
        self._gaps: list[Gap] = []
        self._open_gaps: dict[str, tuple[float, str]] = {}
        self.stall_gap_s = stall_gap_s  # no picture from a side this long = a gap (loss, outage)
        self._last_video: dict[str, float] = {}
        self._t0 = 0.0
        self._wall0 = 0.0
        self._started_at = datetime.now(UTC)
        self._result: RecordingResult | None = None

    # --- producer side (event loop) --------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and not self._stopping

    def elapsed(self) -> float:
        return time.monotonic() - self._t0 if self._t0 else 0.0

    def push(self, side: str, frame: VideoFrame | AudioFrame) -> None:
        """Never blocks: when the encoder falls behind the oldest queued frame is dropped."""
        with self._cond:
            if self._stopping:
                return
            if len(self._queue) >= self._limit:
                self._queue.popleft()
                self.counters.dropped += 1
            now = time.monotonic()
            self._queue.append((side, frame, now))
            self.counters.pushed += 1
            stalled = isinstance(frame, VideoFrame) and self._note_video(side, now)
            self._cond.notify()
        if stalled:
            self._sidecar_gaps()

    def _note_video(self, side: str, now: float) -> bool:
        """Picture resumed after ``stall_gap_s`` of none: record the stretch as a gap (unless
        a connection gap already covers it). Called with the lock held."""
        last, self._last_video[side] = self._last_video.get(side), now
        if last is None or now - last < self.stall_gap_s or side in self._open_gaps:
            return False
        start, end = round(last - self._t0, 3), round(now - self._t0, 3)
        if any(g.side == side and g.end_s is not None and g.end_s >= start for g in self._gaps):
            return False
        self._gaps.append(Gap(side, start, end, "no video"))
        return True

    def _sidecar_gaps(self) -> None:
        """Gaps reach the sidecar as they close, not only at the end (a crash keeps them)."""
        if self._stopping:
            return
        with contextlib.suppress(OSError):
            self._write_sidecar(
                {"status": "recording", "gaps": [gap_detail(g) for g in self.gaps()]}
            )

    def mark_gap(self, side: str = "citizen", reason: str = "connection lost") -> None:
        with self._cond:
            if side not in self._open_gaps and not self._stopping:
                self._open_gaps[side] = (self.elapsed(), reason)
                self._gap_events.append((side, True, time.monotonic()))
                self._cond.notify()

    def end_gap(self, side: str = "citizen") -> None:
        with self._cond:
            opened = self._open_gaps.pop(side, None)
            if opened is not None:
                self._gaps.append(
                    Gap(side, round(opened[0], 3), round(self.elapsed(), 3), opened[1])
                )
                self._gap_events.append((side, False, time.monotonic()))
                self._cond.notify()
        if opened is not None and not self._stopping:
            self._sidecar_gaps()

    def gaps(self) -> tuple[Gap, ...]:
        with self._cond:
            still = [Gap(s, round(t, 3), None, r) for s, (t, r) in self._open_gaps.items()]
            return (*self._gaps, *still)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> None:
        """Open the file on the worker; raises RecordingError if it cannot be written."""
        if self._thread is not None:
            raise RuntimeError("recorder already started")
        self._started_at = datetime.now(UTC)
        self._t0 = time.monotonic()
        self._wall0 = time.time()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._write_sidecar({"status": "recording"})
        except OSError as exc:
            raise RecordingError(f"无法写入证据目录 {self.path.parent}: {exc}") from exc
        self._thread = threading.Thread(target=self._run, name="oc-recorder", daemon=True)
        self._thread.start()
        if not self._opened.wait(timeout) or self._error is not None:
            self._stopping = True
            raise RecordingError(f"无法写入录像文件 {self.path.name}: {self._error}")

    def stop(self, timeout: float = 30.0) -> RecordingResult:
        """Idempotent and blocking (call through ``asyncio.to_thread`` from the loop)."""
        if self._result is not None:
            return self._result
        with self._cond:
            self._stopping = True
            for side in list(self._open_gaps):
                opened = self._open_gaps.pop(side)
                self._gaps.append(
                    Gap(side, round(opened[0], 3), round(self.elapsed(), 3), opened[1])
                )
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RecordingError("录像编码线程未能按时结束")
        if self._error is not None:
            raise RecordingError(f"录像写入失败: {self._error}") from self._error
        ended = datetime.now(UTC)
        ticks = self.counters.video_frames
        self._result = RecordingResult(
            path=self.path,
            sha256=sha256_file(self.path),
            size=self.path.stat().st_size,
            duration_s=self._duration_s(ticks),
            started_at=self._started_at,
            ended_at=ended,
            gaps=tuple(self._gaps),
            dropped=self.counters.dropped,
            late_ticks=self.counters.late_ticks,
            video_frames=ticks,
        )
        self._write_sidecar({"status": "closed", **self._result.detail()})
        return self._result

    def _duration_s(self, ticks: int) -> float:
        return (self._last_tick + 1) / self.layout.fps if ticks else 0.0

    def _write_sidecar(self, extra: dict[str, Any]) -> None:
        data = {"started_at": self._started_at.isoformat(), **self.metadata, **extra}
        write_sidecar(self.path, data)

    # --- worker thread ---------------------------------------------------------------------
    _last_tick = -1

    def _run(self) -> None:
        if sys.platform.startswith("linux"):  # per-thread niceness: yield to view and decoders
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        try:
            container = self._open()
        except BaseException as exc:
            self._error = exc
            self._opened.set()
            return
        self._opened.set()
        try:
            self._encode_loop(container)
        except BaseException as exc:  # recorded; stop() reports it
            log.exception("recording failed")
            self._error = exc
        finally:
            with contextlib.suppress(Exception):
                container.close()
            self._fsync()

    def _open(self) -> Any:
        lay = self.layout
        # flush_packets: each finished fragment leaves FFmpeg's I/O buffer at once, so a
        # killed process loses at most the fragment being built.
        options = {"movflags": MOVFLAGS, "flush_packets": "1"}
        container = av.open(str(self.path), mode="w", format="mp4", options=options)
        self._canvas = Canvas(lay.tile_width, lay.tile_height, lay.timezone)
        gop = max(1, round(lay.fps * lay.gop_seconds))
        video = container.add_stream("libx264", rate=lay.fps)
        video.width, video.height, video.pix_fmt = (
            self._canvas.width,
            self._canvas.height,
            "yuv420p",
        )
        video.codec_context.gop_size = gop
        video.options = {
            "preset": lay.preset,
            "tune": "zerolatency",
            "crf": str(lay.crf),
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0",
        }
        audio = container.add_stream("aac", rate=lay.sample_rate)
        audio.layout = "mono"
        self._video, self._audio = video, audio
        self._mixer = AudioMixer(lay.sample_rate)
        self._timeline = VideoTimeline()
        self._clocks = {
            (side, kind): StreamClock() for side in SIDES for kind in ("video", "audio")
        }
        return container

    def _encode_loop(self, container: Any) -> None:
        lay = self.layout
        period = 1.0 / lay.fps
        tick = 0
        next_fsync = time.monotonic() + lay.fsync_seconds
        while True:
            # Tick ``tick`` shows the pictures positioned up to half a frame after its instant.
            due = self._t0 + (tick + 0.5) * period + lay.latency
            with self._cond:
                while (
                    not self._queue
                    and not self._gap_events
                    and not self._stopping
                    and time.monotonic() < due
                ):
                    self._cond.wait(max(0.0, due - time.monotonic()))
                items = list(self._queue)
                self._queue.clear()
                events, self._gap_events = self._gap_events, []
                stopping = self._stopping
            for side, opened, at in events:
                self._gap(side, opened, at - self._t0)
            for side, frame, arrival in items:
                self._place(side, frame, arrival - self._t0)
            now = time.monotonic()
            settled = now - self._t0 - lay.latency  # late frames up to here are in
            # Stopping: everything has arrived, write the rest of the timeline at once.
            written_to = now - self._t0 if stopping else settled
            while (tick + 0.5) * period <= written_to or (stopping and tick * period <= written_to):
                behind = int((settled - (tick + 0.5) * period) / period)
                if behind > 0:  # we fell behind: skip ticks (their sound is kept)
                    self.counters.late_ticks += behind
                    tick += behind
                self._write_tick(container, tick, period)
                tick += 1
            if now >= next_fsync:
                self._fsync()
                next_fsync = now + lay.fsync_seconds
            if stopping:
                container.mux(self._video.encode(None))
                container.mux(self._audio.encode(None))
                return

    def _place(self, side: str, frame: VideoFrame | AudioFrame, arrival: float) -> None:
        pts = (
            float(frame.pts * frame.time_base)
            if frame.pts is not None and frame.time_base
            else None
        )
        if isinstance(frame, VideoFrame):
            clock = self._clocks[side, "video"]
            position = clock.place(arrival, pts, 0.0, self._timeline.shown_until)
            self._timeline.add(side, position, frame)
        elif frame.sample_rate:
            clock = self._clocks[side, "audio"]
            horizon = self._mixer.cursor / self._mixer.rate
            duration = frame.samples / frame.sample_rate
            self._mixer.push(side, frame, clock.place(arrival, pts, duration, horizon))

    def _gap(self, side: str, opened: bool, at: float) -> None:
        self._timeline.gap(side, at, opened)
        if opened:  # a re-joined peer brings new timestamps
            self._clocks[side, "video"].reset()
            self._clocks[side, "audio"].reset()
            self._mixer.reset(side)

    def _write_tick(self, container: Any, tick: int, period: float) -> None:
        self._timeline.advance((tick + 0.5) * period)
        wall = self._wall0 + tick * period
        picture = self._canvas.compose(self._timeline.latest, self._timeline.gaps, wall)
        picture.pts, picture.time_base = tick, fractions.Fraction(1, self.layout.fps)
        container.mux(self._video.encode(picture))
        sound = self._mixer.mix(round((tick + 1) * period * self._mixer.rate))
        if sound is not None:
            container.mux(self._audio.encode(sound))
        self.counters.video_frames += 1
        self.counters.late_audio_samples = self._mixer.late
        self._last_tick = tick

    def _fsync(self) -> None:
        """Fragments survive a killed process anyway; this also covers a power cut."""
        with contextlib.suppress(OSError):
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


__all__ = [
    "EvidenceRecorder",
    "Gap",
    "RecordingError",
    "RecordingLayout",
    "RecordingResult",
    "gap_detail",
]
