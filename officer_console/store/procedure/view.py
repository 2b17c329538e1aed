"""What the wizard shows of a case: :class:`CaseView` and the reads that build it.

Kept apart from the step functions (:mod:`.cases`) so each module stays small; the view is
rebuilt from the stored rows after every step, which is what makes resuming exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.domain.errors import NotFoundError
from officer_console.domain.leniency import LeniencyAssessment
from officer_console.domain.masking import mask_name, mask_phone
from officer_console.domain.penalties import hearing_right
from officer_console.domain.procedure import CaseProcedure, ProcedureKind, Step
from officer_console.domain.procedure_text import ViolationFacts, inquiry_questions, notice_text
from officer_console.store.appointments import catalogue
from officer_console.store.appointments.violations import appointment_violations
from officer_console.store.db.models import (
    Appointment,
    Case,
    CaseStep,
    Citizen,
    CosignRequest,
    Decision,
    Licence,
    Officer,
    Squad,
)

__all__ = [
    "COMPLETED",
    "HANDED_OVER",
    "OPEN",
    "PAPER_PENDING",
    "PAPER_SERVED",
    "STATUS_LABELS",
    "CaseView",
    "StepDone",
    "build_view",
    "case_for_appointment",
    "load_case",
    "squad_tz",
    "violation_facts",
]

OPEN, HANDED_OVER, COMPLETED = "open", "handed_over", "completed"
PAPER_PENDING, PAPER_SERVED = "paper_pending", "paper_served"
STATUS_LABELS = {
    OPEN: "办理中",
    HANDED_OVER: "已转窗口办理",
    COMPLETED: "已办结（已电子送达）",
    PAPER_PENDING: "已办结（待纸质送达）",
    PAPER_SERVED: "已办结（已纸质送达）",
}
DECISION_HOURS = 24


@dataclass(frozen=True)
class StepDone:
    step: str
    label: str
    officer: str
    completed_at: datetime


@dataclass(frozen=True)
class CaseView:
    """What the wizard shows; personal data masked except in the notice text itself."""

    case_id: int
    appointment_id: int
    squad_id: int
    kind: ProcedureKind
    status: str
    next_step: Step | None
    accepted_at: datetime
    violations: tuple[ViolationFacts, ...]
    party_masked: str
    phone_masked: str
    plate: str
    cycle_points: int
    lead_officer_id: int
    assist_officer_id: int | None
    stop_code: str
    stop_text: str
    decision_number: str
    notice: str
    steps: tuple[StepDone, ...]
    step_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    cosign_status: str = ""  # "", pending, approved, declined
    cosign_detail: str = ""
    handover: dict[str, Any] = field(default_factory=dict)  # 转窗口办理: reason, decision road
    paper_service: dict[str, Any] = field(default_factory=dict)  # method, date, recipient
    records: dict[str, Any] = field(default_factory=dict)  # step → signature/refusal, evidence
    #: 首违警告: (assessment, applies, reason) per violation on the list in force.
    leniency: tuple[tuple[LeniencyAssessment, bool, str], ...] = ()

    @property
    def warned(self) -> frozenset[int]:
        """Violations the notice proposes as 警告 (leniency applied)."""
        return frozenset(a.violation_id for a, applies, _r in self.leniency if applies)

    @property
    def proposed_fine_total(self) -> int:
        """The notice's fine: warned violations propose 警告 in place of their fine."""
        return sum(v.fine for v in self.violations if v.violation_id not in self.warned)

    @property
    def hearing_right(self) -> bool:
        return hearing_right(self.proposed_fine_total)

    @property
    def deadline_at(self) -> datetime:
        return self.accepted_at + timedelta(hours=DECISION_HOURS)

    @property
    def fine_total(self) -> int:
        return sum(v.fine for v in self.violations)

    @property
    def points_total(self) -> int:
        return sum(v.points for v in self.violations)

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def questions(self) -> list[str]:
        return inquiry_questions(self.violations)


# --- reading -------------------------------------------------------------------------------


def squad_tz(session: Session, squad_id: int) -> ZoneInfo:
    squad = session.get(Squad, squad_id)
    return ZoneInfo(squad.timezone if squad else "Asia/Shanghai")


