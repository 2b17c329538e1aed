"""Booking repository for the citizen gateway: binding, squads, free slots, book, cancel.

Capacity must hold when many gateway instances book the last seats of one slot at once, and
a violation may be named by one active booking only (else it would be handled and fined
twice). No counter table is needed: each booking takes transaction-scoped locks on the slot,
on the citizen's identifiers and on every named violation before counting — ``pg_advisory_xact_lock`` on PostgreSQL (keys
taken in sorted order, so two bookings never deadlock), and on SQLite the engine's
``BEGIN IMMEDIATE`` already serialises every writer. The count-then-insert is then safe.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from datetime import datetime

from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.orm import Session

from officer_console.domain.appointment import Status
from officer_console.domain.booking import (
    BookingRequest,
    Slot,
    SlotTemplate,
    check_binding,
    check_booking_request,
    check_capacity,
    generate_slots,
    local_day,
)
from officer_console.domain.errors import ConflictError, NotFoundError, RuleViolation
from officer_console.domain.masking import mask_phone
from officer_console.store.appointments import lifecycle
from officer_console.store.appointments.queue import ACTIVE_STATUSES, STATUS_LABELS
from officer_console.store.db import audit, changes
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import (
    Appointment,
    AppointmentViolation,
    Citizen,
    SlotSchedule,
    Squad,
    Vehicle,
    ViolationRecord,
)

__all__ = ["CITIZEN_CANCELLABLE", "MAX_URGENT_DAYS", "book", "cancel", "citizen_actor"]

#: Statuses a citizen may still cancel: once the officer is calling, the officer decides.
CITIZEN_CANCELLABLE = ("waiting", "claimed")
MAX_URGENT_DAYS = 3


def citizen_actor() -> Actor:
    """Audit actor for citizen actions: one chain per gateway host *and database worker*.

    A single chain would make every booking of the host queue on one ``audit_head`` row
    until commit; per-worker chains (a small, fixed set) keep each chain gap-free without
    that global queue.
    """
    lane = threading.current_thread().name.rpartition("_")[2]
    suffix = f"#{lane}" if lane.isdigit() else ""
    return Actor.system(f"gateway@{socket.gethostname()}"[:60] + suffix, "citizen")


def _squad(session: Session, squad_id: int) -> Squad:
    squad = session.get(Squad, squad_id)
    if squad is None or not squad.active:
        raise NotFoundError("所选大队不存在或暂停预约", code="squad_not_found")
    return squad


def _templates(session: Session, squad_id: int, weekday: int) -> list[SlotTemplate]:
    rows = session.scalars(
        select(SlotSchedule).where(
            SlotSchedule.squad_id == squad_id,
            SlotSchedule.active,
            SlotSchedule.weekday == weekday,
        )
    )
    return [
        SlotTemplate(r.weekday, r.start_time, r.end_time, r.slot_minutes, r.capacity) for r in rows
    ]


def _lock_keys(session: Session, *names: str) -> None:
    """Transaction-scoped advisory locks (PostgreSQL); SQLite writers are serialised anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted(
        {int.from_bytes(hashlib.sha256(n.encode()).digest()[:8], "big", signed=True) for n in names}
    )
    # One round trip: a function scan yields the (sorted) array in order and the aggregate
    # takes the locks row by row in that order — the same order everywhere, so no deadlock.
    session.execute(
        text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) AS t(k)"),
        {"keys": keys},
    )


