"""Co-sign of a general-procedure case by a second officer ([157] 48, [XZCF] 42).

The lead picks an assisting officer of the squad (or the shift lead); the request appears on
that officer's workstation, who approves with their own password or declines with a reason.
Every change bumps the squad's change counter (:mod:`officer_console.store.db.changes`) so both
workstations see it without refreshing. A wrong password is audited as a denial: the caller
must commit even when :class:`PermissionDenied` is raised (``run_keeping_denials``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from officer_console.domain.errors import NotFoundError, PermissionDenied, ValidationError
from officer_console.domain.masking import mask_name
from officer_console.domain.procedure import HearingChoice, ProcedureKind
from officer_console.domain.procedure_notes import RulingProposal, cosign_summary
from officer_console.domain.procedure_text import ViolationFacts
from officer_console.store.db import audit, changes
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import (
    Appointment,
    Case,
    CaseStep,
    Citizen,
    CosignRequest,
    Officer,
)
from officer_console.store.db.types import utcnow
from officer_console.store.people.accounts import verify_password
from officer_console.store.procedure import leniency
from officer_console.store.procedure.core import CaseChange, changed
from officer_console.store.procedure.view import OPEN

__all__ = [
    "Assistant",
    "CosignChange",
    "CosignItem",
    "approved_proposal",
    "assistants",
    "decide",
    "pending_for",
    "proposal_matches",
    "request_cosign",
]


@dataclass(frozen=True)
class Assistant:
    officer_id: int
    label: str  # 姓名（警号）· 角色


@dataclass(frozen=True)
class CosignChange(CaseChange):
    """A new co-sign request: the operation's :class:`CaseChange` and the request's id."""

    request_id: int = 0


@dataclass(frozen=True)
class CosignItem:
    request_id: int
    case_id: int
    lead: str
    summary: str
    created_at: datetime
    #: Facts, the statement, the hearing choice and the proposed ruling (names masked).
    detail: str = ""


def _case(session: Session, case_id: int) -> tuple[Case, Appointment]:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("案件不存在")
    appt = session.get(Appointment, case.appointment_id)
    assert appt is not None
    return case, appt


def assistants(session: Session, case_id: int) -> list[Assistant]:
    """Active officers and shift leads of the case's squad, the lead excluded."""
    case, appt = _case(session, case_id)
    rows = session.scalars(
        select(Officer)
        .where(
            Officer.squad_id == appt.squad_id,
            Officer.role.in_(("officer", "shift_lead")),
            Officer.disabled.is_(False),
            Officer.id != case.lead_officer_id,
        )
        .order_by(Officer.role.desc(), Officer.police_number)
    )
    return [
        Assistant(
            o.id, f"{o.name}（{o.police_number}）{' · 带班领导' if o.role == 'shift_lead' else ''}"
        )
        for o in rows
    ]


def _bump(session: Session, appt: Appointment) -> None:
    changes.bump(session, appt.squad_id, appointment_id=appt.id)


def _proposal_dict(case: Case, proposal: RulingProposal) -> dict[str, Any]:
    """The proposal checked like the ruling itself (kind, range, ≤ notice) before anyone
    is asked to approve it."""
    warned = leniency.check_ruling(
        case.state["violations"],
        case.state,
        proposal.fines,
        proposal.points,
        warning=bool(proposal.warned),
    )
    if set(proposal.warned) != warned:
        raise ValidationError("warning", "给予警告的违法行为罚款应填为0元")
    return {
        "fines": {str(k): v for k, v in sorted(proposal.fines.items())},
        "points": {str(k): v for k, v in sorted(proposal.points.items())},
        "warned": sorted(warned),
        "review_note": proposal.review_note.strip()[:2000],
    }


def _proposal_of(data: Mapping[str, Any] | None) -> RulingProposal | None:
    if not data:
        return None
    return RulingProposal(
        {int(k): int(v) for k, v in data["fines"].items()},
        {int(k): int(v) for k, v in data["points"].items()},
        frozenset(int(x) for x in data["warned"]),
        str(data["review_note"]),
    )


def approved_proposal(session: Session, case_id: int) -> tuple[int, dict[str, Any] | None] | None:
    """(assisting officer, the proposal he approved) or None when nobody approved yet."""
    row = session.scalar(
        select(CosignRequest).where(
            CosignRequest.case_id == case_id, CosignRequest.status == "approved"
        )
    )
    return None if row is None else (row.officer_id, row.proposal)


def proposal_matches(
    approved: Mapping[str, Any] | None,
    fines: Mapping[int, int],
    points: Mapping[int, int],
    warned: frozenset[int],
) -> bool:
    """Whether the ruling is the one the co-signer approved (no proposal: any ruling)."""
    proposal = _proposal_of(approved)
    if proposal is None:
        return True
    return (
        dict(proposal.fines) == dict(fines)
        and dict(proposal.points) == dict(points)
        and set(proposal.warned) == set(warned)
    )


