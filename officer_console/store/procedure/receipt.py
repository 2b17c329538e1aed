"""The 电子送达回证 as evidence: made and signed right after the SMS was accepted (the sent
time is the service date, [157] 56, and starts the 15-day payment period), and again — a new
version, the earlier one stays — once the first full download happened.

The store does not import the renderers (layering): a :class:`ReceiptMaker` (the composition
root's ``documents.case_docs.CaseDocuments``) turns the plain
:class:`~officer_console.domain.procedure_records.ServiceReceiptFacts` into a signed PDF.
Call inside the transaction that records the send result.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.domain.errors import NotFoundError
from officer_console.domain.masking import mask_phone
from officer_console.domain.procedure_records import ProcedureKind, ServiceReceiptFacts
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import (
    Appointment,
    Case,
    Citizen,
    Decision,
    EvidenceFile,
    Officer,
    ServiceRecord,
    SmsMessage,
    Squad,
)
from officer_console.store.evidence.documents import store_document
from officer_console.store.evidence.writing import StoreLike

__all__ = ["RECEIPT_KIND", "ReceiptMaker", "receipt_facts", "store_service_receipt"]

RECEIPT_KIND = "eservice_receipt"  # not "service_receipt": that is the scanned paper 送达回证
_TITLES = {
    ProcedureKind.SIMPLE.value: "公安交通管理简易程序处罚决定书",
    ProcedureKind.GENERAL.value: "公安交通管理行政处罚决定书",
}


@runtime_checkable
class ReceiptMaker(Protocol):
    def service_receipt(self, facts: ServiceReceiptFacts) -> bytes:
        """The signed 电子送达回证 PDF."""
        ...


def receipt_facts(session: Session, case_id: int, *, now: datetime) -> ServiceReceiptFacts:
    """What the receipt prints, read from the case's service rows (SMS accepted)."""
    row = session.execute(
        select(Case, Decision, Squad, Citizen.name)
        .join(Decision, Decision.case_id == Case.id)
        .join(Appointment, Appointment.id == Case.appointment_id)
        .join(Squad, Squad.id == Appointment.squad_id)
        .join(Citizen, Citizen.id == Appointment.citizen_id)
        .where(Case.id == case_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError("案件或处罚决定不存在")
    case, decision, squad, party = row
    record = session.scalar(
        select(ServiceRecord)
        .where(ServiceRecord.decision_id == decision.id, ServiceRecord.sent_at.is_not(None))
        .order_by(ServiceRecord.sent_at)
        .limit(1)
    )
    if record is None or record.sent_at is None:
        raise NotFoundError("尚无发送成功的电子送达记录")
    officer = session.get(Officer, record.officer_id)
    assert officer is not None
    reference = session.scalar(
        select(SmsMessage.provider_message_id).where(SmsMessage.idempotency_key == f"svc-{case.id}")
    )
    return ServiceReceiptFacts(
        unit={
            "name": squad.unit_name,
            "division_code": squad.division_code,
            "review_body": squad.review_authority,
            "court": squad.court,
            "timezone": squad.timezone,
        },
        party_name=party,
        decision_number=decision.number,
        decision_title=_TITLES.get(case.procedure, "处罚决定书"),
        channel=record.channel,
        address_masked=mask_phone(record.address),
        sent_at=record.sent_at,
        officer=(officer.name, officer.police_number),
        payment_due=decision.fine_total > 0,
        provider_reference=reference or "",
        downloaded_at=record.delivered_at,
        made_at=now,
    )


def store_service_receipt(
    session: Session,
    actor: Actor,
    evidence_dir: StoreLike,
    case_id: int,
    maker: ReceiptMaker,
    *,
    now: datetime,
) -> EvidenceFile:
    """Sign and store the receipt of the case's electronic service (evidence kind
    ``eservice_receipt``, listed in the case file and its export like the other records)."""
    facts = receipt_facts(session, case_id, now=now)
    pdf = maker.service_receipt(facts)
    case = session.get(Case, case_id)
    assert case is not None
    version = "downloaded" if facts.downloaded_at is not None else "sent"
    key = hashlib.sha256(pdf).hexdigest()[:12]
    return store_document(
        session,
        actor,
        case_id=case_id,
        appointment_id=case.appointment_id,
        kind=RECEIPT_KIND,
        data=pdf,
        relative=(
            f"documents/{now.year}/{case_id}/{RECEIPT_KIND}-{facts.decision_number}-"
            f"{version}-{key}.pdf"
        ),
        evidence_dir=evidence_dir,
        at=now,
        detail={"number": facts.decision_number, "version": version},
    )
