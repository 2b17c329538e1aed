"""Booking API on SQLite and PostgreSQL: every citizen rule and every refusal, as JSON."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.appointments import queue
from officer_console.store.db import changes
from officer_console.store.db.models import Appointment, AuditEvent, Citizen
from tests.gateway.world import TODAY, Clock, World, booking_body, citizen, slot_iso
from tests.support import builders

TOMORROW = TODAY + timedelta(days=1)
pytestmark = pytest.mark.asyncio


async def post(client: TestClient, body: dict[str, Any], **headers: str) -> tuple[int, Any]:
    resp = await client.post("/api/v1/bookings", json=body, headers=headers)
    return resp.status, await resp.json()


def err(data: Any) -> str:
    return str(data["error"]["code"])


async def test_health_and_squads(client: TestClient, world: World) -> None:
    health = await client.get("/api/v1/health")
    assert health.status == 200 and (await health.json())["status"] == "ok"
    squads = await (await client.get("/api/v1/squads")).json()
    assert [s["id"] for s in squads["squads"]] == [world.squad_id]


async def test_slots_cover_tomorrow_to_three_days_with_remaining_seats(
    client: TestClient,
    world: World,
) -> None:
    status, _ = await post(client, booking_body(world, 1, 0, slot_iso(TOMORROW, 9)))
    assert status == 201
    data = await (await client.get(f"/api/v1/squads/{world.squad_id}/slots")).json()
    assert data["today"] == TODAY.isoformat()
    assert [d["date"] for d in data["days"]] == [
        (TODAY + timedelta(days=k)).isoformat() for k in (1, 2, 3)
    ]
    assert [d["normal"] for d in data["days"]] == [True, False, False]
    first = data["days"][0]["slots"][0]
    assert first["start"] == slot_iso(TOMORROW, 9)
    assert (first["capacity"], first["remaining"], first["bookable"]) == (2, 1, True)
    assert len(data["days"][0]["slots"]) == 6  # 09:00–12:00 in 30-minute slots


async def test_normal_booking_binds_phone_and_is_for_tomorrow_only(
    client: TestClient,
    world: World,
    factory: sessionmaker[Session],
) -> None:
    with factory() as s:
        before = changes.current(s)
    status, data = await post(client, booking_body(world, 1, 0, slot_iso(TOMORROW, 9, 30)))
    assert status == 201, data
    booking = data["booking"]
    assert booking["status"] == "waiting" and booking["urgent"] is False
    assert booking["plate"] == "鲁A10001" and booking["violation_count"] == 1
    with factory() as s:
        person = s.scalar(select(Citizen).where(Citizen.wechat_openid == "openid-0001"))
        assert person is not None and person.phone == "13900000001" and person.bound_at
        assert changes.current(s) > before  # consoles see the new booking live
        audit_actions = s.scalars(select(AuditEvent.action)).all()
        assert "appointment.book" in audit_actions
    me = await (await client.get("/api/v1/me", headers={"X-WeChat-OpenId": "openid-0001"})).json()
    assert me["bound"] and me["phone_masked"] == "139****0001"
    assert [b["id"] for b in me["bookings"]] == [booking["id"]]


@pytest.mark.parametrize("day_offset", [0, 2, 3, -1])
async def test_normal_booking_refused_outside_tomorrow(
    client: TestClient,
    world: World,
    day_offset: int,
) -> None:
    day = TODAY + timedelta(days=day_offset)
    status, data = await post(client, booking_body(world, 1, 0, slot_iso(day, 11)))
    assert status == 422 and err(data) == "normal_tomorrow_only"
    assert "明天" in data["error"]["message"]


async def test_one_day_edge_around_midnight(
    client: TestClient,
    world: World,
    clock: Clock,
) -> None:
    clock.set_local(TODAY, 23, 59, 59)
    status, _ = await post(client, booking_body(world, 1, 0, slot_iso(TOMORROW, 9)))
    assert status == 201
    clock.set_local(TOMORROW, 0, 0, 0)  # a second later "tomorrow" is today
    status, data = await post(client, booking_body(world, 2, 1, slot_iso(TOMORROW, 9)))
    assert status == 422 and err(data) == "normal_tomorrow_only"
    status, _ = await post(client, booking_body(world, 3, 2, slot_iso(TOMORROW + timedelta(1), 9)))
    assert status == 201


# First issue 14 March: the scoring cycle ends 13 March = today + 3 (eligible);
# 15 March: it ends on the 14th = today + 4 (refused with the reason).
ELIGIBLE = {"urgent": True, "licence_first_issue": "2015-03-14"}


async def test_urgent_booking_up_to_three_days_ahead(
    client: TestClient,
    world: World,
    factory: sessionmaker[Session],
) -> None:
    day3 = TODAY + timedelta(days=3)
    status, data = await post(client, booking_body(world, 1, 0, slot_iso(day3, 11, 30), **ELIGIBLE))
    assert status == 201, data
    assert data["booking"]["urgent"] and data["booking"]["urgent_reason"] == "scoring_cycle"
    assert data["booking"]["urgent_due_date"] == "2025-03-13"
    with factory() as s:
        appt = s.get(Appointment, data["booking"]["id"])
        assert appt is not None and appt.urgent_due_date == date(2025, 3, 13)


async def test_urgent_refusals_name_the_reason(client: TestClient, world: World) -> None:
    day2 = slot_iso(TODAY + timedelta(days=2), 9)
    status, data = await post(
        client, booking_body(world, 1, 0, day2, urgent=True, licence_first_issue="2015-03-15")
    )
    assert status == 422 and err(data) == "urgent_not_eligible"
    assert "2025年03月14日" in data["error"]["message"] and "4天后" in data["error"]["message"]
    status, data = await post(client, booking_body(world, 1, 0, day2, urgent=True))
    assert status == 422 and err(data) == "urgent_not_eligible"  # no date entered
    day4 = slot_iso(TODAY + timedelta(days=4), 9)
    status, data = await post(client, booking_body(world, 1, 0, day4, **ELIGIBLE))
    assert status == 422 and err(data) == "urgent_out_of_window"
    status, data = await post(client, booking_body(world, 1, 0, slot_iso(TODAY, 11), **ELIGIBLE))
    assert status == 422 and err(data) == "urgent_out_of_window"  # never the same day
    late = {"urgent": True, "licence_first_issue": "2015-03-12"}  # cycle ends on the 11th
    status, data = await post(
        client, booking_body(world, 1, 0, slot_iso(TODAY + timedelta(days=2), 9), **late)
    )
    assert status == 422 and err(data) == "urgent_after_due"
    future = {"urgent": True, "licence_first_issue": "2026-01-01"}
    status, data = await post(client, booking_body(world, 1, 0, day2, **future))
    assert status == 422 and err(data) == "first_issue_in_future"


async def test_urgent_by_inspection_month_end(
    client: TestClient,
    world: World,
    clock: Clock,
) -> None:
    clock.set_local(date(2025, 3, 28), 10)  # inspection valid until March → due 31 March
    body = {
        "urgent": True,
        "inspection_valid_until": "2025-03-01",
        "vehicle_registration": "2019-03-01",
    }
    check = await (await client.post("/api/v1/urgent-check", json=body)).json()
    assert (
        check["eligible"] and check["reason"] == "inspection" and check["due_date"] == "2025-03-31"
    )
    status, data = await post(
        client, booking_body(world, 1, 0, slot_iso(date(2025, 3, 31), 9), **body)
    )
    assert status == 201, data
    clock.set_local(date(2025, 3, 27), 10)  # four days before: refused
    check = await (await client.post("/api/v1/urgent-check", json=body)).json()
    assert not check["eligible"] and "不在3天之内" in check["message"]


async def test_binding_conflicts(client: TestClient, world: World) -> None:
    start = slot_iso(TOMORROW, 10)
    status, first = await post(client, booking_body(world, 1, 0, start))
    assert status == 201
    await client.post(
        f"/api/v1/bookings/{first['booking']['id']}/cancel", json={"openid": "openid-0001"}
    )
    # Same WeChat account, another phone: refused.
    status, data = await post(client, booking_body(world, 1, 1, start, phone="13900009999"))
    assert (
        status == 409
        and err(data) == "binding_conflict"
        and "139****0001" in data["error"]["message"]
    )
    # Same phone from another WeChat account: refused.
    status, data = await post(client, booking_body(world, 1, 1, start, openid="other-account"))
    assert status == 409 and err(data) == "binding_conflict"
    # Another person's ID on a bound account: refused.
    other_id = citizen(2)["id_number"]
    status, data = await post(client, booking_body(world, 1, 1, start, id_number=other_id))
    assert status == 409 and err(data) == "binding_conflict"
    # The bound pair books again without trouble.
    status, data = await post(client, booking_body(world, 1, 1, start))
    assert status == 201, data


async def test_imported_citizen_is_bound_and_name_must_match(
    client: TestClient,
    world: World,
    factory: sessionmaker[Session],
) -> None:
    with factory() as s, s.begin():
        s.add(Citizen(name="李四", id_number=builders.id_number(900)))
    body = booking_body(world, 7, 0, slot_iso(TOMORROW, 10), id_number=builders.id_number(900))
    status, data = await post(client, body)
    assert status == 409 and err(data) == "identity_mismatch"
    status, data = await post(client, {**body, "name": "李四"})
    assert status == 201, data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "110105194912310021"),  # wrong check character
        ("id_number", "110105199902300011"),  # 30 February
        ("id_number", "1101051949"),
        ("plate", "鲁I12345"),
        ("plate", "XA12345"),
        ("plate", "沪AD12A45"),
        ("phone", "12812341234"),
        ("phone", "1381234123"),
        ("name", "张"),
        ("name", "张三<script>"),
        ("slot_start", "2025-03-11T09:00:00"),  # no time zone
        ("slot_start", "tomorrow"),
        ("licence_first_issue", "2015-02-30"),
        ("vehicle_class", "tank"),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    client: TestClient,
    world: World,
    field: str,
    value: str,
) -> None:
    body = booking_body(world, 1, 0, slot_iso(TOMORROW, 9), urgent=True, **{field: value})
    status, data = await post(client, body)
    assert status == 422, data
    assert data["error"]["field"] == field
    assert data["error"]["message"]


@pytest.mark.parametrize(
    ("patch", "status"),
    [
        ({"violation_ids": "1"}, 400),
        ({"violation_ids": [True]}, 400),
        ({"violation_ids": []}, 422),
        ({"violation_ids": [1, 1]}, 422),
        ({"squad_id": "1"}, 400),
        ({"squad_id": 2**40}, 422),
        ({"urgent": "yes"}, 400),
        ({"phone": 13900000001}, 400),
        ({"name": "张" * 41}, 422),
    ],
)
async def test_wrong_types_and_shapes(
    client: TestClient,
    world: World,
    patch: dict[str, Any],
    status: int,
) -> None:
    got, data = await post(client, {**booking_body(world, 1, 0, slot_iso(TOMORROW, 9)), **patch})
    assert got == status, data
    assert set(data) == {"error"}


async def test_violation_and_slot_refusals(client: TestClient, world: World) -> None:
    start = slot_iso(TOMORROW, 9)
    plates = list(world.violations)
    wrong_plate = booking_body(world, 1, 0, start, violation_ids=world.violations[plates[1]][:1])
    status, data = await post(client, wrong_plate)
    assert status == 422 and err(data) == "violation_plate_mismatch"
    status, data = await post(client, booking_body(world, 1, 0, start, violation_ids=[999999]))
    assert status == 404 and err(data) == "violation_not_found"
    status, data = await post(client, booking_body(world, 1, 0, slot_iso(TOMORROW, 9, 10)))
    assert status == 404 and err(data) == "slot_not_found"
    status, data = await post(client, booking_body(world, 1, 0, slot_iso(TOMORROW, 15)))
    assert status == 404 and err(data) == "slot_not_found"
    status, data = await post(client, booking_body(world, 1, 0, start, squad_id=999))
    assert status == 404 and err(data) == "squad_not_found"
    status, _ = await post(client, booking_body(world, 1, 0, start))
    assert status == 201
    status, data = await post(client, booking_body(world, 2, 0, slot_iso(TOMORROW, 10)))
    assert status == 409 and err(data) == "violation_booked"
    status, data = await post(client, booking_body(world, 1, 1, slot_iso(TOMORROW, 10)))
    assert status == 409 and err(data) == "already_booked"


async def test_full_slot_is_refused(client: TestClient, world: World) -> None:
    start = slot_iso(TOMORROW, 11)
    for n in (1, 2):
        status, data = await post(client, booking_body(world, n, n, start))
        assert status == 201, data
    status, data = await post(client, booking_body(world, 3, 3, start))
    assert status == 409 and err(data) == "slot_full" and "约满" in data["error"]["message"]


async def test_open_violations_hide_booked_ones(client: TestClient, world: World) -> None:
    headers = {"X-WeChat-OpenId": "openid-0001"}
    data = await (await client.get("/api/v1/violations?plate=鲁A·10001", headers=headers)).json()
    assert data["plate"] == "鲁A10001" and len(data["violations"]) == 2
    assert data["violations"][0]["behaviour"] == "违法代码1625"  # no catalogue row: the code
    await post(client, booking_body(world, 1, 0, slot_iso(TOMORROW, 9)))
    data = await (await client.get("/api/v1/violations?plate=鲁A10001", headers=headers)).json()
    assert len(data["violations"]) == 1
    resp = await client.get("/api/v1/violations?plate=鲁A10001")
    assert resp.status == 401 and err(await resp.json()) == "openid_required"
    resp = await client.get("/api/v1/violations?plate=ABC", headers=headers)
    assert resp.status == 422 and (await resp.json())["error"]["field"] == "plate"


async def test_cancel_rules(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    start = slot_iso(TOMORROW, 11)
    _, a = await post(client, booking_body(world, 1, 1, start))
    _, b = await post(client, booking_body(world, 2, 2, start))
    a_id, b_id = a["booking"]["id"], b["booking"]["id"]
    mine, theirs = {"X-WeChat-OpenId": "openid-0001"}, {"X-WeChat-OpenId": "openid-0002"}
    resp = await client.post(f"/api/v1/bookings/{a_id}/cancel", headers=theirs)
    assert resp.status == 404  # not yours
    resp = await client.post(f"/api/v1/bookings/{a_id}/cancel", headers=mine)
    assert resp.status == 200
    resp = await client.post(f"/api/v1/bookings/{a_id}/cancel", headers=mine)
    assert resp.status == 409 and err(await resp.json()) == "not_cancellable"
    status, _ = await post(client, booking_body(world, 3, 3, start))  # the freed seat
    assert status == 201
    with factory() as s, s.begin():
        officer = builders.officer(s, None, "370102099")
        appt = s.get(Appointment, b_id)
        assert appt is not None
        appt.officer_id, appt.status = officer.id, "contacting"
    resp = await client.post(f"/api/v1/bookings/{b_id}/cancel", headers=theirs)
    assert resp.status == 409
    assert queue.STATUS_LABELS["contacting"] in (await resp.json())["error"]["message"]
    with factory() as s:
        assert s.scalar(select(func.count()).where(Appointment.status == "cancelled")) == 1


async def test_http_level_errors_are_json(client: TestClient) -> None:
    resp = await client.get("/api/v1/nothing-here")
    assert resp.status == 404 and err(await resp.json()) == "not_found"
    resp = await client.delete("/api/v1/bookings")
    assert resp.status == 405 and err(await resp.json()) == "method_not_allowed"
    json_type = {"Content-Type": "application/json"}
    resp = await client.post("/api/v1/bookings", data=b"{not json", headers=json_type)
    assert resp.status == 400 and err(await resp.json()) == "bad_json"
    resp = await client.post(
        "/api/v1/bookings", data=b"a=1", headers={"Content-Type": "text/plain"}
    )
    assert resp.status == 415
    resp = await client.post("/api/v1/bookings", json=[1, 2])
    assert resp.status == 400
    resp = await client.post("/api/v1/bookings", data=b"x" * 300_000, headers=json_type)
    assert resp.status == 413 and err(await resp.json()) == "payload_too_large"
    resp = await client.post("/api/v1/bookings", json={"phone": "13900000001"})
    assert resp.status == 401 and err(await resp.json()) == "openid_required"
    resp = await client.get("/api/v1/me", headers={"X-WeChat-OpenId": "bad id!"})
    assert resp.status == 400 and err(await resp.json()) == "bad_openid"
    resp = await client.get("/api/v1/squads/99999999999/slots")
    assert resp.status == 404
    resp = await client.get("/api/v1/squads/abc/slots")
    assert resp.status == 404 and err(await resp.json()) == "not_found"
