"""The case's statutory documents at service time: read the facts, store the 送达地址确认书,
issue the decision — inside the service transaction (the 询问笔录 and 告知笔录 were made and
signed at their own steps: :mod:`.records`).

The store does not import the renderers (layering): a :class:`CaseDocumentMaker` (built from
``officer_console.documents`` by the composition root, see ``documents/case_docs.py``) turns
the plain :class:`~officer_console.domain.case_documents.CaseFacts` (assembled here from the
rows) into signed PDFs. The 送达地址确认书 is stored first, so the decision's 办案过程记录 page lists their hashes; then
:func:`store.documents.issue_decision` stores the decision under the number the ruling took.
The maker runs on the calling thread — a worker (op runner, the panel's background thread),
never the GUI thread: signing is slow and pyHanko starts its own event loop.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.domain.case_documents import CaseFacts, CaseTrail, DecisionIssue
from officer_console.domain.errors import ConflictError, NotFoundError
from officer_console.store.appointments.violations import appointment_violations
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import (
    Appointment,
    Case,
    CaseStep,
    Citizen,
    Decision,
    EvidenceFile,
    Licence,
    Officer,
    Squad,
    Vehicle,
)
from officer_console.store.evidence.documents import (
    IssuedDecision,
    case_trail,
    issue_decision,
    store_document,
)
from officer_console.store.evidence.writing import StoreLike
from officer_console.store.procedure.files import read_file
from officer_console.store.procedure.view import build_view

__all__ = ["CaseDocumentMaker", "CaseFacts", "case_facts", "issue_case_documents"]

RECORD_KINDS = ("inquiry_record", "notice_record", "service_confirm")


class CaseDocumentMaker(Protocol):
    def record(self, kind: str, facts: CaseFacts) -> bytes:
        """The signed PDF of one step's record (``inquiry_record``, ``notice_record``) with the
        signature slot of ``facts`` — the one given for this record (see :mod:`.records`)."""
        ...

    def records(self, facts: CaseFacts) -> dict[str, bytes]:
        """Signed PDFs by evidence kind made at service: the 送达地址确认书 (``service_confirm``)
        when served electronically; the step records were made at their steps."""
        ...

    def decision(self, facts: CaseFacts, trail: CaseTrail) -> Callable[[DecisionIssue], bytes]:
        """The ``render`` callback for :func:`store.documents.issue_decision`."""
        ...


def _short(data: bytes) -> str:
    """Part of the key: a retry after a rolled-back attempt signs different bytes, and the
    earlier attempt's object stays (write-once)."""
    return hashlib.sha256(data).hexdigest()[:12]


def _officer(session: Session, officer_id: int | None) -> tuple[str, str] | None:
    officer = session.get(Officer, officer_id) if officer_id else None
    return (officer.name, officer.police_number) if officer else None


def case_facts(
    session: Session,
    store: StoreLike,
    case_id: int,
    *,
    service_png: bytes | None = None,
    service_channel: str = "",
    now: datetime | None = None,
) -> CaseFacts:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("案件不存在")
    view = build_view(session, case)
    appt = session.get(Appointment, case.appointment_id)
    assert appt is not None
    citizen = session.get(Citizen, appt.citizen_id)
    squad = session.get(Squad, appt.squad_id)
    assert citizen is not None and squad is not None
    licence = session.scalar(select(Licence).where(Licence.citizen_id == citizen.id))
    vehicle = session.get(Vehicle, appt.vehicle_id) if appt.vehicle_id else None
    occurred = {v.id: v.occurred_at for v in appointment_violations(session, appt.id)}
    times = dict(
        session.execute(
            select(CaseStep.step, CaseStep.completed_at).where(CaseStep.case_id == case.id)
        ).all()
    )
    confirmation: dict[str, Any] = view.step_data.get("confirmation", {})
    signature = None
    if confirmation.get("signature"):
        row = session.get(EvidenceFile, confirmation["signature"])
        if row is not None:
            try:
                signature = read_file(store, row)
            except (OSError, ValueError):
                raise ConflictError("签名文件缺失或与存证哈希不符，请联系管理员核查") from None
    lead = _officer(session, case.lead_officer_id)
    assert lead is not None
    return CaseFacts(
        case_id=view.case_id,
        kind=view.kind,
        accepted_at=view.accepted_at,
        plate=view.plate,
        cycle_points=view.cycle_points,
        violations=view.violations,
        step_data=view.step_data,
        unit={
            "name": squad.unit_name,
            "division_code": squad.division_code,
            "review_body": squad.review_authority,
            "court": squad.court,
            "timezone": squad.timezone,
        },
        party={
            "name": citizen.name,
            "id_number": citizen.id_number or "",
            "licence_number": licence.licence_number if licence else "",
            "licence_file_number": (licence.file_number or "") if licence else "",
            "issuing_authority": (licence.issuing_authority or "") if licence else "",
            "licence_class": (licence.licence_class or "") if licence else "",
            "phone": citizen.phone or "",
            "address": citizen.address or "",
        },
        vehicle_type=(vehicle.vehicle_type or "") if vehicle else "",
        occurred_at=occurred,
        lead=lead,
        assist=_officer(session, case.assist_officer_id),
        step_times=times,
        signature_png=signature,
        refused=bool(confirmation.get("refused_to_sign")),
        signed_at=times.get("confirmation"),
        service_png=service_png,
        service_channel=service_channel,
        service_address=citizen.phone or "",
        decision_number=view.decision_number,
        now=now,
    )


def issue_case_documents(
    session: Session,
    actor: Actor,
    store: StoreLike,
    case_id: int,
    maker: CaseDocumentMaker,
    *,
    now: datetime,
    service_png: bytes | None = None,
    service_channel: str = "",
) -> IssuedDecision:
    """Store the 送达地址确认书 (e-service), then issue the decision under the ruling's number."""
    facts = case_facts(
        session, store, case_id, service_png=service_png, service_channel=service_channel, now=now
    )
    case = session.get(Case, case_id)  # loaded by case_facts: no second read
    decision = session.scalar(select(Decision).where(Decision.case_id == case_id))
    assert case is not None and decision is not None, "the ruling step takes the number"
    year = decision.year
    for kind, pdf in maker.records(facts).items():
        store_document(
            session,
            actor,
            case_id=case_id,
            appointment_id=case.appointment_id,
            kind=kind,
            data=pdf,
            relative=f"documents/{year}/{case_id}/{kind}-{decision.number}-{_short(pdf)}.pdf",
            evidence_dir=store,
            at=now,
            detail={"number": decision.number},
        )
    trail = case_trail(session, case_id)
    ruling = facts.step_data.get("ruling", {})
    return issue_decision(
        session,
        actor,
        case_id,
        fine_total=sum(int(x) for x in ruling.get("fines", {}).values()),
        points_total=sum(int(x) for x in ruling.get("points", {}).values()),
        warning=bool(ruling.get("warning")),
        render=maker.decision(facts, trail),
        evidence_dir=store,
        now=now,
    )
