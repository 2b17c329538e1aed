"""Signaling relay with two real WebSocket clients: auth, relay, roles, third participant,
reconnect with a fresh code, bye, keep-alive, expiry and the end of a room."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient
from sqlalchemy.orm import Session, sessionmaker

from officer_console.gateway.signaling import RELAY
from officer_console.store.db.engine import transaction
from officer_console.store.gateway import rooms
from tests.gateway.calls import Call, claimed_call, new_code, open_room
from tests.gateway.world import Clock, World

pytestmark = pytest.mark.asyncio
SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"


async def token_for(client: TestClient, factory: sessionmaker[Session], call: Call) -> str:
    code = new_code(factory, call)
    resp = await client.post("/api/v1/join", json={"phone": call.phone, "code": code})
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["token"])


async def connect(
    client: TestClient, room: str, hello: dict[str, Any]
) -> tuple[ClientWebSocketResponse, dict[str, Any]]:
    ws = await client.ws_connect(f"/api/v1/rooms/{room}/ws")
    await ws.send_json({"type": "hello", **hello})
    return ws, await ws.receive_json(timeout=5)


async def closed_with(ws: ClientWebSocketResponse) -> int | None:
    while True:
        msg = await ws.receive(timeout=5)
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
            return ws.close_code
        if msg.type == WSMsgType.ERROR:
            return ws.close_code


async def pair(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> tuple[Call, ClientWebSocketResponse, ClientWebSocketResponse, str]:
    call = open_room(factory, claimed_call(factory, world.squad_id))
    console, welcome = await connect(
        client, call.room_id, {"role": "console", "secret": call.secret}
    )
    assert welcome["type"] == "welcome" and welcome["peer_present"] is False
    token = await token_for(client, factory, call)
    citizen, welcome = await connect(client, call.room_id, {"role": "citizen", "token": token})
    assert welcome == {**welcome, "type": "welcome", "role": "citizen", "peer_present": True}
    assert await console.receive_json(timeout=5) == {"type": "peer_joined", "role": "citizen"}
    return call, console, citizen, token


async def test_offer_answer_candidate_signature_relay(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    _, console, citizen, _ = await pair(client, factory, world)
    await citizen.send_json({"type": "offer", "sdp": SDP, "extra": "dropped"})
    assert await console.receive_json(timeout=5) == {"type": "offer", "sdp": SDP}
    await console.send_json({"type": "answer", "sdp": SDP})
    assert await citizen.receive_json(timeout=5) == {"type": "answer", "sdp": SDP}
    cand = {"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0"}
    await console.send_json({"type": "candidate", "candidate": cand})
    assert await citizen.receive_json(timeout=5) == {"type": "candidate", "candidate": cand}
    await console.send_json({"type": "request_signature", "prompt": "请签名确认"})
    assert (await citizen.receive_json(timeout=5))["type"] == "request_signature"
    png = "data:image/png;base64,iVBORw0KGgo="
    await citizen.send_json({"type": "signature", "png": png})
    assert await console.receive_json(timeout=5) == {"type": "signature", "png": png}
    await console.send_json({"type": "document", "url": "/api/v1/documents/abc", "title": "决定书"})
    assert (await citizen.receive_json(timeout=5))["url"] == "/api/v1/documents/abc"
    # Keep-alive and refusals that keep the socket open.
    await citizen.send_json({"type": "ping"})
    assert await citizen.receive_json(timeout=5) == {"type": "pong"}
    for bad in (
        {"type": "request_signature"},  # console only
        {"type": "signature", "png": "javascript:alert(1)"},
        {"type": "offer"},
        {"type": "shell"},
        [1],
    ):
        await citizen.send_json(bad)
        reply = await citizen.receive_json(timeout=5)
        assert reply["type"] == "error" and reply["code"] == "bad_message"
    await citizen.send_str("{not json")
    assert (await citizen.receive_json(timeout=5))["code"] == "bad_message"
    await citizen.send_bytes(b"\x00")
    assert (await citizen.receive_json(timeout=5))["code"] == "bad_message"
    # bye is relayed; leaving is announced.
    await console.send_json({"type": "bye", "reason": "done"})
    assert await citizen.receive_json(timeout=5) == {"type": "bye", "reason": "done"}
    await citizen.close()
    assert await console.receive_json(timeout=5) == {"type": "peer_left", "role": "citizen"}
    await console.send_json({"type": "answer", "sdp": SDP})
    assert (await console.receive_json(timeout=5))["code"] == "peer_absent"
    await console.close()


async def test_auth_failures(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    call = open_room(factory, claimed_call(factory, world.squad_id))
    ws, reply = await connect(client, call.room_id, {"role": "console", "secret": "wrong"})
    assert reply["code"] == "auth_failed" and await closed_with(ws) == 4401
    ws, reply = await connect(client, call.room_id, {"role": "citizen", "token": "x.1.2.y"})
    assert reply["code"] == "auth_failed" and await closed_with(ws) == 4401
    forged = f"{call.room_id}.1.9999999999.AAAA"
    ws, reply = await connect(client, call.room_id, {"role": "citizen", "token": forged})
    assert await closed_with(ws) == 4401
    ws, reply = await connect(client, "unknownroom1", {"role": "console", "secret": call.secret})
    assert reply["code"] == "room_not_found" and await closed_with(ws) == 4404
    ws, reply = await connect(client, call.room_id, {"role": "officer"})
    assert reply["code"] == "bad_hello" and await closed_with(ws) == 4400
    # A token of one room does not open another.
    other = open_room(factory, claimed_call(factory, world.squad_id, n=1))
    token = await token_for(client, factory, call)
    ws, reply = await connect(client, other.room_id, {"role": "citizen", "token": token})
    assert await closed_with(ws) == 4401
    # No hello in time.
    ws = await client.ws_connect(f"/api/v1/rooms/{call.room_id}/ws")
    assert (await ws.receive_json(timeout=5))["code"] == "auth_timeout"
    assert await closed_with(ws) == 4408
    resp = await client.get(f"/api/v1/rooms/{call.room_id}/ws")  # plain HTTP
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "websocket_required"


async def test_third_participant_refused_and_fresh_code_reconnects(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    call, console, citizen, token = await pair(client, factory, world)
    ws, reply = await connect(client, call.room_id, {"role": "console", "secret": call.secret})
    assert reply["code"] == "room_full" and await closed_with(ws) == 4409
    ws, reply = await connect(client, call.room_id, {"role": "citizen", "token": token})
    assert reply["code"] == "room_full" and await closed_with(ws) == 4409
    # The citizen's network dropped: a fresh code takes the seat over.
    fresh = await token_for(client, factory, call)
    newer, welcome = await connect(client, call.room_id, {"role": "citizen", "token": fresh})
    assert welcome["type"] == "welcome"
    assert (await citizen.receive_json(timeout=5))["code"] == "replaced"
    assert await closed_with(citizen) == 4000
    assert await console.receive_json(timeout=5) == {"type": "peer_joined", "role": "citizen"}
    await newer.close()
    assert (await console.receive_json(timeout=5))["type"] == "peer_left"
    ws, reply = await connect(client, call.room_id, {"role": "citizen", "token": token})
    assert reply["code"] == "token_replaced" and await closed_with(ws) == 4401
    again, welcome = await connect(client, call.room_id, {"role": "citizen", "token": fresh})
    assert welcome["type"] == "welcome"  # same fresh token after a drop: allowed
    await again.close()
    await console.close()


async def test_room_end_and_expiry_close_both_sides(
    client: TestClient, factory: sessionmaker[Session], world: World, clock: Clock
) -> None:
    call, console, citizen, _ = await pair(client, factory, world)
    assert client.app[RELAY].open_rooms == 1
    with transaction(factory) as s:
        rooms.close_room(s, call.room_id)
    for ws in (console, citizen):
        assert (await ws.receive_json(timeout=5)) == {"type": "room_closed", "reason": "ended"}
        assert await closed_with(ws) == 4410
    ws, reply = await connect(client, call.room_id, {"role": "console", "secret": call.secret})
    assert reply["code"] == "room_closed" and await closed_with(ws) == 4410
    # A second room expires by the clock.
    _, console, citizen, _ = await pair(client, factory, world)
    clock.now += timedelta(hours=rooms.ROOM_HOURS, seconds=1)
    for ws in (console, citizen):
        assert (await ws.receive_json(timeout=5))["type"] == "room_closed"
        assert await closed_with(ws) == 4410
    assert client.app[RELAY].open_rooms == 0
