"""The squad appointment queue: paged listing, atomic claim, reassign, status changes.

Claims are one conditional ``UPDATE … WHERE status='waiting' … RETURNING`` — safe on SQLite
and PostgreSQL alike (SQLAlchemy drops ``FOR UPDATE`` on SQLite, FACTS.md), so exactly one
workstation wins. Rows returned to callers are plain dataclasses with personal data masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, and_, func, select, update
from sqlalchemy.orm import Session, aliased

from officer_console.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from officer_console.domain.masking import mask_name, mask_phone
from officer_console.store import audit, changes
from officer_console.store.audit import Actor
from officer_console.store.models import (
    Appointment,
    AppointmentViolation,
    Citizen,
    Officer,
    Squad,
    Vehicle,
)
from officer_console.store.types import utcnow

STATUS_LABELS = {
    "waiting": "待认领",
    "claimed": "已认领",
    "contacting": "联系中",
    "in_call": "视频中",
    "in_procedure": "办理中",
    "completed": "已办结",
    "cancelled": "已取消",
    "no_show": "未到场",
}
ACTIVE_STATUSES = ("waiting", "claimed", "contacting", "in_call", "in_procedure")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "waiting": ("claimed", "cancelled"),
    "claimed": ("contacting", "waiting", "cancelled", "no_show"),
    "contacting": ("in_call", "contacting", "claimed", "no_show", "cancelled"),
    "in_call": ("in_procedure", "contacting", "no_show"),
    "in_procedure": ("completed", "contacting", "in_call"),
    "completed": (),
    "cancelled": (),
    "no_show": ("waiting",),
}


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


def _explain_conflict(session: Session, appointment_id: int) -> ConflictError:
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        return ConflictError("该预约不存在或已被删除")
    if appt.officer_id is not None and appt.status != "waiting":
        who = session.get(Officer, appt.officer_id)
        return ConflictError(f"认领失败：该预约已被 {who.name if who else '其他民警'} 认领")
    return ConflictError(
        f"该预约已被其他工作站修改（当前状态：{STATUS_LABELS.get(appt.status, appt.status)}），已刷新"
    )


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
    now = utcnow()
    conds = [
        Appointment.id == appointment_id,
        Appointment.status == "waiting",
        Appointment.squad_id == squad_id,
    ]
    if expected_version is not None:
        conds.append(Appointment.version == expected_version)
    claimed = session.execute(
        update(Appointment)
        .where(and_(*conds))
        .values(
            status="claimed",
            officer_id=actor.officer_id,
            version=Appointment.version + 1,
            claimed_at=now,
            updated_at=now,
            changed_seq=changes.stamp_value(session),
        )
        .returning(Appointment.version, Appointment.changed_seq)
    ).one_or_none()
    if claimed is None:
        # The caller's transaction rolls back; the lost race is reported, not audited.
        raise _explain_conflict(session, appointment_id)
    changes.notify(session, claimed.changed_seq, appointment_id, squad_id)
    audit.record(
        session, actor, "appointment.claim", entity_type="appointment", entity_id=appointment_id
    )
    return int(claimed.version)


def claim_next(session: Session, actor: Actor, squad_id: int) -> int | None:
    """Claim the earliest waiting appointment of the squad; None when the queue is empty."""
    pick = (
        select(Appointment.id)
        .where(Appointment.squad_id == squad_id, Appointment.status == "waiting")
        .order_by(Appointment.slot_start, Appointment.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    now = utcnow()
    claimed = session.execute(
        update(Appointment)
        .where(Appointment.id == pick.scalar_subquery(), Appointment.status == "waiting")
        .values(
            status="claimed",
            officer_id=actor.officer_id,
            version=Appointment.version + 1,
            claimed_at=now,
            updated_at=now,
            changed_seq=changes.stamp_value(session),
        )
        .returning(Appointment.id, Appointment.changed_seq)
    ).one_or_none()
    if claimed is None:
        return None
    changes.notify(session, claimed.changed_seq, claimed.id, squad_id)
    audit.record(
        session, actor, "appointment.claim", entity_type="appointment", entity_id=claimed.id
    )
    return int(claimed.id)


def _stamp(session: Session, appointment_id: int, *squad_ids: int) -> None:
    seq = changes.bump(session, *squad_ids, appointment_id=appointment_id)
    session.execute(
        update(Appointment).where(Appointment.id == appointment_id).values(changed_seq=seq)
    )


def set_status(
    session: Session,
    actor: Actor,
    appointment_id: int,
    expected_version: int,
    new_status: str,
    *,
    reason: str = "",
) -> int:
    """Optimistic status change by the assigned officer; raises ConflictError on a lost race."""
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFoundError("预约不存在")
    old_status = appt.status  # the UPDATE below refreshes the loaded object
    if new_status not in TRANSITIONS.get(old_status, ()):
        raise ValidationError(
            "status",
            f"不能从“{STATUS_LABELS.get(appt.status)}”变为“{STATUS_LABELS.get(new_status, new_status)}”",
        )
    if appt.officer_id != actor.officer_id:
        raise PermissionDenied("只有认领该预约的民警可以办理")
    release = new_status == "waiting"
    new_version = session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.version == expected_version)
        .values(
            status=new_status,
            version=Appointment.version + 1,
            updated_at=utcnow(),
            **({"officer_id": None, "claimed_at": None} if release else {}),
        )
        .returning(Appointment.version)
    ).scalar_one_or_none()
    if new_version is None:
        raise _explain_conflict(session, appointment_id)
    _stamp(session, appointment_id, appt.squad_id)
    audit.record(
        session,
        actor,
        "appointment.status",
        entity_type="appointment",
        entity_id=appointment_id,
        detail={"from": old_status, "to": new_status, "reason": reason},
    )
    return int(new_version)


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
) -> None:
    """Shift lead moves appointments (id, version) to an officer or to another squad.

    All or nothing: one lost race aborts the whole reassignment with a clear message.
    """
    if actor_role not in ("shift_lead", "admin"):
        audit.record(
            session, actor, "appointment.reassign", outcome="denied", detail={"count": len(items)}
        )
        raise PermissionDenied("只有带班领导可以改派预约")
    reason = reason.strip()
    if not reason:
        raise ValidationError("reason", "请填写改派原因")
    if len(reason) > 200:
        raise ValidationError("reason", "改派原因不能超过 200 字")
    if (to_officer_id is None) == (to_squad_id is None):
        raise ValidationError("target", "请选择改派给某位民警或另一个大队（二选一）")
    target_squad = to_squad_id
    if to_officer_id is not None:
        target = session.get(Officer, to_officer_id)
        if target is None or target.disabled or target.role not in ("officer", "shift_lead"):
            raise ValidationError("officer", "目标民警不存在或已停用")
        target_squad = target.squad_id
    elif session.get(Squad, to_squad_id) is None:
        raise ValidationError("squad", "目标大队不存在")
    for appointment_id, version in items:
        appt = session.get(Appointment, appointment_id)
        if appt is None:
            raise NotFoundError("预约不存在")
        if actor_role == "shift_lead" and appt.squad_id != actor_squad_id:
            raise PermissionDenied("只能改派本大队的预约")
        if appt.status not in ("waiting", "claimed", "contacting"):
            raise ValidationError(
                "status", f"预约（{STATUS_LABELS[appt.status]}）已开始办理，不能改派"
            )
        if (to_officer_id is not None and appt.officer_id == to_officer_id) or (
            to_squad_id is not None and appt.squad_id == to_squad_id
        ):  # a no-op is refused, not logged as a change
            raise ValidationError("target", "所选预约已由该民警（或该大队）负责，无需改派")
        values: dict[str, object] = {"version": Appointment.version + 1, "updated_at": utcnow()}
        if to_officer_id is not None:
            values.update(
                officer_id=to_officer_id,
                status="claimed" if appt.status == "waiting" else appt.status,
                claimed_at=utcnow(),
            )
        else:
            values.update(squad_id=to_squad_id, officer_id=None, status="waiting", claimed_at=None)
        old_squad, old_officer = appt.squad_id, appt.officer_id
        done = session.execute(
            update(Appointment)
            .where(Appointment.id == appointment_id, Appointment.version == version)
            .values(**values)
            .returning(Appointment.id)
        ).scalar_one_or_none()
        if done is None:
            raise _explain_conflict(session, appointment_id)
        _stamp(session, appointment_id, old_squad, int(target_squad or old_squad))
        audit.record(
            session,
            actor,
            "appointment.reassign",
            entity_type="appointment",
            entity_id=appointment_id,
            detail={
                "from_officer": old_officer,
                "to_officer": to_officer_id,
                "from_squad": old_squad,
                "to_squad": target_squad,
                "reason": reason,
            },
        )
