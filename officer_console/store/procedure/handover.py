"""The lawful endings of a case that cannot finish remotely, and paper service.

* :func:`hand_over_case` — 转窗口办理 of a running case with its state kept (the officer ends
  it lawfully when the citizen is gone for good — never finishes it alone). A case already
  decided takes one of two roads (DOMAIN.md, *A decision that cannot stand*; see
  docs/domain.md): ``carry`` — the decision goes with the case to the service window and is
  served there on paper (:func:`record_paper_service`); ``void`` — 作废 with a reason and an
  audit row, the ``decisions`` row and its number stay (the sequence stays gap-free and every
  number is explained). Either way the case can never reach 确认/送达 or send a link again.
* :func:`record_paper_service` — 直接送达/邮寄送达/留置送达/委托送达/公告送达 recorded with date,
  recipient and an optional scanned 送达回证 (evidence); the case goes from 待纸质送达 to
  已送达 (纸质).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from officer_console.store.appointments import lifecycle
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Case, Decision, Officer
from officer_console.store.db.types import utcnow
from officer_console.store.evidence.writing import StoreLike
from officer_console.store.procedure.core import CaseChange, appointment_of, changed, procedure_of
from officer_console.store.procedure.files import store_file
from officer_console.store.procedure.view import HANDED_OVER, OPEN, PAPER_PENDING, PAPER_SERVED

__all__ = ["PAPER_METHODS", "hand_over_case", "record_paper_service"]

PAPER_METHODS = {
    "direct": "直接送达",
    "post": "邮寄送达",
    "left": "留置送达",
    "entrusted": "委托送达",
    "public": "公告送达",
}


def _bump(session: Session, case: Case, **values: Any) -> None:
    done = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == case.version)
        .values(version=Case.version + 1, **values)
        .returning(Case.id)
    ).scalar_one_or_none()
    if done is None:
        raise ConflictError("该案件已在其他工作站更新，已刷新")
    session.refresh(case)


def hand_over_case(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    reason_code: str,
    text: str = "",
    decision: str = "",
    void_reason: str = "",
    now: datetime | None = None,
) -> CaseChange:
    """转窗口办理 of the open case; ``decision`` (``carry``/``void``) when one was ruled."""
    now = now or utcnow()
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("案件不存在")
    if actor.officer_id != case.lead_officer_id:
        raise PermissionDenied("只有主办民警可以将案件转窗口办理")
    if case.status != OPEN:
        raise RuleViolation("案件已结束，不能再转窗口办理", code="case_closed")
    code, free = rules.check_handover(reason_code, text)
    row = session.scalar(select(Decision).where(Decision.case_id == case.id))
    handover: dict[str, Any] = {"reason_code": code, "text": free, "decision": None}
    if row is not None:
        if decision not in ("carry", "void"):
            raise ValidationError(
                "decision", "本案已作出处罚决定：请选择决定书随案移交窗口送达，或作废并写明理由"
            )
        if decision == "void":
            why = rules.check_reason(void_reason, required=True, what="作废理由")
            row.voided_at, row.void_reason = now, why
            audit.record(
                session,
                actor,
                "decision.void",
                entity_type="case",
                entity_id=case.id,
                detail={"number": row.number, "serial": row.serial, "reason": why},
                at=now,
            )
        handover["decision"] = "carried" if decision == "carry" else "voided"
        handover["decision_number"] = row.number
    step = procedure_of(case).next_step
    text_label = rules.handover_text(code, free)
    state = dict(case.state)
    state["stop"] = {
        "code": "handed_over",
        "text": text_label,
        "at_step": step.value if step else "",
    }
    state["handover"] = handover
    _bump(session, case, state=state, status=HANDED_OVER, closed_at=now)
    audit.record(
        session,
        actor,
        "case.hand_over",
        entity_type="case",
        entity_id=case.id,
        detail={**handover, "at_step": state["stop"]["at_step"]},
        at=now,
    )
    appt = appointment_of(session, case)
    change = None
    if appt.status == Status.IN_PROCEDURE:  # handed over from the outcomes box already: kept
        change = lifecycle.hand_over(
            session,
            appt.id,
            actor,
            reason_code=code,
            text=free,
            expected_version=appt.version,
            now=now,
        )
    return changed(session, case, change)


def record_paper_service(
    session: Session,
    actor: Actor,
    store: StoreLike,
    case_id: int,
    *,
    method: str,
    served_on: date,
    recipient: str,
    receipt: bytes | None = None,
) -> CaseChange:
    """送达回证 recorded for a 待纸质送达 case (or a decision carried to the window)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("案件不存在")
    officer = session.get(Officer, actor.officer_id) if actor.officer_id else None
    appt = appointment_of(session, case)
    if officer is None or officer.disabled or officer.squad_id != appt.squad_id:
        raise PermissionDenied("只有本大队民警可以记录送达情况")
    carried = (case.state.get("handover") or {}).get("decision") == "carried"
    if not (case.status == PAPER_PENDING or (case.status == HANDED_OVER and carried)):
        raise RuleViolation("本案没有待纸质送达的处罚决定书", code="not_paper_pending")
    if method not in PAPER_METHODS:
        raise ValidationError("method", "请选择送达方式")
    who = rules.check_reason(recipient, required=True, what="受送达人")
    decision = session.scalar(select(Decision).where(Decision.case_id == case.id))
    assert decision is not None
    today = utcnow().date()
    if served_on > today or served_on < decision.issued_at.date():
        raise ValidationError("served_on", "送达日期应在决定作出之日至今天之间")
    receipt_id = None
    if receipt is not None:
        ext = (
            "pdf"
            if receipt.startswith(b"%PDF")
            else "png"
            if receipt.startswith(b"\x89PNG")
            else ""
        )
        if not ext:
            raise ValidationError("receipt", "送达回证扫描件应为PDF或PNG")
        row = store_file(
            session,
            actor,
            store,
            case_id=case.id,
            appointment_id=appt.id,
            kind="service_receipt",
            data=receipt,
            ext=ext,
        )
        receipt_id = row.id
    state = dict(case.state)
    state["paper_service"] = {
        "method": method,
        "method_label": PAPER_METHODS[method],
        "served_on": served_on.isoformat(),
        "recipient": who,
        "receipt": receipt_id,
        "officer_id": officer.id,
        "decision_number": decision.number,
    }
    _bump(session, case, state=state, status=PAPER_SERVED)
    audit.record(
        session,
        actor,
        "service.paper",
        entity_type="case",
        entity_id=case.id,
        detail={"method": method, "served_on": served_on.isoformat(), "receipt": receipt_id},
    )
    return changed(session, case)
