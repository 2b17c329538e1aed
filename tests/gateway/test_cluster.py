"""Two gateway processes on one PostgreSQL: the console on one, the citizen on the other.

Signaling (small and large messages) and video flow across instances; a third participant
is refused on either; killing one instance lets its side reconnect to the other.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.engine import make_engine, session_factory
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.signaling_client import GatewaySignaling, SignalingError
from officer_console.video.synthetic import SyntheticVideoTrack
from tests.gateway.calls import Call, claimed_call, new_code, open_room
from tests.gateway.instances import instances
from tests.gateway.world import build_world
from tests.support.databases import PostgresTemplate
from tests.support.qtloop import until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


class AnsweringConsole:
    """The console's media end, reduced to answering offers and counting frames."""

    def __init__(self, signaling: GatewaySignaling) -> None:
        self.signaling = signaling
        self.pcs: list[RTCPeerConnection] = []
        self.frames = 0
        self.messages: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        self._spawn(self._loop())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _loop(self) -> None:
        while (message := await self.signaling.receive()) is not None:
            if message.get("type") != "offer":
                self.messages.append(message)
                continue
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            self.pcs.append(pc)
            pc.on("track", lambda track: self._spawn(self._drain(track)))
            await pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "offer"))
            pc.addTrack(SyntheticVideoTrack(320, 240, 15, label="CONSOLE"))
            await pc.setLocalDescription(await pc.createAnswer())
            await self.signaling.send({"type": "answer", "sdp": pc.localDescription.sdp})

    async def _drain(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                if track.kind == "video":
                    self.frames += 1

    def seen(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    async def close(self) -> None:
        await self.signaling.close()
        for pc in self.pcs:
            await pc.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def join_citizen(base: str, call: Call, factory: sessionmaker[Session]) -> dict[str, Any]:
    code = await asyncio.to_thread(new_code, factory, call, datetime.now(UTC))
    async with aiohttp.ClientSession() as http:
        resp = await http.post(f"{base}/api/v1/join", json={"phone": call.phone, "code": code})
        data = await resp.json()
    assert resp.status == 200, data
    return dict(data)


async def refused(base: str, room: str, credential: str, role: str) -> str:
    probe = GatewaySignaling(base, room, credential, role=role, reconnect_attempts=0)
    try:
        with pytest.raises(SignalingError) as caught:
            await probe.connect()
    finally:
        await probe.close()
    return caught.value.code


@pytest.mark.parametrize("victim", ["citizen", "console"])
def test_console_and_citizen_on_different_instances(
    pg_template: PostgresTemplate, tmp_path: Path, victim: str
) -> None:
    url = pg_template.fresh_url()
    engine = make_engine(url)
    factory = session_factory(engine)
    try:
        world = build_world(factory)
        call = open_room(factory, claimed_call(factory, world.squad_id), datetime.now(UTC))
        with instances(url, tmp_path / "data") as (a, b):
            assert a.health["instance"] != b.health["instance"] != "single"
            asyncio.run(_scenario(a, b, call, factory, victim))
    finally:
        engine.dispose()
        pg_template.drop(url)


async def _scenario(
    a_instance: Any, b_instance: Any, call: Call, factory: sessionmaker[Session], victim: str
) -> None:
    a, b = a_instance.url, b_instance.url
    console = AnsweringConsole(GatewaySignaling(a, call.room_id, call.secret))
    welcome = await console.signaling.connect()
    assert welcome["peer_present"] is False
    console.start()
    data = await join_citizen(b, call, factory)
    citizen_signal = GatewaySignaling(b, call.room_id, data["token"], role="citizen")
    assert (await citizen_signal.connect())["peer_present"] is True  # console on the other
    citizen = SyntheticCitizen(citizen_signal, width=320, height=240, fps=15)
    try:
        await until(lambda: bool(console.seen("peer_joined")), 10)
        await citizen.join()  # offer B → A, answer A → B through PostgreSQL
        await until(lambda: console.frames >= 10 and citizen.received["video"] >= 10, 20)
        # messages both ways, one larger than a NOTIFY payload (through signal_payloads)
        png = "data:image/png;base64," + "A" * 120_000
        await citizen_signal.send({"type": "signature", "png": png})
        await console.signaling.send({"type": "notice", "text": "请确认处罚决定" * 10})
        await until(lambda: bool(console.seen("signature")), 10)
        assert console.seen("signature")[0]["png"] == png
        await until(lambda: any(m.get("type") == "notice" for m in citizen.messages), 10)
        # a third participant is refused on either instance
        assert await refused(b, call.room_id, call.secret, "console") == "room_full"
        assert await refused(a, call.room_id, call.secret, "console") == "room_full"
        assert await refused(a, call.room_id, data["token"], "citizen") == "room_full"
        assert await refused(b, call.room_id, data["token"], "citizen") == "room_full"
        if victim == "citizen":
            # the citizen's instance dies; the console hears the citizen left
            b_instance.kill()
            await until(lambda: bool(console.seen("peer_left")), 20)
            await citizen.close()
            # the citizen comes back through the surviving instance with the same token
            again = GatewaySignaling(a, call.room_id, data["token"], role="citizen")
            assert (await again.connect())["peer_present"] is True
            citizen = SyntheticCitizen(again, width=320, height=240, fps=15)
            frames = console.frames
            await citizen.join()
            await until(lambda: console.frames >= frames + 10, 20)
        else:
            # the console's instance dies; the citizen hears it, the console comes back on B
            a_instance.kill()
            await until(lambda: any(x.get("type") == "peer_left" for x in citizen.messages), 20)
            await console.close()
            console = AnsweringConsole(GatewaySignaling(b, call.room_id, call.secret))
            assert (await console.signaling.connect())["peer_present"] is True
            console.start()
            await until(lambda: any(x.get("type") == "peer_joined" for x in citizen.messages), 10)
            await citizen.join()  # the page offers again on peer_joined
            await until(lambda: console.frames >= 10, 20)
    finally:
        await citizen.close()
        await console.close()
