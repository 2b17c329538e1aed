"""The squad appointment queue: paged listing, atomic claim, reassign, status changes.

Claims and every status change go through :mod:`officer_console.store.appointments.lifecycle` (one
conditional ``UPDATE … WHERE status=… RETURNING`` — safe on SQLite and PostgreSQL alike;
SQLAlchemy drops ``FOR UPDATE`` on SQLite, docs/pitfalls.md), so exactly one workstation wins. Rows returned to callers are plain dataclasses with personal data masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, func, select, update
from sqlalchemy.orm import Session, aliased

from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.domain.errors import ConflictError, PermissionDenied
from officer_console.domain.masking import mask_name, mask_phone
from officer_console.store.appointments import lifecycle
from officer_console.store.db import audit, changes
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import (
    Appointment,
    AppointmentViolation,
    Citizen,
    Officer,
    Vehicle,
)

# The lifecycle's owner is domain/appointment.py; these names stay for the queue's readers.
STATUS_LABELS = rules.STATUS_LABELS
ACTIVE_STATUSES = rules.ACTIVE_STATUSES


@dataclass(frozen=True)
class QueueFilter:
    day: date | None = None
    statuses: tuple[str, ...] = ()
    officer_id: int | None = None
    plate: str = ""
    from_day: date | None = None  # default view: today and later


@dataclass(frozen=True)
class QueueRow:
    id: int
    version: int
    squad_id: int
    slot_start: datetime
    slot_end: datetime
    urgent: bool
    urgent_reason: str | None
    status: str
    citizen_masked: str
    phone_masked: str
    plate: str
    violation_count: int
    officer_id: int | None
    officer_name: str
    changed_seq: int

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def _local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def _base_select() -> Select[*tuple[Any, ...]]:
    """Queue columns with their joins; callers add the WHERE clauses."""
    officer = aliased(Officer)
    vcount = (
        select(func.count())
        .where(AppointmentViolation.appointment_id == Appointment.id)
        .correlate(Appointment)
        .scalar_subquery()
    )
    return (
        select(
            Appointment.id,
            Appointment.version,
            Appointment.squad_id,
            Appointment.slot_start,
            Appointment.slot_end,
            Appointment.urgent,
            Appointment.urgent_reason,
            Appointment.status,
            Citizen.name,
            Citizen.phone,
            Vehicle.plate,
            vcount.label("vcount"),
            Appointment.officer_id,
            officer.name.label("officer_name"),
            Appointment.changed_seq,
        )
        .join(Citizen, Citizen.id == Appointment.citizen_id)
        .outerjoin(Vehicle, Vehicle.id == Appointment.vehicle_id)
        .outerjoin(officer, officer.id == Appointment.officer_id)
    )


def _queue_select(squad_id: int, flt: QueueFilter, tz: str) -> Select[*tuple[Any, ...]]:
    stmt = _base_select().where(Appointment.squad_id == squad_id)
    if flt.day is not None:
        start, end = _local_day_bounds(flt.day, tz)
        stmt = stmt.where(Appointment.slot_start >= start, Appointment.slot_start < end)
    elif flt.from_day is not None:
        start, _ = _local_day_bounds(flt.from_day, tz)
        stmt = stmt.where(Appointment.slot_start >= start)
    if flt.statuses:
        stmt = stmt.where(Appointment.status.in_(flt.statuses))
    if flt.officer_id is not None:
        stmt = stmt.where(Appointment.officer_id == flt.officer_id)
    if flt.plate.strip():
        stmt = stmt.where(Vehicle.plate.contains(flt.plate.strip().upper(), autoescape=True))
    return stmt


def _row(r: Row[Any]) -> QueueRow:
    t = tuple(r)
    return QueueRow(
        id=t[0],
        version=t[1],
        squad_id=t[2],
        slot_start=t[3],
        slot_end=t[4],
        urgent=t[5],
        urgent_reason=t[6],
        status=t[7],
        citizen_masked=mask_name(t[8] or ""),
        phone_masked=mask_phone(t[9] or ""),
        plate=t[10] or "",
        violation_count=int(t[11] or 0),
        officer_id=t[12],
        officer_name=t[13] or "",
        changed_seq=int(t[14] or 0),
    )


def list_queue(
    session: Session,
    squad_id: int,
    flt: QueueFilter = QueueFilter(),
    *,
    offset: int = 0,
    limit: int = 50,
    tz: str = "Asia/Shanghai",
) -> list[QueueRow]:
    stmt = _queue_select(squad_id, flt, tz).order_by(Appointment.slot_start, Appointment.id)
    return [_row(r) for r in session.execute(stmt.offset(offset).limit(limit))]


def count_queue(
    session: Session, squad_id: int, flt: QueueFilter = QueueFilter(), *, tz: str = "Asia/Shanghai"
) -> int:
    sub = _queue_select(squad_id, flt, tz).subquery()
    return int(session.scalar(select(func.count()).select_from(sub)) or 0)


def get_rows(session: Session, ids: list[int]) -> list[QueueRow]:
    """Fresh rows for in-place model updates (any squad; callers filter)."""
    if not ids:
        return []
    return [_row(r) for r in session.execute(_base_select().where(Appointment.id.in_(ids)))]


def changed_since(session: Session, seq: int, squad_id: int | None = None) -> list[tuple[int, int]]:
    """(appointment id, squad id) pairs changed after ``seq``."""
    stmt = select(Appointment.id, Appointment.squad_id).where(Appointment.changed_seq > seq)
    if squad_id is not None:
        stmt = stmt.where(Appointment.squad_id == squad_id)
    return [(int(a), int(b)) for a, b in session.execute(stmt)]


def claim(
    session: Session,
    actor: Actor,
    squad_id: int,
    appointment_id: int,
    expected_version: int | None = None,
) -> int:
    """Claim one appointment for ``actor``; returns the new version. Exactly one caller wins."""
    if actor.officer_id is None:
        raise PermissionDenied("系统账号不能认领预约")
    squad = session.scalar(select(Appointment.squad_id).where(Appointment.id == appointment_id))
    if squad is not None and squad != squad_id:
        raise ConflictError("该预约不属于本大队的队列，已刷新")
    change = lifecycle.claim(session, appointment_id, actor, expected_version=expected_version)
    return change.version


def claim_next(session: Session, actor: Actor, squad_id: int) -> int | None:
    """Claim the earliest waiting appointment of the squad; None when the queue is empty."""
    # The whole row, not just its id: the lifecycle's load then finds it in the session
    # (one round trip less on the hottest write path).
    pick = (
        select(Appointment)
        .where(Appointment.squad_id == squad_id, Appointment.status == Status.WAITING)
        .order_by(Appointment.slot_start, Appointment.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True, of=Appointment)
    officer: Officer | None = None
    appointment: Appointment | None = None
    if actor.officer_id is not None:
        # the officer in the same round trip, kept referenced: the lifecycle's rule checks
        # read it twice from the session's (weak) identity map instead of the database
        both = pick.add_columns(Officer).join(Officer, Officer.id == actor.officer_id)
        row = session.execute(both).first()
        if row is not None:
            appointment, officer = row[0], row[1]
    if officer is None:
        appointment = session.scalar(pick)
    if appointment is None:
        return None
    appointment_id = int(appointment.id)  # read before the claim expires the object
    lifecycle.claim(session, appointment_id, actor)
    return appointment_id


def reassign(
    session: Session,
    actor: Actor,
    actor_role: str,
    actor_squad_id: int | None,
    items: list[tuple[int, int]],
    *,
    reason: str,
    to_officer_id: int | None = None,
    to_squad_id: int | None = None,
) -> list[lifecycle.AppointmentChange]:
    """Shift lead moves appointments (id, version) to an officer or to another squad.

    All or nothing: one lost race aborts the whole reassignment with a clear message. The
    rules (who, which states) are the lifecycle's; ``actor_role`` only fails fast.
    """
    if actor_role not in ("shift_lead", "admin"):
        audit.record(
            session, actor, "appointment.reassign", outcome="denied", detail={"count": len(items)}
        )
        raise PermissionDenied("只有带班领导可以改派预约")
    if actor_role == "shift_lead" and actor_squad_id is None:
        raise PermissionDenied("只能改派本大队的预约")
    return [
        lifecycle.reassign(
            session,
            appointment_id,
            actor,
            reason=reason,
            to_officer_id=to_officer_id,
            to_squad_id=to_squad_id,
            expected_version=version,
        )
        for appointment_id, version in items
    ]


def _stamp(session: Session, appointment_id: int, *squad_ids: int) -> None:
    """Stamp a row changed outside the lifecycle (test worlds, data repair) for live updates."""
    seq = changes.bump(session, *squad_ids, appointment_id=appointment_id)
    session.execute(
        update(Appointment).where(Appointment.id == appointment_id).values(changed_seq=seq)
    )