def violation_facts(session: Session, appt: Appointment, tz: ZoneInfo) -> list[ViolationFacts]:
    records = appointment_violations(session, appt.id)
    facts = []
    for v in records:
        local = v.occurred_at.astimezone(tz)
        entry = catalogue.lookup(session, v.region, v.code, local.date())
        facts.append(
            ViolationFacts(
                violation_id=v.id,
                code=v.code,
                behaviour=entry.behaviour,
                occurred=f"{local:%Y年%m月%d日%H时%M分}",
                location=v.location,
                fine=v.fine,
                points=v.points,
                fine_min=entry.fine_min,
                fine_max=entry.fine_max,
                conduct_basis=entry.conduct_basis,
                penalty_basis=entry.penalty_basis,
                penalty_kind=entry.penalty_kind,
            )
        )
    return facts


def _officer_label(session: Session, officer_id: int | None) -> str:
    officer = session.get(Officer, officer_id) if officer_id else None
    return f"{officer.name}（{officer.police_number}）" if officer else ""


def build_view(session: Session, case: Case) -> CaseView:
    appt = session.get(Appointment, case.appointment_id)
    assert appt is not None  # foreign key
    citizen = session.get(Citizen, appt.citizen_id)
    assert citizen is not None
    state = case.state or {}
    violations = tuple(ViolationFacts.from_dict(v) for v in state.get("violations", []))
    proc_data = state.get("procedure")
    next_step: Step | None = None
    if case.status == OPEN and proc_data is not None:
        next_step = CaseProcedure.from_dict(proc_data).next_step
    rows = session.execute(
        select(CaseStep, Officer.name, Officer.police_number)
        .join(Officer, Officer.id == CaseStep.officer_id)
        .where(CaseStep.case_id == case.id)
        .order_by(CaseStep.seq)
    ).all()
    steps, data = [], {}
    for row, name, number in rows:
        label = Step(row.step).label
        if row.step == Step.SERVICE.value:  # which service happened, not always 电子送达
            label = "电子送达" if (row.data or {}).get("channel") == "sms" else "纸质送达"
        steps.append(StepDone(row.step, label, f"{name}（{number}）", row.completed_at))
        data[row.step] = dict(row.data or {})
    decision = session.scalar(select(Decision.number).where(Decision.case_id == case.id))
    cosign = session.scalar(
        select(CosignRequest)
        .where(CosignRequest.case_id == case.id)
        .order_by(CosignRequest.id.desc())
        .limit(1)
    )
    cosign_detail = ""
    if cosign is not None:
        cosign_detail = _officer_label(session, cosign.officer_id)
        if cosign.reason:
            cosign_detail += f"：{cosign.reason}"
    stop = state.get("stop") or {}
    licence = session.scalar(select(Licence).where(Licence.citizen_id == citizen.id))
    found = tuple(
        (LeniencyAssessment.from_dict(i), bool(i["applies"]), str(i["reason"]))
        for i in (state.get("leniency") or {}).get("items", [])
    )
    warned = frozenset(a.violation_id for a, applies, _r in found if applies)
    fine_total = sum(v.fine for v in violations if v.violation_id not in warned)
    return CaseView(
        case_id=case.id,
        appointment_id=appt.id,
        squad_id=appt.squad_id,
        kind=ProcedureKind(case.procedure),
        status=case.status,
        next_step=next_step,
        accepted_at=case.accepted_at,
        violations=violations,
        party_masked=mask_name(citizen.name),
        phone_masked=mask_phone(citizen.phone or ""),
        plate=str(state.get("plate", "")),
        cycle_points=licence.cycle_points if licence else 0,
        lead_officer_id=case.lead_officer_id,
        assist_officer_id=case.assist_officer_id,
        stop_code=str(stop.get("code", "")),
        stop_text=str(stop.get("text", "")),
        decision_number=decision or "",
        notice=notice_text(
            party=citizen.name,
            plate=str(state.get("plate", "")),
            violations=violations,
            fine_total=fine_total,
            points_total=sum(v.points for v in violations),
            unit_name=str(state.get("unit_name", "")),
            warned=warned,
        ),
        steps=tuple(steps),
        step_data=data,
        cosign_status=cosign.status if cosign else "",
        cosign_detail=cosign_detail,
        handover=dict(state.get("handover") or {}),
        paper_service=dict(state.get("paper_service") or {}),
        records=dict(state.get("records") or {}),
        leniency=found,
    )


def load_case(session: Session, case_id: int) -> CaseView:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("案件不存在")
    return build_view(session, case)


def case_for_appointment(session: Session, appointment_id: int) -> CaseView | None:
    """The case of an appointment (to resume at its first incomplete step), or None."""
    case = session.scalar(select(Case).where(Case.appointment_id == appointment_id))
    return None if case is None else build_view(session, case)
