"""TURN: a real coturn configured by docs/operations.md; the citizen may only use the relay.

A phone whose network allows nothing but the TURN server (relay-only candidates) still gets
its call connected and recorded. The aiortc citizen here; Chromium in test_browser_network.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest

from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.media import LocalMedia, MediaConfig
from officer_console.video.recorder import EvidenceRecorder, RecordingLayout
from officer_console.video.recording_files import read_sidecar
from officer_console.video.session import CallSession, CallState
from officer_console.video.signaling import LoopbackSignaling
from tests.support import turn
from tests.support.impair import local_address
from tests.support.qtloop import until

Run = Callable[..., Any]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not turn.available(), reason="needs coturn (scripts/setup.sh)"),
]


def test_the_documented_configuration_is_the_tested_one(tmp_path: Path) -> None:
    config = turn.config_for("192.0.2.2", 40000, "u", "p", tmp_path)
    documented = turn.documented_config()
    for line in ("lt-cred-mech", "fingerprint", "no-multicast-peers", "denied-peer-ip=10."):
        assert line in documented and line in config
    assert "cert=" not in config and "listening-port=40000" in config


def test_relay_only_citizen_connects_and_is_recorded(qt_run: Run, tmp_path: Path) -> None:
    host = local_address()
    with turn.running_turn(host) as server:

        async def scenario() -> dict[str, Any]:
            console_end, citizen_end = LoopbackSignaling.pair()
            recorder = EvidenceRecorder(tmp_path / "turn.mp4", RecordingLayout(320, 240, 15))
            await asyncio.to_thread(recorder.start)
            session = CallSession(
                console_end,
                LocalMedia(MediaConfig(width=320, height=240)),
                ice_servers=[server.url],
                recorder=recorder,
            )
            citizen = SyntheticCitizen(
                citizen_end, width=320, height=240, ice_servers=[server.url], relay_only=True
            )
            try:
                await session.start()
                await citizen.join()
                await until(lambda: session.state == CallState.CONNECTED, 30)
                await until(lambda: session.remote_video.converted >= 30, 20)
                await until(lambda: citizen.received["video"] >= 30, 20)
                assert citizen.pc is not None
                sdp = citizen.pc.localDescription.sdp
                kinds = {
                    line.split(" typ ")[1].split()[0]
                    for line in sdp.splitlines()
                    if line.startswith("a=candidate:")
                }
                await asyncio.sleep(1.0)
            finally:
                await session.close()
                await citizen.close()
            return {"kinds": kinds}

        seen = qt_run(scenario(), 90)
    assert seen["kinds"] == {"relay"}  # the citizen offered nothing but the relay
    sidecar = read_sidecar(tmp_path / "turn.mp4")
    assert sidecar is not None and sidecar["status"] == "closed"
    with av.open(str(tmp_path / "turn.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) >= 15
