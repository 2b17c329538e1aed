"""The procedure's plumbing, shared by every operation of the package.

* :class:`CaseChange` — what one operation changed: the rebuilt :class:`CaseView` and, when
  the appointment's status moved, the lifecycle's :class:`AppointmentChange` (never thrown
  away). The GUI publishes :attr:`CaseChange.changed` once on its change hub.
* :func:`open_case` — the case, checked open, led by the actor and at ``step``.
* :func:`save_step` — the ``case_steps`` row, the domain snapshot, the version bump and the
  audit row, all or nothing (a concurrent completion loses cleanly).
* :func:`move` / :func:`hand_over` — the only places the appointment status changes, through
  :mod:`officer_console.store.appointments.lifecycle` (status and permission rules live there and in
  :mod:`officer_console.domain.appointment`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
)
from officer_console.domain.procedure import STEP_ORDER, CaseProcedure, Step
from officer_console.store.appointments import lifecycle
from officer_console.store.appointments.lifecycle import AppointmentChange
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Appointment, Case, CaseStep
from officer_console.store.db.types import utcnow
from officer_console.store.procedure.view import (
    HANDED_OVER,
    OPEN,
    STATUS_LABELS,
    CaseView,
    build_view,
)

__all__ = [
    "CaseChange",
    "appointment_of",
    "changed",
    "hand_over",
    "move",
    "open_case",
    "procedure_of",
    "save_step",
    "stop_case",
]


@dataclass(frozen=True)
class CaseChange:
    """One operation's result: the case as saved, and the appointment change it caused."""

    view: CaseView
    appointment: AppointmentChange | None
    appointment_version: int

    @property
    def changed(self) -> tuple[int, int]:
        """``(appointment id, its version now)`` — what the change hub publishes."""
        return (self.view.appointment_id, self.appointment_version)


def appointment_of(session: Session, case: Case) -> Appointment:
    appt = session.get(Appointment, case.appointment_id)
    assert appt is not None  # foreign key
    return appt


def changed(session: Session, case: Case, change: AppointmentChange | None = None) -> CaseChange:
    """The :class:`CaseChange` of ``case`` after an operation (view rebuilt from the rows)."""
    version = change.version if change else appointment_of(session, case).version
    return CaseChange(build_view(session, case), change, version)


# --- appointment status: only through the lifecycle ----------------------------------------


def move(session: Session, actor: Actor, appt: Appointment, status: str) -> AppointmentChange:
    """in_call → in_procedure → completed, through the lifecycle (rule, version, audit)."""
    step = {"in_procedure": lifecycle.start_procedure, "completed": lifecycle.complete}[status]
    return step(session, appt.id, actor, expected_version=appt.version)


# A procedure stop → the lifecycle's 转窗口办理 reason (the stop's text goes with it).
HANDOVER_REASON = {
    "hearing_requested": "hearing",
    "remote_not_allowed": "licence_seizure",
}


def hand_over(
    session: Session, actor: Actor, appt: Appointment, code: str, text: str
) -> AppointmentChange:
    """转窗口办理: the appointment ends as handed_over with the stop's reason (lifecycle)."""
    return lifecycle.hand_over(
        session,
        appt.id,
        actor,
        reason_code=HANDOVER_REASON.get(code, "other"),
        text=text[: rules.REASON_MAX],
        expected_version=appt.version,
    )


# --- steps ---------------------------------------------------------------------------------


def open_case(session: Session, actor: Actor, case_id: int, step: Step) -> Case:
    """The open case led by ``actor`` whose next step is ``step`` (else a clear refusal)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("案件不存在")
    if case.status != OPEN:
        raise RuleViolation(
            f"案件{STATUS_LABELS.get(case.status, case.status)}，不能继续办理", code="case_closed"
        )
    if actor.officer_id != case.lead_officer_id:
        raise PermissionDenied("只有主办民警可以办理该案件的程序步骤")
    status = appointment_of(session, case).status
    if status != Status.IN_PROCEDURE:  # e.g. handed over from the outcomes box meanwhile
        raise RuleViolation(
            f"预约当前为“{rules.label(status)}”，案件不能继续办理", code="case_closed"
        )
    expected = procedure_of(case).next_step
    if expected is not step:
        raise RuleViolation(
            f"当前应进行「{expected.label if expected else '（已完成）'}」步骤，"
            f"不能进行「{step.label}」；各步骤须依次完成，不能跳过或重复",
            code="step_out_of_order",
        )
    return case


def procedure_of(case: Case) -> CaseProcedure:
    return CaseProcedure.from_dict(case.state["procedure"])


def save_step(
    session: Session,
    actor: Actor,
    case: Case,
    step: Step,
    data: dict[str, Any],
    *,
    proc: CaseProcedure | None = None,
    status: str = OPEN,
    stop: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Insert the step row and the new snapshot; a concurrent completion loses cleanly."""
    assert actor.officer_id is not None
    now = now or utcnow()
    state = dict(case.state)
    if proc is not None:
        state["procedure"] = proc.to_dict()
    if stop is not None:
        state["stop"] = stop
    next_step = proc.next_step if proc is not None else None
    done = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == case.version)
        .values(
            state=state,
            status=status,
            current_step=(next_step or step).value,
            assist_officer_id=(proc.assist_officer_id if proc else case.assist_officer_id),
            version=Case.version + 1,
            closed_at=None if status == OPEN else now,
        )
        .returning(Case.version)
    ).scalar_one_or_none()
    if done is None:
        raise ConflictError("该案件已在其他工作站办理到下一步，已刷新")
    session.add(
        CaseStep(
            case_id=case.id,
            step=step.value,
            seq=STEP_ORDER.index(step) + 1,
            data=data,
            officer_id=actor.officer_id,
            completed_at=now,
        )
    )
    try:  # the version check above already serialises; the unique key is the last guard
        session.flush()
    except IntegrityError:  # the whole transaction is abandoned with this error
        raise ConflictError(f"「{step.label}」已由其他工作站完成，已刷新") from None
    session.refresh(case)
    audit.record(
        session,
        actor,
        "case.step",
        entity_type="case",
        entity_id=case.id,
        detail={"step": step.value, "status": status, "stop": (stop or {}).get("code")},
    )


def stop_case(
    session: Session,
    actor: Actor,
    case: Case,
    step: Step,
    data: dict[str, Any],
    *,
    exc: RuleViolation,
) -> CaseChange:
    """A stop (转窗口办理) saved at ``step``: the outcome survives, the appointment ends."""
    stop = {"code": exc.code, "text": exc.message, "at_step": step.value}
    save_step(
        session, actor, case, step, {**data, "stopped": exc.code}, status=HANDED_OVER, stop=stop
    )
    change = hand_over(session, actor, appointment_of(session, case), exc.code, exc.message)
    return changed(session, case, change)


def first_case(session: Session, appointment_id: int) -> Case | None:
    return session.scalar(select(Case).where(Case.appointment_id == appointment_id))
