"""Issue 6 figures: a peer on loopback → the console's CallSession → the real VideoPane.

At 640x480 and 1280x720, 30 fps, recording off and on (each run ~10 s, offscreen): painted
frame rate, capture → paint latency p50/p95 (every synthetic frame carries its number as a
block code; the bench keeps number → capture time), GUI-loop lag p99 (a 5 ms timer's
lateness), CPU (process time / wall; 100 % = one core). Targets: ≥ 29.5 fps painted,
p95 ≤ 60 ms, loop lag p99 ≤ 10 ms.

Audio runs as at a workstation: the bench starts a private PulseAudio server (as the tests do)
and the console plays the citizen's sound on its default sink (a null sink) and captures its
microphone (the sink's monitor) through QtMultimedia; speaker frames (20 ms) played / dropped
while measuring are printed. Without PulseAudio (``--no-audio``) the speaker is silent and the microphone a tone.

``python bench/video.py [--seconds N] [--screenshot PATH]``; the screenshot (default
docs/screenshots/video_pane.png) is the pane during the last run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _chromium_receiver import measure
from _common import ROOT, median, pct
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from officer_console.gui.call.video_pane import VideoPane
from officer_console.gui.shell import fonts
from officer_console.video import glyphs, recovery
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.frames import FrameImage
from officer_console.video.media import LocalMedia, MediaConfig
from officer_console.video.recorder import EvidenceRecorder, RecordingLayout
from officer_console.video.session import CallSession, CallState
from officer_console.video.signaling import LoopbackSignaling
from tests.support import chromium
from tests.support.pulse import PulseServer, PulseUnavailable, start_pulse

WARMUP_S = 2.0
# Where a painted frame's time went, capture → paint (each from the previous mark):
STAGES = (
    "send+network+jitter buffer",  # citizen encodes, loopback, our buffer releases the frame
    "decode",  # aiortc's decoder thread → track queue → the session's consumer on the loop
    "colour conversion",  # YUV → BGRA QImage on the converter thread
    "hand-over to GUI thread",  # the converter's result back on the loop (= GUI thread)
    "paint",  # update() → paintEvent drew it
)


class Heartbeat(QObject):
    """Lateness of each 5 ms tick (ms): how long the GUI thread / event loop was busy."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._beat)
        self.lags: list[float] = []
        self.last = time.perf_counter()

    def start(self) -> None:
        self.lags.clear()
        self.last = time.perf_counter()
        self.timer.start()

    def _beat(self) -> None:
        now = time.perf_counter()
        self.lags.append(max(0.0, (now - self.last) * 1000 - 5))
        self.last = now


@dataclass
class Figures:
    label: str
    fps: float
    p50: float
    p95: float
    lag_p99: float
    cpu: float
    dropped: int = 0
    late_ticks: int = 0
    speaker: str = "-"  # frames played / dropped on the speaker
    stages: dict[str, tuple[float, float]] = field(default_factory=dict)  # name → p50, p95

    def ok(self) -> bool:
        return self.fps >= 29.5 and self.p95 <= 60 and self.lag_p99 <= 10


