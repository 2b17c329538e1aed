"""Who may play a case's recordings: the assigned officer(s), the squad's shift lead and the
auditor role. Every decision is audited (``recording.play``, outcome ok or denied) in the
transaction that makes it; the answer is returned, not raised, so a refusal's audit row
commits too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Appointment, Case, EvidenceFile, Officer
from officer_console.store.evidence.rows import KIND

__all__ = ["PLAY", "Playback", "RecordingListing", "authorize_playback", "recordings_of"]

PLAY = "recording.play"
DENIED = "只有承办民警、本大队带班领导和审计员可以播放本案录像"


@dataclass(frozen=True)
class RecordingListing:
    evidence_id: int
    key: str
    sha256: str
    size: int
    duration_s: float | None
    created_at: datetime
    stored_in: str | None


@dataclass(frozen=True)
class Playback:
    allowed: bool
    recording: RecordingListing | None = None
    message: str = ""


def _listing(row: EvidenceFile) -> RecordingListing:
    return RecordingListing(
        row.id, row.path, row.sha256, row.size, row.duration_s, row.created_at, row.stored_in
    )


def recordings_of(session: Session, appointment_id: int) -> list[RecordingListing]:
    """An appointment's recordings, oldest first (no file is touched)."""
    found = session.scalars(
        select(EvidenceFile)
        .where(EvidenceFile.appointment_id == appointment_id, EvidenceFile.kind == KIND)
        .order_by(EvidenceFile.created_at, EvidenceFile.id)
    )
    return [_listing(row) for row in found]


def _may_play(session: Session, officer: Officer | None, appointment: Appointment) -> bool:
    if officer is None or officer.disabled:
        return False
    if officer.role == "auditor":
        return True
    if officer.role == "shift_lead":
        return officer.squad_id == appointment.squad_id
    if officer.role != "officer":
        return False
    if appointment.officer_id == officer.id:
        return True
    case = session.scalar(select(Case).where(Case.appointment_id == appointment.id))
    return case is not None and officer.id in {case.lead_officer_id, case.assist_officer_id}


def authorize_playback(session: Session, actor: Actor, evidence_id: int) -> Playback:
    row = session.get(EvidenceFile, evidence_id)
    if row is None or row.kind != KIND or row.appointment_id is None:
        return Playback(False, message="录像不存在")
    appointment = session.get(Appointment, row.appointment_id)
    officer = session.get(Officer, actor.officer_id) if actor.officer_id else None
    allowed = appointment is not None and _may_play(session, officer, appointment)
    audit.record(
        session,
        actor,
        PLAY,
        entity_type="evidence",
        entity_id=row.id,
        outcome="ok" if allowed else "denied",
        detail={"file": row.path, "appointment": row.appointment_id, "store": row.stored_in},
    )
    if not allowed:
        return Playback(False, message=DENIED)
    return Playback(True, _listing(row))
