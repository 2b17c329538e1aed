"""Console call ↔ the real gateway relay on loopback ↔ an in-process aiortc "citizen".

The citizen joins as the page does (code → room token → WebSocket hello → offer once the
console is present); a drop and a re-join with a fresh code; hang-up stores the recording's
hash against the appointment, audited — on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import av
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.codes import issue_code
from officer_console.gui.common.services import OpRunner
from officer_console.store.db.audit import verify_chain
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import AuditEvent, EvidenceFile, VideoSession
from officer_console.video.call import VideoCall
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.evidence import RecordingTarget, verify_evidence
from officer_console.video.media import MediaConfig
from officer_console.video.recorder import RecordingLayout
from officer_console.video.recording_files import sha256_file, sidecar_path, unfinished_recordings
from officer_console.video.session import CallState
from officer_console.video.signaling_client import GatewaySignaling, SignalingError
from tests.gateway.calls import Call, claimed_call
from tests.gateway.world import build_world, live_gateway, settings_for
from tests.support.qtloop import until

Run = Callable[..., Any]
C = CallState


async def citizen_joins(base: str, factory: sessionmaker[Session], call: Call) -> SyntheticCitizen:
    """Exactly what the citizen page does, with a fresh code from the 'SMS'."""

    def new_code() -> str:
        with transaction(factory) as s:
            return issue_code(s, call.actor, call.appointment_id).code

    code = await asyncio.to_thread(new_code)
    async with aiohttp.ClientSession() as http:
        resp = await http.post(f"{base}/api/v1/join", json={"phone": call.phone, "code": code})
        data = await resp.json()
        assert resp.status == 200, data
    signaling = GatewaySignaling(base, data["room_id"], data["token"], role="citizen")
    welcome = await signaling.connect()
    assert welcome["peer_present"] is True  # the console is waiting: the page offers now
    citizen = SyntheticCitizen(signaling, width=320, height=240)
    await citizen.join()
    return citizen


def test_call_through_the_gateway_with_drop_rejoin_and_stored_recording(
    factory: sessionmaker[Session], qt_run: Run, tmp_path: Path
) -> None:
    world = build_world(factory)
    call = claimed_call(factory, world.squad_id)
    settings = settings_for(tmp_path)
    with live_gateway(factory, settings) as base:
        settings = replace(settings, gateway_url=base)
        runner = OpRunner(factory)
        video = VideoCall(
            settings,
            call.actor,
            runner,
            media=MediaConfig(width=320, height=240),
            layout=RecordingLayout(320, 240, 15),
        )
        seen: dict[str, Any] = {}

        async def scenario() -> None:
            session = await video.start(RecordingTarget(call.appointment_id))
            seen["session"] = session
            citizens: list[SyntheticCitizen] = []
            try:
                citizens.append(await citizen_joins(base, factory, call))
                await until(lambda: session.state == C.CONNECTED)
                await until(lambda: session.remote_video.converted >= 10)
                await until(lambda: session.stats.audio_frames > 0, 5)
                await until(lambda: citizens[0].received["video"] >= 10)
                await citizens[0].drop()
                await until(lambda: session.state == C.FAILED)
                citizens.append(await citizen_joins(base, factory, call))  # fresh code
                await until(lambda: session.state == C.CONNECTED)
                converted = session.remote_video.converted
                await until(lambda: session.remote_video.converted >= converted + 10)
                await until(lambda: citizens[1].received["audio"] >= 10)
                seen["evidence_id"] = await video.hang_up()
                await until(lambda: "bye" in [m.get("type") for m in citizens[1].messages], 5)
            finally:
                await video.hang_up()
                for citizen in citizens:
                    await citizen.close()

        try:
            qt_run(scenario(), 90)
        finally:
            runner.shutdown()

    session = seen["session"]
    assert session.history == [
        C.IDLE, C.CONNECTING, C.CONNECTED, C.FAILED, C.CONNECTING, C.CONNECTED, C.CLOSED
    ]  # fmt: skip
    assert session.peers_opened == 2
    with factory() as s:
        row = s.get(EvidenceFile, seen["evidence_id"])
        assert row is not None and row.kind == "recording"
        assert row.appointment_id == call.appointment_id and row.case_id is None
        path = settings.evidence_dir / row.path
        assert row.sha256 == sha256_file(path) and row.size == path.stat().st_size
        assert row.duration_s is not None and row.duration_s > 1
        assert verify_evidence(row, settings.evidence_dir)
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions.index("video.room_open") < actions.index("recording.start")
        assert actions.index("recording.start") < actions.index("recording.stop")
        assert actions.index("recording.stop") < actions.index("recording.hash")
        stop = s.scalars(select(AuditEvent).where(AuditEvent.action == "recording.stop")).one()
        assert [g["reason"] for g in stop.detail["gaps"]] == ["closed"]
        rooms = list(s.scalars(select(VideoSession.status)))
        assert rooms == ["ended"]
        assert verify_chain(s).ok
    assert json.loads(sidecar_path(path).read_text())["status"] == "stored"
    assert unfinished_recordings(settings.evidence_dir) == []
    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(video=0)) > 15


def test_a_wrong_console_secret_is_refused_clearly(
    factory: sessionmaker[Session], qt_run: Run, tmp_path: Path
) -> None:
    world = build_world(factory)
    call = claimed_call(factory, world.squad_id)
    with live_gateway(factory, settings_for(tmp_path)) as base:

        async def scenario() -> None:
            with transaction(factory) as s:
                from officer_console.store.gateway import rooms

                room_id, _secret = rooms.open_room(s, call.actor, call.appointment_id)
            client = GatewaySignaling(base, room_id, "not-the-secret")
            try:
                with pytest.raises(SignalingError) as caught:
                    await client.connect()
            finally:
                await client.close()
            assert caught.value.code == "auth_failed"
            unreachable = GatewaySignaling("http://127.0.0.1:9", room_id, "x")
            with pytest.raises(SignalingError, match="无法连接"):
                await unreachable.connect()
            await unreachable.close()

        qt_run(scenario())


def test_unreachable_gateway_fails_the_start_and_ends_the_room(
    factory: sessionmaker[Session], qt_run: Run, tmp_path: Path
) -> None:
    world = build_world(factory)
    call = claimed_call(factory, world.squad_id)
    settings = replace(settings_for(tmp_path), gateway_url="http://127.0.0.1:9")
    runner = OpRunner(factory)
    video = VideoCall(settings, call.actor, runner)

    async def scenario() -> None:
        with pytest.raises(SignalingError, match="无法连接"):
            await video.start(RecordingTarget(call.appointment_id))

    try:
        qt_run(scenario())
    finally:
        runner.shutdown()
    with factory() as s:
        assert list(s.scalars(select(VideoSession.status))) == ["ended"]
        actions = list(s.scalars(select(AuditEvent.action)))
        assert "video.room_open" in actions and "recording.start" not in actions
    assert not settings.evidence_dir.exists() or not any(settings.evidence_dir.rglob("*.mp4"))


def test_verify_evidence_notices_a_changed_or_missing_file(tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    path = store / "recordings" / "a.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"original bytes")
    row = EvidenceFile(kind="recording", path="recordings/a.mp4", sha256=sha256_file(path), size=14)
    assert verify_evidence(row, store)
    path.write_bytes(b"originaL bytes")
    assert not verify_evidence(row, store)
    path.unlink()
    assert not verify_evidence(row, store)
