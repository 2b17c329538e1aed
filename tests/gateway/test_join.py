"""Joining with the SMS code (via dispatch.codes.verify_code): success, room not open,
wrong, expired, reused and brute-forced codes, and the per-phone limit of this process."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.models import AuditEvent, VerificationCode
from tests.gateway.calls import claimed_call, new_code, open_room
from tests.gateway.world import Clock, World

pytestmark = pytest.mark.asyncio


async def join(client: TestClient, phone: str, code: str) -> tuple[int, Any]:
    resp = await client.post("/api/v1/join", json={"phone": phone, "code": code})
    return resp.status, await resp.json()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_join_returns_room_token(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    call = open_room(factory, claimed_call(factory, world.squad_id))
    code = new_code(factory, call)
    status, data = await join(client, call.phone, code)
    assert status == 200, data
    assert data["room_id"] == call.room_id and data["ws_url"] == f"/api/v1/rooms/{call.room_id}/ws"
    assert data["token"].startswith(call.room_id + ".")
    assert any("页面" in h for h in data["hints"]) and any("电话" in h for h in data["hints"])
    with factory() as s:
        assert "video.citizen_admit" in s.scalars(select(AuditEvent.action)).all()
    status, data = await join(client, call.phone, code)
    assert status == 409 and data["error"]["code"] == "code_used"


async def test_before_the_console_the_citizen_waits_and_the_code_is_used(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    call = claimed_call(factory, world.squad_id)
    code = new_code(factory, call)
    status, data = await join(client, call.phone, code)
    assert status == 200 and data["waiting"] is True, data
    status, again = await join(client, call.phone, code)
    assert status == 409 and again["error"]["code"] == "code_used"
    open_room(factory, call)
    assert call.room_id == data["room_id"]  # the console adopted the waiting room


async def test_wrong_and_expired_codes(
    client: TestClient, world: World, factory: sessionmaker[Session], clock: Clock
) -> None:
    call = open_room(factory, claimed_call(factory, world.squad_id))
    code = new_code(factory, call)
    status, data = await join(client, call.phone, wrong(code))
    assert (
        status == 400
        and data["error"]["code"] == "code_invalid"
        and "4" in data["error"]["message"]
    )
    clock.now += timedelta(minutes=10, seconds=1)
    status, data = await join(client, call.phone, code)
    assert status == 409 and data["error"]["code"] == "code_expired"
    status, data = await join(client, "13912345678", "123456")
    assert status == 404 and data["error"]["code"] == "no_active_code"


async def test_brute_force_locks_the_code(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    call = open_room(factory, claimed_call(factory, world.squad_id))
    code = new_code(factory, call)
    statuses = [(await join(client, call.phone, wrong(code)))[0] for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    status, data = await join(client, call.phone, code)  # even the right code is dead now
    assert status == 429 and data["error"]["code"] == "code_locked"
    with factory() as s:
        row = s.scalars(select(VerificationCode)).one()
        assert row.attempts >= 5 and row.voided_at is not None  # committed despite the error
    fresh = new_code(factory, call)  # the officer sends a new one
    status, _ = await join(client, call.phone, fresh)
    assert status == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"phone": "12345", "code": "123456"}, 422),
        ({"phone": "13800000000"}, 422),
        ({"phone": 13800000000, "code": "123456"}, 400),
        ({"phone": "13800000000", "code": "1" * 13}, 422),
    ],
)
async def test_join_input_validation(client: TestClient, body: dict[str, Any], status: int) -> None:
    resp = await client.post("/api/v1/join", json=body)
    assert resp.status == status and "error" in await resp.json()
