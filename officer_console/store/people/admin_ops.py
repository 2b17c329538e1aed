"""Administration operations behind the console's admin dialogs: users and slot schedules.

Every function takes the acting officer and role and refuses non-admins itself — the GUI
hiding the menu is a convenience, not the control. A refusal is audited in its own short
transaction (the caller's transaction rolls back with the raised error, and the denial must
survive that), so role checks come first, before the caller's session touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.domain.booking import WEEKDAY_LABELS
from officer_console.domain.errors import NotFoundError, PermissionDenied, ValidationError
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Officer, SlotSchedule, Squad
from officer_console.store.people import accounts

TOTP_ISSUER = "Officer Console"
SLOT_MINUTES_RANGE = (10, 120)
CAPACITY_RANGE = (1, 20)
DISABLE_REASON_MAX = 200


@dataclass(frozen=True)
class UserRow:
    police_number: str
    name: str
    squad_code: str
    squad_name: str
    role: str
    locked: bool
    disabled: bool
    totp_enabled: bool
    totp_required: bool
    locked_at: datetime | None = None  # UTC; when too many failed logins locked it

    @property
    def role_label(self) -> str:
        return accounts.ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class SquadRow:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    squad_id: int
    weekday: int
    start: time
    end: time
    slot_minutes: int
    capacity: int

    @property
    def weekday_label(self) -> str:
        return WEEKDAY_LABELS[self.weekday]


@dataclass(frozen=True)
class TotpEnrolment:
    """Shown once to the admin; never logged or audited."""

    secret: str
    uri: str


def require_admin(session: Session, actor: Actor, actor_role: str, action: str) -> None:
    """Raise PermissionDenied for non-admins, with a denial audit row that survives rollback."""
    if actor_role == "admin":
        return
    with Session(bind=session.get_bind()) as side, side.begin():
        audit.record(side, actor, action, outcome="denied", detail={"role": actor_role})
    raise PermissionDenied("只有管理员可以执行此操作")


# --- workstation settings ------------------------------------------------------------------


def record_settings_change(
    session: Session, actor: Actor, actor_role: str, changes: Mapping[str, object]
) -> None:
    """An admin changes workstation-wide settings (database, gateway, security): audited.

    The caller writes the settings file inside the same transaction, after this returns.
    """
    require_admin(session, actor, actor_role, "settings.change")
    audit.record(
        session,
        actor,
        "settings.change",
        entity_type="workstation",
        entity_id=actor.workstation,
        detail={"changed": sorted(changes), "values": dict(changes)},
    )


# --- users ---------------------------------------------------------------------------------


def list_users(session: Session, actor: Actor, actor_role: str) -> list[UserRow]:
    require_admin(session, actor, actor_role, "user.list")
    rows = session.execute(
        select(Officer, Squad)
        .outerjoin(Squad, Squad.id == Officer.squad_id)
        .order_by(Officer.police_number)
    ).all()
    return [
        UserRow(
            police_number=o.police_number,
            name=o.name,
            squad_code=s.code if s else "",
            squad_name=s.name if s else "",
            role=o.role,
            locked=o.locked_at is not None,
            disabled=o.disabled,
            totp_enabled=o.totp_secret is not None,
            totp_required=o.totp_required,
            locked_at=o.locked_at,
        )
        for o, s in rows
    ]


def list_squads(session: Session) -> list[SquadRow]:
    """Squad names and codes are not personal data; every role may read them."""
    squads = session.scalars(select(Squad).where(Squad.active.is_(True)).order_by(Squad.code))
    return [SquadRow(s.id, s.code, s.name) for s in squads]


def create_user(
    session: Session,
    actor: Actor,
    actor_role: str,
    *,
    police_number: str,
    name: str,
    role: str,
    password: str,
    squad_code: str | None,
) -> str:
    require_admin(session, actor, actor_role, "user.create")
    officer = accounts.create_user(
        session,
        actor,
        police_number=police_number,
        name=name,
        role=role,
        password=password,
        squad_code=squad_code or None,
    )
    return officer.police_number


def reset_password(
    session: Session, actor: Actor, actor_role: str, police_number: str, password: str
) -> None:
    require_admin(session, actor, actor_role, "account.reset_password")
    accounts.reset_password(session, actor, police_number, password)


def unlock(session: Session, actor: Actor, actor_role: str, police_number: str) -> None:
    require_admin(session, actor, actor_role, "account.unlock")
    accounts.unlock(session, actor, police_number)


def set_disabled(
    session: Session,
    actor: Actor,
    actor_role: str,
    police_number: str,
    disabled: bool,
    *,
    reason: str = "",
) -> None:
    """Disabling needs a reason (2–200 characters), audited with the change."""
    require_admin(session, actor, actor_role, "account.disable" if disabled else "account.enable")
    if disabled and police_number == actor.police_number:
        raise ValidationError("police_number", "不能停用自己正在使用的账号")
    reason = " ".join(reason.split())
    if disabled and not 2 <= len(reason) <= DISABLE_REASON_MAX:
        raise ValidationError("reason", f"停用账号须填写原因（2–{DISABLE_REASON_MAX} 个字）")
    accounts.set_disabled(
        session, actor, police_number, disabled, reason=reason[:DISABLE_REASON_MAX]
    )


def set_role(
    session: Session, actor: Actor, actor_role: str, police_number: str, role: str
) -> None:
    require_admin(session, actor, actor_role, "account.role")
    if police_number == actor.police_number and role != "admin":
        raise ValidationError("role", "不能取消自己的管理员角色，请由另一位管理员操作")
    officer = session.scalar(select(Officer).where(Officer.police_number == police_number))
    if officer is not None and role in ("officer", "shift_lead") and officer.squad_id is None:
        raise ValidationError("role", "民警和带班领导必须属于某个大队，该账号没有所属大队")
    accounts.set_role(session, actor, police_number, role)


def set_totp_required(
    session: Session, actor: Actor, actor_role: str, police_number: str, required: bool
) -> None:
    require_admin(session, actor, actor_role, "account.totp_required")
    officer = session.scalar(select(Officer).where(Officer.police_number == police_number))
    if officer is None:
        raise NotFoundError(f"找不到警号 {police_number}")
    officer.totp_required = required
    audit.record(
        session,
        actor,
        "account.totp_required",
        entity_type="officer",
        entity_id=officer.id,
        detail={"required": required},
    )


def enrol_totp(
    session: Session, actor: Actor, actor_role: str, police_number: str
) -> TotpEnrolment:
    require_admin(session, actor, actor_role, "account.totp_enrol")
    secret = accounts.enrol_totp(session, actor, police_number)
    label = quote(f"{TOTP_ISSUER}:{police_number}")
    uri = f"otpauth://totp/{label}?secret={secret}&issuer={quote(TOTP_ISSUER)}"
    return TotpEnrolment(secret=secret, uri=uri)


# --- slot schedules ------------------------------------------------------------------------


def list_schedules(
    session: Session, actor: Actor, actor_role: str, squad_id: int
) -> list[ScheduleRow]:
    require_admin(session, actor, actor_role, "schedule.list")
    rows = session.scalars(
        select(SlotSchedule)
        .where(SlotSchedule.squad_id == squad_id, SlotSchedule.active.is_(True))
        .order_by(SlotSchedule.weekday, SlotSchedule.start_time)
    )
    return [_schedule_row(r) for r in rows]


def _schedule_row(r: SlotSchedule) -> ScheduleRow:
    return ScheduleRow(
        r.id, r.squad_id, r.weekday, r.start_time, r.end_time, r.slot_minutes, r.capacity
    )


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def validate_schedule(candidate: ScheduleRow, others: list[ScheduleRow]) -> None:
    """Pure check with Chinese messages; ``others`` are the squad's other active rows."""
    if not 0 <= candidate.weekday <= 6:
        raise ValidationError("weekday", "星期应为周一至周日")
    if candidate.end <= candidate.start:
        raise ValidationError("end", "结束时间应晚于开始时间")
    low, high = SLOT_MINUTES_RANGE
    if not low <= candidate.slot_minutes <= high:
        raise ValidationError("slot_minutes", f"每个时段应为 {low}–{high} 分钟")
    low, high = CAPACITY_RANGE
    if not low <= candidate.capacity <= high:
        raise ValidationError("capacity", f"每个时段可预约人数应为 {low}–{high} 人")
    if _minutes(candidate.end) - _minutes(candidate.start) < candidate.slot_minutes:
        raise ValidationError("slot_minutes", "开始到结束的时间不足一个时段")
    for other in others:
        if other.id == candidate.id or other.weekday != candidate.weekday:
            continue
        if candidate.start < other.end and other.start < candidate.end:
            raise ValidationError(
                "start",
                f"与{other.weekday_label} {other.start:%H:%M}–{other.end:%H:%M} 的时段重叠",
            )


