"""Read side of the citizen booking API: squads, free slots, open violations, own bookings.

Plain queries in a read session; the write rules live in :mod:`officer_console.store.gateway.booking`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from officer_console.domain.appointment import Status
from officer_console.domain.booking import Slot, generate_slots
from officer_console.store.appointments.queue import ACTIVE_STATUSES, STATUS_LABELS
from officer_console.store.db.models import (
    Appointment,
    AppointmentViolation,
    CatalogueEntry,
    Citizen,
    Squad,
    Vehicle,
    ViolationRecord,
)
from officer_console.store.gateway.booking import _squad, _templates

__all__ = [
    "BookedAppointment",
    "FreeSlot",
    "binding_of",
    "free_slots",
    "list_bookings",
    "list_squads",
    "open_violations",
]


@dataclass(frozen=True)
class FreeSlot:
    start: datetime
    end: datetime
    capacity: int
    remaining: int


@dataclass(frozen=True)
class BookedAppointment:
    id: int
    squad_id: int
    squad_name: str
    slot_start: datetime
    slot_end: datetime
    urgent: bool
    urgent_reason: str | None
    urgent_due_date: date | None
    status: str
    plate: str
    violation_count: int

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def list_squads(session: Session) -> list[Squad]:
    return list(session.scalars(select(Squad).where(Squad.active).order_by(Squad.id)))


def _booked_counts(session: Session, squad_id: int, slots: list[Slot]) -> dict[datetime, int]:
    if not slots:
        return {}
    rows = session.execute(
        select(Appointment.slot_start, func.count())
        .where(
            Appointment.squad_id == squad_id,
            Appointment.slot_start >= slots[0].start,
            Appointment.slot_start <= slots[-1].start,
            Appointment.status != Status.CANCELLED,
        )
        .group_by(Appointment.slot_start)
    )
    return {start: int(n) for start, n in rows}


def free_slots(session: Session, squad_id: int, day: date) -> list[FreeSlot]:
    """Slots of ``day`` (squad-local) with their remaining seats; full ones included."""
    squad = _squad(session, squad_id)
    slots = generate_slots(day, _templates(session, squad_id, day.weekday()), squad.timezone)
    counts = _booked_counts(session, squad_id, slots)
    return [
        FreeSlot(s.start, s.end, s.capacity, max(0, s.capacity - counts.get(s.start, 0)))
        for s in slots
    ]


def open_violations(session: Session, plate: str) -> list[tuple[ViolationRecord, str]]:
    """Unhandled violations of a plate that no active appointment names yet, with behaviour."""
    taken = (
        select(AppointmentViolation.violation_id)
        .join(Appointment, Appointment.id == AppointmentViolation.appointment_id)
        .where(Appointment.status.in_(ACTIVE_STATUSES))
    )
    behaviour = (
        select(CatalogueEntry.behaviour)
        .where(
            CatalogueEntry.region == ViolationRecord.region,
            CatalogueEntry.code == ViolationRecord.code,
        )
        .order_by(CatalogueEntry.effective_from.desc())
        .limit(1)
        .correlate(ViolationRecord)
        .scalar_subquery()
    )
    rows = session.execute(
        select(ViolationRecord, behaviour)
        .join(Vehicle, Vehicle.id == ViolationRecord.vehicle_id)
        .where(
            Vehicle.plate == plate,
            ViolationRecord.status == "unhandled",
            ViolationRecord.id.not_in(taken),
        )
        .order_by(ViolationRecord.occurred_at, ViolationRecord.id)
        .limit(50)
    )
    return [(v, b or f"违法代码{v.code}") for v, b in rows]


def list_bookings(session: Session, openid: str, now: datetime) -> list[BookedAppointment]:
    """The citizen's appointments from 30 days ago on, newest slot first."""
    vcount = (
        select(func.count())
        .where(AppointmentViolation.appointment_id == Appointment.id)
        .correlate(Appointment)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Appointment, Squad.name, Vehicle.plate, vcount)
        .join(Citizen, Citizen.id == Appointment.citizen_id)
        .join(Squad, Squad.id == Appointment.squad_id)
        .outerjoin(Vehicle, Vehicle.id == Appointment.vehicle_id)
        .where(
            Citizen.wechat_openid == openid,
            Appointment.slot_start >= now - timedelta(days=30),
        )
        .order_by(Appointment.slot_start.desc(), Appointment.id.desc())
        .limit(20)
    )
    return [
        BookedAppointment(
            a.id,
            a.squad_id,
            squad_name,
            a.slot_start,
            a.slot_end,
            a.urgent,
            a.urgent_reason,
            a.urgent_due_date,
            a.status,
            plate or "",
            int(n),
        )
        for a, squad_name, plate, n in rows
    ]


def binding_of(session: Session, openid: str) -> Citizen | None:
    return session.scalar(select(Citizen).where(Citizen.wechat_openid == openid))
