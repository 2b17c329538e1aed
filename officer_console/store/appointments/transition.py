"""How one appointment transition is made: facts, rule check, conditional write, audit.

Every function of :mod:`officer_console.store.appointments.lifecycle` runs the same steps; they live here
once so a transition reads as what it changes, not how. ``check_rule`` audits a permission
refusal before raising it (the caller commits so the denial persists); ``write_change`` is one
``UPDATE … WHERE status=… [AND version=…]``, so of two workstations exactly one wins and the
other gets a ConflictError that says what won.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.domain.errors import ConflictError, NotFoundError, PermissionDenied
from officer_console.store.db import audit, changes
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import (
    Appointment,
    CallAttempt,
    Dispatch,
    Officer,
    VideoSession,
)
from officer_console.store.db.types import utcnow

__all__ = [
    "AppointmentChange",
    "check_rule",
    "contact_attempts",
    "explain_conflict",
    "facts",
    "load_appointment",
    "rule_actor",
    "simple_transition",
    "write_change",
]


@dataclass(frozen=True)
class AppointmentChange:
    """What one transition changed; enough for every view to update without re-reading."""

    appointment_id: int
    transition: str
    old_status: str
    status: str
    version: int
    officer_id: int | None
    squad_id: int
    old_squad_id: int
    changed_seq: int

    @property
    def squad_ids(self) -> tuple[int, ...]:
        return tuple(sorted({self.squad_id, self.old_squad_id}))

    @property
    def status_label(self) -> str:
        return rules.label(self.status)


def rule_actor(session: Session, actor: Actor) -> rules.Actor:
    """The rules' view of ``actor``: role and squad from the officers table."""
    if actor.officer_id is None:
        return rules.Actor(None)
    officer = session.get(Officer, actor.officer_id)
    if officer is None or officer.disabled:
        return rules.Actor(actor.officer_id, "", None)
    return rules.Actor(officer.id, officer.role, officer.squad_id)


def _call_live(session: Session, appointment_id: int, now: datetime) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    VideoSession.appointment_id == appointment_id,
                    VideoSession.status == "open",
                    VideoSession.expires_at > now,
                )
            )
        )
    )


def contact_attempts(session: Session, appointment_id: int) -> tuple[int, int]:
    """(dispatches, phone calls placed) recorded for the appointment."""
    dispatches = session.scalar(
        select(func.count()).select_from(Dispatch).where(Dispatch.appointment_id == appointment_id)
    )
    calls = session.scalar(
        select(func.count())
        .select_from(CallAttempt)
        .join(Dispatch, Dispatch.id == CallAttempt.dispatch_id)
        .where(Dispatch.appointment_id == appointment_id)
    )
    return int(dispatches or 0), int(calls or 0)


def facts(session: Session, appt: Appointment, now: datetime) -> rules.Facts:
    dispatches, _calls = contact_attempts(session, appt.id)
    first_contact = session.scalar(
        select(func.min(Dispatch.created_at)).where(Dispatch.appointment_id == appt.id)
    )
    return rules.Facts(
        status=appt.status,
        officer_id=appt.officer_id,
        squad_id=appt.squad_id,
        slot_start=appt.slot_start,
        slot_end=appt.slot_end,
        contact_attempts=dispatches,
        first_contact_at=first_contact,
        call_live=_call_live(session, appt.id, now),
    )


def explain_conflict(session: Session, appointment_id: int, name: str = "") -> ConflictError:
    appt = session.get(Appointment, appointment_id, populate_existing=True)  # what won
    if appt is None:
        return ConflictError("该预约不存在或已被删除")
    if name == "claim" and appt.officer_id is not None and appt.status != Status.WAITING:
        who = session.get(Officer, appt.officer_id)
        return ConflictError(f"认领失败：该预约已被 {who.name if who else '其他民警'} 认领")
    return ConflictError(
        f"该预约已被其他工作站修改（当前状态：{rules.label(appt.status)}），已刷新"
    )


def load_appointment(session: Session, appointment_id: int) -> Appointment:
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFoundError("预约不存在")
    return appt


def check_rule(
    session: Session,
    actor: Actor,
    appt: Appointment,
    name: str,
    now: datetime,
    *,
    f: rules.Facts | None = None,
) -> str:
    """The target status; a permission refusal is audited before it is raised."""
    try:
        return rules.check(
            name, f or facts(session, appt, now), rule_actor(session, actor), now=now
        )
    except PermissionDenied as exc:
        audit.record(
            session,
            actor,
            f"appointment.{name}",
            entity_type="appointment",
            entity_id=appt.id,
            outcome="denied",
            detail={"status": appt.status, "reason": exc.message},
            at=now,
        )
        raise


def write_change(
    session: Session,
    actor: Actor,
    appt: Appointment,
    name: str,
    target: str,
    *,
    expected_version: int | None,
    now: datetime,
    values: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> AppointmentChange:
    old_status, old_squad, appointment_id = appt.status, appt.squad_id, appt.id
    conds = [Appointment.id == appointment_id, Appointment.status == old_status]
    if expected_version is not None:
        conds.append(Appointment.version == expected_version)
    row = session.execute(
        update(Appointment)
        .where(*conds)
        .values(
            status=target,
            version=Appointment.version + 1,
            updated_at=now,
            changed_seq=changes.stamp_value(session),
            **(values or {}),
        )
        .returning(
            Appointment.version,
            Appointment.changed_seq,
            Appointment.officer_id,
            Appointment.squad_id,
        )
        # The loaded object must not pretend a lost race was won (no in-memory evaluation).
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise explain_conflict(session, appointment_id, name)
    version, seq, officer_id, squad_id = (int(row[0]), int(row[1]), row[2], int(row[3]))
    # The next read in this session (a second transition, the procedure) sees the new row.
    session.expire(appt)
    changes.notify(session, seq, appointment_id, old_squad, squad_id)
    audit.record(
        session,
        actor,
        f"appointment.{name}",
        entity_type="appointment",
        entity_id=appointment_id,
        detail={"from": old_status, "to": target, **(detail or {})},
        at=now,
    )
    return AppointmentChange(
        appointment_id, name, old_status, target, version, officer_id, squad_id, old_squad, seq
    )


def simple_transition(
    name: str,
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    expected_version: int | None,
    now: datetime | None,
    reason: str = "",
    values: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> AppointmentChange:
    now = now or utcnow()
    appt = load_appointment(session, appointment_id)
    target = check_rule(session, actor, appt, name, now)
    extra = {"reason": reason} if reason else {}
    return write_change(
        session,
        actor,
        appt,
        name,
        target,
        expected_version=expected_version,
        now=now,
        values=values,
        detail={**extra, **(detail or {})},
    )
