"""Rendered documents as evidence, and the decision with its gap-free number and QR code.

A document is written to the shared evidence store and recorded (path, SHA-256, size) in the
caller's transaction together with its audit row, so a rolled-back case leaves no row — and
at most an orphan file, never a row without a file. All document bytes go through
:func:`write_evidence_bytes` / :func:`store_document` → ``EvidenceStore.put_bytes``.

The decision number is taken from the per-unit, per-year counter in the same transaction as
the decision row, and the PDF (which prints the number and the verification link) is rendered
by the caller's ``render`` callback inside that transaction: the store does not import the
renderers (layering), and a failed rendering rolls the serial back — no gaps.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.domain.case_documents import DOCUMENT_KINDS, CaseTrail, DecisionIssue
from officer_console.domain.errors import ConflictError, NotFoundError
from officer_console.domain.masking import mask_name, mask_plate
from officer_console.domain.numbering import DecisionNumberFormat
from officer_console.evidence_store.base import PutResult
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import (
    Appointment,
    Case,
    Citizen,
    Decision,
    EvidenceFile,
    ServiceRecord,
    Squad,
    Vehicle,
)
from officer_console.store.evidence.numbering import next_number
from officer_console.store.evidence.writing import StoreLike, as_store, put_evidence

__all__ = [
    "DOCUMENT_KINDS",
    "CaseTrail",
    "DecisionIssue",
    "IssuedDecision",
    "VerifiedDecision",
    "archived_document",
    "case_trail",
    "decision_for_hash",
    "issue_decision",
    "new_verify_code",
    "store_document",
    "verified_decision",
    "write_evidence_bytes",
]

# Crockford base32 without I L O U: easy to read out on the phone, 5 bits per character.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VERIFY_CODE_LENGTH = 10  # 50 bits; the endpoint is rate limited as well
VERIFY_CODE = re.compile(f"[{_CODE_ALPHABET}]{{{VERIFY_CODE_LENGTH}}}")


def new_verify_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(VERIFY_CODE_LENGTH))


def write_evidence_bytes(store: StoreLike, relative: str, data: bytes) -> PutResult:
    """Write one evidence object through the shared evidence store (verified read-back).

    Write-once: the same bytes again are a no-op (a retry), different bytes are refused.
    """
    return as_store(store).put_bytes(relative, data)


def store_document(
    session: Session,
    actor: Actor,
    *,
    case_id: int | None,
    appointment_id: int | None,
    kind: str,
    data: bytes,
    relative: str,
    evidence_dir: StoreLike,
    at: datetime | None = None,
    detail: dict[str, object] | None = None,
) -> EvidenceFile:
    """Store ``data`` (evidence store, verified) and record it (key, SHA-256, size) with its
    audit rows, in the caller's transaction. ``evidence_dir``: the store (or a directory)."""
    row = put_evidence(
        session,
        actor,
        evidence_dir,
        key=relative,
        kind=kind,
        data=data,
        case_id=case_id,
        appointment_id=appointment_id,
    )
    if at is not None:
        row.created_at = at
    audit.record(
        session,
        actor,
        "document.store",
        entity_type="case" if case_id is not None else "appointment",
        entity_id=case_id if case_id is not None else appointment_id,
        detail={
            "evidence_id": row.id,
            "kind": kind,
            "file": relative,
            "sha256": row.sha256,
            "size": row.size,
            "stored_in": row.stored_in,
            **(detail or {}),
        },
        at=at,
    )
    return row


@dataclass(frozen=True)
class IssuedDecision:
    decision_id: int
    number: str
    verify_code: str
    evidence_id: int
    sha256: str
    size: int
    path: str


