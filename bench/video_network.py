"""Issue 23 figures: the pane and headless Chromium on a phone's network (tests/support/impair.py).

Per condition — 2 % loss + 80 ± 20 ms jitter; 300 ms round trip; a 500 kbit/s cap; a 3 s
outage; the citizen's address changing — one run with the pane receiving (a synthetic citizen
→ the console's CallSession → the real VideoPane, recording on) and one with headless Chromium
receiving the console's synthetic stream (bench/_chromium_network.py), each through the same
seeded forwarder. Printed per receiver: frozen-frame time per minute (intervals longer than
max(3 × the median, 200 ms)), painted fps, p95 capture → paint latency, time to recover after
the outage / address change (event end → first new picture), audio frames lost (20 ms; the
pane: not played, Chromium: concealed), and the sender's offered bitrate during the last half
(must settle under the 500 kbit/s cap). Then the pane's CPU (this process; the synthetic
citizen's encoder runs here too) with recording off and on, under the loss condition.

``python bench/video_network.py [--seconds 20] [--no-chromium]``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _chromium_network import measure_impaired
from _common import median, pct
from PySide6.QtWidgets import QApplication

from officer_console.gui.call.video_pane import VideoPane
from officer_console.gui.shell import fonts
from officer_console.video import glyphs
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.frames import FrameImage
from officer_console.video.media import LocalMedia, MediaConfig
from officer_console.video.recorder import EvidenceRecorder, RecordingLayout
from officer_console.video.session import CallSession, CallState
from officer_console.video.signaling import LoopbackSignaling
from tests.support import chromium
from tests.support.impair import ImpairedSignaling, Impairer, frozen_time

WARMUP_S = 3.0
EVENT_AT = 6.0  # seconds into the measurement: the outage starts / the address changes
Condition = Callable[[Impairer], Awaitable[float | None]]


async def _loss(net: Impairer) -> None:
    net.conditions.loss, net.conditions.delay_ms, net.conditions.jitter_ms = 0.02, 80, 20


async def _rtt(net: Impairer) -> None:
    net.conditions.delay_ms = 150  # each way


async def _cap(net: Impairer) -> None:
    net.conditions.rate_kbps = 500


async def _outage(net: Impairer) -> float:
    await asyncio.sleep(EVENT_AT)
    await net.outage(3.0)
    return time.monotonic()


async def _address(net: Impairer) -> float:
    await asyncio.sleep(EVENT_AT)
    net.change_address()
    return time.monotonic()


CONDITIONS: dict[str, Condition] = {
    "2% loss, 80±20 ms jitter": _loss,
    "300 ms round trip": _rtt,
    "500 kbit/s cap": _cap,
    "3 s outage": _outage,
    "address change": _address,
}


def figures(
    frames: list[tuple[float, float]],
    shown: list[float],
    start: float,
    end: float,
    event: float | None,
) -> dict[str, float]:
    minutes = (end - start) / 60
    latencies = [(s - c) * 1000 for c, s in frames if start <= s <= end]
    # Recovered = the first picture *captured* after the event ended is on screen.
    fresh = [s for c, s in frames if event is not None and c >= event]
    recover = min(fresh) - event if fresh and event is not None else float("nan")
    window = [start, *(s for s in shown if start <= s <= end), end]  # a trailing freeze counts
    return {
        "frozen": frozen_time(window) / minutes,
        "fps": len([s for s in shown if start <= s <= end]) / (end - start),
        "p95": pct(latencies, 95),
        "p50": median(latencies),
        "recover": recover if event else float("nan"),
    }


async def pane_run(step: Condition, seconds: float, *, record: bool, seed: int) -> dict[str, Any]:
    captured: dict[int, float] = {}
    frames: list[tuple[float, float]] = []
    shown: list[float] = []

    def painted(image: FrameImage) -> None:
        now = time.monotonic()
        shown.append(now)
        t0 = captured.get(glyphs.read_code(image.array))
        if t0 is not None:
            frames.append((t0, now))

    net = Impairer(seed)
    tmp = Path(tempfile.mkdtemp(prefix="oc-bench-net-"))
    recorder = EvidenceRecorder(tmp / "net.mp4", RecordingLayout()) if record else None
    if recorder is not None:
        await asyncio.to_thread(recorder.start)
    console_end, citizen_end = LoopbackSignaling.pair()
    session = CallSession(
        ImpairedSignaling(console_end, net), LocalMedia(MediaConfig()), recorder=recorder
    )
    citizen = SyntheticCitizen(citizen_end, capture_log=captured, rejoin_after=2.0)
    pane = VideoPane()
    pane.resize(960, 720)
    pane.show()
    pane.attach(session)
    pane.view.frame_painted = painted
    heard: list[int] = []
    try:
        await session.start()
        await citizen.join()
        while session.state != CallState.CONNECTED or session.remote_video.converted < 5:
            await asyncio.sleep(0.05)
        await asyncio.sleep(WARMUP_S)
        session.audio_sink = lambda frame: heard.append(frame.samples)
        start, cpu0 = time.monotonic(), time.process_time()
        event = await step(net)
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - start)))
        end = time.monotonic()
        cpu = (time.process_time() - cpu0) / (end - start) * 100
        session.audio_sink = None
    finally:
        await session.close()
        await citizen.close()
        pane.detach()
        pane.close()
        pane.deleteLater()
        net.close()
        shutil.rmtree(tmp, ignore_errors=True)
    out: dict[str, Any] = figures(frames, shown, start, end, event)
    out["audio_lost"] = max(0.0, (end - start) / 0.02 - sum(heard) / 960)
    out["kbps"] = net.stats["a->b"].kbps(start + (end - start) / 2, end, offered=True)
    out["cpu"] = cpu
    out["rejoins"] = citizen.rejoins
    return out


async def chromium_run(step: Condition, seconds: float, *, seed: int) -> dict[str, Any]:
    net = Impairer(seed)
    try:
        raw = await measure_impaired(
            net, step, width=640, height=480, seconds=seconds, warmup=WARMUP_S
        )
    finally:
        net.close()
    out: dict[str, Any] = figures(
        raw["frames"], raw["shown"], raw["start"], raw["end"], raw["event"]
    )
    out["audio_lost"] = raw["audio_lost"]
    mid = raw["start"] + (raw["end"] - raw["start"]) / 2
    out["kbps"] = net.stats["b->a"].kbps(mid, raw["end"], offered=True)
    out["cpu"] = float("nan")
    out["rejoins"] = raw["restarts"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-chromium", action="store_true")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    fonts.apply_cjk_font(app)
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    rows: list[tuple[str, str, dict[str, Any]]] = []
    loop.run_until_complete(pane_run(_rtt, 5, record=False, seed=99))  # warm-up, not counted
    for i, (name, step) in enumerate(CONDITIONS.items()):
        gc.collect()
        rows.append(
            (
                name,
                "pane",
                loop.run_until_complete(pane_run(step, args.seconds, record=True, seed=i + 1)),
            )
        )
        print(f"  done: {name}, pane", flush=True)
        if not args.no_chromium and chromium.available():
            rows.append(
                (
                    name,
                    "Chromium",
                    loop.run_until_complete(chromium_run(step, args.seconds, seed=i + 1)),
                )
            )
            print(f"  done: {name}, Chromium", flush=True)
    gc.collect()
    off = loop.run_until_complete(pane_run(_loss, args.seconds, record=False, seed=1))
    loop.close()
    head = (
        f"{'condition':<28}{'receiver':<10}{'frozen s/min':>13}{'fps':>6}{'p50 ms':>8}"
        f"{'p95 ms':>8}{'recover s':>10}{'audio lost':>11}{'send kbit/s':>12}{'renegot.':>9}"
    )
    print(head)
    print("-" * len(head))
    for name, who, r in rows:
        print(
            f"{name:<28}{who:<10}{r['frozen']:>13.2f}{r['fps']:>6.1f}{r['p50']:>8.0f}"
            f"{r['p95']:>8.0f}{r['recover']:>10.2f}{r['audio_lost']:>11.0f}{r['kbps']:>12.0f}"
            f"{r['rejoins']:>9}"
        )
    on = rows[0][2]
    print(
        f"\npane CPU under 2% loss (this process, synthetic citizen included): recording off "
        f"{off['cpu']:.0f} %, on {on['cpu']:.0f} % of one core"
    )
    print("send kbit/s: the sender's offered rate over the last half of the run (cap: 500)")
    print(f"load average during the bench: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
