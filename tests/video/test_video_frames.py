"""Frame conversion for painting, the synthetic sources and the frame code."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from av import AudioFrame, VideoFrame
from PySide6.QtGui import QImage

from officer_console.video import glyphs
from officer_console.video.frames import LatestFrame, to_qimage
from officer_console.video.media import GatedTrack
from officer_console.video.synthetic import SyntheticVideoTrack, ToneAudioTrack

Run = Callable[..., Any]


def test_qimage_is_rgb32_and_owns_its_pixels_even_for_padded_widths() -> None:
    frame = VideoFrame(854, 480, "yuv420p")  # 854: rows are padded in PyAV's buffer
    for plane in frame.planes:
        plane.update(bytes([200]) * plane.buffer_size)
    converted = to_qimage(frame)
    del frame
    gc.collect()
    assert converted.image.format() == QImage.Format.Format_RGB32
    assert (converted.width, converted.height) == (854, 480)
    assert converted.array.flags["C_CONTIGUOUS"]
    assert converted.image.bytesPerLine() == 854 * 4
    assert QImage(converted.image).pixelColor(853, 479).isValid()


def test_latest_frame_keeps_only_the_newest(qt_run: Run) -> None:
    async def scenario() -> tuple[int, int, int | None]:
        ready = asyncio.Event()
        slot = LatestFrame(on_ready=ready.set)
        frames = []
        for n in range(50):
            f = VideoFrame(640, 480, "yuv420p")
            f.pts = n
            frames.append(f)
        for f in frames:  # all offered before the first conversion can finish
            slot.offer(f)
        while slot.image is None or slot.image.pts != 49:
            ready.clear()
            await asyncio.wait_for(ready.wait(), 5)
        converted, offered = slot.converted, slot.offered
        slot.close()
        return converted, offered, slot.image.pts

    converted, offered, pts = qt_run(scenario())
    assert offered == 50
    assert converted <= 3  # the first, maybe one in between, and the newest
    assert pts == 49


def test_a_conversion_in_flight_when_cleared_never_comes_back(qt_run: Run) -> None:
    """A dropped call clears its picture; the frame still converting must not repaint it."""

    async def scenario() -> tuple[bool, int | None]:
        ready = asyncio.Event()
        gate = threading.Event()
        slot = LatestFrame(on_ready=ready.set)
        slot._executor.submit(gate.wait)  # the converter is busy: the next frame waits in line
        old = VideoFrame(320, 240, "yuv420p")
        old.pts = 1
        slot.offer(old)
        slot.clear()  # the call dropped while that frame was converting
        gate.set()
        await asyncio.sleep(0.3)
        stale = slot.image is not None
        new = VideoFrame(320, 240, "yuv420p")
        new.pts = 2
        slot.offer(new)  # a frame after the clear is shown as usual
        await asyncio.wait_for(ready.wait(), 5)
        pts = slot.image.pts if slot.image is not None else None
        slot.close()
        return stale, pts

    stale, pts = qt_run(scenario())
    assert not stale
    assert pts == 2


async def _take(track: Any, count: int) -> list[Any]:
    return [await track.recv() for _ in range(count)]


def test_synthetic_video_is_paced_and_carries_its_frame_number(qt_run: Run) -> None:
    log: dict[int, float] = {}
    track = SyntheticVideoTrack(640, 480, 30, capture_log=log)

    async def scenario() -> tuple[list[VideoFrame], float]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        frames = await _take(track, 16)
        return frames, loop.time() - start

    frames, took = qt_run(scenario())
    assert 0.4 < took < 1.0  # 15 intervals of 1/30 s
    assert [f.pts for f in frames[:3]] == [0, 3000, 6000]
    assert sorted(log) == list(range(16))
    for n, frame in enumerate(frames):
        assert glyphs.read_code(frame.to_ndarray(format="bgra")) == n


def test_tone_track_gives_20ms_mono_frames(qt_run: Run) -> None:
    frames: list[AudioFrame] = qt_run(_take(ToneAudioTrack(440), 3))
    assert [f.samples for f in frames] == [960, 960, 960]
    assert frames[1].pts == 960 and frames[0].sample_rate == 48_000
    assert np.abs(frames[0].to_ndarray()).max() > 1000


def test_gated_tracks_blank_video_and_silence_audio_keeping_timestamps(qt_run: Run) -> None:
    video = GatedTrack(SyntheticVideoTrack(320, 240, 30))
    audio = GatedTrack(ToneAudioTrack(440))

    async def scenario() -> tuple[Any, ...]:
        live = await video.recv(), await audio.recv()
        video.enabled = audio.enabled = False
        blank = await video.recv(), await audio.recv()
        video.stop()
        audio.stop()
        return live + blank

    live_v, live_a, black, silent = qt_run(scenario())
    assert live_v.to_ndarray(format="gray").mean() > 60
    assert black.to_ndarray(format="gray").max() <= 20
    assert black.pts == 3000
    assert np.abs(live_a.to_ndarray()).max() > 1000
    assert not silent.to_ndarray().any() and silent.pts == 960
