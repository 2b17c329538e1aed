"""Child process for the kill tests: records synthetic media until it is killed (SIGKILL).

An optional second argument is the sidecar metadata as JSON (as a call gives it)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from officer_console.video.recorder import EvidenceRecorder, RecordingLayout
from officer_console.video.synthetic import SyntheticVideoTrack, ToneAudioTrack


async def main(path: Path, metadata: dict[str, object]) -> None:
    layout = RecordingLayout(tile_width=320, tile_height=240)
    recorder = EvidenceRecorder(path, layout, metadata=metadata)
    recorder.start()
    sources = {
        "citizen": (SyntheticVideoTrack(640, 480, label="CITIZEN"), ToneAudioTrack(330)),
        "officer": (SyntheticVideoTrack(320, 240), ToneAudioTrack(550)),
    }

    async def pump(side: str, track: SyntheticVideoTrack | ToneAudioTrack) -> None:
        while True:
            recorder.push(side, await track.recv())

    tasks = [asyncio.create_task(pump(s, t)) for s, pair in sources.items() for t in pair]
    print("RECORDING", flush=True)
    await asyncio.gather(*tasks)


def record_until_killed(
    path: Path, seconds: float, metadata: dict[str, object] | None = None
) -> None:
    """Run this file as a child, let it record ``seconds``, then SIGKILL it."""
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, __file__, str(path), json.dumps(metadata or {})],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"RECORDING"
        time.sleep(seconds)
        assert child.poll() is None, "the recorder died on its own"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}))