def request_cosign(
    session: Session,
    actor: Actor,
    case_id: int,
    officer_id: int,
    *,
    proposal: RulingProposal | None = None,
) -> CosignChange:
    """A new request (an older pending one is withdrawn); returns its id. With ``proposal``
    the approver sees the ruling he approves, and the ruling must then be that one."""
    case, appt = _case(session, case_id)
    if actor.officer_id != case.lead_officer_id:
        raise PermissionDenied("只有主办民警可以发起会签")
    if case.status != OPEN or case.procedure != ProcedureKind.GENERAL.value:
        raise ValidationError("case", "只有办理中的一般程序案件需要协办民警会签")
    approved = session.scalar(
        select(CosignRequest).where(
            CosignRequest.case_id == case.id, CosignRequest.status == "approved"
        )
    )
    wanted = _proposal_dict(case, proposal) if proposal is not None else None
    if approved is not None:
        if wanted is None or wanted == approved.proposal:
            raise ValidationError("case", "本案已由协办民警会签，无需再次请求")
        # A changed ruling needs a new approval: the old one no longer covers it.
        approved.status, approved.decided_at = "withdrawn", utcnow()
    if officer_id not in {a.officer_id for a in assistants(session, case_id)}:
        raise ValidationError("officer", "协办民警应为本大队的其他民警或带班领导")
    session.execute(
        update(CosignRequest)
        .where(CosignRequest.case_id == case.id, CosignRequest.status == "pending")
        .values(status="withdrawn", decided_at=utcnow())
    )
    row = CosignRequest(
        case_id=case.id,
        requested_by=actor.officer_id,
        officer_id=officer_id,
        proposal=wanted,
    )
    session.add(row)
    session.flush()
    _bump(session, appt)
    audit.record(
        session,
        actor,
        "case.cosign_request",
        entity_type="case",
        entity_id=case.id,
        detail={"request_id": row.id, "officer_id": officer_id, "proposal": row.proposal},
    )
    base = changed(session, case)
    return CosignChange(base.view, base.appointment, base.appointment_version, row.id)


def _detail(session: Session, case: Case, party: str, proposal: RulingProposal | None) -> str:
    notice = session.scalar(
        select(CaseStep.data).where(CaseStep.case_id == case.id, CaseStep.step == "notice")
    )
    notice = notice or {}
    hearing = notice.get("hearing") or HearingChoice.NOT_APPLICABLE.value
    return cosign_summary(
        party_masked=mask_name(party),
        plate=str(case.state.get("plate", "")),
        violations=[ViolationFacts.from_dict(v) for v in case.state.get("violations", [])],
        statement=notice.get("statement"),
        waived=bool(notice.get("waived")),
        hearing=HearingChoice(hearing),
        proposal=proposal,
    )


def pending_for(session: Session, officer_id: int) -> list[CosignItem]:
    """Requests waiting for ``officer_id``, with a masked case summary."""
    rows = session.execute(
        select(CosignRequest, Case, Citizen.name, Officer.name, Officer.police_number)
        .join(Case, Case.id == CosignRequest.case_id)
        .join(Appointment, Appointment.id == Case.appointment_id)
        .join(Citizen, Citizen.id == Appointment.citizen_id)
        .join(Officer, Officer.id == CosignRequest.requested_by)
        .where(CosignRequest.officer_id == officer_id, CosignRequest.status == "pending")
        .order_by(CosignRequest.id)
    ).all()
    items = []
    for req, case, party, lead, number in rows:
        vs = case.state.get("violations", [])
        codes = "、".join(f"{v['behaviour']}（{v['code']}）" for v in vs)
        fine, pts = sum(v["fine"] for v in vs), sum(v["points"] for v in vs)
        summary = (
            f"{case.state.get('plate', '')} · 当事人{mask_name(party)} · {codes} · "
            f"拟罚款{fine}元、记{pts}分"
        )
        detail = _detail(session, case, party, _proposal_of(req.proposal))
        items.append(
            CosignItem(req.id, case.id, f"{lead}（{number}）", summary, req.created_at, detail)
        )
    return items


def decide(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    approve: bool,
    password: str = "",
    reason: str = "",
) -> CaseChange:
    """Approve with the assisting officer's own password, or decline with a reason."""
    req = session.get(CosignRequest, request_id)
    if req is None:
        raise NotFoundError("会签请求不存在")
    case, appt = _case(session, req.case_id)
    if actor.officer_id != req.officer_id:
        raise PermissionDenied("只有被邀请的协办民警可以处理该会签请求")
    if req.status != "pending":
        raise ValidationError("request", "该会签请求已处理或已撤回")
    officer = session.get(Officer, req.officer_id)
    assert officer is not None
    reason = reason.strip()
    if approve and not verify_password(officer.password_hash, password):
        audit.record(
            session,
            actor,
            "case.cosign",
            entity_type="case",
            entity_id=case.id,
            outcome="denied",
            detail={"request_id": req.id, "reason": "bad_password"},
        )
        raise PermissionDenied("密码错误，会签未完成")
    if not approve and not reason:
        raise ValidationError("reason", "请填写不同意会签的理由")
    if len(reason) > 200:
        raise ValidationError("reason", "理由不能超过200字")
    req.status = "approved" if approve else "declined"
    req.reason = reason
    req.decided_at = utcnow()
    if approve:
        state = dict(case.state)
        state["procedure"] = {**state["procedure"], "assist_officer_id": officer.id}
        case.state = state
        case.assist_officer_id = officer.id
        case.version += 1
    _bump(session, appt)
    audit.record(
        session,
        actor,
        "case.cosign",
        entity_type="case",
        entity_id=case.id,
        detail={"request_id": req.id, "approved": approve, "reason": reason},
    )
    return changed(session, case)
