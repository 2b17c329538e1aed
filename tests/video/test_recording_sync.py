"""Audio and video of each side line up in the evidence recording (measured, not assumed).

Each side is a synthetic source whose picture turns white and whose sound beeps at the same
instants of one capture clock (``Pulses``). Both are fed to the real ``EvidenceRecorder`` the
way the call session does (a task per track pushing frames as they come), the file is decoded
with PyAV, and every flash found in a side's half of the picture is compared with the beep
onset found in the mixed sound. The two sides pulse at different instants, so each beep is
attributed to its side by time alone.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from av import AudioFrame, VideoFrame
from numpy.typing import NDArray

from officer_console.video.compositor import SIDES
from officer_console.video.recorder import EvidenceRecorder, RecordingLayout
from officer_console.video.synthetic import Pulses, SourceClock, SyntheticVideoTrack, ToneAudioTrack

pytestmark = pytest.mark.realtime  # measured in real time: alone after the parallel run (Makefile)

Run = Callable[..., Any]
FPS = 30
LAYOUT = RecordingLayout(tile_width=320, tile_height=240, fps=FPS)
RECORD_S = 5.0
SHIFT_S = 0.215  # how late the citizen's source starts (its own capture clock)
# Pulses start on whole source frames. The officer's camera runs at the recording's rate, the
# citizen's phone at 25 fps, so its flashes fall at every phase of the recorder's ticks; the
# citizen's pulses come ~0.4 s after the officer's, and its frames reach the recorder with
# network-like jitter (each track on its own, order kept).
SOURCES = {
    "officer": (30, Pulses(first=15 / 30, every=23 / 30, frequency=1000.0), 0.0),
    "citizen": (25, Pulses(first=17 / 25, every=19 / 25, frequency=1500.0), 0.05),
}
LIMIT_S = 1 / FPS  # one video frame


async def _record(recorder: EvidenceRecorder, seconds: float) -> None:
    rng = random.Random(7)

    async def pump(side: str, track: SyntheticVideoTrack | ToneAudioTrack, jitter: float) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, VideoFrame | AudioFrame]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, frame = await queue.get()
                await asyncio.sleep(max(0.0, due - loop.time()))
                recorder.push(side, frame)

        delivery = asyncio.create_task(deliver())
        try:
            while True:
                frame = await track.recv()
                queue.put_nowait((loop.time() + rng.uniform(0, jitter), frame))
        finally:
            delivery.cancel()

    async def side_source(side: str, delay: float) -> None:
        await asyncio.sleep(delay)
        fps, pulses, jitter = SOURCES[side]
        clock = SourceClock()
        video = SyntheticVideoTrack(640, 480, fps, label=side, clock=clock, pulses=pulses)
        audio = ToneAudioTrack(clock=clock, pulses=pulses)
        await asyncio.gather(pump(side, video, jitter), pump(side, audio, jitter))

    tasks = [
        asyncio.create_task(side_source("officer", 0.0)),
        asyncio.create_task(side_source("citizen", SHIFT_S)),
    ]
    try:
        await asyncio.sleep(seconds)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _rising(times: NDArray[np.float64], on: NDArray[np.bool_], quiet: float) -> list[float]:
    """Instants where ``on`` becomes true after at least ``quiet`` seconds off."""
    found: list[float] = []
    last_on = -np.inf
    for t, value in zip(times, on, strict=True):
        if value:
            if t - last_on > quiet:
                found.append(float(t))
            last_on = t
    return found


def flashes(path: Path) -> dict[str, list[float]]:
    """Per side, the presentation time of each first white picture of a flash."""
    times: list[float] = []
    lumas: dict[str, list[float]] = {side: [] for side in SIDES}
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            y = frame.to_ndarray(format="gray")
            h, w = y.shape
            times.append(float(frame.time or 0.0))
            for index, side in enumerate(SIDES):  # citizen left, officer right
                tile = y[h // 4 : h * 3 // 4, index * w // 2 : (index + 1) * w // 2]
                tile = tile[:, tile.shape[1] // 8 : tile.shape[1] * 7 // 8]
                lumas[side].append(float(tile.mean()))
    t = np.asarray(times)
    # A flash cut short by the end of the recording may have lost its beep: skip it.
    usable = t < t[-1] - 0.3
    return {side: _rising(t[usable], np.asarray(lumas[side])[usable] > 200, 0.3) for side in SIDES}


def beeps(path: Path) -> list[float]:
    """Onset times of the beeps in the mixed sound (1 ms envelope crossing a third of peak)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        parts: list[tuple[float, NDArray[np.float64]]] = []
        for frame in container.decode(stream):
            data = frame.to_ndarray().astype(np.float64).reshape(-1)
            parts.append((float(frame.time or 0.0), data))
    start = parts[0][0]
    total = round((parts[-1][0] - start) * rate) + len(parts[-1][1])
    sound = np.zeros(total)
    for at, data in parts:  # placed by their timestamps, as a player does
        first = round((at - start) * rate)
        sound[first : first + len(data)] = data[: max(0, total - first)]
    bin_len = rate // 1000
    bins = len(sound) // bin_len
    envelope = np.abs(sound[: bins * bin_len]).reshape(bins, bin_len).max(axis=1)
    times = start + np.arange(bins) * bin_len / rate
    return _rising(times, envelope > envelope.max() / 3, 0.1)


def offsets(path: Path) -> dict[str, list[float]]:
    """Per side: audio onset minus video flash (s) for every flash; positive = audio late."""
    onsets = np.asarray(beeps(path))
    result: dict[str, list[float]] = {}
    for side, seen in flashes(path).items():
        result[side] = [float(onsets[np.abs(onsets - t).argmin()] - t) for t in seen]
    return result


def test_audio_and_video_of_each_side_are_aligned_within_one_frame(
    tmp_path: Path, qt_run: Run
) -> None:
    path = tmp_path / "sync.mp4"
    recorder = EvidenceRecorder(path, LAYOUT)
    recorder.start()
    qt_run(_record(recorder, RECORD_S))
    recorder.stop()

    measured = offsets(path)
    report = {side: [round(o * 1000, 1) for o in values] for side, values in measured.items()}
    print(f"audio - video offsets (ms): {report}")
    for side in SIDES:
        values = measured[side]
        assert len(values) >= 5, f"{side}: too few flashes found: {report}"
        assert max(abs(v) for v in values) <= LIMIT_S, f"{side} out of sync: {report}"
