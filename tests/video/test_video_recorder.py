"""Evidence recording: playable after a stop and after a kill, hashed, gaps marked, bounded."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest
from av import VideoFrame

from officer_console.video.recorder import EvidenceRecorder, RecordingError, RecordingLayout
from officer_console.video.recording_files import sha256_file, sidecar_path, unfinished_recordings
from officer_console.video.synthetic import SyntheticVideoTrack, ToneAudioTrack
from tests.video.record_child import record_until_killed

Run = Callable[..., Any]
SMALL = RecordingLayout(tile_width=320, tile_height=240, fps=15)


def decode(path: Path) -> tuple[int, float, float, tuple[int, int]]:
    """(video frames, last video time, audio seconds, size) — tolerating a torn tail."""
    frames, last, size = 0, 0.0, (0, 0)
    with av.open(str(path)) as container:
        try:
            for frame in container.decode(video=0):
                frames += 1
                last = float(frame.time or 0.0)
                size = (frame.width, frame.height)
        except av.error.InvalidDataError:
            pass
    samples = 0
    with av.open(str(path)) as container, contextlib.suppress(av.error.InvalidDataError):
        samples = sum(f.samples for f in container.decode(audio=0))
    return frames, last, samples / 48_000, size


async def feed(recorder: EvidenceRecorder, seconds: float, *, gap_at: float | None = None) -> None:
    sources = {
        "citizen": (SyntheticVideoTrack(640, 480, label="CITIZEN"), ToneAudioTrack(330)),
        "officer": (SyntheticVideoTrack(320, 240), ToneAudioTrack(550)),
    }

    async def pump(side: str, track: SyntheticVideoTrack | ToneAudioTrack) -> None:
        while True:
            recorder.push(side, await track.recv())

    tasks = [asyncio.create_task(pump(s, t)) for s, pair in sources.items() for t in pair]
    try:
        if gap_at is None:
            await asyncio.sleep(seconds)
        else:
            await asyncio.sleep(gap_at)
            recorder.mark_gap("citizen", "closed")
            await asyncio.sleep(0.6)
            recorder.end_gap("citizen")
            await asyncio.sleep(seconds - gap_at - 0.6)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def test_normal_stop_gives_a_playable_hashed_file_with_the_gap(tmp_path: Path, qt_run: Run) -> None:
    path = tmp_path / "evidence" / "rec.mp4"
    recorder = EvidenceRecorder(path, SMALL, metadata={"appointment_id": 7})
    recorder.start()
    assert json.loads(sidecar_path(path).read_text())["status"] == "recording"
    qt_run(feed(recorder, 2.5, gap_at=1.0))
    result = recorder.stop()
    assert recorder.stop() is result  # idempotent

    frames, last, audio_s, size = decode(path)
    assert size == (640, 240)  # both directions side by side
    assert frames >= 20 and last > 1.5  # ticks skipped under heavy load lower the count
    assert 1.5 < audio_s < 3.5
    assert 2.0 < result.duration_s < 3.5
    assert result.size == path.stat().st_size
    assert result.sha256 == sha256_file(path)
    assert [(g.side, g.reason) for g in result.gaps] == [("citizen", "closed")]
    gap = result.gaps[0]
    assert gap.end_s is not None and 0.4 < gap.end_s - gap.start_s < 1.0
    side = json.loads(sidecar_path(path).read_text())
    assert side["status"] == "closed" and side["sha256"] == result.sha256
    assert side["appointment_id"] == 7
    with av.open(str(path)) as container:
        kinds = sorted(s.type for s in container.streams)
    assert kinds == ["audio", "video"]


def test_killed_recorder_leaves_a_playable_file(tmp_path: Path) -> None:
    path = tmp_path / "evidence" / "killed.mp4"
    record_until_killed(path, 3.5)
    frames, last, audio_s, size = decode(path)
    assert size == (640, 240)
    assert frames >= 15 and last >= 1.0  # whole 1 s fragments up to the kill
    assert audio_s >= 1.0
    assert json.loads(sidecar_path(path).read_text())["status"] == "recording"
    assert unfinished_recordings(tmp_path / "evidence") == [path]


def test_a_full_queue_drops_the_oldest_frames_and_counts_them(tmp_path: Path) -> None:
    recorder = EvidenceRecorder(tmp_path / "r.mp4", SMALL, queue_limit=10)  # worker not started
    for n in range(25):
        frame = VideoFrame(64, 48, "yuv420p")
        frame.pts = n
        recorder.push("citizen", frame)
    assert recorder.counters.dropped == 15
    assert [getattr(item[1], "pts", None) for item in recorder._queue] == list(range(15, 25))


def test_an_unwritable_store_is_a_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    with pytest.raises(RecordingError, match="无法写入"):
        EvidenceRecorder(blocked / "r.mp4", SMALL).start()
