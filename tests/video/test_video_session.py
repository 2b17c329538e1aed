"""Console call session ↔ an in-process aiortc "citizen", connected by loopback signaling."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.media import LocalMedia, MediaConfig
from officer_console.video.recorder import EvidenceRecorder, RecordingLayout
from officer_console.video.session import CallSession, CallState, ice_server
from officer_console.video.signaling import LoopbackSignaling
from tests.support.qtloop import until

Run = Callable[..., Any]
C = CallState


def make_call(**kwargs: Any) -> tuple[CallSession, SyntheticCitizen]:
    console_end, citizen_end = LoopbackSignaling.pair()
    media = LocalMedia(MediaConfig(width=320, height=240))
    return CallSession(console_end, media, **kwargs), SyntheticCitizen(citizen_end)


@contextlib.asynccontextmanager
async def running(session: CallSession, citizen: SyntheticCitizen) -> AsyncIterator[None]:
    """Start the console side; whatever happens, both peers are closed afterwards."""
    try:
        await session.start()
        yield
    finally:
        await session.close()
        await citizen.close()


def test_frames_and_audio_flow_both_ways_and_shutdown_is_clean(qt_run: Run) -> None:
    session, citizen = make_call()

    async def scenario() -> dict[str, Any]:
        async with running(session, citizen):
            await citizen.join()
            await until(lambda: session.remote_video.converted >= 20)
            await until(lambda: citizen.received["video"] >= 20 and citizen.received["audio"] >= 25)
            await until(lambda: session.stats.fps > 0, 5)
            seen: dict[str, Any] = {
                "audio_in": session.stats.audio_frames,
                "remote": session.remote_video.image,
                "local": session.local_video.image,
                "stats": session.stats,
            }
            started = time.monotonic()
            await session.close()
            seen["close_s"] = time.monotonic() - started
            return seen

    seen = qt_run(scenario())
    assert session.history == [C.IDLE, C.CONNECTING, C.CONNECTED, C.CLOSED]
    assert seen["audio_in"] > 0
    assert (seen["remote"].width, seen["remote"].height) == (640, 480)
    assert (seen["local"].width, seen["local"].height) == (320, 240)
    assert seen["stats"].resolution == "640x480"
    assert seen["close_s"] < 5
    assert session.pc is None and session.peers_opened == 1


def test_close_is_idempotent_and_safe_before_any_offer(qt_run: Run) -> None:
    session, citizen = make_call()

    async def scenario() -> None:
        async with running(session, citizen):
            await asyncio.gather(session.close(), session.close())
            await session.close()

    qt_run(scenario())
    assert session.history == [C.IDLE, C.CONNECTING, C.CLOSED]


def test_mute_and_camera_off_reach_the_citizen_as_silence_and_black(qt_run: Run) -> None:
    session, citizen = make_call()
    grabbed: dict[str, Any] = {}

    async def scenario() -> None:
        async with running(session, citizen):
            await citizen.join()
            await until(lambda: citizen.received["video"] >= 5)
            session.set_muted(True)
            session.set_camera_off(True)
            await asyncio.sleep(1.0)  # frames already in flight pass first
            grabbed["local"] = session.local_video.image
            grabbed["video"], grabbed["audio"] = citizen.last["video"], citizen.last["audio"]
            session.set_muted(False)
            await asyncio.sleep(0.6)
            grabbed["unmuted"] = citizen.last["audio"]
            await session.close()

    qt_run(scenario())
    assert session.media.camera_off and not session.media.muted
    assert grabbed["local"].array[..., :3].max() <= 24  # the self-view shows what is sent
    assert grabbed["video"].to_ndarray(format="gray").max() <= 40
    assert np.abs(grabbed["audio"].to_ndarray()).max() < 100
    assert np.abs(grabbed["unmuted"].to_ndarray()).max() > 1000


def test_drop_and_rejoin_opens_a_new_peer_connection_and_marks_the_gap(
    qt_run: Run, tmp_path: Path
) -> None:
    recorder = EvidenceRecorder(tmp_path / "call.mp4", RecordingLayout(320, 240, 15))
    recorder.start()
    session, citizen = make_call(recorder=recorder)
    first_pc: list[Any] = []

    async def scenario() -> None:
        async with running(session, citizen):
            await citizen.join()
            await until(lambda: session.state == C.CONNECTED)
            first_pc.append(session.pc)
            await until(lambda: session.remote_video.converted >= 5)
            await citizen.drop()  # the phone vanishes
            await until(lambda: session.state == C.FAILED)
            assert session.remote_video.image is None  # no frozen last picture
            await asyncio.sleep(0.5)
            converted = session.remote_video.converted
            await citizen.join()  # re-join with a fresh code → a new offer
            await until(lambda: session.state == C.CONNECTED)
            await until(lambda: session.remote_video.converted > converted + 5)
            await session.close()

    qt_run(scenario())
    assert session.history == [
        C.IDLE,
        C.CONNECTING,
        C.CONNECTED,
        C.FAILED,
        C.CONNECTING,
        C.CONNECTED,
        C.CLOSED,
    ]
    assert session.peers_opened == 2
    assert first_pc[0].connectionState == "closed"
    result = session.recording
    assert result is not None
    assert [(g.side, g.reason) for g in result.gaps] == [("citizen", "closed")]
    gap = result.gaps[0]
    assert gap.end_s is not None and gap.end_s - gap.start_s >= 0.5
    with av.open(str(result.path)) as container:
        decoded = sum(1 for _ in container.decode(video=0))
    assert decoded == result.video_frames and decoded > 5


def test_media_stall_without_any_goodbye_counts_as_a_drop(qt_run: Run) -> None:
    session, citizen = make_call(stall_timeout=1.0, stats_interval=0.2)

    async def scenario() -> float:
        async with running(session, citizen):
            await citizen.join()
            await until(lambda: session.state == C.CONNECTED)
            await until(lambda: session.remote_video.converted >= 3)
            assert citizen.pc is not None
            for sender in citizen.pc.getSenders():  # network gone: nothing arrives any more
                sender.replaceTrack(None)
            started = time.monotonic()
            await until(lambda: session.state == C.FAILED, 5)
            took = time.monotonic() - started
            await session.close()
            return took

    took = qt_run(scenario())
    assert took < 3
    assert C.FAILED in session.history


def test_citizen_goodbye_ends_the_connection_and_other_messages_pass_through(
    qt_run: Run,
) -> None:
    session, citizen = make_call()
    passed: list[dict[str, Any]] = []
    session.message_received.connect(passed.append)

    async def scenario() -> None:
        async with running(session, citizen):
            await citizen.join()
            await until(lambda: session.state == C.CONNECTED)
            await citizen.signaling.send({"type": "signature", "png": "data:image/png;base64,AA=="})
            await citizen.signaling.send({"type": "bye", "reason": "done"})
            await until(lambda: session.state == C.FAILED)
            await session.close()

    qt_run(scenario())
    assert passed == [{"type": "signature", "png": "data:image/png;base64,AA=="}]


def test_ice_servers_are_explicit() -> None:
    assert make_call()[0].ice_servers == []  # never aiortc's public STUN default
    turn = ice_server("turn:officer:s3cret@turn.example.cn:3478?transport=udp")
    assert turn.urls == "turn:turn.example.cn:3478?transport=udp"
    assert (turn.username, turn.credential) == ("officer", "s3cret")
    assert ice_server("stun:10.0.0.1:3478").username is None
    with pytest.raises(ValueError, match="ICE"):
        ice_server("http://example.cn")