async def run_one(
    width: int, height: int, record: bool, seconds: float, *, shot: Path | None, audio: bool
) -> Figures:
    captured: dict[int, float] = {}
    latencies: list[float] = []
    stages: dict[str, list[float]] = {name: [] for name in STAGES}
    measuring = False

    def painted(image: FrameImage) -> None:
        if not measuring:
            return
        now = time.monotonic()
        n = glyphs.read_code(image.array)
        t0 = captured.get(n)
        if t0 is None:
            return
        latencies.append((now - t0) * 1000)
        released = recovery.released_at(session.recovery, image.pts)
        handed = session.remote_video.handed_at
        if released is None or session.remote_video.image is not image:
            return
        marks = (t0, released, image.arrived, image.ready, handed, now)
        for name, (a, b) in zip(STAGES, itertools.pairwise(marks), strict=True):
            stages[name].append((b - a) * 1000)

    console_end, citizen_end = LoopbackSignaling.pair()
    tmp = Path(tempfile.mkdtemp(prefix="oc-bench-video-"))
    recorder = EvidenceRecorder(tmp / "bench.mp4", RecordingLayout()) if record else None
    if recorder is not None:
        await asyncio.to_thread(recorder.start)
    devices = {"speaker": "", "microphone": ""} if audio else {}  # "" = system default
    media = LocalMedia(MediaConfig(width=640, height=480, **devices))
    session = CallSession(console_end, media, recorder=recorder)
    citizen = SyntheticCitizen(citizen_end, width=width, height=height, capture_log=captured)
    pane = VideoPane()
    pane.resize(1360, 900)  # 720p is painted close to its own size
    pane.show()
    pane.attach(session)
    pane.view.frame_painted = painted
    beat = Heartbeat()
    try:
        await session.start()
        await citizen.join()
        while session.state != CallState.CONNECTED or session.remote_video.converted < 5:
            await asyncio.sleep(0.05)
        await asyncio.sleep(WARMUP_S)
        measuring = True
        beat.start()
        frames0, wall0, cpu0 = pane.view.frames_painted, time.perf_counter(), time.process_time()
        speaker = media.speaker
        played0, dropped0 = (speaker.frames_played, speaker.frames_dropped) if speaker else (0, 0)
        await asyncio.sleep(seconds - WARMUP_S)
        wall = time.perf_counter() - wall0
        cpu = (time.process_time() - cpu0) / wall * 100
        fps = (pane.view.frames_painted - frames0) / wall
        heard = (
            f"{speaker.frames_played - played0}/{speaker.frames_dropped - dropped0}"
            if speaker
            else "-"
        )
        beat.timer.stop()
        if shot is not None:
            shot.parent.mkdir(parents=True, exist_ok=True)
            pane.resize(960, 640)
            await asyncio.sleep(0.3)
            pane.grab().save(str(shot))
    finally:
        await session.close()
        await citizen.close()
        pane.detach()
        pane.close()
        pane.deleteLater()
        shutil.rmtree(tmp, ignore_errors=True)
    result = session.recording
    label = f"{width}x{height} recording {'on ' if record else 'off'}"
    breakdown = {name: (median(v), pct(v, 95)) for name, v in stages.items() if v}
    return Figures(
        label,
        fps,
        median(latencies),
        pct(latencies, 95),
        pct(beat.lags, 99),
        cpu,
        result.dropped if result else 0,
        result.late_ticks if result else 0,
        heard,
        breakdown,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--screenshot", type=Path, default=ROOT / "docs" / "screenshots" / "video_pane.png"
    )
    parser.add_argument("--no-chromium", action="store_true", help="skip the browser figures")
    parser.add_argument("--repeat", type=int, default=3, help="side-by-side rounds vs Chromium")
    parser.add_argument("--no-audio", action="store_true", help="no PulseAudio: silent speaker")
    args = parser.parse_args()
    pulse: PulseServer | None = None
    if not args.no_audio:
        try:  # before QtMultimedia reads its device lists
            pulse = start_pulse()
            os.environ["PULSE_SERVER"] = pulse.address
        except PulseUnavailable as exc:
            print(f"no PulseAudio ({exc}): silent speaker, tone microphone", flush=True)
    try:
        return _bench(args, pulse is not None)
    finally:
        if pulse is not None:
            pulse.stop()


