"""Booking API: squads, free slots, the plate's open violations, urgent check, book, cancel.

Every rule is the domain layer's (``check_booking_request``, ``check_binding``,
``check_capacity``, ``urgent_reason``); this module only parses, rate-limits and serialises.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from officer_console.domain.booking import BookingRequest, local_day
from officer_console.domain.dates import VEHICLE_CLASSES, urgent_reason
from officer_console.domain.errors import ValidationError
from officer_console.domain.masking import mask_name, mask_phone
from officer_console.domain.validators import validate_plate
from officer_console.gateway.app import GATEWAY, Gateway
from officer_console.gateway.errors import ApiError
from officer_console.gateway.inputs import (
    client_ip,
    get_bool,
    get_date,
    get_datetime,
    get_int,
    get_int_list,
    get_str,
    openid_of,
    read_json,
)
from officer_console.store import booking as repo
from officer_console.store import booking_reads as reads
from officer_console.store.engine import read_session, run_in_transaction
from officer_console.store.models import Squad

MAX_ID = 2**31 - 1


def limit(request: web.Request, name: str, key: str | None = None) -> None:
    gateway: Gateway = request.app[GATEWAY]
    wait = gateway.limiters[name].hit(key or client_ip(request))
    if wait:
        raise ApiError(429, "rate_limited", "操作过于频繁，请稍后再试", retry_after=wait)


def path_id(request: web.Request, name: str) -> int:
    value = int(request.match_info[name])  # the route pattern allows digits only
    if not 0 < value <= MAX_ID:
        raise ApiError(404, "not_found", "请求的对象不存在")
    return value


def _iso(dt: datetime, tz: str) -> str:
    return dt.astimezone(ZoneInfo(tz)).isoformat()


def _vehicle_class(body: dict[str, object]) -> str:
    value = get_str(body, "vehicle_class", 32, required=False) or "private_small"
    if value not in VEHICLE_CLASSES:
        raise ValidationError("vehicle_class", "车辆类别无效")
    return value


async def squads(request: web.Request) -> web.Response:
    limit(request, "read_per_ip")
    gateway: Gateway = request.app[GATEWAY]

    def work() -> list[dict[str, object]]:
        with read_session(gateway.factory) as s:
            return [
                {"id": q.id, "name": q.name, "unit_name": q.unit_name} for q in reads.list_squads(s)
            ]

    return web.json_response({"squads": await gateway.db(work)})


async def slots(request: web.Request) -> web.Response:
    limit(request, "read_per_ip")
    gateway: Gateway = request.app[GATEWAY]
    squad_id = path_id(request, "squad_id")
    now = gateway.now()

    def work() -> dict[str, object]:
        with read_session(gateway.factory) as s:
            squad = s.get(Squad, squad_id)
            tz = squad.timezone if squad is not None else gateway.settings.timezone
            today = local_day(now, tz)
            days = []
            for offset in range(1, repo.MAX_URGENT_DAYS + 1):
                day = today + timedelta(days=offset)
                free = reads.free_slots(s, squad_id, day)
                days.append(
                    {
                        "date": day.isoformat(),
                        "normal": offset == 1,
                        "slots": [
                            {
                                "start": _iso(f.start, tz),
                                "end": _iso(f.end, tz),
                                "capacity": f.capacity,
                                "remaining": f.remaining,
                                "bookable": f.remaining > 0 and f.start > now,
                            }
                            for f in free
                        ],
                    }
                )
            return {"squad_id": squad_id, "today": today.isoformat(), "days": days}

    return web.json_response(await gateway.db(work))


async def violations(request: web.Request) -> web.Response:
    limit(request, "read_per_ip")
    gateway: Gateway = request.app[GATEWAY]
    openid_of(request)
    raw = request.query.get("plate", "")
    if len(raw) > 16:
        raise ValidationError("plate", "车牌号码过长")
    plate = validate_plate(raw)

    def work() -> list[dict[str, object]]:
        with read_session(gateway.factory) as s:
            return [
                {
                    "id": v.id,
                    "code": v.code,
                    "behaviour": behaviour,
                    "occurred_at": _iso(v.occurred_at, gateway.settings.timezone),
                    "location": v.location,
                    "fine": v.fine,
                    "points": v.points,
                }
                for v, behaviour in reads.open_violations(s, plate)
            ]

    return web.json_response({"plate": plate, "violations": await gateway.db(work)})


async def urgent_check(request: web.Request) -> web.Response:
    limit(request, "read_per_ip")
    gateway: Gateway = request.app[GATEWAY]
    body = await read_json(request)
    today = local_day(gateway.now(), gateway.settings.timezone)
    result = urgent_reason(
        today,
        licence_first_issue=get_date(body, "licence_first_issue", "驾驶证初次领证日期"),
        vehicle_registration=get_date(body, "vehicle_registration", "行驶证登记日期"),
        inspection_valid_until=get_date(body, "inspection_valid_until", "检验有效期"),
        vehicle_class=_vehicle_class(body),
        window_days=repo.MAX_URGENT_DAYS,
    )
    return web.json_response(
        {
            "eligible": result.eligible,
            "reason": result.reason,
            "due_date": result.due_date.isoformat() if result.due_date else None,
            "message": result.message,
            "last_day": (today + timedelta(days=repo.MAX_URGENT_DAYS)).isoformat(),
        }
    )


def _booking_json(b: reads.BookedAppointment, tz: str) -> dict[str, object]:
    return {
        "id": b.id,
        "squad_id": b.squad_id,
        "squad_name": b.squad_name,
        "slot_start": _iso(b.slot_start, tz),
        "slot_end": _iso(b.slot_end, tz),
        "urgent": b.urgent,
        "urgent_reason": b.urgent_reason,
        "urgent_due_date": b.urgent_due_date.isoformat() if b.urgent_due_date else None,
        "status": b.status,
        "status_label": b.status_label,
        "plate": b.plate,
        "violation_count": b.violation_count,
        "cancellable": b.status in repo.CITIZEN_CANCELLABLE,
    }


async def me(request: web.Request) -> web.Response:
    limit(request, "read_per_ip")
    gateway: Gateway = request.app[GATEWAY]
    openid = openid_of(request)

    def work() -> dict[str, object]:
        with read_session(gateway.factory) as s:
            citizen = reads.binding_of(s, openid)
            bookings = reads.list_bookings(s, openid, gateway.now())
            return {
                "bound": citizen is not None and citizen.phone is not None,
                "phone_masked": mask_phone(citizen.phone) if citizen else None,
                "name_masked": mask_name(citizen.name) if citizen else None,
                "bookings": [_booking_json(b, gateway.settings.timezone) for b in bookings],
            }

    return web.json_response(await gateway.db(work))


def parse_booking(body: dict[str, object], openid: str) -> BookingRequest:
    b = dict(body)
    return BookingRequest(
        openid=openid,
        phone=get_str(b, "phone", 20),
        name=get_str(b, "name", 40),
        id_number=get_str(b, "id_number", 24),
        plate=get_str(b, "plate", 16),
        violation_ids=get_int_list(b, "violation_ids"),
        squad_id=get_int(b, "squad_id", high=MAX_ID),
        slot_start=get_datetime(b, "slot_start"),
        urgent=get_bool(b, "urgent"),
        licence_first_issue=get_date(b, "licence_first_issue", "驾驶证初次领证日期"),
        vehicle_registration=get_date(b, "vehicle_registration", "行驶证登记日期"),
        inspection_valid_until=get_date(b, "inspection_valid_until", "检验有效期"),
        vehicle_class=_vehicle_class(b),
    )


async def create_booking(request: web.Request) -> web.Response:
    limit(request, "booking_per_ip")
    gateway: Gateway = request.app[GATEWAY]
    body = await read_json(request)
    openid = openid_of(request, body)
    req = parse_booking(body, openid)
    now = gateway.now()

    def work() -> dict[str, object]:
        appointment_id = run_in_transaction(gateway.factory, lambda s: repo.book(s, req, now))
        with read_session(gateway.factory) as s:
            mine = reads.list_bookings(s, openid, now)
        found = next(b for b in mine if b.id == appointment_id)
        return _booking_json(found, gateway.settings.timezone)

    return web.json_response({"booking": await gateway.db(work)}, status=201)


async def cancel_booking(request: web.Request) -> web.Response:
    limit(request, "booking_per_ip")
    gateway: Gateway = request.app[GATEWAY]
    appointment_id = path_id(request, "booking_id")
    body = await read_json(request) if request.can_read_body else {}
    openid = openid_of(request, body)
    now = gateway.now()

    def work() -> None:
        run_in_transaction(gateway.factory, lambda s: repo.cancel(s, openid, appointment_id, now))

    await gateway.db(work)
    return web.json_response({"cancelled": appointment_id})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/squads", squads)
    r.add_get(r"/api/v1/squads/{squad_id:\d{1,12}}/slots", slots)
    r.add_get("/api/v1/violations", violations)
    r.add_post("/api/v1/urgent-check", urgent_check)
    r.add_get("/api/v1/me", me)
    r.add_post("/api/v1/bookings", create_booking)
    r.add_post(r"/api/v1/bookings/{booking_id:\d{1,12}}/cancel", cancel_booking)