def issue_decision(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    fine_total: int,
    points_total: int,
    warning: bool,
    render: Callable[[DecisionIssue], bytes],
    evidence_dir: StoreLike,
    now: datetime,
    fmt: DecisionNumberFormat | None = None,
) -> IssuedDecision:
    """Number, render (callback), store and audit the decision of ``case_id`` — one transaction.

    When the procedure's ruling already took the number (a ``decisions`` row without its
    document), that number is used: one gap-free number per decision, never two."""
    row = session.execute(
        select(Case, Appointment.id, Squad)
        .join(Appointment, Appointment.id == Case.appointment_id)
        .join(Squad, Squad.id == Appointment.squad_id)
        .where(Case.id == case_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError("案件不存在", code="case_not_found")
    case, appointment_id, squad = row
    taken = session.scalar(select(Decision).where(Decision.case_id == case_id))
    if taken is not None and taken.evidence_id is not None:
        raise ConflictError("本案已作出处罚决定，不能重复制作决定书", code="decision_exists")
    if taken is not None:  # the wizard's ruling took the number: exactly one per decision
        number, serial, year = taken.number, taken.serial, taken.year
    else:
        year = now.astimezone(ZoneInfo(squad.timezone)).year
        number, serial = next_number(session, squad.code, squad.division_code, year, fmt)
    issued = taken.issued_at if taken is not None else now  # the decision's date: the ruling's
    issue = DecisionIssue(
        case_id=case.id,
        number=number,
        verify_code=(taken.verify_code if taken else None) or new_verify_code(),
        issued_at=issued,
        unit_name=squad.unit_name,
        division_code=squad.division_code,
        review_body=squad.review_authority,
        court=squad.court,
        timezone=squad.timezone,
    )
    pdf = render(issue)
    # The hash in the key: a retry after a rolled-back attempt (whose object stays: write-once)
    # signs different bytes and must not collide with it.
    relative = (
        f"documents/{year}/{case.id}/decision-{number}-{hashlib.sha256(pdf).hexdigest()[:12]}.pdf"
    )
    evidence = store_document(
        session,
        actor,
        case_id=case.id,
        appointment_id=appointment_id,
        kind="decision",
        data=pdf,
        relative=relative,
        evidence_dir=evidence_dir,
        at=now,
        detail={"number": number},
    )
    decision = taken or Decision(
        case_id=case.id, number=number, unit_code=squad.code, year=year, serial=serial
    )
    decision.fine_total, decision.points_total, decision.warning = fine_total, points_total, warning
    decision.issued_at, decision.evidence_id = issued, evidence.id
    decision.verify_code = issue.verify_code
    if taken is None:
        session.add(decision)
    session.flush()
    audit.record(
        session,
        actor,
        "decision.issue",
        entity_type="case",
        entity_id=case.id,
        detail={
            "decision_id": decision.id,
            "number": number,
            "evidence_id": evidence.id,
            "fine": fine_total,
            "points": points_total,
            "warning": warning,
        },
        at=now,
    )
    return IssuedDecision(
        decision.id,
        number,
        issue.verify_code,
        evidence.id,
        evidence.sha256,
        evidence.size,
        relative,
    )


@dataclass(frozen=True)
class VerifiedDecision:
    """The facts the public verification page may show (personal data masked)."""

    number: str
    unit_name: str
    issued_at: datetime
    timezone: str
    party_masked: str
    plate: str
    fine_total: int
    points_total: int
    warning: bool
    service_sent_at: datetime | None
    sha256: str | None


def verified_decision(session: Session, number: str, code: str) -> VerifiedDecision | None:
    """The decision ``number`` if ``code`` is its verification code; None otherwise (the
    caller cannot tell a wrong number from a wrong code)."""
    if not VERIFY_CODE.fullmatch(code) or not 1 <= len(number) <= 32:
        return None
    row = session.execute(
        select(Decision, Squad, Citizen.name, Vehicle.plate, EvidenceFile.sha256)
        .join(Case, Case.id == Decision.case_id)
        .join(Appointment, Appointment.id == Case.appointment_id)
        .join(Squad, Squad.id == Appointment.squad_id)
        .join(Citizen, Citizen.id == Appointment.citizen_id)
        .outerjoin(Vehicle, Vehicle.id == Appointment.vehicle_id)
        .outerjoin(EvidenceFile, EvidenceFile.id == Decision.evidence_id)
        .where(Decision.number == number)
    ).one_or_none()
    if row is None:
        return None
    decision, squad, name, plate, sha = row
    if decision.verify_code is None or not hmac.compare_digest(decision.verify_code, code):
        return None
    sent = session.scalar(
        select(ServiceRecord.sent_at)
        .where(ServiceRecord.decision_id == decision.id, ServiceRecord.sent_at.is_not(None))
        .order_by(ServiceRecord.sent_at)
        .limit(1)
    )
    return VerifiedDecision(
        number=decision.number,
        unit_name=squad.unit_name,
        issued_at=decision.issued_at,
        timezone=squad.timezone,
        party_masked=mask_name(name),
        plate=mask_plate(plate) if plate else "—",
        fine_total=decision.fine_total,
        points_total=decision.points_total,
        warning=decision.warning,
        service_sent_at=sent,
        sha256=sha,
    )


def decision_for_hash(session: Session, sha256: str) -> tuple[str, str] | None:
    """(document kind, decision number or "") of a stored document with this SHA-256."""
    row = session.execute(
        select(EvidenceFile.kind, Decision.number)
        .outerjoin(Decision, Decision.case_id == EvidenceFile.case_id)
        .where(EvidenceFile.sha256 == sha256, EvidenceFile.kind.in_(tuple(DOCUMENT_KINDS)))
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return str(row[0]), str(row[1] or "")


def archived_document(session: Session, sha256: str) -> tuple[str, int, str] | None:
    """(key, size, stored_in) of the stored document with this SHA-256 — to re-check the
    archived copy through the evidence store."""
    row = session.execute(
        select(EvidenceFile.path, EvidenceFile.size, EvidenceFile.stored_in)
        .where(EvidenceFile.sha256 == sha256, EvidenceFile.kind.in_(tuple(DOCUMENT_KINDS)))
        .limit(1)
    ).one_or_none()
    return None if row is None else (str(row[0]), int(row[1]), str(row[2] or ""))


def case_trail(session: Session, case_id: int) -> CaseTrail:
    """Steps with officers, the call's start and end, the evidence hashes, the service time."""
    from officer_console.store.db.models import CaseStep, CosignRequest, Officer, VideoSession

    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("案件不存在", code="case_not_found")
    steps = session.execute(
        select(CaseStep.step, CaseStep.completed_at, Officer.name, Officer.police_number)
        .join(Officer, Officer.id == CaseStep.officer_id)
        .where(CaseStep.case_id == case_id)
        .order_by(CaseStep.seq)
    ).all()
    calls = session.execute(
        select(VideoSession.created_at, VideoSession.ended_at)
        .where(VideoSession.appointment_id == case.appointment_id)
        .order_by(VideoSession.created_at)
    ).all()
    files = session.execute(
        select(EvidenceFile.kind, EvidenceFile.sha256, EvidenceFile.size)
        .where(
            (EvidenceFile.case_id == case_id) | (EvidenceFile.appointment_id == case.appointment_id)
        )
        .order_by(EvidenceFile.id)
    ).all()
    sent = session.scalar(
        select(ServiceRecord.sent_at)
        .join(Decision, Decision.id == ServiceRecord.decision_id)
        .where(Decision.case_id == case_id, ServiceRecord.sent_at.is_not(None))
        .order_by(ServiceRecord.sent_at)
        .limit(1)
    )
    cosign = session.execute(
        select(CosignRequest.decided_at, Officer.name, Officer.police_number)
        .join(Officer, Officer.id == CosignRequest.officer_id)
        .where(
            CosignRequest.case_id == case_id,
            CosignRequest.status == "approved",
            CosignRequest.decided_at.is_not(None),
        )
        .order_by(CosignRequest.decided_at.desc())
        .limit(1)
    ).one_or_none()
    ended = [end for _, end in calls if end is not None]
    return CaseTrail(
        steps=tuple((step, at, f"{name}（{number}）") for step, at, name, number in steps),
        call_started_at=calls[0][0] if calls else None,
        call_ended_at=max(ended) if ended else None,
        files=tuple((kind, sha, int(size)) for kind, sha, size in files),
        service_sent_at=sent,
        cosign=None
        if cosign is None or cosign[0] is None
        else (cosign[0], f"{cosign[1]}（{cosign[2]}）"),
    )
