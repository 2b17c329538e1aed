"""Waiting room: the citizen arrives first and waits; 开始视频 adopts the room and connects
at once; the console learns since when the citizen waits; leaving and returning with the
same token re-enters the same room while the token is valid."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.engine import read_session
from officer_console.store.gateway import rooms
from tests.gateway.calls import claimed_call, new_code, open_room
from tests.gateway.test_signaling import SDP, connect
from tests.gateway.world import NOW, Clock, World

pytestmark = pytest.mark.asyncio


def waiting(factory: sessionmaker[Session], appointment_id: int) -> object:
    with read_session(factory) as s:
        return rooms.waiting_since(s, appointment_id, NOW)


async def settled(factory: sessionmaker[Session], appointment_id: int, value: object) -> bool:
    """Presence is recorded in the background: poll briefly."""
    for _ in range(100):
        if waiting(factory, appointment_id) == value:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_citizen_waits_then_start_video_connects_at_once(
    client: TestClient, factory: sessionmaker[Session], world: World, clock: Clock
) -> None:
    call = claimed_call(factory, world.squad_id)
    resp = await client.post(
        "/api/v1/join", json={"phone": call.phone, "code": new_code(factory, call)}
    )
    data = await resp.json()
    assert resp.status == 200 and data["waiting"] is True
    assert waiting(factory, call.appointment_id) is None  # admitted, not yet connected
    citizen, welcome = await connect(
        client, data["room_id"], {"role": "citizen", "token": data["token"]}
    )
    assert welcome["type"] == "welcome" and welcome["waiting"] is True
    assert welcome["peer_present"] is False
    assert await settled(factory, call.appointment_id, NOW)  # the console: 当事人已在等候
    # the officer presses 开始视频 two minutes later
    clock.now = NOW + timedelta(minutes=2)
    open_room(factory, call, now=clock.now)
    assert call.room_id == data["room_id"]
    console, welcome = await connect(
        client, call.room_id, {"role": "console", "secret": call.secret}
    )
    assert welcome["peer_present"] is True
    assert await console.receive_json(timeout=5) == {"type": "waiting", "since": NOW.isoformat()}
    assert await citizen.receive_json(timeout=5) == {"type": "peer_joined", "role": "console"}
    await citizen.send_json({"type": "offer", "sdp": SDP})
    assert await console.receive_json(timeout=5) == {"type": "offer", "sdp": SDP}
    # leave and return with the same token: the same room, the same seat
    await citizen.close()
    assert await console.receive_json(timeout=5) == {"type": "peer_left", "role": "citizen"}
    assert await settled(factory, call.appointment_id, None)
    citizen, welcome = await connect(
        client, call.room_id, {"role": "citizen", "token": data["token"]}
    )
    assert welcome["type"] == "welcome" and welcome["peer_present"] is True, welcome
    got = await console.receive(timeout=5)
    assert got.json() == {"type": "peer_joined", "role": "citizen"}, got
    await citizen.close()
    await console.close()


async def test_a_console_cannot_enter_a_waiting_room_before_start_video(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    call = claimed_call(factory, world.squad_id)
    resp = await client.post(
        "/api/v1/join", json={"phone": call.phone, "code": new_code(factory, call)}
    )
    room = (await resp.json())["room_id"]
    ws, reply = await connect(client, room, {"role": "console", "secret": "guess" * 8})
    assert reply["type"] == "error" and reply["code"] == "auth_failed"
    await ws.close()


async def test_expired_token_needs_a_fresh_code(
    client: TestClient, factory: sessionmaker[Session], world: World, clock: Clock
) -> None:
    call = open_room(factory, claimed_call(factory, world.squad_id))
    resp = await client.post(
        "/api/v1/join", json={"phone": call.phone, "code": new_code(factory, call)}
    )
    data = await resp.json()
    assert data["waiting"] is False
    clock.now = NOW + timedelta(minutes=rooms.TOKEN_MINUTES + 1)
    ws, reply = await connect(client, call.room_id, {"role": "citizen", "token": data["token"]})
    assert reply["code"] == "token_expired"
    await ws.close()


async def test_a_quick_return_is_not_undone_by_the_slow_write_of_the_leave(
    client: TestClient,
    factory: sessionmaker[Session],
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Leave and re-join at once while the leave's presence write is slow to commit: the
    citizen must end up present (the procedure refuses its steps for an absent citizen)."""
    call = claimed_call(factory, world.squad_id)
    resp = await client.post(
        "/api/v1/join", json={"phone": call.phone, "code": new_code(factory, call)}
    )
    data = await resp.json()
    citizen, _ = await connect(client, data["room_id"], {"role": "citizen", "token": data["token"]})
    assert await settled(factory, call.appointment_id, NOW)
    real_mark = rooms.mark_citizen
    written: list[bool] = []  # one entry per committed write: was it an arrival?
    leaving = threading.Event()

    def slow_when_leaving(s: Session, room_id: str, since: object) -> None:
        if since is None:
            leaving.set()
            time.sleep(0.5)  # the leave's commit is late (a busy database)
        real_mark(s, room_id, since)  # type: ignore[arg-type]
        written.append(since is not None)

    monkeypatch.setattr(rooms, "mark_citizen", slow_when_leaving)
    await citizen.close()
    for _ in range(500):  # the leave is seen and its (slow) write has started
        if leaving.is_set():
            break
        await asyncio.sleep(0.01)
    assert leaving.is_set()
    citizen, _ = await connect(client, data["room_id"], {"role": "citizen", "token": data["token"]})
    for _ in range(200):  # until the leave's and the return's writes have both committed
        if len(written) >= 2:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # a transaction's commit after the write itself
    assert len(written) >= 2, written
    assert waiting(factory, call.appointment_id) is not None
    await citizen.close()
