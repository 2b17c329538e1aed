"""Booking API: squads, free slots, the plate's open violations, urgent check, book, cancel.

Every rule is the domain layer's (``check_booking_request``, ``check_binding``,
``check_capacity``, ``urgent_reason``); this module only parses, rate-limits and serialises.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.orm import Session

from officer_console.domain.booking import BookingRequest, local_day
from officer_console.domain.dates import urgent_reason
from officer_console.domain.masking import mask_name, mask_phone
from officer_console.domain.validators import validate_plate
from officer_console.gateway import models
from officer_console.gateway.parsing import body, openid_of, path, query, read_json, validate
from officer_console.gateway.state import GATEWAY, Gateway, limit
from officer_console.store.db.engine import read_session, run_in_transaction
from officer_console.store.db.models import Squad
from officer_console.store.gateway import booking as repo
from officer_console.store.gateway import booking_reads as reads


def _iso(dt: datetime, tz: str) -> str:
    return dt.astimezone(ZoneInfo(tz)).isoformat()


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
    squad_id = path(request, models.SquadPath).squad_id
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
    plate = validate_plate(query(request, models.PlateQuery).plate)

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
    req, _ = await body(request, models.UrgentCheckRequest)
    today = local_day(gateway.now(), gateway.settings.timezone)
    result = urgent_reason(
        today,
        licence_first_issue=req.licence_first_issue,
        vehicle_registration=req.vehicle_registration,
        inspection_valid_until=req.inspection_valid_until,
        vehicle_class=req.vehicle_class or "private_small",
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


def to_request(b: models.BookingRequest, openid: str) -> BookingRequest:
    return BookingRequest(
        openid=openid,
        phone=b.phone,
        name=b.name,
        id_number=b.id_number,
        plate=b.plate,
        violation_ids=tuple(b.violation_ids),
        squad_id=b.squad_id,
        slot_start=b.slot_start,
        urgent=b.urgent,
        licence_first_issue=b.licence_first_issue,
        vehicle_registration=b.vehicle_registration,
        inspection_valid_until=b.inspection_valid_until,
        vehicle_class=b.vehicle_class or "private_small",
    )


async def create_booking(request: web.Request) -> web.Response:
    limit(request, "booking_per_ip")
    gateway: Gateway = request.app[GATEWAY]
    raw = await read_json(request)
    openid = openid_of(request, raw)
    req = to_request(validate(models.BookingRequest, raw), openid)
    now = gateway.now()

    def booked(s: Session) -> reads.BookedAppointment:
        appointment_id = repo.book(s, req, now)
        # read back in the same transaction: no second connection checkout for the answer
        return next(b for b in reads.list_bookings(s, openid, now) if b.id == appointment_id)

    def work() -> dict[str, object]:
        found = run_in_transaction(gateway.factory, booked)
        return _booking_json(found, gateway.settings.timezone)

    return web.json_response({"booking": await gateway.db(work)}, status=201)


async def cancel_booking(request: web.Request) -> web.Response:
    limit(request, "booking_per_ip")
    gateway: Gateway = request.app[GATEWAY]
    appointment_id = path(request, models.BookingPath).booking_id
    raw = await read_json(request) if request.can_read_body else {}
    validate(models.CancelRequest, raw)
    openid = openid_of(request, raw)
    now = gateway.now()

    def work() -> None:
        run_in_transaction(gateway.factory, lambda s: repo.cancel(s, openid, appointment_id, now))

    await gateway.db(work)
    return web.json_response({"cancelled": appointment_id})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/squads", squads)
    r.add_get(r"/api/v1/squads/{squad_id:[0-9]{1,12}}/slots", slots)
    r.add_get("/api/v1/violations", violations)
    r.add_post("/api/v1/urgent-check", urgent_check)
    r.add_get("/api/v1/me", me)
    r.add_post("/api/v1/bookings", create_booking)
    r.add_post(r"/api/v1/bookings/{booking_id:[0-9]{1,12}}/cancel", cancel_booking)