def _bind_citizen(session: Session, req: BookingRequest, now: datetime) -> Citizen:
    """Find or create the citizen and bind openid ↔ phone at the first booking."""
    found = session.scalars(
        select(Citizen).where(
            or_(
                Citizen.wechat_openid == req.openid,
                Citizen.phone == req.phone,
                Citizen.id_number == req.id_number,
            )
        )
    ).all()  # one round trip for the three unique keys
    by_openid = next((c for c in found if c.wechat_openid == req.openid), None)
    by_phone = next((c for c in found if c.phone == req.phone), None)
    by_id = next((c for c in found if c.id_number == req.id_number), None)
    check_binding(
        by_openid.phone if by_openid else None,
        by_phone.wechat_openid if by_phone else None,
        req.openid,
        req.phone,
    )
    if by_openid is not None and by_openid.id_number != req.id_number:
        raise RuleViolation(
            "本微信账号已绑定其他身份证号码，只能为本人预约", code="binding_conflict"
        )
    if by_phone is not None and by_phone.id_number != req.id_number:
        raise RuleViolation(
            f"手机号{mask_phone(req.phone)}已登记在他人名下，请使用本人手机号",
            code="binding_conflict",
        )
    if by_id is not None:
        if by_id.wechat_openid not in (None, req.openid):
            raise RuleViolation(
                "该身份证号码已绑定其他微信账号，请使用首次预约时的微信账号",
                code="binding_conflict",
            )
        if by_id.name != req.name:
            raise RuleViolation("姓名与身份证号码不符，请核对", code="identity_mismatch")
        if by_id.phone is not None and by_id.phone != req.phone:
            raise RuleViolation(
                f"该身份证号码已绑定手机号{mask_phone(by_id.phone)}，预约时不能更换手机号",
                code="binding_conflict",
            )
        if by_id.wechat_openid is None or by_id.phone is None:
            by_id.wechat_openid, by_id.phone, by_id.bound_at = req.openid, req.phone, now
        return by_id
    citizen = Citizen(
        wechat_openid=req.openid,
        phone=req.phone,
        name=req.name,
        id_number=req.id_number,
        bound_at=now,
        created_at=now,
    )
    session.add(citizen)
    session.flush()
    return citizen


def _violations(session: Session, req: BookingRequest, busy: int) -> int:
    """Check the named violations belong to the plate and are free (``busy``: how many of
    them an active booking already names); return the vehicle id."""
    rows = session.execute(
        select(ViolationRecord.id, ViolationRecord.status, Vehicle.id, Vehicle.plate)
        .join(Vehicle, Vehicle.id == ViolationRecord.vehicle_id)
        .where(ViolationRecord.id.in_(req.violation_ids))
    ).all()
    if len(rows) != len(req.violation_ids):
        raise NotFoundError("所选违法记录不存在", code="violation_not_found")
    if req.plate is None or any(plate != req.plate for *_, plate in rows):
        raise RuleViolation("所选违法记录不属于该车牌号码", code="violation_plate_mismatch")
    if any(status != "unhandled" for _, status, *_ in rows):
        raise RuleViolation("所选违法记录已处理，无需预约", code="violation_handled")
    if busy:
        raise ConflictError("所选违法记录已有预约，请勿重复预约", code="violation_booked")
    return int(rows[0][2])


def _slot(session: Session, squad: Squad, start: datetime) -> Slot:
    day = local_day(start, squad.timezone)
    for slot in generate_slots(day, _templates(session, squad.id, day.weekday()), squad.timezone):
        if slot.start == start:
            return slot
    raise NotFoundError("所选时段不存在，请重新选择", code="slot_not_found")


