"""One store function per appointment transition — the only code that changes a status.

Each function loads the facts, asks :mod:`officer_console.domain.appointment` whether the
actor may make the change, writes it as one conditional ``UPDATE … WHERE status=… [AND
version=…]`` (so two workstations never both win), stamps the live-update change number and
appends an audit row with the reason — all in the caller's transaction. It returns an
:class:`AppointmentChange` the GUI fans out through its one change signal.

A refusal for lack of permission is audited (``outcome="denied"``) and raised as
PermissionDenied; the caller must still commit so the denial persists (the GUI runs these
through ``run_keeping_denials``). A lost race raises ConflictError and is not audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from officer_console.store import audit, changes
from officer_console.store.audit import Actor
from officer_console.store.models import (
    Appointment,
    CallAttempt,
    Dispatch,
    Officer,
    Squad,
    VideoSession,
)
from officer_console.store.types import utcnow

__all__ = [
    "AppointmentChange",
    "cancel",
    "claim",
    "complete",
    "dispatch",
    "facts",
    "hand_over",
    "no_show",
    "open_video",
    "reassign",
    "release",
    "rule_actor",
    "start_procedure",
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


def _explain_conflict(session: Session, appointment_id: int, name: str = "") -> ConflictError:
    appt = session.get(Appointment, appointment_id, populate_existing=True)  # what won
    if appt is None:
        return ConflictError("该预约不存在或已被删除")
    if name == "claim" and appt.officer_id is not None and appt.status != Status.WAITING:
        who = session.get(Officer, appt.officer_id)
        return ConflictError(f"认领失败：该预约已被 {who.name if who else '其他民警'} 认领")
    return ConflictError(
        f"该预约已被其他工作站修改（当前状态：{rules.label(appt.status)}），已刷新"
    )


def _load(session: Session, appointment_id: int) -> Appointment:
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFoundError("预约不存在")
    return appt


def _check(
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


def _write(
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
        raise _explain_conflict(session, appointment_id, name)
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


def _simple(
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
    appt = _load(session, appointment_id)
    target = _check(session, actor, appt, name, now)
    extra = {"reason": reason} if reason else {}
    return _write(
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


# --- the transitions -------------------------------------------------------------------------


def claim(
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentChange:
    """待认领 → 已认领 for the acting officer (exactly one workstation wins)."""
    now = now or utcnow()
    appt = _load(session, appointment_id)
    ask = rule_actor(session, actor)
    # A lost race reads better as "already claimed by X" than as a status refusal.
    if appt.status != Status.WAITING and ask.squad_id == appt.squad_id:
        raise _explain_conflict(session, appointment_id, "claim")
    target = _check(
        session, actor, appt, "claim", now, f=rules.Facts(appt.status, None, appt.squad_id)
    )
    return _write(
        session,
        actor,
        appt,
        "claim",
        target,
        expected_version=expected_version,
        now=now,
        values={"officer_id": actor.officer_id, "claimed_at": now},
    )


def release(
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    reason: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentChange:
    """释放: back to the squad queue (待认领), nobody assigned."""
    reason = rules.check_reason(reason, required=False)
    return _simple(
        "release",
        session,
        appointment_id,
        actor,
        expected_version=expected_version,
        now=now,
        reason=reason,
        values={"officer_id": None, "claimed_at": None},
    )


def dispatch(
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
    detail: dict[str, Any] | None = None,
) -> AppointmentChange:
    """A one-click dispatch (or a re-sent code): 联系中; a running procedure keeps its status."""
    now = now or utcnow()
    appt = _load(session, appointment_id)
    target = _check(session, actor, appt, "dispatch", now)  # a running procedure keeps
    return _write(
        session,
        actor,
        appt,
        "dispatch",
        target,
        expected_version=expected_version,
        now=now,
        detail=detail,
    )


def open_video(
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentChange:
    """The video room is open (or the citizen reconnected): 视频中; during a procedure
    (resume after a hang-up, a drop or a restart) the status stays 办理中."""
    return _simple(
        "open_video", session, appointment_id, actor, expected_version=expected_version, now=now
    )


def start_procedure(
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentChange:
    """视频中 → 办理中 (the procedure wizard starts)."""
    return _simple(
        "start_procedure",
        session,
        appointment_id,
        actor,
        expected_version=expected_version,
        now=now,
    )


def complete(
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentChange:
    """办理中 → 已办结 (the wizard's last step)."""
    return _simple(
        "complete", session, appointment_id, actor, expected_version=expected_version, now=now
    )


def no_show(
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentChange:
    """未到场: once the slot started and the citizen was contacted, or the slot ended.

    The audit row records the contact attempts (dispatches and phone calls placed).
    """
    dispatches, calls = contact_attempts(session, appointment_id)
    return _simple(
        "no_show",
        session,
        appointment_id,
        actor,
        expected_version=expected_version,
        now=now,
        detail={"dispatches": dispatches, "calls": calls},
    )


def hand_over(
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    reason_code: str,
    text: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentChange:
    """转窗口办理: the citizen completes the case at a service window; reason from the list."""
    code, text = rules.check_handover(reason_code, text)
    return _simple(
        "hand_over",
        session,
        appointment_id,
        actor,
        expected_version=expected_version,
        now=now,
        reason=rules.handover_text(code, text),
        detail={"reason_code": code},
    )


def cancel(
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    reason: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentChange:
    """The citizen cancels before the case is under way (gateway, system actor)."""
    return _simple(
        "cancel",
        session,
        appointment_id,
        actor,
        expected_version=expected_version,
        now=now,
        reason=rules.check_reason(reason, required=False),
        values={"officer_id": None},
    )


def reassign(
    session: Session,
    appointment_id: int,
    actor: Actor,
    *,
    reason: str,
    to_officer_id: int | None = None,
    to_squad_id: int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentChange:
    """改派 by the shift lead, in every state before the procedure starts (no live call).

    To an officer: the case keeps its progress (视频中 after the call falls back to 联系中, so
    the new officer opens the video again); to another squad: back to that squad's queue.
    """
    now = now or utcnow()
    appt = _load(session, appointment_id)
    if (to_officer_id is None) == (to_squad_id is None):
        raise ValidationError("target", "请选择改派给某位民警或另一个大队（二选一）")
    current = _check(session, actor, appt, "reassign", now)
    if (to_officer_id is not None and appt.officer_id == to_officer_id) or (
        to_squad_id is not None and appt.squad_id == to_squad_id
    ):  # a no-op is refused, not logged as a change
        raise ValidationError("target", "所选预约已由该民警（或该大队）负责，无需改派")
    reason = rules.check_reason(reason, required=True, what="改派原因")
    target_squad: int
    if to_officer_id is not None:
        target = session.get(Officer, to_officer_id)
        if target is None or target.disabled or target.role not in ("officer", "shift_lead"):
            raise ValidationError("officer", "目标民警不存在或已停用")
        if target.squad_id is None:
            raise ValidationError("officer", "目标民警不属于任何大队")
        target_squad = target.squad_id
        status = {"waiting": "claimed", "in_call": "contacting"}.get(current, current)
        values: dict[str, Any] = {
            "officer_id": to_officer_id,
            "squad_id": target_squad,
            "claimed_at": now,
        }
    else:
        assert to_squad_id is not None
        if session.get(Squad, to_squad_id) is None:
            raise ValidationError("squad", "目标大队不存在")
        target_squad, status = to_squad_id, "waiting"
        values = {"squad_id": to_squad_id, "officer_id": None, "claimed_at": None}
    return _write(
        session,
        actor,
        appt,
        "reassign",
        status,
        expected_version=expected_version,
        now=now,
        values=values,
        detail={
            "from_officer": appt.officer_id,
            "to_officer": to_officer_id,
            "from_squad": appt.squad_id,
            "to_squad": target_squad,
            "reason": reason,
        },
    )
