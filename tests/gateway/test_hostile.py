"""The defect classes a hostile client found, each checked where it can occur: unbounded
numbers, dates at datetime's edges, unencodable strings, WebSocket frames that used to crash
the handler (before and after authentication), and 429s without Retry-After."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.models import Appointment, AuditEvent, Citizen
from tests.gateway.calls import claimed_call, new_code, open_room
from tests.gateway.test_signaling import SDP, closed_with, connect, pair, token_for
from tests.gateway.world import TODAY, World, booking_body, slot_iso

pytestmark = pytest.mark.asyncio
JSON = {"Content-Type": "application/json"}
HUGE_INT = "9" * 5000
DEEP = "[" * 100_000 + "]" * 100_000
SURROGATE = '"\\ud800"'  # a JSON escape that decodes to a lone surrogate


def counts(factory: sessionmaker[Session]) -> tuple[int, int, int]:
    with factory() as s:
        return (
            s.scalar(select(func.count()).select_from(Appointment)) or 0,
            s.scalar(select(func.count()).select_from(Citizen)) or 0,
            s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


async def assert_json_error(resp: Any, status: int | tuple[int, ...]) -> dict[str, Any]:
    wanted = (status,) if isinstance(status, int) else status
    assert resp.status in wanted, await resp.text()
    assert resp.content_type == "application/json"
    error = (await resp.json())["error"]
    assert isinstance(error["code"], str) and error["message"]
    if resp.status == 429:
        assert int(resp.headers["Retry-After"]) > 0
    return dict(error)


def raw_body(body: dict[str, Any], field: str, literal: str) -> bytes:
    """``body`` as JSON with ``field`` replaced by a raw JSON literal."""
    text = json.dumps({**body, field: "__X__"}, ensure_ascii=False)
    return text.replace('"__X__"', literal).encode()


@pytest.mark.parametrize("field", ["squad_id", "violation_ids", "phone", "urgent"])
async def test_huge_integers_are_400_everywhere(
    client: TestClient, world: World, factory: sessionmaker[Session], field: str
) -> None:
    before = counts(factory)
    body = booking_body(world, 1, 0, slot_iso(TODAY, 10))
    literal = f"[{HUGE_INT}]" if field == "violation_ids" else HUGE_INT
    resp = await client.post("/api/v1/bookings", data=raw_body(body, field, literal), headers=JSON)
    await assert_json_error(resp, 400)
    for path in ("/api/v1/urgent-check", "/api/v1/join", "/api/v1/bookings/1/cancel"):
        resp = await client.post(path, data=f'{{"x": {HUGE_INT}}}'.encode(), headers=JSON)
        await assert_json_error(resp, 400)
    resp = await client.post(
        "/api/v1/bookings", data=raw_body(body, "squad_id", "1e999"), headers=JSON
    )
    await assert_json_error(resp, 400)
    assert counts(factory) == before


@pytest.mark.parametrize(
    "value", ["9999-12-31T10:00:00+08:00", "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-14:00"]
)
async def test_slot_start_out_of_window_is_422(
    client: TestClient, world: World, factory: sessionmaker[Session], value: str
) -> None:
    before = counts(factory)
    body = booking_body(world, 1, 0, value)
    error = await assert_json_error(await client.post("/api/v1/bookings", json=body), 422)
    assert error["field"] == "slot_start"
    assert counts(factory) == before


@pytest.mark.parametrize(
    "field", ["licence_first_issue", "vehicle_registration", "inspection_valid_until"]
)
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "٢٠٢٤-٠١-٠١"])
async def test_dates_out_of_window_are_422(
    client: TestClient, world: World, field: str, value: str
) -> None:
    resp = await client.post("/api/v1/urgent-check", json={field: value})
    assert (await assert_json_error(resp, 422))["field"] == field
    body = booking_body(world, 1, 0, slot_iso(TODAY, 10), urgent=True, **{field: value})
    resp = await client.post("/api/v1/bookings", json=body)
    assert (await assert_json_error(resp, 422))["field"] == field


@pytest.mark.parametrize("field", ["name", "phone", "id_number", "plate", "openid"])
async def test_lone_surrogates_are_refused_and_never_echoed(
    client: TestClient, world: World, factory: sessionmaker[Session], field: str
) -> None:
    before = counts(factory)
    body = booking_body(world, 1, 0, slot_iso(TODAY, 10))
    literal = '"张\\ud800三"'
    resp = await client.post("/api/v1/bookings", data=raw_body(body, field, literal), headers=JSON)
    error = await assert_json_error(resp, (400, 422))
    assert "\ud800" not in error["message"] and "张" not in error["message"]
    for path, key in (("/api/v1/join", "phone"), ("/api/v1/join", "code")):
        resp = await client.post(path, data=f'{{"{key}": {SURROGATE}}}'.encode(), headers=JSON)
        await assert_json_error(resp, (400, 422))
    resp = await client.get("/api/v1/violations?plate=%ED%A0%80&openid=openid-0001")
    await assert_json_error(resp, (400, 422))
    assert counts(factory) == before


async def test_deep_nesting_is_400(client: TestClient) -> None:
    for path in ("/api/v1/bookings", "/api/v1/urgent-check", "/api/v1/join"):
        resp = await client.post(path, data=('{"a":' + DEEP + "}").encode(), headers=JSON)
        await assert_json_error(resp, 400)
        shallow_but_deep = '{"a":' + "[" * 50 + "]" * 50 + "}"
        resp = await client.post(path, data=shallow_but_deep.encode(), headers=JSON)
        await assert_json_error(resp, 400)


HOSTILE_FRAMES = [
    '{"type": "\\ud800"}',
    '{"type": "offer", "sdp": "v=0\\ud800"}',
    '{"type": "candidate", "candidate": {"candidate": "\\udfff"}}',
    '{"type": "bye", "reason": "\\ud800"}',
    '{"type": "signature", "png": "data:image/png;base64,\\ud800"}',
    DEEP,
    '{"type": "offer", "sdp": ' + HUGE_INT + "}",
    '{"type": "candidate", "candidate": ' + "[" * 500 + "]" * 500 + "}",
    '{"type": 1e999}',
    "null",
    '"offer"',
]


async def test_hostile_frames_after_auth_keep_both_sockets(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    _, console, citizen, _ = await pair(client, factory, world)
    for frame in HOSTILE_FRAMES:
        for sender in (citizen, console):
            await sender.send_str(frame)
            reply = await sender.receive_json(timeout=5)
            assert reply["type"] == "error" and reply["code"] == "bad_message", (frame, reply)
            assert "\\ud800" not in reply["message"] and "\ud800" not in reply["message"]
    # neither side was told its peer left, and the relay still works both ways
    await citizen.send_json({"type": "offer", "sdp": SDP})
    assert await console.receive_json(timeout=5) == {"type": "offer", "sdp": SDP}
    await console.send_json({"type": "answer", "sdp": SDP})
    assert await citizen.receive_json(timeout=5) == {"type": "answer", "sdp": SDP}
    await console.close()
    await citizen.close()


@pytest.mark.parametrize(
    "frame",
    [
        *HOSTILE_FRAMES,
        '{"type": "hello", "role": "citizen", "token": "\\ud800"}',
        '{"type": "hello", "role": "console", "secret": "\\ud800"}',
        '{"type": "hello", "role": "\\ud800", "token": "x"}',
        '{"type": "hello", "role": "console", "secret": ' + HUGE_INT + "}",
        '{"type": "hello", "role": "console", "secret": "' + "x" * 5000 + '"}',
    ],
)
async def test_hostile_hello_closes_4400_without_http(
    client: TestClient, factory: sessionmaker[Session], world: World, frame: str
) -> None:
    call = open_room(factory, claimed_call(factory, world.squad_id))
    console, welcome = await connect(
        client, call.room_id, {"role": "console", "secret": call.secret}
    )
    assert welcome["type"] == "welcome"
    ws = await client.ws_connect(f"/api/v1/rooms/{call.room_id}/ws")
    await ws.send_str(frame)
    msg = await ws.receive(timeout=5)
    if msg.type == WSMsgType.TEXT:
        assert msg.json()["code"] == "bad_hello"
        msg = await ws.receive(timeout=5)
    assert msg.type == WSMsgType.CLOSE and ws.close_code == 4400, (msg, ws.close_code)
    # the console in the room saw nothing
    with pytest.raises(asyncio.TimeoutError):
        await console.receive_json(timeout=0.3)
    assert not console.closed
    await console.close()


async def test_oversized_frame_closes_only_the_sender(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    _, console, citizen, _ = await pair(client, factory, world)
    await citizen.send_str('{"type":"offer","sdp":"' + "x" * (1 << 20) + '"}')
    assert await closed_with(citizen) == 1009  # aiohttp: message too big
    assert await console.receive_json(timeout=5) == {"type": "peer_left", "role": "citizen"}
    assert not console.closed
    await console.close()


async def test_every_429_has_retry_after(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    call = open_room(factory, claimed_call(factory, world.squad_id))
    code = new_code(factory, call)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        resp = await client.post("/api/v1/join", json={"phone": call.phone, "code": wrong})
    error = await assert_json_error(resp, 429)  # code_locked from the database
    assert error["code"] == "code_locked"
    # database per-address failures (rate_limited) after many wrong phones
    for n in range(40):
        resp = await client.post(
            "/api/v1/join", json={"phone": f"1391111{n:04d}", "code": "000000"}
        )
        if resp.status == 429:
            break
    error = await assert_json_error(resp, 429)
    assert error["code"] == "rate_limited"


async def test_unused_token_and_upgrade_helpers(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    """A plain GET on the socket path is a JSON 400, never a half-upgrade."""
    call = open_room(factory, claimed_call(factory, world.squad_id))
    resp = await client.get(f"/api/v1/rooms/{call.room_id}/ws")
    assert (await assert_json_error(resp, 400))["code"] == "websocket_required"
    token = await token_for(client, factory, call)
    assert token.startswith(call.room_id)