def save_schedule(
    session: Session,
    actor: Actor,
    actor_role: str,
    *,
    squad_id: int,
    schedule_id: int | None,
    weekday: int,
    start: time,
    end: time,
    slot_minutes: int,
    capacity: int,
) -> int:
    """Insert (``schedule_id`` None) or update one schedule row; returns its id."""
    require_admin(session, actor, actor_role, "schedule.save")
    if session.get(Squad, squad_id) is None:
        raise NotFoundError("大队不存在")
    candidate = ScheduleRow(schedule_id or 0, squad_id, weekday, start, end, slot_minutes, capacity)
    others = session.scalars(
        select(SlotSchedule).where(SlotSchedule.squad_id == squad_id, SlotSchedule.active.is_(True))
    )
    validate_schedule(candidate, [_schedule_row(o) for o in others])
    if schedule_id is None:
        row = SlotSchedule(squad_id=squad_id)
        session.add(row)
    else:
        found = session.get(SlotSchedule, schedule_id)
        if found is None or found.squad_id != squad_id or not found.active:
            raise NotFoundError("该时段已被删除，请刷新")
        row = found
    row.weekday, row.start_time, row.end_time = weekday, start, end
    row.slot_minutes, row.capacity = slot_minutes, capacity
    session.flush()
    audit.record(
        session,
        actor,
        "schedule.create" if schedule_id is None else "schedule.update",
        entity_type="slot_schedule",
        entity_id=row.id,
        detail=_detail(candidate),
    )
    return row.id


def remove_schedule(session: Session, actor: Actor, actor_role: str, schedule_id: int) -> None:
    """Deactivate rather than delete: the history of what the squad offered stays readable."""
    require_admin(session, actor, actor_role, "schedule.delete")
    row = session.get(SlotSchedule, schedule_id)
    if row is None or not row.active:
        raise NotFoundError("该时段已被删除，请刷新")
    row.active = False
    audit.record(
        session,
        actor,
        "schedule.delete",
        entity_type="slot_schedule",
        entity_id=row.id,
        detail=_detail(_schedule_row(row)),
    )


def _detail(row: ScheduleRow) -> dict[str, object]:
    return {
        "squad_id": row.squad_id,
        "weekday": row.weekday,
        "start": row.start.strftime("%H:%M"),
        "end": row.end.strftime("%H:%M"),
        "slot_minutes": row.slot_minutes,
        "capacity": row.capacity,
    }


def parse_hhmm(text: str, field: str) -> time:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError as exc:
        raise ValidationError(field, "时间格式应为 时:分，例如 09:00") from exc