def book(
    session: Session, request: BookingRequest, now: datetime, actor: Actor | None = None
) -> int:
    """Book one appointment inside the caller's transaction; returns its id.

    Raises ValidationError / RuleViolation / ConflictError / NotFoundError with the reason.
    """
    squad = _squad(session, request.squad_id)
    today = local_day(now, squad.timezone)
    req, eligibility = check_booking_request(
        request, today, tz=squad.timezone, max_urgent_days=MAX_URGENT_DAYS
    )
    slot = _slot(session, squad, req.slot_start)
    if slot.start <= now:
        raise RuleViolation("该时段已开始，请选择其他时段", code="slot_past")
    _lock_keys(
        session,
        f"slot:{squad.id}:{slot.start.isoformat()}",
        f"openid:{req.openid}",
        f"phone:{req.phone}",
        f"id:{req.id_number}",
        *(f"violation:{v}" for v in req.violation_ids),  # one violation, one active booking
    )
    citizen = _bind_citizen(session, req, now)
    active, busy, booked = _counts(
        session, citizen.id, req, squad_id=squad.id, slot_start=slot.start, now=now
    )
    if active:
        raise ConflictError("您已有一个未办理的预约，请办理或取消后再预约", code="already_booked")
    vehicle_id = _violations(session, req, busy)
    check_capacity(booked, slot.capacity)
    stamp = changes.stamp_value(session)  # PostgreSQL: nextval inside the INSERT itself
    appointment_id, seq = session.execute(
        insert(Appointment)
        .values(
            squad_id=squad.id,
            citizen_id=citizen.id,
            vehicle_id=vehicle_id,
            slot_start=slot.start,
            slot_end=slot.end,
            urgent=req.urgent,
            urgent_reason=eligibility.reason if eligibility else None,
            urgent_due_date=eligibility.due_date if eligibility else None,
            status="waiting",
            version=1,
            changed_seq=stamp,
            created_at=now,
            updated_at=now,
        )
        .returning(Appointment.id, Appointment.changed_seq)
    ).one()
    session.execute(
        insert(AppointmentViolation),
        [{"appointment_id": appointment_id, "violation_id": v} for v in req.violation_ids],
    )
    changes.notify(session, int(seq), int(appointment_id), squad.id)
    audit.record(
        session,
        actor or citizen_actor(),
        "appointment.book",
        entity_type="appointment",
        entity_id=appointment_id,
        detail={
            "squad_id": squad.id,
            "urgent": req.urgent,
            "urgent_reason": eligibility.reason if eligibility else None,
            "violations": len(req.violation_ids),
            "phone": mask_phone(req.phone),
        },
        at=now,
    )
    return int(appointment_id)


def _counts(
    session: Session,
    citizen_id: int,
    req: BookingRequest,
    *,
    squad_id: int,
    slot_start: datetime,
    now: datetime,
) -> tuple[int, int, int]:
    """(the citizen's active bookings, active bookings naming one of the violations, the
    slot's bookings) in one round trip — read under the advisory locks taken before."""
    active = select(func.count()).where(
        Appointment.citizen_id == citizen_id,
        Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.slot_end > now,
    )
    busy = (
        select(func.count())
        .select_from(AppointmentViolation)
        .join(Appointment, Appointment.id == AppointmentViolation.appointment_id)
        .where(
            AppointmentViolation.violation_id.in_(req.violation_ids),
            Appointment.status.in_(ACTIVE_STATUSES),
        )
    )
    booked = select(func.count()).where(
        Appointment.squad_id == squad_id,
        Appointment.slot_start == slot_start,
        Appointment.status != Status.CANCELLED,
    )
    row = session.execute(
        select(active.scalar_subquery(), busy.scalar_subquery(), booked.scalar_subquery())
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def _own(session: Session, openid: str, appointment_id: int) -> Appointment:
    appt = session.get(Appointment, appointment_id)
    if appt is None or appt.citizen.wechat_openid != openid:
        raise NotFoundError("预约不存在", code="booking_not_found")
    return appt


def cancel(
    session: Session, openid: str, appointment_id: int, now: datetime, actor: Actor | None = None
) -> None:
    """The citizen cancels an own appointment before the officer starts calling."""
    appt = _own(session, openid, appointment_id)
    if appt.status not in CITIZEN_CANCELLABLE:
        label = STATUS_LABELS.get(appt.status, appt.status)
        raise ConflictError(f"该预约当前为“{label}”，不能取消", code="not_cancellable")
    if appt.slot_start <= now:
        raise ConflictError("预约时段已开始，不能取消", code="not_cancellable")
    lifecycle.cancel(
        session,
        appointment_id,
        actor or citizen_actor(),
        reason="当事人取消",
        expected_version=appt.version,
        now=now,
    )
