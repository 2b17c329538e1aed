"""The procedure wizard's cases: start, one function per step, load/resume.

Every function is one transaction with its audit row (the caller's op-runner transaction):
a step is either saved whole — ``case_steps`` row, ``cases.state`` = the domain
:class:`CaseProcedure` snapshot, version bump, audit — or not at all. The legal rules live in
:mod:`officer_console.domain.procedure`; this module adds what needs the database: the
booking's violations with catalogue text and ranges, identity against the record, the running
points total, the co-sign, the decision number and the appointment status.

Remote handling stops (转窗口办理) on suspension/revocation, a cycle total reaching 12, a
hearing request or the 24-hour limit; the stop is *saved* (the function returns the view with
``stop_code``) rather than raised, so the outcome survives. Appointment status changes go
through :func:`.core.move` and :func:`.core.hand_over` only (store.lifecycle). Every operation
returns a :class:`~.core.CaseChange` (the view and the lifecycle's change).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.domain.errors import (
    NotFoundError,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from officer_console.domain.penalties import POINTS_LIMIT, SIMPLE_PROCEDURE_MAX_FINE
from officer_console.domain.procedure import (
    CaseProcedure,
    HearingChoice,
    ProcedureKind,
    Step,
    procedure_kind,
)
from officer_console.domain.procedure_text import proposal_totals
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import (
    Appointment,
    Case,
    Citizen,
    Decision,
    EvidenceFile,
    Licence,
    Squad,
    Vehicle,
)
from officer_console.store.db.types import utcnow
from officer_console.store.evidence.numbering import next_number
from officer_console.store.evidence.writing import StoreLike
from officer_console.store.procedure import cosign, leniency
from officer_console.store.procedure.core import (
    CaseChange,
    changed,
    hand_over,
    move,
    open_case,
    procedure_of,
    save_step,
    stop_case,
)
from officer_console.store.procedure.files import store_file, store_signature
from officer_console.store.procedure.presence import require_citizen
from officer_console.store.procedure.records import require_record
from officer_console.store.procedure.view import (
    HANDED_OVER,
    OPEN,
    build_view,
    squad_tz,
    violation_facts,
)

__all__ = [
    "complete_confirmation",
    "complete_inquiry",
    "complete_notice",
    "complete_ruling",
    "record_snapshot",
    "start_case",
]

# --- start ---------------------------------------------------------------------------------


def _stop_reason(
    fine_total: int, points_total: int, cycle_points: int, *, suspension: bool, revocation: bool
) -> RuleViolation | None:
    try:
        procedure_kind(fine_total, suspension=suspension, revocation=revocation)
    except RuleViolation as exc:
        return exc
    if cycle_points + points_total >= POINTS_LIMIT:
        return RuleViolation(
            f"当事人本记分周期已记{cycle_points}分，本次拟记{points_total}分，"
            f"累积将达到{cycle_points + points_total}分（满{POINTS_LIMIT}分须参加学习、考试），"
            "不能远程办理",
            code="points_reach_12",
        )
    return None


def start_case(
    session: Session,
    actor: Actor,
    appointment_id: int,
    *,
    suspension: bool = False,
    revocation: bool = False,
    now: datetime | None = None,
) -> CaseChange:
    """开始办理: open the case (the 24-hour limit starts); an existing case is resumed as is."""
    now = now or utcnow()
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFoundError("预约不存在")
    if actor.officer_id is None or appt.officer_id != actor.officer_id:
        raise PermissionDenied("只有认领该预约的民警可以开始办理")
    existing = session.scalar(select(Case).where(Case.appointment_id == appointment_id))
    if existing is not None:
        return changed(session, existing)
    if appt.status != Status.IN_CALL:
        label = rules.STATUS_LABELS.get(appt.status, appt.status)
        raise ValidationError("status", f"预约当前为“{label}”，须在视频通话中开始办理")
    facts = violation_facts(session, appt, squad_tz(session, appt.squad_id))
    if not facts:
        raise ValidationError("violations", "该预约没有待处理的违法记录，不能开始办理")
    licence = session.scalar(select(Licence).where(Licence.citizen_id == appt.citizen_id))
    cycle = licence.cycle_points if licence else 0
    fine_total, points_total = sum(v.fine for v in facts), sum(v.points for v in facts)
    stop = _stop_reason(
        fine_total, points_total, cycle, suspension=suspension, revocation=revocation
    )
    general = fine_total > SIMPLE_PROCEDURE_MAX_FINE or suspension or revocation
    kind = ProcedureKind.GENERAL if general else ProcedureKind.SIMPLE
    vehicle = session.get(Vehicle, appt.vehicle_id) if appt.vehicle_id else None
    squad = session.get(Squad, appt.squad_id)
    state: dict[str, Any] = {
        "violations": [v.to_dict() for v in facts],
        "plate": vehicle.plate if vehicle else "",
        "unit_name": squad.unit_name if squad else "",
        "procedure": None,
        "stop": None,
    }
    if stop is None:
        tz = squad_tz(session, appt.squad_id)
        state["leniency"] = leniency.initial_state(session, facts, tz, now)
        proc = CaseProcedure.start(
            kind, actor.officer_id, cycle_points_before=cycle, accepted_at=now
        )
        state["procedure"] = proc.to_dict()
    else:
        state["stop"] = {"code": stop.code, "text": stop.message, "at_step": "start"}
    case = Case(
        appointment_id=appt.id,
        procedure=kind.value,
        lead_officer_id=actor.officer_id,
        current_step="inquiry",
        status=OPEN if stop is None else HANDED_OVER,
        state=state,
        accepted_at=now,
        closed_at=None if stop is None else now,
    )
    session.add(case)
    session.flush()
    audit.record(
        session,
        actor,
        "case.start",
        entity_type="case",
        entity_id=case.id,
        detail={
            "appointment_id": appt.id,
            "procedure": kind.value,
            "violations": len(facts),
            "fine_total": fine_total,
            "points_total": points_total,
            "stop": stop.code if stop else None,
        },
    )
    if stop is None:
        change = move(session, actor, appt, "in_procedure")
    else:
        change = hand_over(session, actor, appt, stop.code, stop.message)
    return changed(session, case, change)


# --- the steps -----------------------------------------------------------------------------


def record_snapshot(
    session: Session, actor: Actor, evidence_dir: StoreLike, case_id: int, png: bytes
) -> int:
    """The ID card held to the camera, from the incoming video: kept as evidence, hashed."""
    case = open_case(session, actor, case_id, Step.INQUIRY)
    require_citizen(session, case.appointment_id, "截取身份证画面")
    if not png.startswith(b"\x89PNG"):
        raise ValidationError("snapshot", "截图应为PNG图片")
    row = store_file(
        session,
        actor,
        evidence_dir,
        case_id=case.id,
        appointment_id=case.appointment_id,
        kind="id_snapshot",
        data=png,
    )
    return row.id


def complete_inquiry(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    name_confirmed: bool,
    id_last4: str,
    snapshot_evidence_id: int | None,
    qa: Sequence[tuple[str, str]],
    admissions: Mapping[int, bool],
    refused: bool = False,
) -> CaseChange:
    """询问: identity (snapshot + name + last four ID digits) first, then Q&A and admissions."""
    case = open_case(session, actor, case_id, Step.INQUIRY)
    require_citizen(session, case.appointment_id, "询问")
    appt = session.get(Appointment, case.appointment_id)
    assert appt is not None
    citizen = session.get(Citizen, appt.citizen_id)
    assert citizen is not None
    snapshot = session.get(EvidenceFile, snapshot_evidence_id) if snapshot_evidence_id else None
    if snapshot is None or snapshot.case_id != case.id or snapshot.kind != "id_snapshot":
        raise ValidationError("snapshot", "请先请当事人将身份证对准摄像头，并从视频截取画面留存")
    if not name_confirmed:
        raise RuleViolation("请核对当事人姓名与登记信息一致后再询问", code="identity_not_verified")
    if id_last4.strip().upper() != citizen.id_number[-4:].upper():
        raise RuleViolation(
            "身份证号码后四位与登记信息不符，身份核验未通过，不能询问", code="identity_not_verified"
        )
    ids = {v["violation_id"] for v in case.state["violations"]}
    if set(admissions) != ids:
        raise ValidationError("admissions", "请逐条记录当事人是否承认违法事实")
    proc = procedure_of(case).complete_inquiry(True, list(qa), refused)
    data = {
        "identity": {"name_confirmed": True, "id_last4_ok": True, "snapshot": snapshot.id},
        "qa": [list(p) for p in proc.inquiry.qa] if proc.inquiry else [],
        "refused": refused,
        "admissions": {str(k): bool(v) for k, v in sorted(admissions.items())},
    }
    save_step(session, actor, case, Step.INQUIRY, data, proc=proc)
    return changed(session, case)


def complete_notice(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    statement: str | None,
    waived: bool,
    hearing_requested: bool = False,
    hearing: HearingChoice | None = None,
    leniency_reasons: Mapping[int, str] | None = None,
    now: datetime | None = None,
    review_note: str = "",
) -> CaseChange:
    """告知: the generated notice, then the statement/defence or the waiver, and the officer's
    review of the statement (printed on the 告知笔录 signed next); from 2000 yuan the hearing
    choice (a request ends remote handling and is saved as such, with no statement demanded; a
    waiver is recorded; otherwise the ruling waits 5 days); the 首违警告 decision and reason of
    every violation on the list. Only after the 询问笔录 was signed."""
    now = now or utcnow()
    case = open_case(session, actor, case_id, Step.NOTICE)
    require_record(case, "inquiry")
    require_citizen(session, case.appointment_id, "告知")
    view = build_view(session, case)
    fine, pts, warning = proposal_totals(view.violations, view.warned)
    if hearing_requested:
        hearing = HearingChoice.REQUESTED
    review_note = review_note.strip()
    data: dict[str, Any] = {
        "text": view.notice,
        "proposed_fine": fine,
        "proposed_points": pts,
        "warning": warning,
        "statement": statement,
        "waived": waived,
        "hearing_requested": hearing is HearingChoice.REQUESTED,
        "hearing": hearing.value if hearing else None,
        "review_note": review_note,
    }
    try:
        proc = procedure_of(case).complete_notice(
            fine,
            pts,
            warning,
            statement,
            waived,
            hearing=hearing,
            notified_at=now,
            tz=squad_tz(session, view.squad_id),
        )
    except RuleViolation as exc:
        if exc.code != "hearing_requested":
            raise
        return stop_case(session, actor, case, Step.NOTICE, data, exc=exc)
    if statement and statement.strip() and not waived and not review_note:  # on the 告知笔录
        raise ValidationError("review_note", "当事人已陈述申辩，请填写对陈述申辩的复核意见")
    data["leniency"] = leniency.notice_decisions(case.state, leniency_reasons or {})
    assert proc.notice is not None
    data["hearing"] = proc.notice.hearing.value
    wait = proc.notice.ruling_not_before
    data["ruling_not_before"] = wait.isoformat() if wait else None
    save_step(session, actor, case, Step.NOTICE, data, proc=proc, now=now)
    audit.record(
        session,
        actor,
        "case.notice_rights",
        entity_type="case",
        entity_id=case.id,
        detail={
            "hearing": proc.notice.hearing.value,
            "statement_waived": waived and not proc.notice.statement,
            "leniency": {k: v["applies"] for k, v in data["leniency"].items()},
        },
    )
    return changed(session, case)


def complete_ruling(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    fines: Mapping[int, int],
    points: Mapping[int, int],
    review_note: str,
    warning: bool = False,
    now: datetime | None = None,
) -> CaseChange:
    """裁决: per violation within the catalogue range and ≤ the notice; the 12-point and 24-hour
    checks again; general procedure needs the approved co-sign; the decision number is taken."""
    now = now or utcnow()
    case = open_case(session, actor, case_id, Step.RULING)
    require_record(case, "notice")
    violations = case.state["violations"]
    warned = leniency.check_ruling(violations, case.state, fines, points, warning=warning)
    if warning and not warned:
        raise ValidationError("warning", "给予警告的违法行为罚款应填为0元")
    fine, pts = sum(fines.values()), sum(points.values())
    data: dict[str, Any] = {
        "fines": {str(k): v for k, v in sorted(fines.items())},
        "points": {str(k): v for k, v in sorted(points.items())},
        "warning": warning,
        "warned": sorted(warned),
        "review_note": review_note,
    }
    appt = session.get(Appointment, case.appointment_id)
    assert appt is not None
    licence = session.scalar(select(Licence).where(Licence.citizen_id == appt.citizen_id))
    assist = None
    if case.procedure == ProcedureKind.GENERAL.value:
        approved = cosign.approved_proposal(session, case.id)
        if approved is None:
            raise RuleViolation(
                "一般程序须由两名民警办理：请先请协办民警会签确认", code="assist_officer_required"
            )
        assist, proposal = approved
        if not cosign.proposal_matches(proposal, fines, points, warned):
            raise RuleViolation(
                "裁决与协办民警会签同意的拟裁决不一致：请按会签内容裁决，或重新请求会签",
                code="ruling_differs_from_cosign",
            )
    try:
        proc = procedure_of(case).with_cycle_points_before(licence.cycle_points if licence else 0)
        proc = proc.complete_ruling(fine, pts, warning, review_note, assist, now=now)
    except RuleViolation as exc:
        if exc.code not in ("points_reach_12", "decision_deadline_passed"):
            raise
        return stop_case(session, actor, case, Step.RULING, data, exc=exc)
    squad = session.get(Squad, appt.squad_id)
    assert squad is not None
    year = now.astimezone(squad_tz(session, squad.id)).year
    number, serial = next_number(session, squad.code, squad.division_code, year)
    session.add(
        Decision(
            case_id=case.id,
            number=number,
            unit_code=squad.code,
            year=year,
            serial=serial,
            fine_total=fine,
            points_total=pts,
            warning=warning,
            issued_at=now,
        )
    )
    data.update(decision_number=number, assist_officer_id=assist)
    save_step(session, actor, case, Step.RULING, data, proc=proc, now=now)
    audit.record(
        session,
        actor,
        "decision.number",
        entity_type="case",
        entity_id=case.id,
        detail={"number": number, "fine": fine, "points": pts},
    )
    return changed(session, case)


def complete_confirmation(
    session: Session,
    actor: Actor,
    evidence_dir: StoreLike,
    case_id: int,
    *,
    signature_png: bytes | None,
    refused: bool,
) -> CaseChange:
    """确认: the citizen's signature image (accepted by the officer) or the refusal to sign."""
    case = open_case(session, actor, case_id, Step.CONFIRMATION)
    # a signature and a refusal to sign alike: only with the citizen on camera
    require_citizen(session, case.appointment_id, "确认（签名或拒绝签名）")
    signed = signature_png is not None and not refused
    proc = procedure_of(case).complete_confirmation(signed, refused)
    data: dict[str, Any] = {"signed": signed, "refused_to_sign": refused, "signature": None}
    if signed:
        assert signature_png is not None
        data["signature"] = store_signature(
            session, actor, evidence_dir, case, signature_png, label="confirmation"
        )
    save_step(session, actor, case, Step.CONFIRMATION, data, proc=proc)
    return changed(session, case)