def _bench(args: argparse.Namespace, audio: bool) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    fonts.apply_cjk_font(app)
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    runs = [(640, 480, False), (640, 480, True), (1280, 720, False), (1280, 720, True)]
    results: list[Figures] = []
    for i, (w, h, recording) in enumerate(runs):
        shot = args.screenshot if i == len(runs) - 1 else None
        gc.collect()
        results.append(
            loop.run_until_complete(run_one(w, h, recording, args.seconds, shot=shot, audio=audio))
        )
        print(f"  done: {results[-1].label}", flush=True)
    browser: list[tuple[str, dict[str, float]]] = []
    pairs: dict[str, list[tuple[Figures, dict[str, float]]]] = {}
    if not args.no_chromium and chromium.available():
        for round_ in range(args.repeat):
            for w, h in ((640, 480), (1280, 720)):
                size = f"{w}x{h}"
                pane = next(f for f in results if f.label == f"{size} recording off")
                if round_:  # the first round's pane run is above; later rounds alternate too
                    gc.collect()
                    pane = loop.run_until_complete(
                        run_one(w, h, False, args.seconds, shot=None, audio=audio)
                    )
                figures = loop.run_until_complete(measure(w, h, args.seconds, WARMUP_S))
                browser.append((size, figures))
                pairs.setdefault(size, []).append((pane, figures))
                print(f"  done: round {round_ + 1}, pane and Chromium {size}", flush=True)
    loop.close()
    head = (
        f"{'run':<28}{'fps':>7}{'p50 ms':>8}{'p95 ms':>8}{'lag p99':>9}{'CPU %':>7}"
        f"  rec drop/late  speaker play/drop  ok"
    )
    print(head)
    print("-" * len(head))
    for f in results:
        rec = f"{f.dropped}/{f.late_ticks}" if "on" in f.label.split()[-1] else "-"
        print(
            f"{f.label:<28}{f.fps:>7.1f}{f.p50:>8.1f}{f.p95:>8.1f}{f.lag_p99:>9.1f}"
            f"{f.cpu:>7.0f}  {rec:>13}  {f.speaker:>17}  {'yes' if f.ok() else 'NO'}"
        )
    for size in ("640x480", "1280x720"):
        off = next(f for f in results if f.label.startswith(size) and f.label.endswith("off"))
        on = next(f for f in results if f.label.startswith(size) and not f.label.endswith("off"))
        print(f"recording CPU cost at {size}: +{on.cpu - off.cpu:.0f} % of one core")
    print("targets: ≥ 29.5 fps painted, p95 ≤ 60 ms, loop lag p99 ≤ 10 ms")
    print("\nwhere the pane's time goes per frame, p50 / p95 ms (capture → paint):")
    print(f"{'stage':<30}" + "".join(f"{f.label:>24}" for f in results))
    for name in STAGES:
        cells = "".join(
            f"{f.stages[name][0]:>15.1f} / {f.stages[name][1]:>5.1f}" if name in f.stages else ""
            for f in results
        )
        print(f"{name:<30}{cells}")
    if browser:
        print("\nheadless Chromium receiving the console's synthetic stream (VP8, loopback):")
        print(f"{'sent':<12}{'received':>12}{'fps':>7}{'p50 ms':>8}{'p95 ms':>8}")
        for label, b in browser:
            got = f"{b['width']:.0f}x{b['height']:.0f}"
            print(f"{label:<12}{got:>12}{b['fps']:>7.1f}{b['p50']:>8.1f}{b['p95']:>8.1f}")
        print("(capture → expectedDisplayTime of requestVideoFrameCallback)")
        print(
            f"\npane vs Chromium, median of {args.repeat} side-by-side runs (goal: ratios ≤ 1.0):"
        )
        print(
            f"{'size':<12}{'pane p50/p95':>16}{'Chromium p50/p95':>20}{'ratio p50':>11}{'p95':>7}"
        )
        for size, runs_ in pairs.items():
            p50, p95 = median([p.p50 for p, _ in runs_]), median([p.p95 for p, _ in runs_])
            c50, c95 = median([c["p50"] for _, c in runs_]), median([c["p95"] for _, c in runs_])
            print(
                f"{size:<12}{p50:>8.1f} / {p95:>5.1f}{c50:>12.1f} / {c95:>5.1f}"
                f"{p50 / c50:>11.2f}{p95 / c95:>7.2f}"
            )
    print(f"load average during the bench: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if all(f.ok() for f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
