"""电子送达 in the store: the transactions around the one SMS with the download link.

(a) :func:`prepare_service` stores the signed documents (records, 送达地址确认书 and the
decision under the ruling's number: :mod:`.documents`) as evidence, creates the ``service_records`` row (only the token's hash) and the ``sms_messages``
row with the unique idempotency key ``svc-<case id>``, born ``sending`` — claimed by this
caller. (b) The caller sends outside any transaction. (c) :func:`record_service_result`
stores the outcome; on success the sent time is the service time (the 15-day payment period
starts), the step is saved and the appointment is completed.

A retry never sends twice: a row already ``sent`` is only (re)recorded, a row left in
``sending`` (crash, lost answer) reads as *unknown* and is never re-sent automatically; only a
``failed`` send is claimed again (with a fresh token — the old link never left). Without
consent (:func:`serve_on_paper`) the decision is kept for printing and the case is closed as
served-on-paper pending.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from officer_console.domain.appointment import Status
from officer_console.domain.errors import (
    ConflictError,
    NotFoundError,
    RuleViolation,
    ValidationError,
)
from officer_console.domain.masking import mask_phone
from officer_console.domain.procedure import Step
from officer_console.store.db import audit
from officer_console.store.db.models import (
    Appointment,
    Case,
    CaseStep,
    Citizen,
    Decision,
    EvidenceFile,
    ServiceRecord,
    SmsMessage,
)
from officer_console.store.db.types import utcnow
from officer_console.store.evidence.delivery import hash_token
from officer_console.store.evidence.writing import StoreLike
from officer_console.store.procedure.core import (
    CaseChange,
    appointment_of,
    changed,
    move,
    open_case,
    procedure_of,
    save_step,
)
from officer_console.store.procedure.documents import CaseDocumentMaker, issue_case_documents
from officer_console.store.procedure.files import read_file, store_file
from officer_console.store.procedure.presence import require_citizen
from officer_console.store.procedure.view import COMPLETED, OPEN, PAPER_PENDING

__all__ = [
    "CaseRecord",
    "EvidenceItem",
    "ServiceJob",
    "case_record",
    "confirmation_signature",
    "decision_document",
    "prepare_service",
    "record_service_result",
    "serve_on_paper",
]


@dataclass(frozen=True)
class ServiceJob:
    """``state``: send (this caller sends now), sent (already done), unknown (do not resend)."""

    state: str
    case_id: int
    phone: str
    decision_number: str
    idempotency_key: str
    token: str = ""

    def __repr__(self) -> str:  # the token and the phone stay out of logs
        return f"ServiceJob({self.state}, case={self.case_id}, {mask_phone(self.phone)})"


def _key(case_id: int) -> str:
    return f"svc-{case_id}"


def _decision(session: Session, case_id: int) -> Decision:
    decision = session.scalar(select(Decision).where(Decision.case_id == case_id))
    assert decision is not None, "the ruling step takes the decision number"
    return decision


def prepare_service(
    session: Session,
    actor: audit.Actor,
    evidence_dir: StoreLike,
    case_id: int,
    *,
    documents: CaseDocumentMaker,
    confirm_png: bytes | None,
    consent: bool,
    provider: str,
    now: datetime | None = None,
    body_template: str = "",
    link_base: str = "",
) -> ServiceJob:
    """Claim the service SMS for this caller (or report why it must not be sent).

    E-service only with the party's consent (``consent``, recorded) and the signed 送达地址确认书
    (``confirm_png``), given on camera ([XZCF] 61); a party who refused to sign is served on
    paper. ``body_template`` (``{number}``, ``{link}``) is stored only for the demo outbox, the one
    provider that keeps message bodies.
    """
    case = open_case(session, actor, case_id, Step.SERVICE)
    if not consent:
        raise ValidationError("consent", "当事人未同意电子送达：不能电子送达，请改用纸质送达")
    refused = session.scalar(
        select(CaseStep.data).where(CaseStep.case_id == case.id, CaseStep.step == "confirmation")
    )
    if (refused or {}).get("refused_to_sign"):
        raise RuleViolation(
            "当事人拒绝签名，不能电子送达（须签名确认送达地址）：请改用纸质送达",
            code="eservice_needs_signature",
        )
    appt = session.get(Appointment, case.appointment_id)
    assert appt is not None
    citizen = session.get(Citizen, appt.citizen_id)
    assert citizen is not None
    phone = citizen.phone or ""
    if not phone:
        raise ValidationError("phone", "当事人没有绑定手机号，不能电子送达，请改用纸质送达")
    decision = _decision(session, case.id)
    key = _key(case.id)
    sms = session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key))
    token = secrets.token_urlsafe(24)
    if sms is not None:
        if sms.status == "sent":
            return ServiceJob("sent", case.id, phone, decision.number, key)
        if sms.status != "failed":
            return ServiceJob("unknown", case.id, phone, decision.number, key)
        won = session.execute(
            update(SmsMessage)
            .where(SmsMessage.id == sms.id, SmsMessage.status == "failed")
            .values(status="sending")
            .returning(SmsMessage.id)
        ).scalar_one_or_none()
        if won is None:
            return ServiceJob("unknown", case.id, phone, decision.number, key)
        session.execute(
            update(ServiceRecord)
            .where(ServiceRecord.decision_id == decision.id)
            .values(token_hash=hash_token(token))
        )
        return ServiceJob("send", case.id, phone, decision.number, key, token)
    if confirm_png is None or not confirm_png.startswith(b"\x89PNG"):
        raise ValidationError("signature", "请先采用当事人在送达地址确认书上的签名（PNG）")
    require_citizen(session, appt.id, "电子送达（同意并签名确认送达地址）")
    if confirm_png is not None:
        store_file(
            session,
            actor,
            evidence_dir,
            case_id=case.id,
            appointment_id=appt.id,
            kind="signature",
            data=confirm_png,
            label="service",
        )
    issued = issue_case_documents(
        session,
        actor,
        evidence_dir,
        case.id,
        documents,
        now=now or utcnow(),
        service_png=confirm_png,
        service_channel="sms",
    )
    session.add(
        ServiceRecord(
            decision_id=decision.id,
            channel="sms",
            address=phone,
            consent=consent,
            token_hash=hash_token(token),
            officer_id=actor.officer_id,
        )
    )
    queue_sms(
        session,
        appointment_id=appt.id,
        key=key,
        provider=provider,
        phone=phone,
        link_base=link_base,
        body_template=body_template,
        number=decision.number,
        token=token,
    )
    audit.record(
        session,
        actor,
        "service.prepare",
        entity_type="case",
        entity_id=case.id,
        detail={
            "decision": decision.number,
            "evidence_id": issued.evidence_id,
            "provider": provider,
        },
    )
    return ServiceJob("send", case.id, phone, decision.number, key, token)


def queue_sms(
    session: Session,
    *,
    appointment_id: int,
    key: str,
    provider: str,
    phone: str,
    link_base: str,
    body_template: str,
    number: str,
    token: str,
) -> None:
    """The SMS row (``sending``) for one link to the decision, under its idempotency key; the
    outbox keeps the text it would send (real providers send a template and parameters)."""
    link = f"{link_base.rstrip('/')}/api/v1/documents/{token}"
    body = body_template.format(number=number, link=link) if provider == "outbox" else ""
    session.add(
        SmsMessage(
            appointment_id=appointment_id,
            idempotency_key=key,
            provider=provider,
            phone=phone,
            body=body,
            status="sending",
        )
    )
    session.flush()


def mark_sms_result(
    session: Session,
    key: str,
    *,
    accepted: bool,
    outcome_unknown: bool,
    provider_message_id: str | None,
    error: str,
    now: datetime,
) -> str:
    """Write a provider's answer onto the SMS row of ``key``; returns the row's new status
    (``unknown`` is never resent: the message may have gone out)."""
    state = "sent" if accepted else "unknown" if outcome_unknown else "failed"
    session.execute(
        update(SmsMessage)
        .where(SmsMessage.idempotency_key == key)
        .values(
            status=state,
            provider_message_id=(provider_message_id or "")[:64] or None,
            error_message=None if accepted else error[:200],
            attempts=SmsMessage.attempts + 1,
            sent_at=now if accepted else None,
        )
    )
    return state


def record_service_result(
    session: Session,
    actor: audit.Actor,
    case_id: int,
    *,
    accepted: bool,
    outcome_unknown: bool = False,
    provider_message_id: str | None = None,
    error: str = "",
    now: datetime | None = None,
) -> CaseChange:
    """Store the send result; success completes the step, the case and the appointment.

    The SMS row always gets its result (it never stays ``sending``), even when the case was
    handed over meanwhile — then nothing else is written."""
    now = now or utcnow()
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("案件不存在")
    decision = _decision(session, case.id)
    key = _key(case.id)
    state = mark_sms_result(
        session,
        key,
        accepted=accepted,
        outcome_unknown=outcome_unknown,
        provider_message_id=provider_message_id,
        error=error,
        now=now,
    )
    audit.record(
        session,
        actor,
        "service.sms",
        entity_type="case",
        entity_id=case.id,
        outcome="ok" if accepted else "failed",
        detail={"decision": decision.number, "status": state},
    )
    closed = case.status != OPEN or appointment_of(session, case).status != Status.IN_PROCEDURE
    if not accepted or closed:  # the result is kept; a handed-over case is not completed
        return changed(session, case)
    case = open_case(session, actor, case_id, Step.SERVICE)
    record = session.scalar(select(ServiceRecord).where(ServiceRecord.decision_id == decision.id))
    assert record is not None
    record.sent_at = now
    proc = procedure_of(case).complete_service(True, "sms", record.address, now)
    data: dict[str, Any] = {
        "consent": record.consent,
        "channel": "sms",
        "address": mask_phone(record.address),
        "service_record_id": record.id,
        "sent_at": now.isoformat(),
        "decision_number": decision.number,
    }
    save_step(session, actor, case, Step.SERVICE, data, proc=proc, status=COMPLETED, now=now)
    change = move(session, actor, appointment_of(session, case), "completed")
    return changed(session, case, change)


def serve_on_paper(
    session: Session,
    actor: audit.Actor,
    evidence_dir: StoreLike,
    case_id: int,
    *,
    documents: CaseDocumentMaker,
    now: datetime | None = None,
) -> CaseChange:
    """No consent to e-service: recorded; the decision is kept for postal/counter service."""
    case = open_case(session, actor, case_id, Step.SERVICE)
    decision = _decision(session, case.id)
    issue_case_documents(session, actor, evidence_dir, case.id, documents, now=now or utcnow())
    data = {"consent": False, "channel": "paper", "decision_number": decision.number}
    save_step(session, actor, case, Step.SERVICE, data, status=PAPER_PENDING)
    change = move(session, actor, appointment_of(session, case), "completed")
    return changed(session, case, change)


def decision_document(session: Session, case_id: int, evidence_dir: StoreLike) -> tuple[str, bytes]:
    """(number, PDF) of the served or printable decision, re-hashed against its evidence row."""
    decision = session.scalar(select(Decision).where(Decision.case_id == case_id))
    row = (
        session.get(EvidenceFile, decision.evidence_id)
        if decision and decision.evidence_id
        else None
    )
    if decision is None or row is None:
        raise NotFoundError("该案件尚未生成处罚决定书")
    try:
        return decision.number, read_file(evidence_dir, row)
    except (OSError, ValueError):
        raise ConflictError("决定书文件缺失或与存证哈希不符，请联系管理员核查") from None


def confirmation_signature(session: Session, case_id: int, evidence_dir: StoreLike) -> bytes | None:
    """The citizen's accepted confirmation signature (for the decision), None when refused."""
    row = session.scalar(
        select(CaseStep.data).where(CaseStep.case_id == case_id, CaseStep.step == "confirmation")
    )
    evidence_id = (row or {}).get("signature")
    evidence = session.get(EvidenceFile, evidence_id) if evidence_id else None
    if evidence is None:
        return None
    try:
        return read_file(evidence_dir, evidence)
    except (OSError, ValueError):
        raise ConflictError("签名文件缺失或与存证哈希不符，请联系管理员核查") from None


