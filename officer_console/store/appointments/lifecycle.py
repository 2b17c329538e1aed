"""One store function per appointment transition — the only code that changes a status.

Each function loads the facts, asks :mod:`officer_console.domain.appointment` whether the
actor may make the change, writes it as one conditional ``UPDATE … WHERE status=… [AND
version=…]`` (so two workstations never both win), stamps the live-update change number and
appends an audit row with the reason — all in the caller's transaction. It returns an
:class:`AppointmentChange` the GUI fans out through its one change signal.

A refusal for lack of permission is audited (``outcome="denied"``) and raised as
PermissionDenied; the caller must still commit so the denial persists (the GUI runs these
through ``run_keeping_denials``). A lost race raises ConflictError and is not audited.
Those shared steps are :mod:`officer_console.store.appointments.transition`; here is what each changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.domain.errors import ValidationError
from officer_console.store.appointments.transition import (
    AppointmentChange,
    check_rule,
    contact_attempts,
    explain_conflict,
    load_appointment,
    rule_actor,
    simple_transition,
    write_change,
)
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Officer, Squad
from officer_console.store.db.types import utcnow

__all__ = [
    "AppointmentChange",
    "cancel",
    "claim",
    "complete",
    "dispatch",
    "hand_over",
    "no_show",
    "open_video",
    "reassign",
    "release",
    "start_procedure",
]


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
    appt = load_appointment(session, appointment_id)
    ask = rule_actor(session, actor)
    # A lost race reads better as "already claimed by X" than as a status refusal.
    if appt.status != Status.WAITING and ask.squad_id == appt.squad_id:
        raise explain_conflict(session, appointment_id, "claim")
    target = check_rule(
        session, actor, appt, "claim", now, f=rules.Facts(appt.status, None, appt.squad_id)
    )
    return write_change(
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
    return simple_transition(
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
    appt = load_appointment(session, appointment_id)
    target = check_rule(session, actor, appt, "dispatch", now)  # a running procedure keeps
    return write_change(
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
    return simple_transition(
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
    return simple_transition(
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
    return simple_transition(
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
    return simple_transition(
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
    return simple_transition(
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
    return simple_transition(
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
    appt = load_appointment(session, appointment_id)
    if (to_officer_id is None) == (to_squad_id is None):
        raise ValidationError("target", "请选择改派给某位民警或另一个大队（二选一）")
    current = check_rule(session, actor, appt, "reassign", now)
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
    return write_change(
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