EVIDENCE_LABELS = {
    "recording": "全程录像",
    "id_snapshot": "身份证截图",
    "signature": "当事人签名",
    "decision": "处罚决定书",
    "inquiry_record": "询问笔录",
    "notice_record": "告知笔录",
    "service_confirm": "送达地址确认书",
    "service_receipt": "送达回证",
    "eservice_receipt": "电子送达回证",
}


@dataclass(frozen=True)
class EvidenceItem:
    evidence_id: int
    label: str
    sha256: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class CaseRecord:
    """The finished case's evidence (with hashes) and its service and download times."""

    evidence: tuple[EvidenceItem, ...]
    sent_at: datetime | None
    delivered_at: datetime | None


def _label(row: EvidenceFile) -> str:
    if row.kind == "signature" and "-service-" in row.path:
        return "送达地址确认签名"
    return EVIDENCE_LABELS.get(row.kind, row.kind)


def case_record(session: Session, case_id: int) -> CaseRecord:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("案件不存在")
    rows = session.scalars(
        select(EvidenceFile)
        .where(
            (EvidenceFile.case_id == case.id) | (EvidenceFile.appointment_id == case.appointment_id)
        )
        .order_by(EvidenceFile.id)
    )
    items, segment = [], 0
    for r in rows:  # each call of the case (resumed after a drop) is one hashed segment
        label = _label(r)
        if r.kind == "recording":
            segment += 1
            label = f"{label}（第{segment}段）"
        items.append(EvidenceItem(r.id, label, r.sha256, r.size, r.created_at))
    service = session.execute(
        select(ServiceRecord.sent_at, ServiceRecord.delivered_at)
        .join(Decision, Decision.id == ServiceRecord.decision_id)
        .where(Decision.case_id == case.id)
    ).one_or_none()
    return CaseRecord(tuple(items), *(service or (None, None)))
